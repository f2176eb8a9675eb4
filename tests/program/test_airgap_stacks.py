"""Airgap under mocks: with mke4k:registry.* set, nothing the program renders points at a public registry.

Every shipped stack is built through ``__main__.py`` with a mirror added (the airgap stack
ships with one); the test walks what a user's cluster would pull from: the k0s
ClusterConfig each controller receives (found in its ``k0s-config`` step's inputs,
whichever way the script gets it) and every Helm release's chart location and values.
A second test proves the mirror list (``make airgap-list``) names what those releases
and configs reference.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.airgap import mirror_manifest
from components.image_refs import names_public_registry
from components.settings import deep_merge, settings_from_mapping
from tests.program.stack_program import SHIPPED_STACKS, give_stack_keys, run_stack, stack_config
from tests.support.recording_mocks import RecordedResource, Recording

COMMAND = "command:remote:Command"
RELEASE = "kubernetes:helm.sh/v3:Release"
MIRROR = "mirror.airgap.test:5443/mke"
PEM = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"
_BASE64 = re.compile(r"[A-Za-z0-9+/]{200,}={0,2}")


@pytest.fixture(autouse=True)
def stack_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SSH key files the static stacks name, in a scratch HOME."""
    give_stack_keys(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))


def with_mirror(stack: str) -> dict[str, Any]:
    """The stack's config with a mirror, CA and pull credentials (kept when the stack has its own)."""
    config = stack_config(stack)
    mirror = {"imageRegistry": MIRROR, "chartRegistry": f"oci://{MIRROR}", "caData": PEM}
    registry = deep_merge(mirror, config.get("mke4k:registry") or {})
    return {**config, "mke4k:registry": {**registry, "username": "pull", "password": "pull-secret-value"}}


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with its dotted path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def cluster_configs(step: RecordedResource) -> list[dict[str, Any]]:
    """The k0s ClusterConfigs a step carries, as plain YAML or base64 in any string input."""
    found = []
    for _, text in strings(step.inputs):
        candidates = [text] if "kind: ClusterConfig" in text else []
        for token in _BASE64.findall(text):
            try:
                candidates.append(base64.b64decode(token).decode())
            except (binascii.Error, UnicodeDecodeError):
                continue
        for candidate in candidates:
            document = yaml.safe_load(candidate) if "kind: ClusterConfig" in candidate else None
            if isinstance(document, dict) and document.get("kind") == "ClusterConfig":
                found.append(document)
    return found


def public_references(recording: Recording) -> list[str]:
    """``<resource>: <path> = <value>`` for every public registry the cluster would pull from."""
    leaks = []
    for release in recording.by_type(RELEASE):
        watched = {"chart": release.inputs.get("chart"), "repositoryOpts": release.inputs.get("repositoryOpts")}
        watched["values"] = release.inputs.get("values")
        leaks += [f"{release.name}: {p} = {v}" for p, v in strings(watched) if names_public_registry(v)]
    for step in recording.by_type(COMMAND):
        if step.name.endswith("-k0s-config"):
            for config in cluster_configs(step):
                leaks += [f"{step.name}: {p} = {v}" for p, v in strings(config) if names_public_registry(v)]
    return leaks


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_with_a_mirror_nothing_points_at_a_public_registry(stack: str) -> None:
    recording = run_stack(with_mirror(stack), stack)
    config_steps = [r for r in recording.by_type(COMMAND) if r.name.endswith("-k0s-config")]
    assert config_steps and all(cluster_configs(s) for s in config_steps), "every controller gets a ClusterConfig"
    assert len(recording.by_type(RELEASE)) >= 3
    assert public_references(recording) == []
    assert recording.secret_leaks("pull-secret-value") == []


def test_the_check_can_fail() -> None:
    """Control: without a mirror the same walk finds the public registries."""
    leaks = public_references(run_stack(stack_config("lab"), "lab"))
    assert any("tigera-operator" in leak or "docs.tigera.io" in leak for leak in leaks)
    assert any("registry.mirantis.com" in leak for leak in leaks)


def test_the_mirror_list_names_what_the_program_installs() -> None:
    """Charts (location and version), Calico and k0rdent image registries: the list and the releases agree."""
    config = with_mirror("airgap")
    recording = run_stack(config, "airgap")
    raw = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("mke4k:")}
    manifest = mirror_manifest(settings_from_mapping(raw, stack="airgap", base_dir=Path(".")))
    releases = recording.by_type(RELEASE)
    assert {(r.inputs["chart"], r.inputs["version"]) for r in releases} == {
        (c.target, c.version) for c in manifest.charts
    }

    calico = next(r for r in releases if r.inputs["chart"].endswith("/tigera-operator")).inputs["values"]
    operator = next(i for i in manifest.images if i.component == "calico/operator")
    assert operator.target_image.startswith(calico["tigeraOperator"]["registry"] + "/")
    components = [i for i in manifest.images if i.component.startswith("calico/") and i is not operator]
    assert components and all(i.target_image.startswith(calico["installation"]["registry"]) for i in components)

    kcm = next(r for r in releases if r.inputs["chart"].endswith("/k0rdent-enterprise")).inputs["values"]
    controller = next(i for i in manifest.images if i.component == "k0rdent/controller")
    assert controller.target_image == kcm["image"]["repository"]

    k0s_listed = {i.target for i in manifest.images if i.component.startswith("k0s/")}
    for step in (r for r in recording.by_type(COMMAND) if r.name.endswith("-k0s-config")):
        for document in cluster_configs(step):
            rendered = {f"{s['image']}:{s['version']}" for s in document["spec"]["images"].values()}
            assert rendered == k0s_listed
