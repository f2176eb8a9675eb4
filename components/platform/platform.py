"""The platform layer: Calico → readiness → k0rdent → Management gate → mke-operator → MkeConfig."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
from pulumi_command import remote

from components.platform.calico import Calico, CalicoArgs
from components.platform.common import PieceContext
from components.platform.k0rdent import K0rdent, K0rdentArgs
from components.platform.mke_operator import MkeOperator, MkeOperatorArgs
from components.platform.registry import RegistryArgs


@dataclass(frozen=True)
class PlatformArgs:
    """Everything the platform layer needs; it knows nothing about settings models.

    Attributes:
        kubernetes_provider: the provider every Kubernetes resource uses (explicitly).
        leader_connection: SSH to the bootstrap controller, for ``k0s kubectl wait`` gates.
        cluster_ready: resources the platform must wait for (e.g. the last node join).
        calico: Calico settings; None = Calico disabled.
        k0rdent: k0rdent settings; None = k0rdent disabled.
        mke_operator: mke-operator settings; None = mke-operator (and MkeConfig) disabled.
        registry: private/airgap registry settings; None = upstream registries.
    """

    kubernetes_provider: k8s.Provider
    leader_connection: remote.ConnectionArgs
    cluster_ready: Sequence[pulumi.Resource] = field(default_factory=list)
    calico: CalicoArgs | None = None
    k0rdent: K0rdentArgs | None = None
    mke_operator: MkeOperatorArgs | None = None
    registry: RegistryArgs | None = None


class Platform(pulumi.ComponentResource):
    """``mke4k:platform:Platform``: installs the enabled pieces in order, each after the previous gate.

    Attributes:
        calico / k0rdent / mke_operator: the piece components (None when disabled).
        ready: the last readiness gate (or ``cluster_ready`` when everything is disabled).
    """

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        """Register the platform for cluster ``name``."""
        super().__init__("mke4k:platform:Platform", name, None, opts)
        after: list[pulumi.Resource] = list(args.cluster_ready)
        child = pulumi.ResourceOptions(parent=self)

        def context() -> PieceContext:
            return PieceContext(
                cluster=name,
                provider=args.kubernetes_provider,
                connection=args.leader_connection,
                after=list(after),
                registry=args.registry,
            )

        self.calico: Calico | None = None
        self.k0rdent: K0rdent | None = None
        self.mke_operator: MkeOperator | None = None
        if args.calico is not None:
            self.calico = Calico(f"{name}-calico", args.calico, context(), child)
            after = [self.calico.ready]
        if args.k0rdent is not None:
            self.k0rdent = K0rdent(f"{name}-k0rdent", args.k0rdent, context(), child)
            after = [self.k0rdent.ready]
        if args.mke_operator is not None:
            self.mke_operator = MkeOperator(f"{name}-mke-operator", args.mke_operator, context(), child)
            after = [self.mke_operator.ready]
        self.ready: list[pulumi.Resource] = after
        self.register_outputs(
            {
                "calicoEnabled": self.calico is not None,
                "k0rdentEnabled": self.k0rdent is not None,
                "mkeOperatorEnabled": self.mke_operator is not None,
            }
        )
