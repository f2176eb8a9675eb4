"""upgrade_node.sh: cordon/drain -> stop -> swap -> start -> wait -> uncordon, no-op when current."""

from __future__ import annotations

import pytest
from script_harness import V1, V2

STEPS = (
    "kubectl cordon",
    "kubectl drain",
    "stop",
    "start",
    "kubectl wait",
    "kubectl uncordon",
)


def steps(calls):
    """(command, version of the binary that ran it) for the upgrade-relevant calls."""
    out = []
    for call in calls:
        argv = [a for a in call["argv"] if not a.startswith("/var/lib/mke4k/tmp/")]
        if "--kubeconfig" in argv:
            argv.remove("--kubeconfig")
        text = " ".join(argv)
        if text.startswith(STEPS) or text in STEPS:
            out.append(
                (
                    " ".join(argv[:2]) if argv[0] == "kubectl" else argv[0],
                    call["version"],
                )
            )
    return out


def upgrade(host, role: str, stdin: str | None = None, **inputs):
    """Run upgrade_node.sh on ``host`` (its own node name) towards V2 with ``role`` and ``inputs``."""
    return host.run("upgrade_node.sh", stdin=stdin, K0S_VERSION=V2, ROLE=role, NODE_NAME=host.name, **inputs)


@pytest.fixture(autouse=True)
def cni(cluster):
    """The CNI reports ready here, so the bootstrapped controller (``cp1``) is Ready."""
    cluster.knobs(cni_ready=True)


def test_upgrade_controller_worker_in_order_then_no_op(cluster, cp1):
    cluster.stage(cp1, V2)
    before = len(cp1.calls())
    result = upgrade(cp1, "controller+worker", DRAIN_TIMEOUT="30s", READY_TIMEOUT_SECONDS=10)
    assert result.returncode == 0, result
    assert result.values == {"version": V2, "changed": "true"}
    assert steps(cp1.calls()[before:]) == [
        ("kubectl cordon", V1),
        ("kubectl drain", V1),
        ("stop", V1),
        ("start", V2),
        ("kubectl wait", V2),
        ("kubectl uncordon", V2),
    ]
    assert cp1.shell("/usr/local/bin/k0s.previous version").stdout.strip() == V1
    assert cluster.state()["nodes"]["cp1"]["unschedulable"] is False

    before = len(cp1.calls())
    again = upgrade(cp1, "controller+worker")
    assert again.returncode == 0, again
    assert f"k0s already at {V2} and running on cp1: nothing to do" in again.stderr
    assert again.values["changed"] == "false"
    assert steps(cp1.calls()[before:]) == []


def test_upgrade_worker_uses_the_kubeconfig_from_stdin(cluster, cp1):
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    cluster.stage(w1, V2)
    kubeconfig = cp1.k0s("kubeconfig", "admin").stdout
    before = len(w1.calls())
    result = upgrade(w1, "worker", stdin=kubeconfig, READY_TIMEOUT_SECONDS=10)
    assert result.returncode == 0, result
    calls = w1.calls()[before:]
    assert [s for s, _ in steps(calls)] == [
        "kubectl cordon",
        "kubectl drain",
        "stop",
        "start",
        "kubectl wait",
        "kubectl uncordon",
    ]
    assert all("--kubeconfig" in c["argv"] for c in calls if c["argv"][0] == "kubectl")
    modes = {(f["mode"], f["dir_mode"]) for c in calls for f in c["files"].values()}
    assert modes == {("0o600", "0o700")}, "the admin kubeconfig must be 0600 in a 0700 directory"
    assert w1.listdir("/var/lib/mke4k/tmp") == [], "the kubeconfig file must be removed"
    assert "client-key-data" not in result.stdout + result.stderr


def test_upgrade_worker_without_kubeconfig_changes_nothing(cluster, cp1):
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    cluster.stage(w1, V2)
    result = upgrade(w1, "worker")
    assert result.returncode != 0
    assert "no admin kubeconfig" in result.stderr
    assert w1.k0s("status").returncode == 0


def test_upgrade_needs_the_version_staged(cluster, cp1):
    before = len(cp1.calls())
    result = upgrade(cp1, "controller+worker")
    assert result.returncode != 0
    assert "stage_k0s.sh" in result.stderr
    assert steps(cp1.calls()[before:]) == [], "nothing may be cordoned or stopped"


def test_upgrade_failure_after_stop_without_rollback_explains_recovery(cluster, cp1):
    cluster.stage(cp1, V2)
    cluster.knobs(cni_ready=False)  # the node never becomes Ready
    result = upgrade(cp1, "controller+worker", READY_TIMEOUT_SECONDS=1, ROLLBACK_ON_FAILURE="false")
    assert result.returncode != 0
    assert "failed at step 'wait for cp1 to be ready" in result.stderr
    assert "/usr/local/bin/k0s.previous" in result.stderr
    assert "journalctl -u k0scontroller" in result.stderr

    cluster.knobs(cni_ready=True)  # fixed: a re-run resumes and finishes
    resumed = upgrade(cp1, "controller+worker", READY_TIMEOUT_SECONDS=5)
    assert resumed.returncode == 0, resumed
    assert "resuming an interrupted upgrade" in resumed.stderr
    assert cluster.state()["nodes"]["cp1"]["unschedulable"] is False, "the re-run must uncordon"
    assert "nothing to do" in upgrade(cp1, "controller+worker").stderr


def test_drain_false_skips_cordon_and_drain(cluster, cp1):
    cluster.stage(cp1, V2)
    before = len(cp1.calls())
    result = upgrade(cp1, "controller+worker", DRAIN="false")
    assert result.returncode == 0, result
    assert [s for s, _ in steps(cp1.calls()[before:])] == [
        "stop",
        "start",
        "kubectl wait",
    ]


def test_a_start_that_fails_rolls_back_and_says_why(cluster, cp1):
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    cluster.stage(w1, V2)
    cluster.knobs(start_fails_on={"hosts": ["w1"], "versions": [V2]})
    kubeconfig = cp1.k0s("kubeconfig", "admin").stdout
    before = len(w1.calls())
    result = upgrade(w1, "worker", stdin=kubeconfig, READY_TIMEOUT_SECONDS=5)
    assert result.returncode != 0
    error = result.stderr
    assert "failed at step 'start k0s'" in error and "knob start_fails" in error, error
    assert f"Rolled back: w1 runs k0s {V1} again and is uncordoned" in error, error
    assert "run 'pulumi up' again" in error
    assert steps(w1.calls()[before:]) == [
        ("kubectl cordon", V1),
        ("kubectl drain", V1),
        ("stop", V1),
        ("start", V2),  # fails (knob)
        ("start", V1),  # the previous binary again
        ("kubectl wait", V1),
        ("kubectl uncordon", V1),
    ]
    assert w1.k0s("version").stdout.strip() == V1 and w1.k0s("status").returncode == 0
    assert cluster.state()["nodes"]["w1"]["unschedulable"] is False
    assert not w1.exists("/var/lib/mke4k/upgrade-in-progress"), "nothing left to resume after a rollback"

    cluster.knobs(start_fails_on=None)  # the cause is fixed: the next run upgrades from the start
    again = upgrade(w1, "worker", stdin=kubeconfig)
    assert again.returncode == 0, again
    assert again.values == {"version": V2, "changed": "true"}
    assert w1.k0s("version").stdout.strip() == V2


def test_a_controller_that_never_gets_ready_rolls_back(cluster, cp1):
    cluster.stage(cp1, V2)
    cluster.knobs(never_ready=True)
    result = upgrade(cp1, "controller", READY_TIMEOUT_SECONDS=1)
    assert result.returncode != 0
    # The rollback waits for /readyz too, which never answers here: it says so and how to finish by hand.
    assert "failed at step 'wait for cp1 to be ready" in result.stderr
    assert "does not answer /readyz after 1s" in result.stderr
    assert "the rollback to /usr/local/bin/k0s.previous failed too, at 'waiting for cp1 to be ready'" in result.stderr
    assert cp1.k0s("version").stdout.strip() == V1, "the previous binary is back in place"


def test_rollback_off_leaves_the_node_as_the_failure_left_it(cluster, cp1):
    cluster.stage(cp1, V2)
    cluster.knobs(start_fails_on={"versions": [V2]})
    result = upgrade(cp1, "controller+worker", ROLLBACK_ON_FAILURE="false")
    assert result.returncode != 0
    assert "No rollback (mke4k:k0s.upgrade.rollbackOnFailure is false)" in result.stderr
    assert cp1.k0s("status").returncode != 0, "k0s stays stopped"
    assert cp1.k0s("version").stdout.strip() == V2
    assert cluster.state()["nodes"]["cp1"]["unschedulable"] is True
