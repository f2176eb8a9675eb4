"""`make support-bundle` (tools/support_bundle.py): stack outputs through a stubbed `pulumi`, nodes over real SSH.

The Pulumi CLI is a TEST DOUBLE on PATH (written below) that answers `stack output --json
[--show-secrets]` and `config --json` from a JSON file of stacks, as the real CLI would for a
file:// backend. The nodes are network-namespace test hosts with a real sshd
(tests/e2e/testhosts.py; root only) running the fake k0s TEST DOUBLE (tests/fakes/k0s).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "support_bundle.py"
FAKE_PULUMI = """#!/usr/bin/env python3
# TEST DOUBLE of the Pulumi CLI for tools/support_bundle.py: `stack output --json [--show-secrets]`
# and `config --json` of the stacks in $FAKE_PULUMI_STACKS; secrets masked without --show-secrets.
import json, os, sys
args = sys.argv[1:]
stacks = json.load(open(os.environ["FAKE_PULUMI_STACKS"]))
name = args[args.index("--stack") + 1]
with open(os.environ["FAKE_PULUMI_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if name not in stacks:
    print(f"error: no stack named '{name}' found", file=sys.stderr)
    sys.exit(255)
stack = stacks[name]
if args[:3] == ["stack", "output", "--json"]:
    values = dict(stack.get("outputs", {}))
    if "--show-secrets" not in args and "sshPrivateKey" in values:
        values["sshPrivateKey"] = "[secret]"
    print(json.dumps(values))
elif args[:2] == ["config", "--json"]:
    print(json.dumps({k: {"value": json.dumps(v), "objectValue": v, "secret": False} for k, v in stack.get("config", {}).items()}))
else:
    print("fake pulumi: unsupported " + " ".join(args), file=sys.stderr)
    sys.exit(2)
"""
FAKE_JOURNALCTL = """#!/bin/sh
# TEST DOUBLE of journalctl: what k0s would have logged, with a join token in it.
echo "journalctl $*"
echo "Nov 10 09:00:01 c1 k0s[812]: level=info msg=\\"joining with token abcdef.0123456789abcdef\\""
"""
K0S_YAML = """\
apiVersion: k0s.k0sproject.io/v1beta1
kind: ClusterConfig
metadata:
  name: k0s
spec:
  api:
    address: {address}
  storage:
    type: etcd
    etcd:
      peerAddress: {address}
  extensions:
    helm:
      repositories:
      - name: mirror
        url: https://mirror.example.com/charts
        password: ChartPassw0rd
"""
HOSTS_TOML = """\
[host."https://mirror.example.com:5000"]
  capabilities = ["pull", "resolve"]
  [host."https://mirror.example.com:5000".header]
    Authorization = "Basic Y2k6UmVnaXN0cnlQYXNzMQ=="
"""


class Stacks:
    """The stubbed Pulumi CLI: stacks with outputs and config, and the calls made."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        (self.bin / "pulumi").write_text(FAKE_PULUMI)
        (self.bin / "pulumi").chmod(0o755)
        self.file = root / "stacks.json"
        self.log = root / "pulumi.jsonl"
        self.data: dict[str, dict] = {}

    def add(self, name: str, outputs: dict | None = None, config: dict | None = None) -> None:
        self.data[name] = {"outputs": outputs or {}, "config": config or {}}
        self.file.write_text(json.dumps(self.data))

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PATH": f"{self.bin}:{os.environ['PATH']}",
            "FAKE_PULUMI_STACKS": str(self.file),
            "FAKE_PULUMI_LOG": str(self.log),
        }
        return subprocess.run(
            [sys.executable, str(TOOL), "--cwd", str(cwd), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=300,
            check=False,
        )

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []


@pytest.fixture
def stacks(tmp_path: Path) -> Stacks:
    return Stacks(tmp_path)


def test_a_stack_without_nodes_and_without_a_source_stack_stops_with_the_fix_and_writes_nothing(stacks, tmp_path):
    stacks.add("dev", {"versions": {"k0s": "v1.32.11+k0s.0"}})
    result = stacks.run("--stack", "dev", "--output", str(tmp_path / "bundle"), cwd=tmp_path)
    assert result.returncode == 1
    assert "make support-bundle: error: stack 'dev' exports no 'nodes'" in result.stderr
    assert "Fix: run 'make up' once more" in result.stderr
    assert not (tmp_path / "bundle").exists() and not (tmp_path / "bundle.tar.gz").exists()


def test_an_existing_bundle_is_never_overwritten(stacks, tmp_path):
    (tmp_path / "bundle").mkdir()
    result = stacks.run("--stack", "dev", "--output", str(tmp_path / "bundle"), cwd=tmp_path)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert stacks.calls() == [], "nothing was asked of the stack"


# -- real SSH ----------------------------------------------------------------------------------


def _problem() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network-namespace test hosts)"
    if shutil.which("ip") is None or shutil.which("unshare") is None or shutil.which("ssh") is None:
        return "needs iproute2, util-linux and openssh-client"
    if subprocess.run(["ip", "netns", "list"], capture_output=True, check=False).returncode != 0:
        return "`ip netns` is not usable here"
    if not Path("/usr/sbin/sshd").exists():
        return "needs /usr/sbin/sshd (apt-get install -y openssh-server)"
    return None


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator:
    """c1 (controller+worker, k0s running), w1 (k0s installed, stopped), w2 (sshd stopped): test hosts."""
    problem = _problem()
    if problem:
        pytest.skip(problem)
    from tests.e2e.testhosts import TestHosts
    from tests.fakes.release_server import fake_k0s_bytes

    tag = f"{os.getpid() % 100000}"
    subnet = f"172.30.{os.getpid() % 250}.0/24"
    names = {role: f"sb{tag}{role}" for role in ("c1", "w1", "w2")}
    with TestHosts(
        names.values(), bridge=f"mk4sb{tag}", subnet=subnet, shared_dirs=["/var/lib/fake-k0s-cluster"]
    ) as hosts:
        (hosts.shared_dir("/var/lib/fake-k0s-cluster") / "knobs.json").write_text(json.dumps({"cni_ready": True}))
        for name in names.values():
            k0s = hosts[name].host_dir / "root/usr/local/bin/k0s"
            k0s.write_bytes(fake_k0s_bytes("v1.32.11+k0s.0"))
            k0s.chmod(0o755)
        c1 = hosts[names["c1"]]
        etc = c1.host_dir / "root/etc/k0s"
        (etc / "k0s.yaml").write_text(K0S_YAML.format(address=c1.address))
        (etc / "containerd.d/certs.d/mirror.example.com:5000").mkdir(parents=True)
        (etc / "containerd.d/certs.d/mirror.example.com:5000/hosts.toml").write_text(HOSTS_TOML)
        (etc / "k0stoken").write_text("H4sIAAAAAAAC/2yQz2rDMAzG73kKn3eKE4fCTsl2GIxBd9hYRjGxEiXN8Bb2D5k\n")
        journalctl = c1.host_dir / "root/usr/local/bin/journalctl"
        journalctl.write_text(FAKE_JOURNALCTL)
        journalctl.chmod(0o755)
        c1.run("k0s install controller --enable-worker -c /etc/k0s/k0s.yaml && k0s start")
        w1 = hosts[names["w1"]]
        token = c1.run("k0s token create --role worker").stdout.strip()
        (w1.host_dir / "root/etc/k0s/token").write_text(token)
        w1.run("k0s install worker --token-file /etc/k0s/token")
        hosts.stop_sshd(names["w2"])
        yield hosts, names


def node_output(hosts, name: str, role: str) -> dict:
    host = hosts[name]
    return {
        "name": name,
        "role": role,
        "sshAddress": host.address,
        "sshPort": 22,
        "sshUser": "root",
        "useBastion": False,
        "gone": False,
        "privateAddress": host.address,
        "machineId": host.address,
    }


def bundle_files(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_the_bundle_of_a_layered_stack_holds_every_reachable_node_redacted_and_private(cluster, stacks, tmp_path):
    hosts, names = cluster
    c1, w1, w2 = names["c1"], names["w1"], names["w2"]
    key = hosts.private_key.read_text()
    stacks.add(
        "machines",
        {
            "nodes": [
                node_output(hosts, c1, "controller+worker"),
                node_output(hosts, w1, "worker"),
                node_output(hosts, w2, "worker"),
                {**node_output(hosts, c1, "worker"), "name": "old1", "gone": True},
            ],
            "sshPrivateKey": key,
            "bastion": None,
            "apiAddress": hosts[c1].address,
        },
    )
    stacks.add("apps", {"versions": {}}, {"mke4k:layers": {"run": ["platform"], "fromStack": "cluster"}})
    stacks.add(
        "cluster",
        {"bootstrapController": c1, "leader": {"address": hosts[c1].address}},
        {"mke4k:layers": {"run": ["k0s"], "fromStack": "machines"}},
    )
    # The k0s stack of a layered setup exports no nodes here: they are read from its source stack.
    directory = tmp_path / "bundle"
    result = stacks.run(
        "--stack", "apps", "--output", str(directory), "--journal-lines", "50", "--timeout", "60", cwd=tmp_path
    )
    print(result.stdout, result.stderr)
    assert result.returncode == 2, "a node could not be reached: the bundle is written, the exit says so"
    assert f"make support-bundle: warning: {w2}: unreachable: ssh exit 255" in result.stderr
    archive = tmp_path / "bundle.tar.gz"
    assert f"{directory}/ and {archive} (0600)" in result.stdout

    # Private: the directories 0700, every file and the archive 0600.
    for path in [directory, *directory.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    files = bundle_files(directory)
    readme = files["README.txt"]
    assert "nodes from the outputs of stack 'machines'; cluster view (kubectl) from " + c1 in readme
    assert f"{c1} (controller+worker, root@{hosts[c1].address}:22): collected" in readme
    assert f"{w2} (worker, root@{hosts[w2].address}:22): PROBLEM: unreachable" in readme
    assert f"{w2}/PROBLEM.txt" in files
    assert "old1: marked gone, not contacted" in readme and not any(name.startswith("old1/") for name in files)

    # What support needs, from each node.
    assert files[f"{c1}/k0s-version.txt"].startswith("v1.32.11+k0s.0")
    assert "Role: controller" in files[f"{c1}/k0s-status.txt"]
    assert "# exit status 1" in files[f"{w1}/k0s-status.txt"], "k0s installed but not running: said so"
    assert "journalctl -u k0scontroller -u k0sworker --no-pager -n 50" in files[f"{c1}/journal.txt"]
    assert f"{c1}   Ready" in files[f"{c1}/kubectl-nodes.txt"]
    assert "No resources found" in files[f"{c1}/kubectl-pods.txt"]
    assert f"{w1}/kubectl-nodes.txt" not in files, "the cluster view comes from the bootstrap controller only"
    assert f"address: {hosts[c1].address}" in files[f"{c1}/etc-k0s/k0s.yaml.txt"]
    assert "password: <redacted>" in files[f"{c1}/etc-k0s/k0s.yaml.txt"]
    assert (
        "Authorization = <redacted>"
        in files[f"{c1}/etc-k0s/containerd.d/certs.d/mirror.example.com:5000/hosts.toml.txt"]
    )
    assert files[f"{c1}/etc-k0s/k0stoken.txt"].startswith("<withheld: etc-k0s/k0stoken is named like a key or a token")

    # No secret anywhere, in the directory or the archive.
    secret_lines = [line for line in key.splitlines() if len(line) > 12]
    forbidden = [
        "PRIVATE KEY",
        "ChartPassw0rd",
        "Y2k6UmVnaXN0cnlQYXNzMQ",
        "abcdef.0123456789abcdef",
        "H4sI",
        *secret_lines,
    ]
    token = (hosts[w1].host_dir / "root/etc/k0s/token").read_text().strip()
    forbidden.append(token)
    with tarfile.open(archive) as tar:
        packed = {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers() if m.isfile()}
    assert {name.split("/", 1)[1] for name in packed} == set(files)
    for name, text in [*files.items(), *packed.items()]:
        for secret in forbidden:
            assert secret not in text, f"{secret[:20]}... in {name}"
    assert [c for c in stacks.calls() if c[:2] == ["stack", "output"]][-1][:4] == [
        "stack",
        "output",
        "--json",
        "--show-secrets",
    ]
