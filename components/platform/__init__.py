"""Platform layer: Calico → k0rdent → mke-operator (+ MkeConfig) on a ready k0s cluster.

Public API: :class:`Platform` / :class:`PlatformArgs` and the per-piece args
(:class:`CalicoArgs`, :class:`K0rdentArgs`, :class:`MkeOperatorArgs`,
:class:`RegistryArgs`). Pure value renderers live in :mod:`components.platform.values`.
"""

from components.platform.calico import Calico, CalicoArgs
from components.platform.k0rdent import K0rdent, K0rdentArgs
from components.platform.mke_operator import MkeOperator, MkeOperatorArgs
from components.platform.platform import Platform, PlatformArgs
from components.platform.registry import RegistryArgs
from components.platform.values import ProfileOverrideError

__all__ = [
    "Calico",
    "CalicoArgs",
    "K0rdent",
    "K0rdentArgs",
    "MkeOperator",
    "MkeOperatorArgs",
    "Platform",
    "PlatformArgs",
    "ProfileOverrideError",
    "RegistryArgs",
]
