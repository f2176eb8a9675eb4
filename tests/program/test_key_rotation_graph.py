"""SSH key rotation without replacing machines: the steps, their order, and what a rotation changes."""

from __future__ import annotations

import json
import shlex

from components.hosts.node import Bastion
from components.k0s.runner import AUTHORIZED_KEYS
from components.k0s.runner import SSH_KEY as SSH_KEY_PROGRAM
from tests.program.k0s_helpers import COMMAND, LOCAL, SSH_KEY, build, probe, step

NEW_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nthe-rotated-key\n-----END OPENSSH PRIVATE KEY-----\n"


def arguments(command: str) -> dict[str, str]:
    words = shlex.split(command.replace("\\\n", " "))[4:]
    return dict(zip(words[::2], words[1::2], strict=True))


def test_every_node_authorizes_the_key_before_anything_else_dials_it():
    rec = build(3, 2)
    for node in ("c-1", "w-2"):
        key = probe(rec, node, "ssh-key")
        args = arguments(key.inputs["create"])
        assert (args["--label"], args["--action"]) == (f"{node} ssh-key", "authorize")
        assert key.is_secret_input("stdin") and "stdout" in key.additional_secret_outputs
        assert key.inputs["logging"] == "stderr", "its output is the key it works with: never logged"
        assert key.inputs["addPreviousOutputInEnv"] is True, "an update learns the previous key from it"
        assert rec.depends_on(key, probe(rec, node))
        for later in ("host-ready", "k0s-binary", "k0s-install", "k0s-upgrade"):
            assert rec.depends_on(step(rec, node, later), key), (node, later)
    assert rec.secret_leaks("k0s-layer-test-key") == []


def test_the_old_key_goes_only_after_every_machine_accepts_the_new_one():
    rec = build(3, 2)
    accepted = rec.by_name("k0s-ssh-keys-accepted", LOCAL)
    assert "create" not in accepted.inputs, "a barrier that runs nothing"
    for node in ("c-1", "c-3", "w-1", "w-2"):
        assert rec.depends_on(accepted, probe(rec, node, "ssh-key")), node
        retire = probe(rec, node, "ssh-key-retire")
        assert arguments(retire.inputs["create"])["--action"] == "retire"
        assert retire.inputs["addPreviousOutputInEnv"] is True
        assert rec.depends_on(retire, accepted)
    assert not rec.depends_on(probe(rec, "c-1", "ssh-key-retire"), step(rec, "w-2", "k0s-install")), (
        "retiring waits for the key steps only"
    )


def test_the_frame_carries_the_program_its_host_script_and_the_key():
    rec = build(1, 0)
    frame = json.loads(probe(rec, "c-1", "ssh-key").inputs["stdin"])
    assert frame["main"] == SSH_KEY_PROGRAM.read_text()
    assert frame["files"] == {"authorized_keys.sh": AUTHORIZED_KEYS.read_text()}
    assert frame["secret"] == SSH_KEY and set(frame["modules"]) == {"ssh_access"}


def test_a_rotation_changes_keys_and_connections_and_replaces_nothing():
    old, new = build(3, 2, with_machines=True), build(3, 2, with_machines=True, ssh_key=NEW_KEY)
    before = {r.name: r for r in old.resources}
    changed = set()
    for resource in new.resources:
        previous = before[resource.name]
        assert resource.inputs.get("triggers") == previous.inputs.get("triggers"), f"{resource.name} would be replaced"
        if resource.inputs != previous.inputs:
            changed.add(resource.name)
    key_steps = {r.name for r in new.by_type(LOCAL) if r.name.endswith(("-ssh-key", "-ssh-key-retire"))}
    remote_steps = {r.name for r in new.by_type(COMMAND)}
    # Every step that logs in carries the key: its connection (or the backup's frame) changes, nothing else.
    assert changed == key_steps | remote_steps | {"k0s-c-1-backup"}, sorted(changed ^ (key_steps | remote_steps))
    for name in remote_steps:
        assert {k for k in new.by_name(name).inputs if new.by_name(name).inputs[k] != before[name].inputs[k]} <= {
            "connection",
            "stdin",  # the worker upgrades' admin kubeconfig is read again with the new key
        }, name
    assert SSH_KEY not in str([r.inputs for r in new.resources])


def test_a_bastion_takes_the_new_key_first_and_gives_up_the_old_one_last():
    bastion = Bastion(address="203.0.113.9", port=2222, user="jump")
    rec = build(1, 2, bastion=bastion, workers_behind_bastion=True)
    first = rec.by_name("k0s-bastion-ssh-key", LOCAL)
    assert arguments(first.inputs["create"])["--host"] == "203.0.113.9"
    assert "--jump-host" not in arguments(first.inputs["create"])
    worker = arguments(probe(rec, "w-1", "ssh-key").inputs["create"])
    assert (worker["--jump-host"], worker["--jump-port"], worker["--jump-user"]) == ("203.0.113.9", "2222", "jump")
    assert rec.depends_on(probe(rec, "w-1", "ssh-key"), first)
    assert not rec.depends_on(probe(rec, "c-1", "ssh-key"), first), "the controller is reached directly"
    last = rec.by_name("k0s-bastion-ssh-key-retire", LOCAL)
    assert rec.depends_on(last, rec.by_name("k0s-ssh-keys-accepted", LOCAL))
    assert rec.depends_on(rec.by_name("k0s-ssh-keys-accepted", LOCAL), probe(rec, "w-2", "ssh-key"))
