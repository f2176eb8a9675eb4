"""registry_preflight.sh against a real registry on loopback (TLS from a test CA, htpasswd).

The inputs come from the mirror manifest of a stack whose mirror is the loopback registry
(components/airgap.py), so the test checks the list the program would check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components.airgap import mirror_manifest, preflight_inputs
from components.settings import settings_from_mapping
from tests.support.registry import LoopbackRegistry, loopback_registry  # noqa: F401 - fixture
from tests.support.ssh_keys import openssh_private_key


def manifest_for(registry: LoopbackRegistry):
    raw = {
        "cluster": {"name": "air"},
        "hosts": {
            "source": "static",
            "static": {"hosts": [{"name": "m1", "role": "controller+worker", "address": "10.60.0.11"}]},
        },
        "ssh": {"privateKey": openssh_private_key("airgap")},
        "registry": {"imageRegistry": f"{registry.host}/mke", "chartRegistry": f"oci://{registry.host}/mke"},
    }
    return mirror_manifest(settings_from_mapping(raw, stack="air", base_dir=Path(".")))


def push_everything(registry: LoopbackRegistry, manifest, skip: set[str] = frozenset()) -> None:
    prefix = f"{registry.host}/"
    for image in manifest.images:
        if image.target not in skip:
            registry.push_image(image.target_image.removeprefix(prefix), image.version)
    for chart in manifest.charts:
        if chart.target not in skip:
            registry.push_chart(chart.target.removeprefix(f"oci://{prefix}"), chart.version)


def preflight(host, registry, manifest, *, ca: str | None = None, credentials: bool = True, token: str | None = None):
    inputs = preflight_inputs(manifest, registry.ca_pem if ca is None else ca, with_credentials=credentials)
    stdin = (token or registry.auth_token) + "\n" if credentials else None
    return host.run("registry_preflight.sh", stdin=stdin, **inputs)


@pytest.fixture
def manifest(loopback_registry):  # noqa: F811
    return manifest_for(loopback_registry)


def test_complete_mirror_passes(host, loopback_registry, manifest):  # noqa: F811
    push_everything(loopback_registry, manifest)
    result = preflight(host, loopback_registry, manifest)
    assert result.returncode == 0, result
    total = len({i.target for i in manifest.images}) + len(manifest.charts)
    assert total >= 15
    assert result.values == {"checked": str(total)}
    assert f"the mirror holds all {total} images and charts" in result.stderr
    assert loopback_registry.auth_token not in result.stdout + result.stderr
    assert not host.listdir("/var/lib/mke4k/tmp"), "CA, token and curl config are removed"


def test_missing_images_and_charts_are_named(host, loopback_registry, manifest):  # noqa: F811
    kube_proxy = next(i.target for i in manifest.images if i.component == "k0s/kubeproxy")
    operator_chart = next(c.target for c in manifest.charts if c.component == "mke-operator")
    push_everything(loopback_registry, manifest, skip={kube_proxy, operator_chart})
    result = preflight(host, loopback_registry, manifest)
    assert result.returncode != 0
    chart_ref = (
        operator_chart.removeprefix("oci://")
        + ":"
        + next(c.version for c in manifest.charts if c.component == "mke-operator")
    )
    missing = [line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("missing=")]
    assert missing == [f"image {kube_proxy}", f"chart {chart_ref}"]
    assert "the mirror lacks 2 of" in result.stderr and "make airgap-list" in result.stderr
    assert kube_proxy in result.stderr


def test_an_empty_mirror_lists_everything(host, loopback_registry, manifest):  # noqa: F811
    result = preflight(host, loopback_registry, manifest)
    assert result.returncode != 0
    missing = [line for line in result.stdout.splitlines() if line.startswith("missing=")]
    assert len(missing) == len({i.target for i in manifest.images}) + len(manifest.charts)


def test_wrong_credentials_and_missing_credentials(host, loopback_registry, manifest):  # noqa: F811
    push_everything(loopback_registry, manifest)
    wrong = preflight(host, loopback_registry, manifest, token="d3Jvbmc6d3Jvbmc=")
    assert wrong.returncode != 0 and "refused the credentials (HTTP 401)" in wrong.stderr
    anonymous = preflight(host, loopback_registry, manifest, credentials=False)
    assert anonymous.returncode != 0 and "needs credentials (HTTP 401)" in anonymous.stderr
    assert "mke4k:registry.username" in anonymous.stderr


def test_an_untrusted_certificate_is_reported(host, loopback_registry, manifest, tmp_path):  # noqa: F811
    with LoopbackRegistry(tmp_path / "other") as other:
        other_ca = other.ca_pem
    result = preflight(host, loopback_registry, manifest, ca=other_ca)
    assert result.returncode != 0
    assert "does not answer over HTTPS" in result.stderr and "caData" in result.stderr


def test_nothing_to_check_is_an_error(host):
    result = host.run("registry_preflight.sh")
    assert result.returncode != 0 and "nothing to check" in result.stderr
