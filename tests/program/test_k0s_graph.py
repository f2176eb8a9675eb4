"""The k0s layer's resource graph: per-node chains, ordering, lifecycle options, secrets."""

from __future__ import annotations

import shlex
from itertools import pairwise

import pytest

from components.k0s.render import default_worker_batch_size
from tests.program.k0s_helpers import (
    COMMAND,
    JOIN_TOKEN,
    KUBECONFIG,
    LOCAL,
    SSH_KEY,
    build,
    commands,
    k0s_settings,
    probe,
    script_inputs,
    script_of,
    step,
)

CONTROLLER_CHAIN = ["host-ready", "k0s-binary", "k0s-config", "k0s-install"]
WORKER_CHAIN = ["host-ready", "k0s-binary", "k0s-install"]


@pytest.fixture(scope="module")
def cluster_3_10():
    return build(3, 10)


def test_every_node_has_its_chain_in_order(cluster_3_10):
    rec = cluster_3_10
    for node, chain in [("c-1", CONTROLLER_CHAIN), ("c-2", CONTROLLER_CHAIN), ("w-7", WORKER_CHAIN)]:
        for earlier, later in pairwise(chain):
            assert rec.depends_on(step(rec, node, later), step(rec, node, earlier)), (node, later, earlier)
        assert rec.depends_on(step(rec, node, "k0s-upgrade"), step(rec, node, "k0s-install"))


def test_staging_waits_for_nothing_outside_its_own_node(cluster_3_10):
    rec = cluster_3_10
    for node in ("c-1", "c-3", "w-1", "w-10"):
        staged = step(rec, node, "k0s-binary")
        own_ready = step(rec, node, "host-ready")
        assert set(staged.dependencies) == {own_ready.urn}, staged.dependencies
        key = probe(rec, node, "ssh-key")
        assert set(own_ready.dependencies) == {probe(rec, node).urn, key.urn}, "only the node's own probe and key step"
        assert key.dependencies == (probe(rec, node).urn,)
        assert probe(rec, node).dependencies == ()


def test_workers_join_after_the_bootstrap_but_not_after_each_other(cluster_3_10):
    rec = cluster_3_10
    bootstrap = step(rec, "c-1", "k0s-install")
    for i in range(1, 11):
        assert rec.depends_on(step(rec, f"w-{i}", "k0s-install"), bootstrap)
    for a in range(1, 11):
        for b in range(1, 11):
            if a != b:
                assert not rec.depends_on(step(rec, f"w-{a}", "k0s-install"), step(rec, f"w-{b}", "k0s-install"))
    assert not rec.depends_on(step(rec, "w-1", "k0s-install"), step(rec, "c-2", "k0s-install")), (
        "workers must not wait for the other controllers"
    )


def test_controllers_join_one_at_a_time(cluster_3_10):
    rec = cluster_3_10
    assert rec.depends_on(step(rec, "c-2", "join-token"), step(rec, "c-1", "k0s-install"))
    assert rec.depends_on(step(rec, "c-3", "join-token"), step(rec, "c-2", "member")), (
        "the third controller may only join once the second is a confirmed member"
    )
    assert not rec.depends_on(step(rec, "c-2", "k0s-install"), step(rec, "c-3", "k0s-install"))


def test_config_changes_restart_controllers_one_at_a_time(cluster_3_10):
    rec = cluster_3_10
    assert rec.depends_on(step(rec, "c-2", "k0s-config"), step(rec, "c-1", "k0s-config"))
    assert rec.depends_on(step(rec, "c-3", "k0s-config"), step(rec, "c-2", "k0s-config"))


def test_upgrades_roll_controllers_then_worker_batches(cluster_3_10):
    rec = cluster_3_10
    assert rec.depends_on(step(rec, "c-2", "k0s-upgrade"), step(rec, "c-1", "k0s-upgrade"))
    assert rec.depends_on(step(rec, "c-3", "k0s-upgrade"), step(rec, "c-2", "k0s-upgrade"))
    size = default_worker_batch_size(10)
    assert size == 1  # 10% of 10 workers
    for i in range(1, 11):
        assert rec.depends_on(step(rec, f"w-{i}", "k0s-upgrade"), step(rec, "c-3", "k0s-upgrade"))
    for i in range(2, 11):
        assert rec.depends_on(step(rec, f"w-{i}", "k0s-upgrade"), step(rec, f"w-{i - 1}", "k0s-upgrade"))


def test_at_most_batch_size_workers_upgrade_at_once():
    rec = build(1, 7, k0s_settings(upgrade={"workerBatchSize": 3}))
    last_controller = step(rec, "c-1", "k0s-upgrade")
    for i in range(1, 8):
        assert rec.depends_on(step(rec, f"w-{i}", "k0s-upgrade"), last_controller)
    for i in range(4, 8):
        assert rec.depends_on(step(rec, f"w-{i}", "k0s-upgrade"), step(rec, f"w-{i - 3}", "k0s-upgrade"))
    # Any 4 workers include two in the same lane, so no 4 can upgrade at once; 3 can.
    first = ["w-1", "w-2", "w-3"]
    for a in first:
        for b in first:
            if a != b:
                assert not rec.depends_on(step(rec, a, "k0s-upgrade"), step(rec, b, "k0s-upgrade"))
    assert not rec.depends_on(step(rec, "w-4", "k0s-upgrade"), step(rec, "w-2", "k0s-upgrade"))


def test_lifecycle_options_of_each_step():
    rec = build(3, 2, with_machines=True)
    for node in ("c-2", "w-1"):
        machine = rec.by_name(f"machine-{node}", "command:local:Command")
        install = step(rec, node, "k0s-install")
        assert script_of(install.inputs["delete"]) == "reset_node", "removing a node must reset it"
        assert install.deleted_with == machine.urn, "reset is pointless once the machine is gone"
        member = step(rec, node, "member")
        assert script_of(member.inputs["delete"]) == "remove_member"
        assert "DRAIN_TIMEOUT=5m" in member.inputs["delete"], "removal drains with the configured timeout"
        assert member.deleted_with is None, "leader-side drain/delete-node/etcd-leave must run even when the VM goes"
        assert member.inputs["connection"]["host"] == "10.1.0.1", "leader-side steps run on the bootstrap controller"
        for name in ("host-ready", "k0s-binary", "k0s-install", "member", "k0s-upgrade"):
            command = step(rec, node, name)
            assert command.delete_before_replace is True, (node, name)
            assert command.inputs["triggers"] == [machine.id, command_role(node)], (
                "a new machine or role replaces the chain"
            )
    bootstrap = step(rec, "c-1", "k0s-install")
    assert "IS_BOOTSTRAP=true" in bootstrap.inputs["delete"]
    own = step(rec, "c-1", "member")
    assert "IS_LEADER=true" in own.inputs["delete"], "the leader never drains or removes itself"
    assert "IS_LEADER=false" in step(rec, "c-2", "member").inputs["delete"]
    etcd_leave = step(rec, "c-2", "member").inputs["delete"]
    assert "PEER_ADDRESS=10.1.0.2" in etcd_leave


def command_role(node: str) -> str:
    return "worker" if node.startswith("w-") else "controller+worker"


def test_changing_a_nodes_role_replaces_only_its_chain(tmp_path, monkeypatch):
    from tests.program.stack_program import run_stack, stack_config

    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "mke4k-lab").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nk0s-graph\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))

    def chains(role):
        config = stack_config("lab")
        config["mke4k:hosts"]["static"]["hosts"][2]["role"] = role  # manager-3
        return {r.name: r.inputs for r in run_stack(config, "lab").by_type(COMMAND)}

    before, after = chains("controller+worker"), chains("controller")
    changed_triggers = {n for n in before if n in after and before[n].get("triggers") != after[n].get("triggers")}
    assert changed_triggers and all(n.startswith("lab-manager-3-") for n in changed_triggers), changed_triggers


def test_same_config_registers_byte_identical_inputs():
    assert commands(build(3, 4)) == commands(build(3, 4))


def test_adding_a_worker_touches_only_that_worker():
    before, after = commands(build(3, 10)), commands(build(3, 11))
    added = set(after) - set(before)
    assert added and all(name.startswith("k0s-w-11-") for name in added)
    assert {name: after[name] for name in before} == before


def test_bumping_k0s_changes_only_staging_and_upgrade_inputs():
    old = commands(build(3, 3, k0s_settings(version="v1.32.11+k0s.0")))
    new = commands(build(3, 3, k0s_settings(version="v1.32.12+k0s.0")))
    changed = {name.split("-", 3)[3] for name in old if old[name] != new[name]}
    assert changed == {"k0s-binary", "k0s-upgrade", "ssh-probe", "backup"}, (
        "the probe re-runs before the changed steps; the bootstrap controller backs up first"
    )


def test_resources_per_node_are_constant_per_role():
    def per_node(rec, node):
        return sorted(
            r.name.removeprefix(f"k0s-{node}-") for r in rec.by_type(COMMAND) if r.name.startswith(f"k0s-{node}-")
        )

    small, large = build(1, 2), build(3, 20)
    assert per_node(small, "w-1") == per_node(large, "w-20")
    assert per_node(large, "c-2") == per_node(large, "c-3")


def test_secrets_never_appear_in_plain_inputs_or_outputs():
    rec = build(3, 3)
    for plaintext in ("k0s-layer-test-key", "join-token-secret-material", "a3ViZWNvbmZpZy1zZWNyZXQ="):
        assert rec.secret_leaks(plaintext) == [], plaintext
    token = step(rec, "c-2", "join-token")
    assert "stdout" in token.additional_secret_outputs
    install = step(rec, "c-2", "k0s-install")
    assert install.is_secret_input("stdin"), "the token travels on stdin, marked secret"
    assert JOIN_TOKEN not in install.inputs["create"] and SSH_KEY not in install.inputs["create"]
    kubeconfig = rec.by_name("k0s-admin-kubeconfig", COMMAND)
    assert "stdout" in kubeconfig.additional_secret_outputs
    assert kubeconfig.inputs["logging"] == "stderr", "the kubeconfig must never be logged"
    provider = rec.by_type("pulumi:providers:kubernetes")[0]
    assert provider.is_secret_input("kubeconfig")
    assert "https://api.k0s.test:6443" in provider.inputs["kubeconfig"]
    assert KUBECONFIG not in str(provider.inputs)


def test_destroy_removes_workers_before_controllers_leave_and_the_bootstrap_last(cluster_3_10):
    """Pulumi deletes dependents first: these edges fix the destroy order."""
    rec = cluster_3_10
    for i in (1, 10):
        assert rec.depends_on(step(rec, f"w-{i}", "member"), step(rec, "c-3", "member")), (
            "a worker's drain/delete-node must run before the last controller leaves etcd"
        )
    assert not rec.depends_on(step(rec, "w-1", "k0s-install"), step(rec, "c-3", "member")), (
        "the join itself must not wait for the other controllers"
    )
    bootstrap = step(rec, "c-1", "k0s-install")
    for node in ("c-2", "c-3", "w-1", "w-10"):
        assert rec.depends_on(step(rec, node, "k0s-install"), bootstrap), "the bootstrap is reset last"


def test_no_kubernetes_provider_without_the_platform_layer():
    from tests.program.stack_program import run_stack, stack_config

    config = stack_config("dev")
    config["mke4k:layers"] = {"run": ["hosts", "k0s"]}
    recording = run_stack(config, "dev")
    assert not [r for r in recording.resources if "kubernetes" in r.type], "no Kubernetes resource or provider"
    assert recording.by_type("mke4k:k0s:K0sCluster")


def probe_targets(command: str) -> list[str]:
    words = shlex.split(command.replace("\\\n", " "))
    return [words[i + 1] for i, word in enumerate(words) if word == "--target"]


def test_the_ssh_probe_checks_the_node_and_the_bootstrap_controller_first(cluster_3_10):
    rec = cluster_3_10
    assert probe_targets(probe(rec, "c-1").inputs["create"]) == ["c-1=10.1.0.1:22"]
    assert probe_targets(probe(rec, "w-3").inputs["create"]) == [
        "w-3=10.1.0.6:22",
        "c-1 (bootstrap controller)=10.1.0.1:22",
    ], "the leader-side steps of w-3 (its token, its membership) dial the bootstrap controller"
    command = probe(rec, "w-3")
    assert command.inputs["create"].startswith("exec python3 - \\\n")
    assert "def main(" in command.inputs["stdin"], "the probe program travels on stdin"
    assert command.inputs["addPreviousOutputInEnv"] is False
    for later in ("host-ready", "join-token", "k0s-install", "member", "k0s-upgrade"):
        assert rec.depends_on(step(rec, "w-3", later), command), later


def test_the_ssh_probe_reruns_exactly_when_a_step_of_its_node_changes():
    base = commands(build(3, 2))
    bumped = commands(build(3, 2, k0s_settings(upgrade={"drainTimeout": "7m"})))
    changed = {name for name in base if base[name] != bumped[name]}
    assert changed == {
        f"k0s-{n}-{s}" for n in ("c-1", "c-2", "c-3", "w-1", "w-2") for s in ("ssh-probe", "member", "k0s-upgrade")
    }
    grown = commands(build(3, 3))
    assert {name for name in base if base[name] != grown.get(name)} == set(), "a new worker re-runs no other probe"


def test_a_removed_node_is_probed_before_anything_of_its_removal_runs():
    rec = build(3, 2, with_machines=True)
    for node in ("c-2", "w-1"):
        reset_probe = probe(rec, node, "reset-probe")
        assert "create" not in reset_probe.inputs, "nothing runs when it is created"
        assert probe_targets(reset_probe.inputs["delete"]) == [
            f"{node}={'10.1.0.2' if node == 'c-2' else '10.1.0.4'}:22"
        ]
        assert "--timeout 60" in reset_probe.inputs["delete"]
        assert "Dead hosts" in reset_probe.inputs["delete"]
        # Pulumi deletes dependents first: the probe before the member's drain/etcd leave, before the reset.
        assert rec.depends_on(reset_probe, step(rec, node, "member"))
        assert reset_probe.deleted_with == rec.by_name(f"machine-{node}", LOCAL).urn, "no probe when the machine goes"


def test_nodes_behind_a_bastion_are_probed_through_its_address():
    from components.hosts.node import Bastion

    rec = build(1, 1, bastion=Bastion(address="203.0.113.9", port=2222, user="jump"), workers_behind_bastion=True)
    assert probe_targets(probe(rec, "w-1").inputs["create"]) == [
        "bastion of w-1=203.0.113.9:2222",
        "c-1 (bootstrap controller)=10.1.0.1:22",
    ]


def test_binary_upload_fetches_once_on_the_runner_and_copies_after_each_nodes_probe():
    sha = "ab" * 32
    rec = build(1, 2, k0s_settings(binarySource="upload", sha256=sha))
    download = rec.by_name("k0s-k0s-download", LOCAL)
    assert download.inputs["create"] == "bash -s" and "K0S_SHA256" in download.inputs["stdin"]
    assert download.inputs["environment"]["K0S_SHA256"] == sha, "a local command may use environment"
    assert download.inputs["addPreviousOutputInEnv"] is False
    for node in ("c-1", "w-1", "w-2"):
        copy = rec.by_name(f"k0s-k0s-download-{node}", "command:remote:CopyToRemote")
        assert rec.depends_on(copy, download)
        assert rec.depends_on(copy, probe(rec, node)), "the copy dials the node: not before its probe"
        staged = step(rec, node, "k0s-binary")
        assert rec.depends_on(staged, copy)
        inputs = script_inputs(staged.inputs["create"])
        assert inputs["STAGE_MODE"] == "uploaded" and inputs["K0S_SHA256"] == sha
        assert inputs["UPLOAD_PATH"] == copy.inputs["remotePath"]


def test_no_taints_is_applied_by_each_managers_taints_step_only():
    base = commands(build(3, 2))
    untainted = commands(build(3, 2, k0s_settings(noTaints=True)))
    changed = {name for name in base if base[name] != untainted[name]}
    assert changed == {f"k0s-c-{i}-{step}" for i in (1, 2, 3) for step in ("taints", "ssh-probe")}, (
        "no install step may change: its script would do nothing on a running node"
    )
    rec = build(3, 2, k0s_settings(noTaints=True))
    for node in ("c-1", "c-3"):
        taints = step(rec, node, "taints")
        assert script_of(taints.inputs["create"]) == "node_taints"
        assert script_inputs(taints.inputs["create"]) == {"NODE_NAME": node, "NO_TAINTS": "true"}
        assert taints.inputs["connection"]["host"] == "10.1.0.1", "kubectl runs on the bootstrap controller"
        assert rec.depends_on(taints, step(rec, node, "member")), "the node must have registered first"
        assert "NO_TAINTS" not in script_inputs(step(rec, node, "k0s-install").inputs["create"])
    assert rec.find("k0s-w-1-taints", COMMAND) is None, "workers carry no control-plane taint"
    controllers_only = build(1, 1, role="controller")
    assert controllers_only.find("k0s-c-1-taints", COMMAND) is None, "a controller without kubelet has no Node"


OWN_STEPS = (
    "ssh-probe",
    "ssh-key",
    "ssh-key-retire",
    "host-ready",
    "k0s-binary",
    "k0s-install",
    "reset-probe",
    "k0s-upgrade",
)


def test_a_gone_node_dials_nothing_and_is_removed_on_the_bootstrap_controller():
    rec = build(3, 2, gone=frozenset({"w-2", "c-3"}))
    for node in ("w-2", "c-3"):
        for name in (*OWN_STEPS, "k0s-config", "join-token"):
            found = rec.find(f"k0s-{node}-{name}", LOCAL if name.endswith(("probe", "key", "retire")) else COMMAND)
            if found is None:
                assert node == "w-2" and name == "k0s-config", (node, name)
                continue
            assert not {"create", "delete", "stdin"} & set(found.inputs), (node, name, found.inputs)
        member = step(rec, node, "member")
        assert script_of(member.inputs["create"]) == "remove_member", "the removal runs as the update"
        assert "delete" not in member.inputs, "removing the entry later runs nothing"
        assert member.inputs["connection"]["host"] == "10.1.0.1"
        assert script_inputs(member.inputs["create"])["IS_LEADER"] == "false"
        assert rec.find(f"k0s-{node}-taints", COMMAND) is None
    assert script_inputs(step(rec, "c-3", "member").inputs["create"])["PEER_ADDRESS"] == "10.1.0.3", "etcd leave"
    assert script_of(step(rec, "w-1", "member").inputs["create"]) == "confirm_member", "other nodes are untouched"


def test_marking_a_node_gone_changes_only_its_own_chain():
    before, after = commands(build(3, 2)), commands(build(3, 2, gone=frozenset({"w-1"})))
    changed = {name for name in before if before.get(name) != after.get(name)}
    assert changed and all(name.startswith("k0s-w-1-") for name in changed), changed


def test_a_gone_bootstrap_controller_hands_the_role_to_the_one_named():
    rec = build(3, 1, gone=frozenset({"c-1"}), bootstrap="c-2")
    assert step(rec, "c-1", "member").inputs["connection"]["host"] == "10.1.0.2"
    assert script_of(step(rec, "c-2", "k0s-install").inputs["create"]) == "install_controller"
    assert script_inputs(step(rec, "c-1", "member").inputs["create"])["IS_LEADER"] == "false"


def test_the_removal_probe_names_the_setting_that_marks_a_host_gone():
    rec = build(1, 1, with_machines=True)
    words = shlex.split(probe(rec, "w-1", "reset-probe").inputs["delete"].replace("\\\n", " "))
    fix = words[words.index("--fix") + 1]
    assert "mark it gone (set gone: true on 'w-1' in mke4k:hosts.static.hosts)" in fix, fix
