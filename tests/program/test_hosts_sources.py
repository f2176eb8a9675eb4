"""The static and stack hosts sources, and the hosts outputs round trip between stacks."""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import pytest

from components.hosts import Hosts, Node, build_hosts, hosts_outputs
from components.hosts.outputs import OUTPUT_NAMES
from components.settings import SettingsError
from tests.program.hosts_helpers import (
    GIVEN_PRIVATE_KEY,
    STAGING,
    is_secret,
    resolve,
    resolve_deep,
    run_hosts_program,
    settings_for,
)
from tests.support.recording_mocks import Recording

STATIC: dict[str, Any] = {
    "cluster": {"name": "onprem"},
    "ssh": {"privateKey": GIVEN_PRIVATE_KEY, "user": "ops", "port": 2222},
    "hosts": {
        "source": "static",
        "static": {
            "hosts": [
                {"name": "w1", "role": "worker", "address": "10.1.0.21"},
                {"name": "m1", "role": "controller+worker", "address": "10.1.0.11", "privateAddress": "172.16.0.11"},
                {
                    "name": "m2",
                    "role": "controller+worker",
                    "address": "m2.example.com",
                    "privateAddress": "10.1.0.12",
                    "sshUser": "root",
                },
                {"name": "m3", "role": "controller+worker", "address": "10.1.0.13", "sshPort": 22},
                {"name": "w2", "role": "worker", "address": "10.1.0.22"},
            ]
        },
    },
}
STACK: dict[str, Any] = {
    "cluster": {"name": "onprem"},
    "layers": {"run": ["k0s", "platform"], "fromStack": "org/mke4k/onprem-hosts"},
}


def run(raw: dict[str, Any], **kwargs: Any) -> tuple[Recording, Hosts, dict[str, Any]]:
    """Build hosts for ``raw``; return the recording, the Hosts and its outputs fully resolved."""
    settings = settings_for(raw)
    box: dict[str, Any] = {}

    def program() -> None:
        hosts = build_hosts(settings)
        box["hosts"] = hosts
        box["outputs"] = resolve_deep(hosts_outputs(hosts))
        box["nodes"] = [resolved_node(n) for n in hosts.nodes]

    recording = run_hosts_program(program, **kwargs)
    return recording, box["hosts"], box


def resolved_node(node: Node) -> dict[str, Any]:
    """Every Node field with Outputs resolved (``machine`` as its presence)."""
    values = {f.name: resolve(getattr(node, f.name)) for f in fields(node) if f.name != "machine"}
    values["machine"] = node.machine is not None
    return values


def test_static_nodes() -> None:
    recording, hosts, box = run(STATIC)
    assert recording.resources == []  # pure: nothing registered
    assert [n["name"] for n in box["nodes"]] == ["m1", "m2", "m3", "w1", "w2"]
    m1, m2, m3, w1, _ = box["nodes"]
    assert m1 == {
        "name": "m1",
        "role": "controller+worker",
        "ssh_address": "10.1.0.11",
        "private_address": "172.16.0.11",
        "ssh_port": 2222,
        "ssh_user": "ops",
        "machine": False,
        "machine_id": "10.1.0.11",
        "use_bastion": False,
        "gone": False,
        "mark_gone": "set gone: true on 'm1' in mke4k:hosts.static.hosts",
    }
    assert (m2["ssh_user"], m2["private_address"], m2["machine_id"]) == ("root", "10.1.0.12", "m2.example.com")
    assert m3["ssh_port"] == 22 and w1["role"] == "worker"
    assert hosts.api_address == "172.16.0.11"
    assert hosts.external_address is None and hosts.extra_sans == [] and hosts.bastion is None
    assert is_secret(hosts.ssh_private_key) and resolve(hosts.ssh_private_key) == GIVEN_PRIVATE_KEY


def test_a_gone_first_controller_is_not_the_api_address() -> None:
    raw = copy.deepcopy(STATIC)
    raw["hosts"]["static"]["hosts"][1]["gone"] = True  # m1, the first listed controller
    _, hosts, box = run(raw)
    assert box["nodes"][0]["name"] == "m1" and box["nodes"][0]["gone"] is True
    assert hosts.api_address == "10.1.0.12", "the API is reached at the first controller that is not gone (m2)"
    assert box["outputs"]["nodes"][0]["gone"] is True, "a cluster stack reading this one sees it"


def test_static_external_address_and_bastion() -> None:
    raw = copy.deepcopy(STATIC)
    raw["apiExternalAddress"] = "api.example.com"
    raw["ssh"]["bastion"] = {"address": "jump.example.com"}
    _, hosts, box = run(raw)
    assert hosts.api_address == hosts.external_address == "api.example.com"
    assert hosts.extra_sans == ["api.example.com"]
    assert hosts.bastion is not None
    assert (hosts.bastion.address, hosts.bastion.port, hosts.bastion.user) == ("jump.example.com", 22, "ops")
    assert all(n["use_bastion"] for n in box["nodes"])


def test_static_without_key_names_the_config_key() -> None:
    raw = copy.deepcopy(STATIC)
    del raw["ssh"]["privateKey"]
    with pytest.raises(SettingsError, match=r"mke4k:ssh\.privateKey"):
        run(raw)


def stack_reference_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    """What the StackReference read returns for a stack that exported ``outputs``."""
    return {"outputs": outputs, "secretOutputNames": ["sshPrivateKey"]}


def test_export_names_are_the_contract() -> None:
    _, _, box = run(STATIC)
    assert set(box["outputs"]) == set(OUTPUT_NAMES)
    assert box["outputs"]["nodes"][0] == {
        "name": "m1",
        "role": "controller+worker",
        "sshAddress": "10.1.0.11",
        "privateAddress": "172.16.0.11",
        "sshPort": 2222,
        "sshUser": "ops",
        "useBastion": False,
        "machineId": "10.1.0.11",
        "gone": False,
    }


@pytest.mark.parametrize("source", ["static", "aws"])
def test_stack_round_trip_gives_the_same_nodes(source: str) -> None:
    upstream_raw = STATIC if source == "static" else STAGING
    _, upstream, exported = run(upstream_raw)
    reference_name = f"{settings_for(STACK).cluster.name}-hosts-stack"
    _, downstream, box = run(STACK, resource_outputs={reference_name: stack_reference_outputs(exported["outputs"])})
    # The same nodes; marking one gone is this stack's own setting.
    expected = [
        dict(n, machine=False, mark_gone=f"add '{n['name']}' to mke4k:hosts.stack.gone") for n in exported["nodes"]
    ]
    assert box["nodes"] == expected
    for up, down in zip(upstream.nodes, downstream.nodes, strict=True):
        # plain where the k0s layer needs plain values
        assert isinstance(down.name, str) and isinstance(down.role, str)
        assert isinstance(down.ssh_port, int) and isinstance(down.ssh_user, str) and isinstance(down.use_bastion, bool)
        assert (down.name, down.role, down.ssh_port, down.ssh_user) == (up.name, up.role, up.ssh_port, up.ssh_user)
    assert resolve(downstream.api_address) == resolve(upstream.api_address)
    assert is_secret(downstream.ssh_private_key)
    assert resolve(downstream.ssh_private_key) == resolve(upstream.ssh_private_key)
    if upstream.external_address is None:
        assert downstream.external_address is None and downstream.extra_sans == []
    else:
        assert resolve(downstream.external_address) == resolve(upstream.external_address)
        assert [resolve(s) for s in downstream.extra_sans] == [resolve(upstream.external_address)]


def test_stack_source_reads_the_bastion() -> None:
    raw = copy.deepcopy(STATIC)
    raw["ssh"]["bastion"] = {"address": "jump.example.com", "port": 2200}
    _, _, exported = run(raw)
    _, downstream, _ = run(STACK, resource_outputs={"onprem-hosts-stack": stack_reference_outputs(exported["outputs"])})
    assert downstream.bastion is not None
    assert (resolve(downstream.bastion.address), downstream.bastion.port, downstream.bastion.user) == (
        "jump.example.com",
        2200,
        "ops",
    )


def test_stack_without_nodes_names_from_stack() -> None:
    with pytest.raises(SettingsError, match=r"mke4k:layers\.fromStack"):
        run(STACK, resource_outputs={"onprem-hosts-stack": stack_reference_outputs({"apiAddress": "x"})})


def test_stack_with_a_bad_role_is_refused() -> None:
    outputs = {"nodes": [{"name": "a", "role": "manager", "sshAddress": "x"}], "apiAddress": "x"}
    with pytest.raises(SettingsError, match="role"):
        run(STACK, resource_outputs={"onprem-hosts-stack": stack_reference_outputs(outputs)})


def test_stack_source_resolves_names_during_preview() -> None:
    _, _, exported = run(STATIC)
    _, downstream, _ = run(
        STACK, preview=True, resource_outputs={"onprem-hosts-stack": stack_reference_outputs(exported["outputs"])}
    )
    assert [n.name for n in downstream.nodes] == ["m1", "m2", "m3", "w1", "w2"]


def test_the_stack_source_marks_nodes_gone_by_name_and_refuses_unknown_names() -> None:
    _, _, exported = run(STATIC)
    reference_name = f"{settings_for(STACK).cluster.name}-hosts-stack"
    outputs = {reference_name: stack_reference_outputs(exported["outputs"])}
    raw = copy.deepcopy(STACK)
    raw["hosts"] = {"stack": {"gone": ["w2"]}}
    _, _, box = run(raw, resource_outputs=outputs)
    assert [n["name"] for n in box["nodes"] if n["gone"]] == ["w2"]
    raw["hosts"]["stack"]["gone"] = ["w9"]
    with pytest.raises(SettingsError, match=r"mke4k:hosts\.stack\.gone: 'w9' is not a node of stack"):
        run(raw, resource_outputs=outputs)


def test_an_excluded_node_leaves_this_cluster_and_unknown_names_are_refused() -> None:
    _, _, exported = run(STATIC)
    outputs = {f"{settings_for(STACK).cluster.name}-hosts-stack": stack_reference_outputs(exported["outputs"])}
    raw = copy.deepcopy(STACK)
    raw["hosts"] = {"stack": {"exclude": ["w2"]}}
    _, downstream, _ = run(raw, resource_outputs=outputs)
    assert [n.name for n in downstream.nodes] == ["m1", "m2", "m3", "w1"]
    raw["hosts"]["stack"]["exclude"] = ["w9"]
    with pytest.raises(SettingsError, match=r"mke4k:hosts\.stack\.exclude: 'w9' is not a node of stack"):
        run(raw, resource_outputs=outputs)
