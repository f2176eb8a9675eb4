"""Rules for mke4k:registry.* (components/settings/rules/platform.py): one failing config each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.settings import SettingsError, deep_merge, settings_from_mapping
from tests.support.ssh_keys import openssh_private_key

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
BASE: dict[str, Any] = {
    "cluster": {"name": "air"},
    "hosts": {
        "source": "static",
        "static": {"hosts": [{"name": "m1", "role": "controller+worker", "address": "10.60.0.11"}]},
    },
    "ssh": {"privateKey": openssh_private_key("airgap")},
}
MIRROR = {"registry": {"imageRegistry": "registry.example.com/mke"}}


def issues(raw: dict[str, Any], base_dir: Path = Path(".")) -> list[str]:
    """The rendered issues of loading ``raw`` (empty when valid)."""
    try:
        settings_from_mapping(raw, stack="air", base_dir=base_dir)
    except SettingsError as error:
        return [issue.render() for issue in error.issues]
    return []


def test_a_complete_airgap_config_is_valid(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text(PEM)
    raw = deep_merge(
        BASE,
        {
            "registry": {
                "imageRegistry": "registry.example.com:5000/mke",
                "chartRegistry": "oci://registry.example.com:5000/mke",
                "caData": PEM,
                "caFile": str(ca),
                "username": "pull",
                "password": "secret",
                "mirroredRegistries": ["quay.io", "registry.local:5000"],
            }
        },
    )
    assert issues(raw) == []


@pytest.mark.parametrize("value", ["https://registry.example.com/mke", "registry.example.com/mke/", "reg istry/mke"])
def test_image_registry_is_a_plain_prefix(value: str) -> None:
    [message] = issues(deep_merge(BASE, {"registry": {"imageRegistry": value}}))
    assert message.startswith("mke4k:registry.imageRegistry:") and "like registry.example.com/mke" in message


def test_mirrored_registries_need_a_mirror() -> None:
    [message] = issues(deep_merge(BASE, {"registry": {"mirroredRegistries": ["quay.io"]}}))
    assert message.startswith("mke4k:registry.mirroredRegistries: names registries to pull from the mirror")


def test_a_ca_without_any_registry_is_refused() -> None:
    [message] = issues(deep_merge(BASE, {"registry": {"caData": PEM}}))
    assert message.startswith("mke4k:registry.caData: is set, but there is no registry")


def test_ca_data_must_be_pem() -> None:
    [message] = issues(deep_merge(deep_merge(BASE, MIRROR), {"registry": {"caData": "not a certificate"}}))
    assert message.startswith("mke4k:registry.caData: is not a PEM certificate bundle")


def test_ca_file_must_be_readable_pem(tmp_path: Path) -> None:
    [missing] = issues(deep_merge(deep_merge(BASE, MIRROR), {"registry": {"caFile": str(tmp_path / "nope.pem")}}))
    assert missing.startswith("mke4k:registry.caFile: cannot read") and "Fix: check the path" in missing
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    [message] = issues(deep_merge(deep_merge(BASE, MIRROR), {"registry": {"caFile": str(junk)}}))
    assert message.startswith("mke4k:registry.caFile:") and "holds no PEM certificate" in message


def test_ca_data_and_ca_file_must_agree(tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_text(PEM.replace("MIIB", "MIIC"))
    raw = deep_merge(deep_merge(BASE, MIRROR), {"registry": {"caData": PEM, "caFile": str(other)}})
    [message] = issues(raw)
    assert message.startswith("mke4k:registry.caData: differs from the contents of caFile")


def test_mirrored_registry_names_are_hosts() -> None:
    [message] = issues(deep_merge(deep_merge(BASE, MIRROR), {"registry": {"mirroredRegistries": ["https://quay.io"]}}))
    assert message.startswith("mke4k:registry.mirroredRegistries: 'https://quay.io' is not a registry host")


def test_a_mirror_needs_the_k0s_versions_images() -> None:
    """k0s v1.33.5 is a valid version, but the release matrix cannot name its system images."""
    assert issues(deep_merge(BASE, {"k0s": {"version": "v1.33.5+k0s.0"}})) == []
    [message] = issues(deep_merge(deep_merge(BASE, MIRROR), {"k0s": {"version": "v1.33.5+k0s.0"}}))
    assert (
        message.startswith("mke4k:k0s.version: with mke4k:registry.imageRegistry set") and "v1.32.11+k0s.0" in message
    )


def test_a_mirror_needs_the_calico_versions_images() -> None:
    found = issues(deep_merge(deep_merge(BASE, MIRROR), {"calico": {"version": "v3.30.3"}}))
    assert any(m.startswith("mke4k:calico.version: with mke4k:registry.imageRegistry set") for m in found), found
    assert issues(deep_merge(deep_merge(BASE, MIRROR), {"calico": {"version": "v3.30.3", "enabled": False}})) == []
