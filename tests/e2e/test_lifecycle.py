"""End-to-end lifecycle of the hosts + k0s layers with the real Pulumi engine.

Runs ``pulumi up`` / ``preview`` / ``destroy`` (tools/engine build) against SSH test
hosts in network namespaces (tests/e2e/testhosts.py) that run the fake k0s TEST
DOUBLE (tests/fakes/k0s), with the command provider TEST STAND-IN
(tools/command-standin) in place of the real pulumi-command provider. The fake
k0s writes one JSON line per call to /var/log/fake-k0s/calls.jsonl (host, argv,
timestamp) and keeps the cluster state in /var/lib/fake-k0s-cluster (its
default); both are directories shared by the test hosts of this run only (never
this machine's /var). The assertions are on that log, on the hosts' files (their
``~/.ssh/authorized_keys`` too), on the backup archives on this machine (in the scratch
project) and on pulumi's output.

Scenario: create c1 (controller+worker), w1, w2 -> no-change preview -> add w3 ->
rolling k0s upgrade (a backup first; one worker's start fails and it rolls back; the
next ``pulumi up`` finishes) -> SSH key rotation -> remove w2 -> remove w3 whose sshd
is stopped (refused, then marked gone, then its entry dropped) -> destroy.
Every step's wall time is printed at the end.

Opt-in: set ``MKE4K_E2E=1`` (tests/e2e/run.sh does), run as root with ``ip netns``,
sshd, the engine (tools/engine/build.sh) and the stand-in
(tools/command-standin/build.sh) built.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)

from tests.e2e.pulumi_cli import PulumiProject
from tests.e2e.scenario import (
    FAKE_SNAPSHOT,
    VERSION_1,
    VERSION_2,
    CallLog,
    Story,
    archived_snapshot,
    assert_secrets_kept,
    authorized,
    backup_archives,
    describe,
    fake_state,
    first,
    last,
    logs_in,
    mode,
    new_ssh_key,
    on,
    planned_steps,
    prerequisites,
    public_key,
    scenario,
    set_knobs,
    stack_config,
    summary,
    units,
)
from tests.e2e.testhosts import TestHosts

pytestmark = pytest.mark.e2e
_reason = prerequisites()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestHosts, PulumiProject, CallLog, Path]]:
    """Test hosts c1/w1/w2 and the rest of the scenario's setting."""
    with scenario(tmp_path, ["c1", "w1", "w2"]) as setting:
        yield setting


# -- the scenario -------------------------------------------------------------------------

Members = list[tuple[str, str]]
#: A removed host that does not answer is refused after this long (mke4k:ssh.removalProbeTimeoutSeconds).
REMOVAL_PROBE_SECONDS = 10


def test_lifecycle(env: tuple[TestHosts, PulumiProject, CallLog, Path], tmp_path: Path) -> None:
    story = Story(*env)
    hosts, project, cluster_dir = story.hosts, story.project, story.cluster_dir
    started = time.monotonic()
    members: Members = [("c1", "controller+worker"), ("w1", "worker"), ("w2", "worker")]

    # 1. up from nothing -------------------------------------------------------------
    project.init_stack(stack_config(hosts, members, VERSION_1))
    project.set_secret("mke4k:ssh.privateKey", hosts.private_key.read_text())
    ssh = {**project.config()["mke4k:ssh"], "user": "root", "removalProbeTimeoutSeconds": REMOVAL_PROBE_SECONDS}
    project.set_config({"mke4k:ssh": ssh})
    run, calls = story.step("1 up", project.up)
    for name, _ in members:
        staged = hosts[name].host_dir / f"root/var/lib/mke4k/bin/k0s-{VERSION_1}"
        assert staged.exists(), f"{name}: k0s {VERSION_1} not staged"
        assert first(calls, name, "version").version == VERSION_1
        state = fake_state(hosts, name)
        assert state is not None and state["running"], f"{name}: fake k0s not running: {state}"
    c1_install = first(calls, "c1", "install", "controller")
    c1_start = first(calls, "c1", "start")
    assert c1_install.ts < c1_start.ts
    assert "--enable-worker" in c1_install.argv
    creates = on(calls, "c1", "token", "create")
    assert len(creates) == 2, describe(creates)
    invalidated = [c.words[2] for c in on(calls, "c1", "token", "invalidate")]
    assert len(invalidated) == 2 and len(set(invalidated)) == 2, f"token invalidate: {invalidated}"
    for worker in ("w1", "w2"):
        install = first(calls, worker, "install", "worker")
        assert install.ts > c1_start.ts, f"{worker} installed before the bootstrap controller started"
        assert first(calls, worker, "start").ts > install.ts
        assert fake_state(hosts, worker)["joined"]
    assert not json.loads((cluster_dir / "state.json").read_text())["tokens"], "join tokens left valid"
    assert "mke4k: [c1 backup] no cluster to back up yet" in run.output
    assert not on(calls, "c1", "backup") and not backup_archives(project), "a backup of a cluster not yet there"
    outputs = project.outputs()
    assert outputs["kubeconfig"] == "[secret]", outputs.get("kubeconfig")
    assert outputs["nodeNames"] == ["c1", "w1", "w2"], outputs["nodeNames"]
    secret_outputs = project.outputs(show_secrets=True)
    assert "client-key-data" in secret_outputs["kubeconfig"]
    assert_secrets_kept(project, run)

    # 2. no changes ----------------------------------------------------------------
    _, calls = story.step("2 preview", lambda: project.preview("--expect-no-changes"))
    assert not calls, f"preview ran k0s: {describe(calls)}"

    # 3. add w3 --------------------------------------------------------------------
    hosts.add_host("w3")
    members.append(("w3", "worker"))
    project.set_config(stack_config(hosts, members, VERSION_1))
    run, calls = story.step("3 add w3", project.up)
    counts = summary(run.output)
    assert counts.get("created", 0) > 0 and not {"updated", "replaced", "deleted"} & set(counts), counts
    assert first(calls, "w3", "install", "worker").ts < first(calls, "w3", "start").ts
    others = [c for c in calls if c.host != "w3"]
    assert {c.host for c in others} <= {"c1"}, f"hosts other than w3 and c1 acted: {describe(others)}"
    c1_mutating = [c for c in others if c.mutating]
    assert [c.words[:2] for c in c1_mutating] == [("token", "create"), ("token", "invalidate")], describe(c1_mutating)
    assert on(calls, "c1", "kubectl", "get", "node", "w3"), describe(calls, "c1")
    assert not backup_archives(project), "adding a worker is no risky change: no backup"

    upgrade(story, members)
    rotate_key(story, members, new_ssh_key(tmp_path, "id_rotated"))

    # 6. remove w2 -------------------------------------------------------------------
    members = [m for m in members if m[0] != "w2"]
    project.set_config(stack_config(hosts, members, VERSION_2))
    run, calls = story.step("6 remove w2", project.up)
    counts = summary(run.output)
    assert counts.get("deleted", 0) > 0 and not {"created", "updated", "replaced"} & set(counts), counts
    drain = first(calls, "c1", "kubectl", "drain", "w2")
    delete = first(calls, "c1", "kubectl", "delete", "node", "w2")
    stop, reset = first(calls, "w2", "stop"), first(calls, "w2", "reset")
    assert drain.ts < delete.ts < stop.ts < reset.ts, describe(calls)
    assert {c.host for c in calls} <= {"c1", "w2"}, describe(calls)
    assert [c.words[:2] for c in calls if c.host == "c1" and c.mutating] == [
        ("kubectl", "drain"),
        ("kubectl", "delete"),
    ]
    assert fake_state(hosts, "w2") is None and not units(hosts, "w2")

    members = remove_dead_host(story, members)

    # 8. destroy -----------------------------------------------------------------------
    run, calls = story.step("8 destroy", project.destroy)
    resets = {name: last(calls, name, "reset") for name, _ in members}
    assert all(resets["c1"].ts > r.ts for n, r in resets.items() if n != "c1"), describe(calls)
    for name, _ in [*members, ("w2", "worker")]:
        assert fake_state(hosts, name) is None, f"{name}: fake k0s state left"
        assert not units(hosts, name), f"{name}: units left: {units(hosts, name)}"
    assert "w3" not in {c.host for c in calls}, "destroy dialled the dead host"
    assert not project.resources(), "resources left in the stack"
    assert len(backup_archives(project)) == 1, "destroy takes no backup"

    story.timings["total"] = time.monotonic() - started
    print("\n" + story.timing_line())


def upgrade(story: Story, members: Members) -> None:
    """4. Rolling k0s upgrade: a backup on the runner first; w2's new k0s does not start, so w2 rolls
    back (old version, Ready, uncordoned) and w3 is not touched; once the cause is gone the next
    ``pulumi up`` finishes the roll."""
    hosts, project, cluster_dir = story.hosts, story.project, story.cluster_dir
    set_knobs(cluster_dir, start_fails_on={"hosts": ["w2"], "versions": [VERSION_2]})
    project.set_config(stack_config(hosts, members, VERSION_2))
    run, calls = story.step("4a upgrade, w2 rolls back", lambda: project.up(check=False))
    assert run.returncode != 0, "the upgrade succeeded although w2's k0s does not start"
    assert f"mke4k: [w2 k0s-upgrade] error: upgrade of w2 to {VERSION_2} failed at step 'start k0s'" in run.output, (
        run.output[-3000:]
    )
    assert f"Rolled back: w2 runs k0s {VERSION_1} again and is uncordoned" in run.output

    # The backup: before the bootstrap controller's first change, one archive on the runner, 0600 in 0700.
    (archive,) = backup_archives(project)
    assert re.fullmatch(rf"e2e-\d{{8}}T\d{{6}}Z-{re.escape(VERSION_1)}\.tar\.gz", archive.name), archive.name
    assert mode(archive) == 0o600 and mode(archive.parent) == 0o700, (oct(mode(archive)), oct(mode(archive.parent)))
    names, snapshot = archived_snapshot(archive)
    assert {FAKE_SNAPSHOT, "pki/ca.crt", "k0s.yaml"} <= set(names), names
    cluster = json.loads((cluster_dir / "state.json").read_text())
    assert snapshot["cluster_id"] == cluster["cluster_id"] and snapshot["version"] == VERSION_1, snapshot
    assert set(snapshot["nodes"]) == {"c1", "w1", "w2", "w3"}, snapshot["nodes"]
    assert f"mke4k: [c1 backup] saved {archive} (" in run.output, "the backup step does not say where the archive is"
    backup = first(calls, "c1", "backup")
    assert backup.ts < first(calls, "c1", "stop").ts, "c1 upgraded before the backup"

    # c1 and w1 upgraded; w2 tried, failed to start and rolled back; w3 untouched.
    assert last(calls, "c1", "start").version == VERSION_2 and last(calls, "w1", "start").version == VERSION_2
    w2 = [c for c in calls if c.host == "w2" and c.mutating]
    assert [(c.words[:2], c.version, c.exit != 0) for c in w2] == [
        (("kubectl", "cordon"), VERSION_1, False),
        (("kubectl", "drain"), VERSION_1, False),
        (("stop",), VERSION_1, False),
        (("start",), VERSION_2, True),
        (("start",), VERSION_1, False),
        (("kubectl", "uncordon"), VERSION_1, False),
    ], describe(w2)
    state = fake_state(hosts, "w2")
    node = cluster["nodes"]["w2"]
    assert state["running"] and state["running_version"] == VERSION_1, state
    assert node["kubelet_running"] and node["version"] == VERSION_1 and not node["unschedulable"], node
    assert not [c for c in calls if c.host == "w3" and c.mutating], describe(calls, "w3")
    assert fake_state(hosts, "w3")["running_version"] == VERSION_1

    # The cause fixed: the next up upgrades w2 and then w3, and nothing else (no second backup).
    set_knobs(cluster_dir, start_fails_on=None)
    run, calls = story.step("4b upgrade resumed", project.up)
    assert {c.host for c in calls if c.mutating} == {"w2", "w3"}, describe([c for c in calls if c.mutating])
    assert not on(calls, "c1", "backup") and len(backup_archives(project)) == 1, "a second backup"
    windows = []
    for worker in ("w2", "w3"):
        drain = first(calls, worker, "kubectl", "drain", worker)
        assert "--kubeconfig" in drain.argv, drain.argv
        stop, start = first(calls, worker, "stop"), last(calls, worker, "start")
        uncordon = last(calls, worker, "kubectl", "uncordon", worker)
        assert drain.ts < stop.ts < start.ts < uncordon.ts, describe(calls, worker)
        assert start.version == VERSION_2 and start.exit == 0
        windows.append((min(c.ts for c in calls if c.host == worker and c.mutating), uncordon.ts, worker))
    for (_, end, a), (begin, _, b) in itertools.pairwise(sorted(windows)):
        assert end < begin, f"{a} and {b} upgraded at the same time (batch size 1)"
    cluster = json.loads((cluster_dir / "state.json").read_text())
    for name, _ in members:
        assert fake_state(hosts, name)["running_version"] == VERSION_2, name
        assert cluster["nodes"][name]["version"] == VERSION_2 and not cluster["nodes"][name]["unschedulable"], name


def rotate_key(story: Story, members: Members, new_key: Path) -> None:
    """5. A new SSH key on the running machines: updates only, nothing on the cluster changes; the new
    key opens every host and the old one none; the next preview is a no-op."""
    hosts, project = story.hosts, story.project
    old_key = hosts.private_key
    project.set_secret("mke4k:ssh.privateKey", new_key.read_text())
    run, calls = story.step("5a key preview", lambda: project.preview("--json"))
    steps = planned_steps(run)
    changes = {op: names for op, names in steps.items() if op not in ("same", "update", "read")}
    assert not changes, f"a key rotation would do more than update: {changes}"
    names = [name for name, _ in members]
    for name in names:
        assert f"e2e-{name}-ssh-key" in steps["update"], steps["update"]
    assert not calls, f"preview ran k0s: {describe(calls)}"

    run, calls = story.step("5b key rotation", project.up)
    counts = summary(run.output)
    assert counts.get("updated", 0) > 0 and not {"created", "replaced", "deleted"} & set(counts), counts
    changed = {c.words[:2] for c in calls if c.mutating}
    assert changed <= {("token", "create"), ("token", "invalidate")}, describe([c for c in calls if c.mutating])
    for name in names:
        host = hosts[name]
        assert logs_in(host, new_key), f"{name}: the new key does not log in"
        assert not logs_in(host, old_key), f"{name}: the old key still logs in"
        assert authorized(host) == {public_key(new_key)}, f"{name}: authorized_keys {authorized(host)}"
        assert mode(host.authorized_keys) == 0o600, f"{name}: {oct(mode(host.authorized_keys))}"
        assert fake_state(hosts, name)["running"], f"{name}: k0s stopped by a key rotation"
    assert "PRIVATE KEY" not in run.output
    assert "mke4k: [c1 backup] no k0s version, controller or k0s.yaml change since the last backup" in run.output
    assert not on(calls, "c1", "backup") and len(backup_archives(project)) == 1, "a key rotation is no risky change"

    _, calls = story.step("5c preview after rotation", lambda: project.preview("--expect-no-changes"))
    assert not calls, f"preview ran k0s: {describe(calls)}"


def remove_dead_host(story: Story, members: Members) -> Members:
    """7. w3 dies (sshd stopped, its kubelet no longer reports): removing its entry is refused fast,
    naming the setting, with nothing changed; marked gone, the bootstrap controller removes it
    without dialling it; dropping the entry then deletes its steps. Returns the members left."""
    hosts, project, cluster_dir = story.hosts, story.project, story.cluster_dir
    hosts.stop_sshd("w3")
    set_knobs(cluster_dir, unreachable_nodes=["w3"])
    left = [m for m in members if m[0] != "w3"]
    project.set_config(stack_config(hosts, left, VERSION_2))
    run, calls = story.step("7a remove dead w3: refused", lambda: project.up(check=False))
    assert run.returncode != 0, "the removal of a host that does not answer went through"
    address = hosts["w3"].address
    assert f"mke4k: [w3 reset-probe] error: w3 ({address}:22) does not answer SSH" in run.output, run.output[-3000:]
    assert "set gone: true on 'w3' in mke4k:hosts.static.hosts" in run.output
    assert not [c for c in calls if c.mutating], describe(calls)
    assert "w3" in json.loads((cluster_dir / "state.json").read_text())["nodes"], "w3 removed although refused"

    project.set_config(stack_config(hosts, members, VERSION_2, gone=["w3"]))
    run, calls = story.step("7b w3 marked gone", project.up)
    assert "w3 is marked gone: none of its own steps runs" in run.output
    assert "node w3 is unreachable (Ready=Unknown): skipping the drain" in run.output
    assert [c.words for c in calls if c.mutating] == [("kubectl", "delete", "node", "w3")], describe(calls)
    assert "w3" not in {c.host for c in calls}
    assert "w3" not in json.loads((cluster_dir / "state.json").read_text())["nodes"]
    assert project.outputs()["nodeNames"] == ["c1", "w1"]
    assert fake_state(hosts, "w3") is not None, "the dead machine was reset"

    project.set_config(stack_config(hosts, left, VERSION_2))
    run, calls = story.step("7c w3 entry dropped", project.up)
    counts = summary(run.output)
    assert counts.get("deleted", 0) > 0 and not {"created", "updated", "replaced"} & set(counts), counts
    assert not calls, f"dropping a gone host's entry ran k0s: {describe(calls)}"
    assert not [r for r in project.resources() if "e2e-w3-" in r["urn"]], "w3's steps left in the stack"
    return left
