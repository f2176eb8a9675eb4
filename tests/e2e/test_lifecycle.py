"""End-to-end lifecycle of the hosts + k0s layers with the real Pulumi engine.

Runs ``pulumi up`` / ``preview`` / ``destroy`` (tools/engine build) against SSH test
hosts in network namespaces (tests/e2e/testhosts.py) that run the fake k0s TEST
DOUBLE (tests/fakes/k0s), with the command provider TEST STAND-IN
(tools/command-standin) in place of the real pulumi-command provider. The fake
k0s writes one JSON line per call to /var/log/fake-k0s/calls.jsonl (host, argv,
timestamp) and keeps the cluster state in /var/lib/fake-k0s-cluster (its
default); both are directories shared by the test hosts of this run only (never
this machine's /var). The assertions are on that log, on the hosts' files and
on pulumi's output.

Scenario: create c1 (controller+worker), w1, w2 -> no-change preview -> add w3 ->
rolling k0s upgrade -> remove w2 -> destroy.

Opt-in: set ``MKE4K_E2E=1`` (tests/e2e/run.sh does), run as root with ``ip netns``,
sshd, the engine (tools/engine/build.sh) and the stand-in
(tools/command-standin/build.sh) built.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)

from tests.e2e.pulumi_cli import PulumiProject
from tests.e2e.scenario import (
    VERSION_1,
    VERSION_2,
    CallLog,
    assert_secrets_kept,
    describe,
    fake_state,
    first,
    last,
    on,
    prerequisites,
    report,
    scenario,
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


def test_lifecycle(env: tuple[TestHosts, PulumiProject, CallLog, Path]) -> None:
    hosts, project, log, cluster_dir = env
    timings: dict[str, float] = {}
    started = time.monotonic()
    members = [("c1", "controller+worker"), ("w1", "worker"), ("w2", "worker")]

    # 1. up from nothing -------------------------------------------------------------
    project.init_stack(stack_config(hosts, members, VERSION_1))
    project.set_secret("mke4k:ssh.privateKey", hosts.private_key.read_text())
    project.set_config({"mke4k:ssh": {**project.config()["mke4k:ssh"], "user": "root"}})
    log.mark()
    run = project.up()
    timings["1 up"] = run.seconds
    calls = report("1 up", run, log)
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
    outputs = project.outputs()
    assert outputs["kubeconfig"] == "[secret]", outputs.get("kubeconfig")
    secret_outputs = project.outputs(show_secrets=True)
    assert "client-key-data" in secret_outputs["kubeconfig"]
    assert_secrets_kept(project, run)

    # 2. no changes ----------------------------------------------------------------
    log.mark()
    run = project.preview("--expect-no-changes")
    timings["2 preview"] = run.seconds
    assert not log.since_mark(), f"preview ran k0s: {describe(log.since_mark())}"

    # 3. add w3 --------------------------------------------------------------------
    hosts.add_host("w3")
    members.append(("w3", "worker"))
    project.set_config(stack_config(hosts, members, VERSION_1))
    log.mark()
    run = project.up()
    timings["3 add w3"] = run.seconds
    calls = report("3 add w3", run, log)
    counts = summary(run.output)
    assert counts.get("created", 0) > 0 and not {"updated", "replaced", "deleted"} & set(counts), counts
    assert first(calls, "w3", "install", "worker").ts < first(calls, "w3", "start").ts
    others = [c for c in calls if c.host != "w3"]
    assert {c.host for c in others} <= {"c1"}, f"hosts other than w3 and c1 acted: {describe(others)}"
    c1_mutating = [c for c in others if c.mutating]
    assert [c.words[:2] for c in c1_mutating] == [("token", "create"), ("token", "invalidate")], describe(c1_mutating)
    assert on(calls, "c1", "kubectl", "get", "node", "w3"), describe(calls, "c1")

    # 4. rolling upgrade -------------------------------------------------------------
    project.set_config(stack_config(hosts, members, VERSION_2))
    log.mark()
    run = project.up()
    timings["4 upgrade"] = run.seconds
    calls = report("4 upgrade", run, log)
    c1_stop, c1_start = first(calls, "c1", "stop"), last(calls, "c1", "start")
    assert c1_stop.ts < c1_start.ts and c1_start.version == VERSION_2
    windows = []
    for worker in ("w1", "w2", "w3"):
        drain = first(calls, worker, "kubectl", "drain", worker)
        assert "--kubeconfig" in drain.argv, drain.argv
        stop, start = first(calls, worker, "stop"), last(calls, worker, "start")
        uncordon = last(calls, worker, "kubectl", "uncordon", worker)
        assert drain.ts < stop.ts < start.ts < uncordon.ts, describe(calls, worker)
        assert start.version == VERSION_2
        assert c1_start.ts < drain.ts, f"{worker} upgraded before the controller"
        begin = min(c.ts for c in calls if c.host == worker and c.mutating)
        windows.append((begin, uncordon.ts, worker))
        assert fake_state(hosts, worker)["running_version"] == VERSION_2
    windows.sort()
    for (_, end, a), (begin, _, b) in itertools.pairwise(windows):
        assert end < begin, f"{a} and {b} upgraded at the same time (batch size 1)"

    # 5. remove w2 -------------------------------------------------------------------
    members = [m for m in members if m[0] != "w2"]
    project.set_config(stack_config(hosts, members, VERSION_2))
    log.mark()
    run = project.up()
    timings["5 remove w2"] = run.seconds
    calls = report("5 remove w2", run, log)
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

    # 6. destroy -----------------------------------------------------------------------
    log.mark()
    run = project.destroy()
    timings["6 destroy"] = run.seconds
    calls = report("6 destroy", run, log)
    resets = {name: last(calls, name, "reset") for name, _ in members}
    assert all(resets["c1"].ts > r.ts for n, r in resets.items() if n != "c1"), describe(calls)
    for name, _ in [*members, ("w2", "worker")]:
        assert fake_state(hosts, name) is None, f"{name}: fake k0s state left"
        assert not units(hosts, name), f"{name}: units left: {units(hosts, name)}"
    assert not project.resources(), "resources left in the stack"

    timings["total"] = time.monotonic() - started
    print("\ne2e timings (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in timings.items()))
    assert timings["total"] < 600, timings
