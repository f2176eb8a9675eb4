"""backup_etcd.sh and restore_etcd.sh on the fake k0s: what an archive holds, and a cluster coming back from it."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile

import pytest
from script_harness import V1, Cluster, command


def backup_bytes(host) -> tuple[bytes, str]:
    """Run backup_etcd.sh as its step does; its stdout (binary, through base64) and stderr."""
    assert host.install_scripts().returncode == 0
    result = host.shell(f"set -o pipefail; {command('backup_etcd.sh', {'POLL_INTERVAL_SECONDS': '0.1'})} | base64 -w0")
    assert result.returncode == 0, result
    return base64.b64decode(result.stdout), result.stderr


def members(archive: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


@pytest.fixture(autouse=True)
def cni(cluster):
    """The CNI reports ready here, so the bootstrapped controller (``cp1``) is Ready."""
    cluster.knobs(cni_ready=True)


def test_a_backup_streams_the_cluster_and_leaves_nothing_on_the_host(cluster, cp1):
    w1 = cluster.host("w1")
    cluster.join(cp1, w1, "worker")
    archive, stderr = backup_bytes(cp1)
    assert f"streaming a backup of k0s {V1} on " in stderr
    files = members(archive)
    snapshot = json.loads(files["fake-etcd-snapshot.json"])
    assert snapshot["cluster_id"] == cluster.state()["cluster_id"]
    assert set(snapshot["nodes"]) == {"cp1", "w1"}
    assert b"peerAddress: 10.0.0.1" in files["k0s.yaml"]
    assert cp1.listdir("/var/lib/mke4k/tmp") == [] and not [c for c in cp1.listdir("/var/lib/mke4k") if "backup" in c]
    assert [c["argv"] for c in cp1.calls() if c["argv"][0] == "backup"] == [["backup", "--save-path", "-"]]


def test_no_cluster_yet_means_no_archive(cluster):
    host = cluster.host("new")
    archive, stderr = backup_bytes(host)
    assert archive == b"" and "nothing to back up" in stderr


def restore(host, archive: bytes, sha: str | None = None):
    assert host.install_scripts().returncode == 0
    host.put("/var/tmp/archive.tar.gz", archive, 0o600)
    inputs = {"ARCHIVE_SHA256": sha or hashlib.sha256(archive).hexdigest()}
    return host.shell(f"{command('restore_etcd.sh', inputs)} < /var/tmp/archive.tar.gz")


def test_a_new_cluster_comes_back_from_the_archive(cluster, cp1, tmp_path, release):
    archive, _ = backup_bytes(cp1)
    old_id = cluster.state()["cluster_id"]
    (tmp_path / "restored").mkdir()
    fresh = Cluster(tmp_path / "restored", release)  # another cluster: new state, new machines
    c1 = fresh.host("c1", "10.9.0.1")
    fresh.stage(c1)
    fresh.write_config(c1)
    result = restore(c1, archive)
    assert result.returncode == 0, result
    assert "restored=true" in result.stdout
    assert c1.stat("/var/lib/mke4k/restored-k0s.yaml", "%a") == "600"
    assert c1.listdir("/var/lib/mke4k/tmp") == [], "the archive (it holds the CA keys) is wiped"
    installed = c1.run("install_controller.sh", NODE_NAME="c1", ROLE="controller+worker", READY_TIMEOUT_SECONDS=10)
    assert installed.returncode == 0, installed
    state = fresh.state()
    assert state["cluster_id"] == old_id, "the certificates came back: the same cluster"
    assert "cp1" in state["nodes"], "and the Kubernetes objects of the old cluster"
    again = restore(c1, archive)
    assert again.returncode == 0 and "restored here before: nothing to do" in again.stderr


def test_a_restore_refuses_a_damaged_archive_and_a_running_cluster(cluster, cp1):
    archive, _ = backup_bytes(cp1)
    damaged = restore(cp1, archive, sha="0" * 64)
    assert damaged.returncode != 0 and "arrived damaged" in damaged.stderr
    over = restore(cp1, archive)
    assert over.returncode != 0
    assert "k0s already has a cluster" in over.stderr and "Restore an existing cluster" in over.stderr
