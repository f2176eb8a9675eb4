"""Calico: the tigera-operator chart with the MKE 4k network profile, then a readiness gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi_kubernetes as k8s

from components.platform.common import PlatformPiece
from components.platform.values import calico_needs_crd_chart, render_calico_values

DEFAULT_CALICO_CHART_REPO = "https://docs.tigera.io/calico/charts"


@dataclass(frozen=True)
class CalicoArgs:
    """Calico settings (versions come from the release matrix via settings).

    Attributes:
        version: Calico version = chart version, with its ``v`` (e.g. ``v3.30.2``).
        pod_cidr: the k0s pod CIDR; the single Calico IPv4 pool uses it.
        vxlan_port: Felix VXLAN UDP port.
        vxlan_vni: Felix VXLAN VNI.
        chart_repo: Helm repository of the charts.
        chart: operator chart name.
        crd_chart: CRD chart name, installed first for Calico >= 3.32.
        namespace: namespace of the operator release.
        release_name: Helm release name of the operator chart.
        user_values: chart values merged on top (must not touch the network profile).
        ready_timeout: seconds to wait for ``tigerastatus/calico`` Available (also the Helm timeout).
    """

    version: str
    pod_cidr: str = "192.168.0.0/16"
    vxlan_port: int = 4789
    vxlan_vni: int = 4096
    chart_repo: str = DEFAULT_CALICO_CHART_REPO
    chart: str = "tigera-operator"
    crd_chart: str = "crd.projectcalico.org.v1"
    namespace: str = "tigera-operator"
    release_name: str = "tigera-operator"
    user_values: Mapping[str, Any] = field(default_factory=dict)
    ready_timeout: int = 600


class Calico(PlatformPiece[CalicoArgs]):
    """``mke4k:platform:Calico``: [CRD chart →] tigera-operator release → ``tigerastatus/calico`` Available.

    Attributes:
        release: the tigera-operator Helm release.
        crd_release: the CRD chart release (Calico >= 3.32), else None.
        ready: the readiness gate; depend on it to run after Calico is up.
    """

    type_token = "mke4k:platform:Calico"

    def build(self, name: str, args: CalicoArgs) -> None:
        """Register Calico's namespace, secrets, release(s) and gate; ``name`` is ``<cluster>-calico``."""
        values = render_calico_values(
            version=args.version,
            pod_cidr=args.pod_cidr,
            vxlan_port=args.vxlan_port,
            vxlan_vni=args.vxlan_vni,
            user_values=args.user_values,
            image_registry=self.image_registry,
            pull_secret_names=[n for n in [self.pull_secret] if n],
        )
        prerequisites = self.prepare_namespace(args.namespace)
        self.crd_release: k8s.helm.v3.Release | None = None
        if calico_needs_crd_chart(args.version):
            self.crd_release = self.chart(
                args,
                location=self.locate(args.crd_chart, args.chart_repo),
                namespace=args.namespace,
                values={},
                depends_on=prerequisites,
                suffix="-crds",
            )
            prerequisites = [*prerequisites, self.crd_release]
        self.release = self.chart(
            args,
            location=self.locate(args.chart, args.chart_repo),
            namespace=args.namespace,
            values=values,
            depends_on=prerequisites,
        )
        self.ready = self.gate(
            args,
            what="Calico",
            resource="tigerastatus/calico",
            condition="Available",
            hint="Check `k0s kubectl get tigerastatus` and `k0s kubectl -n calico-system get pods`; "
            "until Calico is Available CoreDNS and every workload stay Pending.",
        )
