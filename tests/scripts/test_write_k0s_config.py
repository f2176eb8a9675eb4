"""write_k0s_config.sh: validate before replacing; 0600; unchanged content is a no-op."""

from __future__ import annotations

from script_harness import K0S_YAML

CONFIG = K0S_YAML.format(address="10.0.0.1")


def test_writes_validated_config_then_no_op(cluster, host):
    cluster.stage(host)
    result = host.run("write_k0s_config.sh", stdin=CONFIG)
    assert result.returncode == 0, result
    assert result.values["changed"] == "true"
    assert host.read("/etc/k0s/k0s.yaml") == CONFIG
    assert host.stat("/etc/k0s/k0s.yaml", "%a") == "600"
    assert host.calls()[-2]["argv"][:2] == ["config", "validate"] or any(
        c["argv"][:2] == ["config", "validate"] for c in host.calls()
    )
    mtime = host.stat("/etc/k0s/k0s.yaml", "%Y.%y")

    again = host.run("write_k0s_config.sh", stdin=CONFIG)
    assert again.returncode == 0, again
    assert again.values == {"changed": "false", "sha256": result.values["sha256"]}
    assert "unchanged: nothing to do" in again.stderr
    assert host.stat("/etc/k0s/k0s.yaml", "%Y.%y") == mtime


def test_invalid_config_leaves_the_existing_file_untouched(cluster, host):
    cluster.stage(host)
    assert host.run("write_k0s_config.sh", stdin=CONFIG).returncode == 0
    broken = CONFIG.replace("kind: ClusterConfig", "kind: Cluster")
    result = host.run("write_k0s_config.sh", stdin=broken)
    assert result.returncode != 0
    assert "k0s rejected the rendered config" in result.stderr
    assert "kind must be ClusterConfig" in result.stderr
    assert host.read("/etc/k0s/k0s.yaml") == CONFIG
    assert host.listdir("/etc/k0s") == ["k0s.yaml"], "no temp file may be left"


def test_no_config_on_stdin_is_refused(cluster, host):
    cluster.stage(host)
    result = host.run("write_k0s_config.sh", stdin="")
    assert result.returncode != 0
    assert "no k0s.yaml on stdin" in result.stderr
    assert not host.exists("/etc/k0s/k0s.yaml")


def test_needs_a_staged_binary(host):
    result = host.run("write_k0s_config.sh", stdin=CONFIG)
    assert result.returncode != 0
    assert "run stage_k0s.sh first" in result.stderr


def test_running_controller_is_restarted_to_apply_a_change(cluster, host):
    cluster.bootstrap(host)
    before = len(host.calls())
    changed = K0S_YAML.format(address=host.address).replace("enabled: false", "enabled: false\n  # sans changed")
    result = host.run("write_k0s_config.sh", stdin=changed, READY_TIMEOUT_SECONDS=10)
    assert result.returncode == 0, result
    assert result.values["restarted"] == "true"
    verbs = [c["argv"][0] for c in host.calls()[before:]]
    assert verbs.index("stop") < verbs.index("start"), verbs
    assert host.k0s("status").returncode == 0


def test_immutable_service_cidr_change_is_refused(cluster, host):
    cluster.bootstrap(host)
    original = K0S_YAML.format(address=host.address)
    changed = original.replace("serviceCIDR: 10.96.0.0/16", "serviceCIDR: 10.112.0.0/16")
    result = host.run("write_k0s_config.sh", stdin=changed)
    assert result.returncode != 0
    assert "spec.network.serviceCIDR cannot change" in result.stderr
    assert "10.96.0.0/16 -> 10.112.0.0/16" in result.stderr
    assert host.read("/etc/k0s/k0s.yaml") == original
    assert not any(c["argv"][0] == "stop" for c in host.calls())
