"""What every real-engine scenario shares: test hosts, the fake k0s release and call log, stack config.

The fake k0s TEST DOUBLE (tests/fakes/k0s) writes one JSON line per call to
/var/log/fake-k0s/calls.jsonl (host, argv, timestamp) and keeps the cluster state in
/var/lib/fake-k0s-cluster; both are directories shared by the test hosts of one run only
(never this machine's /var). :func:`scenario` yields the hosts, a scratch project, the
call log and the cluster directory.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import subprocess
import tarfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.pulumi_cli import PulumiProject, Run, missing_engine_parts
from tests.e2e.testhosts import SSHD, Host, TestHosts
from tests.fakes.release_server import fake_k0s_bytes, sha256_hex

VERSION_1 = "v1.32.11+k0s.0"
VERSION_2 = "v1.32.12+k0s.0"
CALL_LOG_DIR = "/var/log/fake-k0s"
CLUSTER_DIR = "/var/lib/fake-k0s-cluster"
#: Files that would point the fake k0s elsewhere if this machine had them.
FAKE_K0S_OVERRIDES = (Path("/etc/fake-k0s-cluster-dir"), Path("/etc/fake-k0s-hostname"))
HTTP_PORT = 8080
#: mke4k:backup.directory of every scenario: relative, so inside the scratch project (never this machine's home).
BACKUP_DIR = "backups"
#: The stand-in etcd snapshot inside a fake k0s backup archive (tests/fakes/k0s: SNAPSHOT).
FAKE_SNAPSHOT = "fake-etcd-snapshot.json"
#: k0s calls that change a host or the cluster (anything else is a read).
MUTATING = {"install", "start", "stop", "reset"}
MUTATING_KUBECTL = {"drain", "cordon", "uncordon", "delete"}


def prerequisites() -> str | None:
    """Why the real-engine scenarios cannot run here (None when they can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, mounts)"
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        return "needs iproute2 and util-linux (ip, unshare)"
    if subprocess.run(["ip", "netns", "list"], capture_output=True, check=False).returncode != 0:
        return "`ip netns` is not usable here"
    if not Path(SSHD).exists():
        return f"needs {SSHD} (apt-get install -y openssh-server)"
    missing = missing_engine_parts()
    if missing:
        return "engine or command stand-in not built (tests/e2e/run.sh builds them): missing " + ", ".join(missing)
    for path in FAKE_K0S_OVERRIDES:
        if path.exists():
            return f"{path} exists (left by another run?) and would mislead the fake k0s; remove it first"
    return None


# -- the fake k0s call log ------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One fake k0s invocation."""

    ts: str
    host: str
    version: str
    argv: tuple[str, ...]
    exit: int

    @property
    def words(self) -> tuple[str, ...]:
        """argv without ``--kubeconfig X`` / ``--flag=value`` noise, for matching."""
        out: list[str] = []
        skip = False
        for word in self.argv:
            if skip:
                skip = False
                continue
            if word == "--kubeconfig":
                skip = True
                continue
            if word.startswith("-"):
                continue
            out.append(word)
        return tuple(out)

    def is_(self, *prefix: str) -> bool:
        """True when the call's words start with ``prefix``."""
        return self.words[: len(prefix)] == prefix

    @property
    def mutating(self) -> bool:
        """True for calls that change a host or the cluster."""
        words = self.words
        if not words:
            return False
        if words[0] in MUTATING:
            return True
        if words[0] == "kubectl" and len(words) > 1 and words[1] in MUTATING_KUBECTL:
            return True
        return words[:2] in (("token", "create"), ("token", "invalidate"), ("etcd", "leave"))


class CallLog:
    """Reads the calls appended to the shared call log since a mark."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def mark(self) -> None:
        """Only calls made after this point are returned by :meth:`since_mark`."""
        self._offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> list[Call]:
        """Calls since the last :meth:`mark`, in log order."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as f:
            f.seek(self._offset)
            lines = f.read().decode().splitlines()
        calls = []
        for line in lines:
            entry = json.loads(line)
            calls.append(Call(entry["ts"], entry["host"], entry["version"], tuple(entry["argv"]), entry["exit"]))
        return calls


def first(calls: list[Call], host: str, *prefix: str) -> Call:
    """The first call on ``host`` whose words start with ``prefix``."""
    for call in calls:
        if call.host == host and call.is_(*prefix):
            return call
    raise AssertionError(f"no `k0s {' '.join(prefix)}` on {host}; calls there: {describe(calls, host)}")


def last(calls: list[Call], host: str, *prefix: str) -> Call:
    """The last call on ``host`` whose words start with ``prefix``."""
    found = [c for c in calls if c.host == host and c.is_(*prefix)]
    assert found, f"no `k0s {' '.join(prefix)}` on {host}; calls there: {describe(calls, host)}"
    return found[-1]


def on(calls: list[Call], host: str, *prefix: str) -> list[Call]:
    """Every call on ``host`` starting with ``prefix``."""
    return [c for c in calls if c.host == host and c.is_(*prefix)]


def describe(calls: list[Call], host: str | None = None) -> str:
    """Short text of calls, for assertion messages."""
    return "; ".join(f"{c.host}: {' '.join(c.words)}" for c in calls if host is None or c.host == host) or "(none)"


def summary(output: str) -> dict[str, int]:
    """The ``Resources:`` counts of a pulumi up/destroy output (``{"created": 7, ...}``)."""
    counts: dict[str, int] = {}
    in_summary = False
    for line in output.splitlines():
        if line.strip() == "Resources:":
            in_summary = True
            continue
        if in_summary:
            words = line.split()
            if len(words) >= 3 and words[1].isdigit():
                counts[words[2]] = int(words[1])
            elif len(words) >= 2 and words[0].isdigit():
                counts[words[1]] = int(words[0])
            elif not line.strip():
                break
    return counts


def planned_steps(run: Run) -> dict[str, list[str]]:
    """What a ``pulumi preview --json`` run would do: resource names by operation (``{"update": [...], ...}``)."""
    steps: dict[str, list[str]] = {}
    for step in json.loads(run.stdout).get("steps") or []:
        steps.setdefault(step["op"], []).append(step["urn"].rsplit("::", 1)[1])
    return steps


def report(step: str, run: Run, log: CallLog) -> list[Call]:
    """The calls of a step; printed with pulumi's summary when MKE4K_E2E_VERBOSE=1."""
    calls = log.since_mark()
    if os.environ.get("MKE4K_E2E_VERBOSE") == "1":
        print(f"\n== {step} ({run.seconds:.1f}s) {summary(run.output)}")
        for call in calls:
            print(f"  {call.ts} {call.host:3} {call.version} {' '.join(call.argv)} -> {call.exit}")
    return calls


@dataclass
class Story:
    """A scenario's setting; runs its pulumi commands as named steps and keeps their wall times."""

    hosts: TestHosts
    project: PulumiProject
    log: CallLog
    cluster_dir: Path
    timings: dict[str, float] = field(default_factory=dict)

    def step(self, name: str, command: Callable[[], Run]) -> tuple[Run, list[Call]]:
        """Run ``command`` as step ``name``: the run and the fake k0s calls it made."""
        self.log.mark()
        run = command()
        self.timings[name] = run.seconds
        return run, report(name, run, self.log)

    def timing_line(self) -> str:
        """Every step's wall time, for the closing note (printed, never asserted)."""
        return "e2e timings (s): " + ", ".join(f"{name}: {seconds:.1f}" for name, seconds in self.timings.items())


def is_secret(value: Any) -> bool:
    """True for a secret value in a ``pulumi stack export`` (encrypted, not plain)."""
    return isinstance(value, dict) and "ciphertext" in value


def assert_secrets_kept(project: PulumiProject, run: Run) -> None:
    """The SSH key, join tokens and kubeconfig are secrets in the state and not in ``run``'s output."""
    assert "mke4k: [c1 host-ready] host ready" in run.output, "command output is not streamed"
    assert "PRIVATE KEY" not in run.output
    plain = json.loads(project.pulumi("stack", "export", "--show-secrets").stdout)
    for resource in plain["deployment"]["resources"]:
        if resource["urn"].endswith(("-join-token", "-admin-kubeconfig")):
            secret = resource["outputs"]["stdout"]
            if isinstance(secret, dict) and "plaintext" in secret:  # export --show-secrets form
                secret = json.loads(secret["plaintext"])
            assert len(secret) > 40 and secret not in run.output, f"{resource['urn']}: stdout logged"
    exported = project.pulumi("stack", "export").stdout
    assert "PRIVATE KEY" not in exported and "client-key-data" not in exported
    commands = [r for r in project.resources() if r["type"] == "command:remote:Command"]
    assert commands
    for resource in commands:
        outputs = resource.get("outputs") or {}
        name = resource["urn"].rsplit("::", 1)[1]
        assert is_secret(outputs["connection"]) or is_secret(outputs["connection"].get("privateKey")), name
        if name.endswith(("-join-token", "-admin-kubeconfig")):
            assert is_secret(outputs["stdout"]), f"{name}: stdout is not secret"


# -- the setting of a scenario ------------------------------------------------------------


def write_release(release: Path, versions: tuple[str, ...] = (VERSION_1, VERSION_2)) -> dict[str, str]:
    """A k0s release layout of fake binaries with real sha256sums.txt; the sha256 by version."""
    digests = {}
    for version in versions:
        data = fake_k0s_bytes(version)
        (release / version).mkdir(parents=True)
        asset = f"k0s-{version}-amd64"
        (release / version / asset).write_bytes(data)
        (release / version / "sha256sums.txt").write_text(f"{sha256_hex(data)} *{asset}\n")
        digests[version] = sha256_hex(data)
    return digests


@contextmanager
def scenario(tmp_path: Path, names: list[str]) -> Iterator[tuple[TestHosts, PulumiProject, CallLog, Path]]:
    """Test hosts ``names``, the release server, the fake cluster dir and a scratch project."""
    release = tmp_path / "release"
    write_release(release)
    project = PulumiProject()
    try:
        with (
            TestHosts(names, shared_dirs=[CALL_LOG_DIR, CLUSTER_DIR]) as hosts,
            hosts.http_server(release, port=HTTP_PORT),
        ):
            cluster_dir = hosts.shared_dir(CLUSTER_DIR)
            set_knobs(cluster_dir, cni_ready=True)
            yield hosts, project, CallLog(hosts.shared_dir(CALL_LOG_DIR) / "calls.jsonl"), cluster_dir
    finally:
        if os.environ.get("MKE4K_E2E_KEEP") == "1":
            print(f"kept scratch project at {project.root}")
        else:
            project.cleanup()


def host_entry(hosts: TestHosts, name: str, role: str, *, gone: bool = False) -> dict[str, Any]:
    """A ``mke4k:hosts.static.hosts`` item for test host ``name`` (marked gone when ``gone``)."""
    return {"name": name, "role": role, "address": hosts[name].address, **({"gone": True} if gone else {})}


def stack_config(
    hosts: TestHosts, names: list[tuple[str, str]], version: str, *, gone: Iterable[str] = ()
) -> dict[str, Any]:
    """The plain (non-secret) stack config for these hosts and k0s version; ``gone``: hosts marked gone."""
    dead = set(gone)
    return {
        "mke4k:cluster": {"name": "e2e"},
        "mke4k:layers": {"run": ["hosts", "k0s"]},
        "mke4k:backup": {"directory": BACKUP_DIR},
        "mke4k:hosts": {
            "source": "static",
            "static": {"hosts": [host_entry(hosts, name, role, gone=name in dead) for name, role in names]},
        },
        "mke4k:k0s": {
            "version": version,
            "downloadUrl": f"http://{hosts.gateway}:{HTTP_PORT}",
            "readyTimeoutSeconds": 60,
            "upgrade": {"workerBatchSize": 1, "drainTimeout": "30s"},
        },
    }


def fake_state(hosts: TestHosts, name: str) -> dict[str, Any] | None:
    """Host ``name``'s fake k0s state (None after reset)."""
    path = hosts[name].host_dir / "root/var/lib/k0s/.fake-k0s-state.json"
    return json.loads(path.read_text()) if path.exists() else None


def units(hosts: TestHosts, name: str) -> list[str]:
    """k0s service unit stubs on host ``name``."""
    return sorted(p.name for p in (hosts[name].host_dir / "root/etc/systemd/system").glob("k0s*.service"))


def set_knobs(cluster_dir: Path, **changes: Any) -> None:
    """Change the fake k0s knobs (tests/fakes/k0s); a value of None removes the knob."""
    path = cluster_dir / "knobs.json"
    knobs = json.loads(path.read_text()) if path.exists() else {}
    knobs.update(changes)
    path.write_text(json.dumps({k: v for k, v in knobs.items() if v is not None}))


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


def backup_archives(project: PulumiProject) -> list[Path]:
    """The backup archives on the runner (mke4k:backup.directory of the scratch project), oldest first."""
    directory = project.project_dir / BACKUP_DIR
    return sorted(directory.glob(f"{project.stack}-*.tar.gz")) if directory.is_dir() else []


def archived_snapshot(archive: Path) -> tuple[list[str], dict[str, Any]]:
    """The member names of a fake k0s backup archive and its stand-in etcd snapshot."""
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(FAKE_SNAPSHOT)
        assert member is not None, f"{archive.name}: no {FAKE_SNAPSHOT}"
        return tar.getnames(), json.loads(member.read())


def new_ssh_key(directory: Path, name: str) -> Path:
    """A fresh unencrypted ed25519 key pair in ``directory``; the private key's path."""
    key = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


def logs_in(host: Host, key: Path) -> bool:
    """Whether ``key`` opens a session on ``host`` (its sshd decides, from the host's authorized_keys)."""
    return dataclasses.replace(host, private_key=key).run("true", check=False).returncode == 0


def authorized(host: Host) -> set[str]:
    """``<type> <base64>`` of every key in the host's ``~/.ssh/authorized_keys``."""
    return {" ".join(line.split()[:2]) for line in host.authorized_keys.read_text().splitlines() if line.strip()}


def public_key(key: Path) -> str:
    """``<type> <base64>`` of a private key's public half."""
    return " ".join(key.parent.joinpath(key.name + ".pub").read_text().split()[:2])
