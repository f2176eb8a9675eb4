"""The mke4k CrossGuard rules, importable without starting a policy server.

``policy/__main__.py`` builds the :class:`pulumi_policy.PolicyPack` from :data:`POLICIES`;
tests import this package and call each policy's ``validate`` directly.
"""

from __future__ import annotations

from pulumi_policy import Policy

from .calico import CALICO_NETWORK_PROFILE
from .controllers import ODD_CONTROLLER_COUNT
from .ec2 import ENCRYPTED_VOLUMES, IMDSV2_REQUIRED, KEY_CHANGE_KEEPS_INSTANCES, NODE_TAGS
from .ingress import NO_PUBLIC_CLUSTER_PORTS, PUBLIC_ADMIN_PORTS
from .nlb import NLB_IP_TARGETS
from .providers import EXPLICIT_KUBERNETES_PROVIDER

PACK_NAME = "mke4k"
"""Policy pack name (letters, digits, ``-``, ``_``, ``.``)."""

POLICIES: list[Policy] = [
    IMDSV2_REQUIRED,
    ENCRYPTED_VOLUMES,
    NODE_TAGS,
    KEY_CHANGE_KEEPS_INSTANCES,
    NO_PUBLIC_CLUSTER_PORTS,
    PUBLIC_ADMIN_PORTS,
    NLB_IP_TARGETS,
    CALICO_NETWORK_PROFILE,
    EXPLICIT_KUBERNETES_PROVIDER,
    ODD_CONTROLLER_COUNT,
]
"""Every policy of the pack, in the order the CLI lists them."""

__all__ = [
    "CALICO_NETWORK_PROFILE",
    "ENCRYPTED_VOLUMES",
    "EXPLICIT_KUBERNETES_PROVIDER",
    "IMDSV2_REQUIRED",
    "KEY_CHANGE_KEEPS_INSTANCES",
    "NLB_IP_TARGETS",
    "NODE_TAGS",
    "NO_PUBLIC_CLUSTER_PORTS",
    "ODD_CONTROLLER_COUNT",
    "PACK_NAME",
    "POLICIES",
    "PUBLIC_ADMIN_PORTS",
]
