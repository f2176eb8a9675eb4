"""The whole program, for every shipped stack, under mocks: it builds the full graph."""

from __future__ import annotations

import pytest

from components.settings import SettingsError
from tests.program.stack_program import KUBECONFIG, SHIPPED_STACKS, run_stack, stack_config

COMMAND = "command:remote:Command"
RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.fixture(autouse=True)
def lab_key(tmp_path, monkeypatch):
    """The lab stack reads ~/.ssh/mke4k-lab: give it one in a scratch HOME."""
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "mke4k-lab").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nlab-secret\n")
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_shipped_stack_builds_all_three_layers(stack):
    recording = run_stack(stack_config(stack), stack)
    types = {r.type for r in recording.resources}
    assert {"mke4k:k0s:K0sCluster", "mke4k:platform:Platform", COMMAND, RELEASE} <= types
    node_chains = recording.by_type("mke4k:k0s:K0sNode")
    installs = [r for r in recording.by_type(COMMAND) if r.name.endswith("-k0s-install")]
    assert len(installs) == len(node_chains) >= 2
    calico = next(r for r in recording.by_type(RELEASE) if r.inputs["chart"] == "tigera-operator")
    first_install = installs[0]
    assert recording.depends_on(calico, first_install), "Calico must wait for the cluster"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_kubeconfig_output_is_secret_and_never_plain(stack):
    recording = run_stack(stack_config(stack), stack)
    assert recording.secret_leaks("S0VZLXNlY3JldC1tYXRlcmlhbA==") == []
    provider = recording.by_type("pulumi:providers:kubernetes")
    assert provider and all(p.is_secret_input("kubeconfig") for p in provider)


def test_lab_ssh_key_is_secret_everywhere():
    recording = run_stack(stack_config("lab"), "lab")
    assert recording.secret_leaks("lab-secret") == []


def test_invalid_config_registers_nothing():
    config = stack_config("lab")
    config["mke4k:network"] = {"vxlanVni": 0}
    with pytest.raises(SettingsError, match=r"mke4k:network\.vxlanVni"):
        run_stack(config, "lab")


def test_missing_key_for_static_hosts_registers_nothing(monkeypatch, tmp_path):
    config = stack_config("lab")
    config["mke4k:ssh"] = {"user": "mke"}
    with pytest.raises(SettingsError, match=r"mke4k:ssh\.privateKey"):
        run_stack(config, "lab")


def test_kubeconfig_points_at_the_api_address():
    assert "10.0.0.1" in KUBECONFIG
    recording = run_stack(stack_config("lab"), "lab")
    provider = recording.by_type("pulumi:providers:kubernetes")[0]
    assert "https://lab-api.example.internal:6443" in provider.inputs["kubeconfig"]
    assert "10.0.0.1" not in provider.inputs["kubeconfig"]
