"""Calico: the tigera-operator chart with the MKE 4k network profile, then a readiness gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
        crd_chart: CRD chart name, the source of the CRDs for Calico >= 3.32.
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
    """``mke4k:platform:Calico``: CRDs → tigera-operator release → ``tigerastatus/calico`` Available.

    Attributes:
        crds: the CRDs of this Calico version (a ``helm.v4.Chart`` rendering only CRDs:
            the operator chart's ``crds/`` before 3.32, the ``crd.projectcalico.org.v1``
            chart from 3.32), applied server-side before the release on every version change.
        release: the tigera-operator Helm release (``skip_crds``: the CRDs are ``crds``).
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
        # Helm never upgrades a chart's crds/: apply this version's CRDs first, on every
        # install and version change (see components/platform/crds.py).
        crd_chart = args.crd_chart if calico_needs_crd_chart(args.version) else args.chart
        self.crds = self.crd_chart(args, location=self.locate(crd_chart, args.chart_repo), depends_on=prerequisites)
        self.release = self.chart(
            args,
            location=self.locate(args.chart, args.chart_repo),
            namespace=args.namespace,
            values=values,
            depends_on=[*prerequisites, self.crds],
            skip_crds=True,
        )
        self.ready = self.gate(
            args,
            what="Calico",
            resource="tigerastatus/calico",
            condition="Available",
            hint="Check `k0s kubectl get tigerastatus` and `k0s kubectl -n calico-system get pods`; "
            "until Calico is Available CoreDNS and every workload stay Pending.",
        )
