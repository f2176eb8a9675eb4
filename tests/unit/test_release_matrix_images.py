"""The image lists of the release matrix: complete for every release, consistent with upstream."""

from __future__ import annotations

import pytest

from components.release_matrix import load_matrix
from components.settings.k0s import K0S_VERSION_PATTERN
from tests.support.charts import chart_values

MATRIX = load_matrix()
RELEASES = sorted(MATRIX.releases)


@pytest.mark.parametrize("mke", RELEASES)
def test_every_release_has_the_images_of_its_k0s_and_calico(mke: str) -> None:
    """An airgapped install of any listed MKE release can name every image it needs."""
    release = MATRIX.release(mke)
    assert release.k0s in MATRIX.k0sImages
    assert release.calico in MATRIX.calicoImages


@pytest.mark.parametrize("k0s", sorted(MATRIX.k0sImages))
def test_kube_proxy_tag_is_the_kubernetes_version_of_k0s(k0s: str) -> None:
    """k0s tags kube-proxy with its Kubernetes version (k0s's own TestKubeProxyVersion)."""
    match = K0S_VERSION_PATTERN.match(k0s)
    assert match is not None
    assert MATRIX.k0sImages[k0s].kubeproxy.version == f"v{match.group(1)}.{match.group(2)}.{match.group(3)}"


@pytest.mark.parametrize("calico", sorted(MATRIX.calicoImages))
def test_operator_image_is_the_one_the_chart_deploys(calico: str) -> None:
    """The tigera/operator image equals the chart's own ``tigeraOperator`` values at that version."""
    values = chart_values(f"tigera-operator-{calico}")["tigeraOperator"]
    operator = MATRIX.calicoImages[calico].operator
    assert operator.image == f"{values['registry']}/{values['image']}"
    assert operator.version == values["version"]


@pytest.mark.parametrize("calico", sorted(MATRIX.calicoImages))
def test_listed_calico_components_follow_the_chart_defaults(calico: str) -> None:
    """API server, Goldmane and Whisker are on in the chart, so their images are listed; CSI is off for MKE."""
    values = chart_values(f"tigera-operator-{calico}")
    components = MATRIX.calicoImages[calico].components
    for key, images in (
        ("apiServer", {"apiserver"}),
        ("goldmane", {"goldmane"}),
        ("whisker", {"whisker", "whisker-backend"}),
    ):
        assert (images <= set(components)) == bool(values[key]["enabled"]), key
    assert "csi" not in components and "node-driver-registrar" not in components
