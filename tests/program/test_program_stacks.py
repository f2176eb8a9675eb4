"""The whole program, for every shipped stack, under mocks: it builds the full graph."""

from __future__ import annotations

from typing import ClassVar

import pulumi
import pytest

from tests.program.hosts_helpers import HostsMocks
from tests.program.stack_program import KUBECONFIG, SHIPPED_STACKS, run_stack, stack_config

COMMAND = "command:remote:Command"
RELEASE = "kubernetes:helm.sh/v3:Release"


pytestmark = pytest.mark.usefixtures("stack_home")


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_shipped_stack_builds_all_three_layers(stack):
    recording = run_stack(stack_config(stack), stack)
    types = {r.type for r in recording.resources}
    assert {"mke4k:k0s:K0sCluster", "mke4k:platform:Platform", COMMAND, RELEASE} <= types
    node_chains = recording.by_type("mke4k:k0s:K0sNode")
    installs = [r for r in recording.by_type(COMMAND) if r.name.endswith("-k0s-install")]
    assert len(installs) == len(node_chains) >= 2
    # "tigera-operator" from the Calico repository, or oci://<chartRegistry>/tigera-operator (airgap)
    calico = next(r for r in recording.by_type(RELEASE) if r.inputs["chart"].rsplit("/", 1)[-1] == "tigera-operator")
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


class CountingMocks(HostsMocks):
    """Remembers every resource the program tried to create, even when the run fails."""

    created: ClassVar[list[str]] = []

    def new_resource(self, args):
        CountingMocks.created.append(args.name)
        return super().new_resource(args)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("mke4k:network", {"vxlanVni": 0}, r"mke4k:network\.vxlanVni: VXLAN VNI 0 is outside"),
        ("mke4k:ssh", {"user": "mke"}, r"mke4k:ssh\.privateKey"),
        ("mke4k:netwrok", {}, r"mke4k:netwrok: unknown key 'netwrok'\. Fix: did you mean 'network'"),
    ],
)
def test_invalid_config_fails_with_the_key_and_registers_nothing(key, value, message):
    config = stack_config("lab")
    config[key] = value
    CountingMocks.created.clear()
    with pytest.raises(pulumi.RunError, match=message) as raised:
        run_stack(config, "lab", mocks_class=CountingMocks)
    assert "Traceback" not in str(raised.value)
    assert CountingMocks.created == [], "nothing may be registered for an invalid config"


def test_kubeconfig_points_at_the_api_address():
    assert "10.0.0.1" in KUBECONFIG
    recording = run_stack(stack_config("lab"), "lab")
    provider = recording.by_type("pulumi:providers:kubernetes")[0]
    assert "https://lab-api.example.internal:6443" in provider.inputs["kubeconfig"]
    assert "10.0.0.1" not in provider.inputs["kubeconfig"]


def test_counting_mocks_do_count_a_valid_run():
    CountingMocks.created.clear()
    run_stack(stack_config("lab"), "lab", mocks_class=CountingMocks)
    assert "lab-manager-1-k0s-install" in CountingMocks.created


def test_provider_identity_survives_a_kubeconfig_change():
    """A new API address must update the provider, not replace it (and every chart with it)."""
    provider = run_stack(stack_config("lab"), "lab").by_type("pulumi:providers:kubernetes")[0]
    assert provider.inputs["clusterIdentifier"] == "lab"


def test_a_platform_only_stack_reads_the_cluster_from_the_k0s_stack():
    config = {
        "mke4k:cluster": {"name": "lab"},
        "mke4k:layers": {"run": ["platform"], "fromStack": "acme/mke4k/lab-cluster"},
    }
    upstream = {
        "kubeconfig": KUBECONFIG,
        "leader": {"address": "10.40.0.11", "port": 22, "user": "mke"},
        "sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nupstream-secret\n",
    }
    recording = run_stack(config, "lab-platform", resource_outputs={"lab-k0s-stack": {"outputs": upstream}})
    assert not recording.by_type("mke4k:k0s:K0sCluster") and not recording.by_type("mke4k:k0s:K0sNode")
    gate = recording.by_name("lab-calico-ready", COMMAND)
    assert gate.inputs["connection"]["host"] == "10.40.0.11"
    assert recording.secret_leaks("upstream-secret") == []
    provider = recording.by_type("pulumi:providers:kubernetes")[0]
    assert provider.is_secret_input("kubeconfig")
    calico = next(r for r in recording.by_type(RELEASE) if r.inputs["chart"] == "tigera-operator")
    assert calico.provider_ref.startswith(provider.urn)


def test_a_platform_only_stack_reaches_a_private_leader_through_the_bastion():
    config = {
        "mke4k:cluster": {"name": "lab"},
        "mke4k:layers": {"run": ["platform"], "fromStack": "acme/mke4k/lab-cluster"},
    }
    upstream = {
        "kubeconfig": KUBECONFIG,
        "leader": {"address": "10.30.1.5", "port": 22, "user": "ubuntu", "useBastion": True},
        "bastion": {"address": "198.51.100.7", "port": 22, "user": "ubuntu"},
        "sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nupstream-secret\n",
    }
    recording = run_stack(config, "lab-platform", resource_outputs={"lab-k0s-stack": {"outputs": upstream}})
    gate = recording.by_name("lab-calico-ready", COMMAND)
    assert gate.inputs["connection"]["host"] == "10.30.1.5"
    assert gate.inputs["connection"]["proxy"]["host"] == "198.51.100.7"
    assert recording.secret_leaks("upstream-secret") == []
