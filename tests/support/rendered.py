"""Platform values as the program renders them for tests: MKE 4k defaults with every airgap option."""

from __future__ import annotations

from typing import Any

from components.platform.values import render_calico_values, render_kcm_values


def rendered_calico(version: str, **kwargs: Any) -> dict[str, Any]:
    """Calico values as the program renders them (MKE 4k defaults, with airgap extras)."""
    return render_calico_values(
        version=version,
        pod_cidr="192.168.0.0/16",
        vxlan_port=4789,
        vxlan_vni=4096,
        image_registry="registry.local/mke",
        pull_secret_names=["mke4k-registry-credentials"],
        **kwargs,
    )


def kcm_airgap(flavor: str, version: str) -> dict[str, Any]:
    """KCM values with every airgap option set."""
    return render_kcm_values(
        flavor=flavor,
        version=version,
        image_registry="registry.local/k0rdent",
        chart_registry="oci://registry.local/k0rdent/charts",
        pull_secret_name="mke4k-registry-credentials",
        ca_secret_name="mke4k-registry-ca",
    )
