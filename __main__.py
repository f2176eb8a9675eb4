"""mke4k: an MKE 4k cluster (machines, k0s, Calico, k0rdent, mke-operator) from stack config."""

import pulumi

from components.cluster import MkeCluster
from components.settings import SettingsError, load_settings

try:
    settings = load_settings()
    cluster = MkeCluster(settings)
except SettingsError as error:
    raise pulumi.RunError(str(error)) from None  # the message, without a Python traceback
cluster.export()
