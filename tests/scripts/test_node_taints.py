"""node_taints.sh: the control-plane taint follows mke4k:k0s.noTaints on running nodes."""

from __future__ import annotations

MASTER = "node-role.kubernetes.io/master:NoSchedule"
CONTROL_PLANE = "node-role.kubernetes.io/control-plane:NoSchedule"


def taints(cluster, node="cp1"):
    return cluster.state()["nodes"][node]["taints"]


def test_a_running_manager_is_untainted_and_tainted_again(cluster, cp1):
    assert taints(cluster) == [MASTER], "k0s taints a controller+worker when it registers"

    removed = cp1.run("node_taints.sh", NODE_NAME="cp1", NO_TAINTS="true")
    assert removed.returncode == 0, removed
    assert removed.values == {"tainted": "false", "changed": "true"}
    assert taints(cluster) == []
    again = cp1.run("node_taints.sh", NODE_NAME="cp1", NO_TAINTS="true")
    assert again.values["changed"] == "false" and "untainted already: nothing to do" in again.stderr

    restored = cp1.run("node_taints.sh", NODE_NAME="cp1", NO_TAINTS="false")
    assert restored.returncode == 0, restored
    assert restored.values == {"tainted": "true", "changed": "true"}
    assert taints(cluster) == [MASTER]
    assert "running pods stay" in restored.stderr


def test_kubernetes_own_control_plane_taint_is_removed_too(cluster, cp1):
    assert cp1.k0s("kubectl", "taint", "node", "cp1", CONTROL_PLANE).returncode == 0
    result = cp1.run("node_taints.sh", NODE_NAME="cp1", NO_TAINTS="true")
    assert result.returncode == 0, result
    assert taints(cluster) == []
    # Either key counts as tainted: no second taint is added next to it.
    assert cp1.k0s("kubectl", "taint", "node", "cp1", CONTROL_PLANE).returncode == 0
    kept = cp1.run("node_taints.sh", NODE_NAME="cp1", NO_TAINTS="false")
    assert kept.values["changed"] == "false" and taints(cluster) == [CONTROL_PLANE]


def test_a_node_that_has_not_joined_is_refused(cluster, cp1):
    result = cp1.run("node_taints.sh", NODE_NAME="manager-9", NO_TAINTS="true")
    assert result.returncode != 0
    assert "node manager-9 is not registered in the API" in result.stderr
