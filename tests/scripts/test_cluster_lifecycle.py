"""install_controller, create_join_token, join_node, confirm_member, remove_member,
reset_node: several fake hosts sharing one fake cluster."""

from __future__ import annotations

import base64
import gzip
import re

import pytest
from script_harness import V1


def argvs(calls):
    return [" ".join(call["argv"]) for call in calls]


def token_parts(token: str) -> tuple[str, str]:
    kubeconfig = gzip.decompress(base64.b64decode(token)).decode()
    return re.search(r"token: ([a-z0-9]{6})\.([a-z0-9]{16})", kubeconfig).groups()


def token_secret(token: str) -> str:
    return token_parts(token)[1]


# ------------------------------------------------------------------ install_controller
def test_install_controller_waits_for_readyz_then_is_a_no_op(cluster):
    cluster.knobs(readyz_delay_calls=2)
    host = cluster.host("cp1")
    cluster.stage(host)
    cluster.write_config(host)
    first = host.run(
        "install_controller.sh",
        NODE_NAME="cp1",
        ROLE="controller+worker",
        READY_TIMEOUT_SECONDS=10,
    )
    assert first.returncode == 0, first
    assert first.values == {"version": V1, "changed": "true"}
    calls = argvs(host.calls())
    assert (
        "install controller -c /etc/k0s/k0s.yaml --enable-worker --kubelet-extra-args=--hostname-override=cp1" in calls
    )
    assert calls.count("kubectl get --raw=/readyz") == 3, "it must poll until /readyz says ok"
    assert host.exists("/usr/local/bin/k0s")

    before = len(host.calls())
    second = host.run(
        "install_controller.sh",
        NODE_NAME="cp1",
        ROLE="controller+worker",
        READY_TIMEOUT_SECONDS=10,
    )
    assert second.returncode == 0, second
    assert f"k0s already installed and running ({V1}): nothing to do" in second.stderr
    assert second.values["changed"] == "false"
    later = argvs(host.calls()[before:])
    assert not [c for c in later if c.startswith(("install", "start"))]


def test_install_controller_without_worker_passes_no_kubelet_flags(cluster):
    host = cluster.host("cp1")
    cluster.bootstrap(host, enable_worker=False)
    install = [c for c in argvs(host.calls()) if c.startswith("install")]
    assert install == ["install controller -c /etc/k0s/k0s.yaml"]


def test_install_controller_needs_the_config(cluster):
    host = cluster.host("cp1")
    cluster.stage(host)
    result = host.run("install_controller.sh", NODE_NAME="cp1", ROLE="controller+worker")
    assert result.returncode != 0
    assert "run write_k0s_config.sh first" in result.stderr


def test_install_controller_timeout_says_what_to_check(cluster):
    cluster.knobs(never_ready=True)
    host = cluster.host("cp1")
    cluster.stage(host)
    cluster.write_config(host)
    result = host.run(
        "install_controller.sh",
        NODE_NAME="cp1",
        ROLE="controller+worker",
        READY_TIMEOUT_SECONDS=1,
    )
    assert result.returncode != 0
    assert "did not become ready within 1s" in result.stderr
    assert "journalctl -u k0scontroller" in result.stderr


# ------------------------------------------------------------------ tokens and joins
def test_token_join_confirm_worker(cluster, cp1):
    token_run = cp1.run("create_join_token.sh", ROLE="worker", TOKEN_EXPIRY="10m")
    assert token_run.returncode == 0, token_run
    token = token_run.stdout.strip()
    assert token_run.stdout == token + "\n", "stdout must be only the token"
    secret = token_secret(token)

    w1 = cluster.host("w1")
    cluster.stage(w1)
    join = w1.run(
        "join_node.sh",
        stdin=token,
        ROLE="worker",
        NODE_NAME="w1",
        READY_TIMEOUT_SECONDS=10,
    )
    assert join.returncode == 0, join
    token_id = join.values["token_id"]
    assert token_id == token_parts(token)[0]
    assert secret not in join.stdout + join.stderr and token not in join.stdout + join.stderr
    assert not w1.exists("/var/lib/mke4k/tmp/join-token")
    install = [c for c in argvs(w1.calls()) if c.startswith("install")]
    assert install == [
        ("install worker --token-file /var/lib/mke4k/tmp/join-token --kubelet-extra-args=--hostname-override=w1")
    ]
    [handed] = [c["files"] for c in w1.calls() if c["argv"][0] == "install"]
    assert handed == {"/var/lib/mke4k/tmp/join-token": {"mode": "0o600", "dir_mode": "0o700"}}, (
        "the token file k0s reads must be 0600 in a 0700 directory"
    )

    # Not Ready (no CNI yet) must not block the confirmation.
    assert "NotReady" in cp1.k0s("kubectl", "get", "node", "w1").stdout
    confirm = cp1.run(
        "confirm_member.sh",
        NODE_NAME="w1",
        ROLE="worker",
        TOKEN_ID=token_id,
        READY_TIMEOUT_SECONDS=5,
    )
    assert confirm.returncode == 0, confirm
    assert confirm.values == {"member": "w1"}
    assert f"invalidated join token {token_id}" in confirm.stderr
    assert token_id not in cp1.k0s("token", "list").stdout
    for result in (token_run, confirm):
        assert secret not in result.stderr

    again = cp1.run("confirm_member.sh", NODE_NAME="w1", ROLE="worker", TOKEN_ID=token_id)
    assert again.returncode == 0 and "already invalid" in again.stderr

    # join again: no-op, still reports the token id, leaves no token file
    rejoin = w1.run("join_node.sh", stdin=token, ROLE="worker", NODE_NAME="w1")
    assert rejoin.returncode == 0, rejoin
    assert "already joined and running" in rejoin.stderr and "nothing to do" in rejoin.stderr
    assert rejoin.values == {"token_id": token_id, "changed": "false"}
    assert not w1.exists("/var/lib/mke4k/tmp/join-token")


def test_join_with_an_invalidated_token_fails_clearly(cluster, cp1):
    cluster.join(cp1, cluster.host("w1"), "worker")
    used = cluster.token(cp1, "worker")
    token_id = token_parts(used)[0]
    assert token_id in cp1.k0s("token", "list").stdout
    assert cp1.k0s("token", "invalidate", token_id).returncode == 0

    w2 = cluster.host("w2")
    cluster.stage(w2)
    result = w2.run(
        "join_node.sh",
        stdin=used,
        ROLE="worker",
        NODE_NAME="w2",
        READY_TIMEOUT_SECONDS=2,
    )
    assert result.returncode != 0
    assert "invalid" in result.stderr and "create_join_token.sh" in result.stderr
    assert token_secret(used) not in result.stdout + result.stderr
    assert not w2.exists("/var/lib/mke4k/tmp/join-token")
    assert "w2" not in cluster.state()["nodes"]


@pytest.mark.parametrize(
    "stdin, message",
    [
        ("", "no join token on stdin"),
        ("this is not a token\n", "not a k0s join token"),
    ],
)
def test_join_rejects_missing_or_garbage_tokens(cluster, stdin, message):
    w1 = cluster.host("w1")
    cluster.stage(w1)
    result = w1.run("join_node.sh", stdin=stdin, ROLE="worker", NODE_NAME="w1")
    assert result.returncode != 0
    assert message in result.stderr
    assert not w1.exists("/var/lib/mke4k/tmp/join-token")


def test_create_join_token_needs_running_k0s(cluster):
    host = cluster.host("cp1")
    result = host.run("create_join_token.sh", ROLE="worker")
    assert result.returncode != 0
    assert "k0s is not running on this host" in result.stderr
    assert result.stdout == ""


def test_controller_join_adds_an_etcd_member(cluster, cp1):
    cp2 = cluster.host("cp2")
    join = cluster.join(cp1, cp2, "controller+worker")
    assert join.values["changed"] == "true"
    install = [c for c in argvs(cp2.calls()) if c.startswith("install")]
    assert install == [
        (
            "install controller --token-file /var/lib/mke4k/tmp/join-token -c /etc/k0s/k0s.yaml "
            "--enable-worker --kubelet-extra-args=--hostname-override=cp2"
        )
    ]
    assert cluster.state()["etcd_members"] == {
        "cp1": "https://10.0.0.1:2380",
        "cp2": "https://10.0.0.2:2380",
    }
    assert cluster.state()["tokens"] == {}, "confirm_member invalidated the controller token"


# ------------------------------------------------------------------ remove_member
def test_remove_worker_drains_then_deletes(cluster, cp1):
    cluster.join(cp1, cluster.host("w1"), "worker")
    before = len(cp1.calls())
    result = cp1.run("remove_member.sh", NODE_NAME="w1", ROLE="worker", DRAIN_TIMEOUT="30s")
    assert result.returncode == 0, result
    assert result.values == {"removed": "w1"}
    mutations = [
        c for c in argvs(cp1.calls()[before:]) if c.startswith(("kubectl drain", "kubectl delete", "etcd leave"))
    ]
    assert mutations == [
        "kubectl drain w1 --ignore-daemonsets --delete-emptydir-data --timeout=30s",
        "kubectl delete node w1",
    ]
    assert "w1" not in cluster.state()["nodes"]

    again = cp1.run("remove_member.sh", NODE_NAME="w1", ROLE="worker")
    assert again.returncode == 0, again
    assert "node w1 not found in the API: skipping drain and delete" in again.stderr


def test_remove_controller_drains_deletes_then_leaves_etcd(cluster, cp1):
    cp2 = cluster.host("cp2")
    cluster.join(cp1, cp2, "controller+worker")
    before = len(cp1.calls())
    result = cp1.run(
        "remove_member.sh",
        NODE_NAME="cp2",
        ROLE="controller+worker",
        PEER_ADDRESS=cp2.address,
    )
    assert result.returncode == 0, result
    mutations = [
        c for c in argvs(cp1.calls()[before:]) if c.startswith(("kubectl drain", "kubectl delete", "etcd leave"))
    ]
    assert mutations == [
        "kubectl drain cp2 --ignore-daemonsets --delete-emptydir-data --timeout=5m",
        "kubectl delete node cp2",
        f"etcd leave --peer-address {cp2.address}",
    ]
    assert list(cluster.state()["etcd_members"]) == ["cp1"]

    again = cp1.run(
        "remove_member.sh",
        NODE_NAME="cp2",
        ROLE="controller+worker",
        PEER_ADDRESS=cp2.address,
    )
    assert again.returncode == 0
    assert f"no etcd member with peer address {cp2.address}: skipping etcd leave" in again.stderr


def test_an_unreachable_worker_is_deleted_without_a_drain(cluster, cp1):
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    assert w1.k0s("stop").returncode == 0  # the kubelet stops posting status: Ready=Unknown
    before = len(cp1.calls())
    result = cp1.run("remove_member.sh", NODE_NAME="w1", ROLE="worker", DRAIN_TIMEOUT="30s")
    assert result.returncode == 0, result
    assert "unreachable (Ready=Unknown): skipping the drain" in result.stderr
    mutations = [c for c in argvs(cp1.calls()[before:]) if c.startswith(("kubectl drain", "kubectl delete"))]
    assert mutations == ["kubectl delete node w1"]


def test_failed_drain_deletes_nothing(cluster, cp1):
    cluster.join(cp1, cluster.host("w1"), "worker")
    cluster.knobs(drain_fails=True)
    result = cp1.run("remove_member.sh", NODE_NAME="w1", ROLE="worker")
    assert result.returncode != 0
    assert "draining w1 failed" in result.stderr and "left cordoned" in result.stderr
    assert cluster.state()["nodes"]["w1"]["unschedulable"] is True
    assert not [c for c in argvs(cp1.calls()) if c.startswith("kubectl delete")]


def test_the_leader_never_removes_itself(cluster, cp1):
    before = len(cp1.calls())
    result = cp1.run(
        "remove_member.sh", NODE_NAME="cp1", ROLE="controller+worker", PEER_ADDRESS=cp1.address, IS_LEADER="true"
    )
    assert result.returncode == 0, result
    assert result.values == {"removed": "false"}
    assert "not draining or removing itself" in result.stderr
    assert not [c for c in argvs(cp1.calls()[before:]) if c.startswith(("kubectl drain", "kubectl delete", "etcd"))]
    assert list(cluster.state()["etcd_members"]) == ["cp1"]


def test_the_bootstrap_controllers_own_member_step_has_no_token(cp1):
    result = cp1.run(
        "confirm_member.sh", NODE_NAME="cp1", ROLE="controller+worker", TOKEN_ID="", READY_TIMEOUT_SECONDS=10
    )
    assert result.returncode == 0, result
    assert result.values == {"member": "cp1"}
    assert "no join token to invalidate" in result.stderr
    assert not [c for c in argvs(cp1.calls()) if c.startswith("token invalidate")]


def test_remove_controller_needs_its_peer_address(cp1):
    result = cp1.run("remove_member.sh", NODE_NAME="cp2", ROLE="controller")
    assert result.returncode != 0
    assert "PEER_ADDRESS is required" in result.stderr


# ------------------------------------------------------------------ reset_node
def test_reset_bootstrap_refuses_while_other_controllers_remain(cluster, cp1):
    cp2 = cluster.host("cp2")
    cluster.join(cp1, cp2, "controller+worker")
    result = cp1.run("reset_node.sh", IS_BOOTSTRAP="true", NODE_NAME="cp1", PEER_ADDRESS=cp1.address)
    assert result.returncode != 0
    assert "cp2 (https://10.0.0.2:2380)" in result.stderr
    assert "set mke4k:k0s.bootstrapController to another controller" in result.stderr
    assert "destroy the whole cluster" in result.stderr
    assert cp1.k0s("status").returncode == 0, "nothing may have been stopped"

    # after the other controller is removed properly, the bootstrap can go
    assert (
        cp1.run(
            "remove_member.sh",
            NODE_NAME="cp2",
            ROLE="controller+worker",
            PEER_ADDRESS=cp2.address,
        ).returncode
        == 0
    )
    assert cp2.run("reset_node.sh", IS_BOOTSTRAP="false", NODE_NAME="cp2").returncode == 0
    ok = cp1.run("reset_node.sh", IS_BOOTSTRAP="true", NODE_NAME="cp1", PEER_ADDRESS=cp1.address)
    assert ok.returncode == 0, ok
    assert ok.values["reset"] == "true"


def test_reset_worker_removes_everything_then_is_a_no_op(cluster, cp1):
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    result = w1.run("reset_node.sh", IS_BOOTSTRAP="false", NODE_NAME="w1")
    assert result.returncode == 0, result
    assert result.values == {"reset": "true", "changed": "true"}
    assert "reboot is recommended" in result.stderr
    assert [c for c in argvs(w1.calls()) if c in ("stop", "reset")] == ["stop", "reset"]
    for path in (
        "/usr/local/bin/k0s",
        "/var/lib/mke4k/bin",
        "/var/lib/k0s",
        "/etc/systemd/system/k0sworker.service",
    ):
        assert not w1.exists(path), path
    assert w1.listdir("/var/lib/mke4k") == ["scripts"], "only the scripts stay (no secret, needed by a re-run)"

    again = w1.run("reset_node.sh", IS_BOOTSTRAP="false", NODE_NAME="w1")
    assert again.returncode == 0, again
    assert again.values == {"reset": "true", "changed": "false"}
    assert "no k0s reset needed" in again.stderr and "nothing to do" in again.stderr


def test_reset_stopped_bootstrap_needs_force(cluster, cp1):
    assert cp1.k0s("stop").returncode == 0
    refused = cp1.run("reset_node.sh", IS_BOOTSTRAP="true", NODE_NAME="cp1")
    assert refused.returncode != 0 and "FORCE=true" in refused.stderr
    forced = cp1.run("reset_node.sh", IS_BOOTSTRAP="true", NODE_NAME="cp1", FORCE="true")
    assert forced.returncode == 0, forced
    assert not cp1.exists("/etc/k0s/k0s.yaml")


# ------------------------------------------------------------------ admin_kubeconfig
def test_admin_kubeconfig_prints_a_working_kubeconfig(cluster, cp1):
    result = cp1.run("admin_kubeconfig.sh")
    assert result.returncode == 0, result
    assert "client-key-data" in result.stdout and "client-key-data" not in result.stderr
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    check = w1.shell(
        "cat > /var/tmp/kc && /usr/local/bin/k0s kubectl --kubeconfig /var/tmp/kc get node w1; rc=$?; rm -f /var/tmp/kc; exit $rc",
        stdin=result.stdout,
    )
    assert check.returncode == 0, check


def test_admin_kubeconfig_needs_running_k0s(cluster):
    result = cluster.host("cp1").run("admin_kubeconfig.sh")
    assert result.returncode != 0
    assert "k0s is not running" in result.stderr


def test_handing_the_bootstrap_role_over_then_removing_the_old_bootstrap(cluster, cp1):
    """What the program runs on a hand-over (all no-ops), then the old leader's removal."""
    cp2 = cluster.host("cp2")
    cluster.join(cp1, cp2, "controller+worker")
    # Hand-over: the new leader's install step becomes install_controller.sh, the old one's join_node.sh.
    promoted = cp2.run("install_controller.sh", NODE_NAME="cp2", ROLE="controller+worker", READY_TIMEOUT_SECONDS=10)
    assert promoted.returncode == 0, promoted
    assert "nothing to do" in promoted.stderr
    token = cluster.token(cp2, "controller")
    demoted = cp1.run("join_node.sh", stdin=token, ROLE="controller+worker", NODE_NAME="cp1", READY_TIMEOUT_SECONDS=10)
    assert demoted.returncode == 0, demoted
    assert "nothing to do" in demoted.stderr
    confirmed = cp2.run(
        "confirm_member.sh", NODE_NAME="cp1", ROLE="controller+worker", TOKEN_ID=demoted.values["token_id"]
    )
    assert confirmed.returncode == 0, confirmed
    assert "invalidated join token" in confirmed.stderr
    # Removal of the old bootstrap controller, now an ordinary one, from the new leader.
    removed = cp2.run("remove_member.sh", NODE_NAME="cp1", ROLE="controller+worker", PEER_ADDRESS=cp1.address)
    assert removed.returncode == 0, removed
    reset = cp1.run("reset_node.sh", NODE_NAME="cp1", IS_BOOTSTRAP="false", PEER_ADDRESS=cp1.address)
    assert reset.returncode == 0, reset
    assert list(cluster.state()["etcd_members"]) == ["cp2"]
    assert "cp1" not in cluster.state()["nodes"]


def join_controller_whose_api_is_late(cluster, cp1, readyz_calls: int, timeout: int):
    """Join cp2 as a controller while its API answers /readyz only after ``readyz_calls`` calls."""
    cp2 = cluster.host("cp2")
    cluster.stage(cp2)
    cluster.write_config(cp2)
    token = cluster.token(cp1, "controller")
    cluster.knobs(readyz_delay_calls=readyz_calls)
    join = cp2.run(
        "join_node.sh", stdin=token, ROLE="controller+worker", NODE_NAME="cp2", READY_TIMEOUT_SECONDS=timeout
    )
    return cp2, join


def test_a_joining_controller_counts_as_joined_only_once_its_api_answers(cluster, cp1):
    """join_node.sh waits for the controller's /readyz, not only for k0s to run."""
    cp2, join = join_controller_whose_api_is_late(cluster, cp1, readyz_calls=3, timeout=20)
    assert join.returncode == 0, join
    readyz = [c for c in cp2.calls() if c["argv"][:2] == ["kubectl", "get"] and "--raw=/readyz" in c["argv"]]
    assert [c["exit"] for c in readyz][-1] == 0 and any(c["exit"] != 0 for c in readyz), (
        "it polled /readyz until the API answered"
    )


def test_a_joined_controller_whose_api_never_answers_fails_the_join(cluster, cp1):
    _, join = join_controller_whose_api_is_late(cluster, cp1, readyz_calls=1000, timeout=2)
    assert join.returncode != 0
    assert "did not report running with a ready API within 2s" in join.stderr
