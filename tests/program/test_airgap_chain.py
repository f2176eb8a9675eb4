"""The airgap steps in the per-node chain: preflight first, then each node's registry files."""

from __future__ import annotations

import base64

import pytest

from tests.program.k0s_helpers import script_inputs, script_of
from tests.program.stack_program import give_stack_keys, run_stack, stack_config

COMMAND = "command:remote:Command"
NODES = ("manager-1", "worker-1", "worker-2")


@pytest.fixture(scope="module")
def airgap(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("home")
    give_stack_keys(home)
    config = stack_config("airgap")
    config["mke4k:registry"] = {**config["mke4k:registry"], "username": "mke-pull", "password": "pull-secret"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        return run_stack(config, "airgap")


def node_step(rec, node: str, name: str):
    return rec.by_name(f"airgap-{node}-{name}", COMMAND)


def test_the_mirror_is_checked_on_the_bootstrap_controller_before_any_node_changes(airgap):
    preflight = node_step(airgap, "manager-1", "registry-preflight")
    assert script_of(preflight.inputs["create"]) == "registry_preflight"
    assert preflight.inputs["connection"]["host"] == "10.60.0.11"
    assert airgap.depends_on(preflight, node_step(airgap, "manager-1", "host-ready"))
    images = script_inputs(preflight.inputs["create"])["REGISTRY_IMAGES"].split()
    assert "registry.airgap.example:5000/mke/k0sproject/kube-proxy:v1.32.11" in images
    for node in NODES:
        for changing in ("registry", "k0s-binary", "k0s-install"):
            assert airgap.depends_on(node_step(airgap, node, changing), preflight), (node, changing)
    assert [r.name for r in airgap.by_type(COMMAND) if r.name.endswith("registry-preflight")] == [preflight.name]


def test_every_node_gets_its_registry_files_before_k0s_is_installed(airgap):
    for node in NODES:
        registry = node_step(airgap, node, "registry")
        assert script_of(registry.inputs["create"]) == "configure_registry"
        assert script_inputs(registry.inputs["delete"]) == {"ACTION": "remove"}
        assert airgap.depends_on(node_step(airgap, node, "k0s-install"), registry)
        files = script_inputs(registry.inputs["create"])["REGISTRY_FILES"]
        assert "/etc/k0s/containerd.d/certs.d/" in files


def test_the_mirror_credentials_travel_only_as_secret_stdin(airgap):
    token = base64.b64encode(b"mke-pull:pull-secret").decode()
    assert airgap.secret_leaks("pull-secret") == [] and airgap.secret_leaks(token) == []
    for name in ("registry", "registry-preflight"):
        step = node_step(airgap, "manager-1", name)
        assert step.is_secret_input("stdin"), name
        assert "HAS_CREDENTIALS=true" in step.inputs["create"]
