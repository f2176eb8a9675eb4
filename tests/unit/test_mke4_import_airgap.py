"""mke4.yaml's airgap section (spec.airgap, spec.registries) carried into mke4k:registry.

Built on tests/fixtures/mke4/airgap.yaml (shaped like mkectl's MkeConfig); each case
changes the registries, writes the file, and loads a stack that points at it.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import Settings, SettingsError, settings_from_mapping
from tests.support.ssh_keys import openssh_private_key

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mke4" / "airgap.yaml"
PEM = "-----BEGIN CERTIFICATE-----\nMIIBairgap\n-----END CERTIFICATE-----\n"


def load_with(tmp_path: Path, registries: dict[str, Any], stack: dict[str, Any] | None = None) -> Settings:
    document = yaml.safe_load(FIXTURE.read_text())
    document["spec"]["registries"] = registries
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    stack = {"ssh": {"privateKey": openssh_private_key("imported")}, **(stack or {})}
    return settings_from_mapping({"mke4ConfigFile": "mke4.yaml", **stack}, stack="imported", base_dir=tmp_path)


def fixture_registries() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(FIXTURE.read_text())["spec"]["registries"])


def refused(tmp_path: Path, registries: dict[str, Any], *phrases: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load_with(tmp_path, registries)
    message = str(caught.value)
    assert "mke4k:mke4ConfigFile:" in message
    for phrase in phrases:
        assert phrase in message, message
    return message


def test_ca_data_is_carried_over_pem_or_base64(tmp_path: Path) -> None:
    registries = fixture_registries()
    registries["imageRegistry"]["caData"] = PEM
    registries["chartRegistry"]["caData"] = base64.b64encode(PEM.encode()).decode()
    settings = load_with(tmp_path, registries)
    assert settings.registry.ca_data == PEM
    assert settings.registry.image_registry == registries["imageRegistry"]["url"]
    assert settings.registry.chart_registry == registries["chartRegistry"]["url"]


def test_inline_credentials_become_a_secret_setting(tmp_path: Path) -> None:
    registries = fixture_registries()
    for entry in registries.values():
        entry.update(username="pull", password="pull-password")
    settings = load_with(tmp_path, registries)
    assert settings.registry.username == "pull"
    assert settings.registry.password is not None
    assert settings.registry.password.get_secret_value() == "pull-password"
    assert "pull-password" not in repr(settings.registry)


def test_the_stack_can_add_credentials(tmp_path: Path) -> None:
    settings = load_with(tmp_path, fixture_registries(), {"registry": {"username": "u", "password": "p"}})
    assert settings.registry.username == "u" and settings.registry.image_registry


def test_a_secret_reference_is_refused(tmp_path: Path) -> None:
    registries = fixture_registries()
    registries["imageRegistry"]["credentialsSecretName"] = "mke-registry-creds"
    refused(
        tmp_path, registries, "credentialsSecretName names a Secret", "Fix: remove it and set mke4k:registry.username"
    )


def test_plain_http_is_refused(tmp_path: Path) -> None:
    registries = fixture_registries()
    registries["imageRegistry"]["url"] = "http://registry.example.internal/mke"
    refused(tmp_path, registries, "uses plain http", "Fix: serve the registry over HTTPS")


def test_two_different_cas_are_refused(tmp_path: Path) -> None:
    registries = fixture_registries()
    registries["imageRegistry"]["caData"] = PEM
    registries["chartRegistry"]["caData"] = PEM.replace("airgap", "other")
    refused(tmp_path, registries, "different caData", "Fix: put both CAs in one bundle")


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    registries = fixture_registries()
    registries["imageRegistry"]["insecureSkipVerify"] = True
    refused(tmp_path, registries, "keys mke4k cannot honour: insecureSkipVerify")


def test_airgap_without_an_image_registry_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, {"chartRegistry": {"url": "oci://registry.example.internal/mke"}}, "imageRegistry.url is empty")
