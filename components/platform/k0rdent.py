"""k0rdent (KCM): the k0rdent Enterprise (default) or open-source KCM chart, then the Management gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from components.platform.common import PlatformPiece
from components.platform.values import KcmLayout, render_kcm_values

K0rdentFlavor = Literal["enterprise", "oss"]

K0RDENT_CHARTS: dict[str, str] = {
    "enterprise": "oci://registry.mirantis.com/k0rdent-enterprise/charts/k0rdent-enterprise",
    "oss": "oci://ghcr.io/k0rdent/kcm/charts/kcm",
}
K0RDENT_NAMESPACES: dict[str, str] = {"enterprise": "k0rdent", "oss": "kcm-system"}


@dataclass(frozen=True)
class K0rdentArgs:
    """k0rdent settings.

    Attributes:
        version: chart version without ``v`` (Enterprise ``1.2.3``, OSS ``1.2.0`` … ``1.11.4``).
        flavor: ``enterprise`` (what MKE 4k 4.1.5 ships) or ``oss``.
        chart: full ``oci://`` chart reference; None = the flavor's default.
        namespace: release namespace; None = ``k0rdent`` (enterprise) / ``kcm-system`` (oss).
        release_name: Helm release name (``kcm``).
        management_name: name of the ``Management`` object the chart creates (``kcm``).
        values_layout: KCM values layout; None = derived from flavor and version.
        controller_image: controller image path under the image registry (airgap);
            None = ``kcm-controller`` (enterprise) / ``kcm/controller`` (oss).
        user_values: chart values merged on top (they win).
        ready_timeout: seconds for the Helm install and for ``Management`` Ready.
    """

    version: str
    flavor: K0rdentFlavor = "enterprise"
    chart: str | None = None
    namespace: str | None = None
    release_name: str = "kcm"
    management_name: str = "kcm"
    values_layout: KcmLayout | None = None
    controller_image: str | None = None
    user_values: Mapping[str, Any] = field(default_factory=dict)
    ready_timeout: int = 1800

    @property
    def chart_ref(self) -> str:
        """The chart reference to install."""
        return self.chart or K0RDENT_CHARTS[self.flavor]

    @property
    def release_namespace(self) -> str:
        """The namespace to install into."""
        return self.namespace or K0RDENT_NAMESPACES[self.flavor]


class K0rdent(PlatformPiece[K0rdentArgs]):
    """``mke4k:platform:K0rdent``: KCM release → ``management/<management_name>`` Ready.

    Attributes:
        release: the KCM Helm release.
        ready: the Management readiness gate.
    """

    type_token = "mke4k:platform:K0rdent"

    def build(self, name: str, args: K0rdentArgs) -> None:
        """Register k0rdent's namespace, secrets, release and gate; ``name`` is ``<cluster>-k0rdent``."""
        registry = self.context.registry
        namespace = args.release_namespace
        values = render_kcm_values(
            flavor=args.flavor,
            version=args.version,
            user_values=args.user_values,
            layout=args.values_layout,
            image_registry=self.image_registry,
            chart_registry=registry.chart_registry if registry else None,
            controller_image=args.controller_image,
            pull_secret_name=self.pull_secret,
            ca_secret_name=self.ca_secret,
        )
        self.release = self.chart(
            args,
            location=self.locate(args.chart_ref),
            namespace=namespace,
            values=values,
            depends_on=self.prepare_namespace(namespace, include_ca=True),
        )
        self.ready = self.gate(
            args,
            what="k0rdent",
            resource=f"management/{args.management_name}",
            condition="Ready",
            hint=f"Check `k0s kubectl get management {args.management_name} -o yaml` (status.components) "
            f"and `k0s kubectl -n {namespace} get pods,helmreleases`.",
        )
