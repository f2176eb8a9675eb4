"""mke4k: an MKE 4k cluster (machines, k0s, Calico, k0rdent, mke-operator) from stack config."""

import pulumi

from components.cluster import MkeCluster
from components.settings import load_settings

settings = load_settings()
cluster = MkeCluster(settings)
cluster.export()
pulumi.export(
    "versions",
    {
        "mke": settings.version,
        "k0s": settings.k0s.version,
        "calico": settings.calico.version,
        "k0rdent": settings.k0rdent.version,
        "mkeOperator": settings.mke_operator.version,
    },
)
