"""Changes that cannot be applied to an existing cluster are refused using the last deployment's outputs."""

from __future__ import annotations

import pulumi
import pytest

from tests.program.stack_program import run_stack, stack_config

COMMAND = "command:remote:Command"


pytestmark = pytest.mark.usefixtures("stack_home")


def previously(bootstrap: str = "manager-1", pod: str = "192.168.0.0/16", service: str = "10.96.0.0/16"):
    return {
        "lab-previous": {
            "outputs": {"bootstrapController": bootstrap, "network": {"podCidr": pod, "serviceCidr": service}}
        }
    }


def hosts_reordered():
    config = stack_config("lab")
    hosts = config["mke4k:hosts"]["static"]["hosts"]
    hosts.insert(0, hosts.pop(1))  # manager-2 now listed first
    return config


def test_a_new_stack_bootstraps_with_the_first_listed_controller():
    recording = run_stack(stack_config("lab"), "lab")
    install = recording.by_name("lab-manager-1-k0s-install", COMMAND)
    assert "install_controller" in install.inputs["create"], "first listed controller bootstraps a new cluster"


def test_the_bootstrap_stays_the_same_when_hosts_are_reordered():
    recording = run_stack(hosts_reordered(), "lab", resource_outputs=previously("manager-1"))
    assert "install_controller" in recording.by_name("lab-manager-1-k0s-install", COMMAND).inputs["create"]
    assert "join_node" in recording.by_name("lab-manager-2-k0s-install", COMMAND).inputs["create"]
    leader_side = recording.by_name("lab-manager-2-member", COMMAND)
    assert leader_side.inputs["connection"]["host"] == "10.40.0.11"


def commands(recording):
    return {r.name: r.inputs for r in recording.by_type(COMMAND)}


def test_handing_the_bootstrap_role_over_deletes_no_step_and_moves_the_leader_side():
    config = stack_config("lab")
    before = run_stack(config, "lab", resource_outputs=previously("manager-1"))
    config["mke4k:k0s"] = {**config["mke4k:k0s"], "bootstrapController": "manager-2"}
    after = run_stack(config, "lab", resource_outputs=previously("manager-1"))
    removed = set(commands(before)) - set(commands(after))
    assert not [name for name in removed if name.endswith(("-member", "-k0s-install"))], removed
    assert removed == {"lab-manager-2-join-token"}, "the new leader needs no token; nothing with a delete action goes"
    assert "install_controller" in after.by_name("lab-manager-2-k0s-install", COMMAND).inputs["create"]
    assert "join_node" in after.by_name("lab-manager-1-k0s-install", COMMAND).inputs["create"]
    for name in ("lab-manager-1-member", "lab-worker-1-member", "lab-manager-3-join-token"):
        assert after.by_name(name, COMMAND).inputs["connection"]["host"] == "10.40.0.12", name
    assert "IS_LEADER=true" in after.by_name("lab-manager-2-member", COMMAND).inputs["delete"]
    assert "IS_LEADER=false" in after.by_name("lab-manager-1-member", COMMAND).inputs["delete"]


def test_changing_the_service_network_is_refused_before_anything_changes():
    config = stack_config("lab")
    config["mke4k:network"] = {"serviceCidr": "10.112.0.0/16"}
    with pytest.raises(pulumi.RunError, match=r"mke4k:network\.serviceCidr: 10\.96\.0\.0/16 -> 10\.112\.0\.0/16"):
        run_stack(config, "lab", resource_outputs=previously())


def test_unchanged_settings_pass():
    recording = run_stack(stack_config("lab"), "lab", resource_outputs=previously())
    assert recording.by_type("mke4k:k0s:K0sCluster")


def test_the_stack_exports_the_facts_it_checks_next_time(monkeypatch):
    exported = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    run_stack(hosts_reordered(), "lab")
    assert exported["bootstrapController"] == "manager-2", "a new cluster bootstraps with the first listed controller"
    assert exported["network"] == {"podCidr": "192.168.0.0/16", "serviceCidr": "10.96.0.0/16"}
    assert {"kubeconfig", "leader", "nodes", "apiAddress", "sshPrivateKey", "versions"} <= set(exported)


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ("v1.32.11+k0s.0", "v1.31.5+k0s.0", "is a downgrade"),
        ("v1.32.11+k0s.0", "v1.32.10+k0s.0", "is a downgrade"),
        ("v1.31.5+k0s.0", "v1.33.1+k0s.0", "skips a Kubernetes minor"),
    ],
)
def test_k0s_only_moves_forward_one_minor_at_a_time(before, after, message):
    config = stack_config("lab")
    config["mke4k:k0s"] = {**config["mke4k:k0s"], "version": after}
    outputs = previously()
    outputs["lab-previous"]["outputs"]["versions"] = {"k0s": before}
    with pytest.raises(pulumi.RunError, match=rf"mke4k:k0s\.version: .*{message}"):
        run_stack(config, "lab", resource_outputs=outputs)


def test_a_one_minor_upgrade_is_allowed():
    config = stack_config("lab")
    config["mke4k:k0s"] = {**config["mke4k:k0s"], "version": "v1.33.1+k0s.0"}
    outputs = previously()
    outputs["lab-previous"]["outputs"]["versions"] = {"k0s": "v1.32.11+k0s.0"}
    recording = run_stack(config, "lab", resource_outputs=outputs)
    upgrade = recording.by_name("lab-manager-1-k0s-upgrade", COMMAND)
    assert "K0S_VERSION=v1.33.1+k0s.0" in upgrade.inputs["create"]


def with_gone(*names: str) -> dict:
    config = stack_config("lab")
    for host in config["mke4k:hosts"]["static"]["hosts"]:
        if host["name"] in names:
            host["gone"] = True
    return config


def test_a_gone_bootstrap_controller_must_hand_its_role_over_in_the_same_change():
    with pytest.raises(pulumi.RunError, match=r"mke4k:k0s\.bootstrapController: 'manager-1' holds the bootstrap role"):
        run_stack(with_gone("manager-1"), "lab", resource_outputs=previously("manager-1"))
    config = with_gone("manager-1")
    config["mke4k:k0s"] = {**config["mke4k:k0s"], "bootstrapController": "manager-1"}
    with pytest.raises(pulumi.RunError, match=r"'manager-1' is marked gone, so it cannot run the leader-side steps"):
        run_stack(config, "lab", resource_outputs=previously("manager-1"))
    config["mke4k:k0s"]["bootstrapController"] = "manager-2"
    recording = run_stack(config, "lab", resource_outputs=previously("manager-1"))
    removal = recording.by_name("lab-manager-1-member", COMMAND)
    assert "remove_member" in removal.inputs["create"] and removal.inputs["connection"]["host"] == "10.40.0.12"


def test_gone_nodes_leave_the_exported_node_names(monkeypatch):
    exported = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    run_stack(with_gone("worker-1"), "lab", resource_outputs=previously())
    assert "worker-1" not in exported["nodeNames"] and "manager-3" in exported["nodeNames"]


def test_restore_from_builds_a_new_cluster_and_is_refused_on_a_deployed_one(tmp_path, monkeypatch):
    import hashlib
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("fake-etcd-snapshot.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    archive = tmp_path / "old-cluster.tar.gz"
    archive.write_bytes(buffer.getvalue())
    config = stack_config("lab")
    config["mke4k:backup"] = {"restoreFrom": str(archive)}
    exported = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    recording = run_stack(config, "lab")
    assert recording.by_name("lab-manager-1-k0s-restore", "command:local:Command")
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert exported["restoredFrom"] == sha
    with pytest.raises(pulumi.RunError, match=r"mke4k:backup\.restoreFrom: this stack already runs a cluster"):
        run_stack(config, "lab", resource_outputs=previously())
    outputs = previously()
    outputs["lab-previous"]["outputs"]["restoredFrom"] = sha
    assert run_stack(config, "lab", resource_outputs=outputs).by_name(
        "lab-manager-1-k0s-restore", "command:local:Command"
    )


def deployed() -> dict:
    """The lab stack's outputs after a first deployment, as its StackReference to itself reads them."""
    exported = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
        run_stack(stack_config("lab"), "lab")
    outputs = previously()
    outputs["lab-previous"]["outputs"].update(sshKeyId=exported["sshKeyId"], nodeNames=exported["nodeNames"])
    return outputs


def without(name: str) -> dict:
    config = stack_config("lab")
    hosts = config["mke4k:hosts"]["static"]["hosts"]
    config["mke4k:hosts"]["static"]["hosts"] = [h for h in hosts if h["name"] != name]
    return config


def test_a_key_rotation_and_a_removal_go_in_separate_deployments(tmp_path):
    outputs = deployed()
    assert outputs["lab-previous"]["outputs"]["sshKeyId"].startswith("sha256-")
    assert "previous" not in outputs["lab-previous"]["outputs"]["sshKeyId"], "a hash, never the key"
    assert run_stack(without("worker-1"), "lab", resource_outputs=outputs), "a removal alone goes ahead"
    (tmp_path / ".ssh" / "mke4k-lab").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nrotated\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    assert run_stack(stack_config("lab"), "lab", resource_outputs=outputs), "a rotation alone goes ahead"
    with pytest.raises(pulumi.RunError, match=r"mke4k:ssh\.privateKey: the SSH key changes while worker-1 leave"):
        run_stack(without("worker-1"), "lab", resource_outputs=outputs)
