"""Helpers that run components/k0s/scripts/*.sh for real, in a sandbox per host.

Each fake "host" is a private mount namespace (`unshare --mount`) in which /etc and
/var are overlayfs mounts (the real directories read-only below, a per-host upper
directory on disk above) and /usr/local/bin is an empty per-host directory. So the
scripts use their real paths (/etc/k0s, /var/lib/k0s, /var/lib/mke4k,
/usr/local/bin/k0s, /var/log/fake-k0s) without touching this machine, and a host's
files persist between script runs. Hosts of one cluster share a cluster-state
directory that the fake k0s finds through /etc/fake-k0s-cluster-dir.

A script is run exactly as the program runs it: the host first gets the script bundle
through the host-ready step's installer (components/k0s/remote.py ``install_line``, the
bundle on stdin), then every step is the program's own command (``run_line``: run.sh
with the inputs as NAME=value arguments), given to a shell; secrets on stdin.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "components" / "k0s" / "scripts"
FAKES = REPO / "tests" / "fakes"
sys.path.insert(0, str(FAKES))
sys.path.insert(0, str(REPO))

from release_server import ReleaseServer, fake_k0s_bytes, sha256_hex  # noqa: E402, F401

from components.k0s.bundle import script_bundle  # noqa: E402
from components.k0s.remote import install_line, run_line  # noqa: E402

V1 = "v1.32.11+k0s.0"
V2 = "v1.33.4+k0s.0"
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FAST = {"POLL_INTERVAL_SECONDS": "0.1"}

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
  network:
    provider: custom
    podCIDR: 192.168.0.0/16
    serviceCIDR: 10.96.0.0/16
  telemetry:
    enabled: false
"""

_SETUP = r"""
set -e
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$ROOT/etc.upper,workdir=$ROOT/etc.work" /etc
mount -t overlay overlay -o "lowerdir=/var,upperdir=$ROOT/var.upper,workdir=$ROOT/var.work" /var
mount --bind "$ROOT/usr-local-bin" /usr/local/bin
cd /
exec env -i PATH="$INNER_PATH" LANG=C.UTF-8 /bin/bash -c "$BODY"
"""


def command(name: str, inputs: dict[str, object], label: str = "test step") -> str:
    """The program's command for script ``name`` (``stage_k0s.sh``) with ``inputs``."""
    return run_line(label, name.removesuffix(".sh"), {key: str(value) for key, value in inputs.items()})


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def values(self) -> dict[str, str]:
        """The key=value lines of stdout."""
        return dict(line.split("=", 1) for line in self.stdout.splitlines() if "=" in line)

    def __str__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}"


class Host:
    def __init__(self, root: Path, name: str, cluster_dir: Path, address: str):
        self.root, self.name, self.address = root, name, address
        for sub in ("etc.upper", "etc.work", "var.upper", "var.work", "usr-local-bin"):
            (root / sub).mkdir(parents=True)
        etc = root / "etc.upper"
        (etc / "fake-k0s-hostname").write_text(name + "\n")
        (etc / "fake-k0s-cluster-dir").write_text(str(cluster_dir) + "\n")
        (etc / "fake-k0s-address").write_text(address + "\n")
        self._scripts_installed = False

    def _run(self, body: str, stdin: str | None, path: str) -> Result:
        env = {
            "PATH": HOST_PATH,
            "ROOT": str(self.root),
            "BODY": body,
            "INNER_PATH": path,
        }
        proc = subprocess.run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "/bin/bash",
                "-c",
                _SETUP,
            ],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def install_scripts(self) -> Result:
        """What the host-ready step does first: install the script bundle from stdin."""
        result = self._run(install_line("test install"), script_bundle().payload, HOST_PATH)
        self._scripts_installed = result.returncode == 0
        return result

    def run(self, script: str, stdin: str | None = None, path: str = HOST_PATH, **inputs) -> Result:
        """Run host script ``script`` as its step does (installing the bundle first, once)."""
        if not self._scripts_installed:
            installed = self.install_scripts()
            assert installed.returncode == 0, installed
        return self._run(command(script, {**FAST, **inputs}), stdin, path)

    def shell(self, command: str, stdin: str | None = None) -> Result:
        return self._run(command, stdin, HOST_PATH)

    def k0s(self, *args: str) -> Result:
        return self.shell(shlex.join(["/usr/local/bin/k0s", *args]))

    def exists(self, path: str) -> bool:
        return self.shell(f"test -e {shlex.quote(path)} || test -L {shlex.quote(path)}").returncode == 0

    def read(self, path: str) -> str:
        result = self.shell(f"cat {shlex.quote(path)}")
        assert result.returncode == 0, result
        return result.stdout

    def listdir(self, path: str) -> list[str]:
        result = self.shell(f"ls -A {shlex.quote(path)}")
        return result.stdout.split() if result.returncode == 0 else []

    def stat(self, path: str, fmt: str) -> str:
        return self.shell(f"stat -c {shlex.quote(fmt)} {shlex.quote(path)}").stdout.strip()

    def put(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Create a file in the host (as the program's SFTP upload would)."""
        encoded = base64.b64encode(data).decode()
        result = self.shell(
            f"mkdir -p {shlex.quote(os.path.dirname(path))} && base64 -d > {shlex.quote(path)}"
            f" && chmod {mode:o} {shlex.quote(path)}",
            stdin=encoded,
        )
        assert result.returncode == 0, result

    def calls(self) -> list[dict]:
        """The fake k0s call log of this host."""
        result = self.shell("cat /var/log/fake-k0s/calls.jsonl 2>/dev/null || true")
        return [json.loads(line) for line in result.stdout.splitlines()]


class Cluster:
    def __init__(self, root: Path, release: ReleaseServer):
        self.root, self.release = root, release
        self.dir = root / "cluster"
        self.dir.mkdir()
        self.hosts: dict[str, Host] = {}

    def host(self, name: str, address: str | None = None) -> Host:
        address = address or f"10.0.0.{len(self.hosts) + 1}"
        host = Host(self.root / "hosts" / name, name, self.dir, address)
        self.hosts[name] = host
        return host

    def knobs(self, **knobs) -> None:
        path = self.dir / "knobs.json"
        current = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**current, **knobs}))

    def state(self) -> dict:
        return json.loads((self.dir / "state.json").read_text())

    # ------------------------------------------------------------- common steps
    def stage(self, host: Host, version: str = V1, **inputs) -> Result:
        result = host.run(
            "stage_k0s.sh",
            K0S_VERSION=version,
            K0S_DOWNLOAD_URL=self.release.base_url,
            RETRY_DELAY_SECONDS=0,
            **inputs,
        )
        assert result.returncode == 0, result
        return result

    def write_config(self, host: Host) -> Result:
        result = host.run("write_k0s_config.sh", stdin=K0S_YAML.format(address=host.address))
        assert result.returncode == 0, result
        return result

    def bootstrap(self, host: Host, enable_worker: bool = True) -> Result:
        self.stage(host)
        self.write_config(host)
        result = host.run(
            "install_controller.sh",
            NODE_NAME=host.name,
            ROLE="controller+worker" if enable_worker else "controller",
            READY_TIMEOUT_SECONDS=10,
        )
        assert result.returncode == 0, result
        return result

    def token(self, controller: Host, role: str) -> str:
        result = controller.run("create_join_token.sh", ROLE=role, TOKEN_EXPIRY="10m")
        assert result.returncode == 0, result
        return result.stdout.strip()

    def join(self, controller: Host, host: Host, role: str, token: str | None = None) -> Result:
        self.stage(host)
        if role != "worker":
            self.write_config(host)
        token = token or self.token(controller, "worker" if role == "worker" else "controller")
        result = host.run(
            "join_node.sh",
            stdin=token,
            ROLE=role,
            NODE_NAME=host.name,
            READY_TIMEOUT_SECONDS=10,
        )
        assert result.returncode == 0, result
        confirm = controller.run(
            "confirm_member.sh",
            NODE_NAME=host.name,
            ROLE=role,
            TOKEN_ID=result.values["token_id"],
            READY_TIMEOUT_SECONDS=10,
        )
        assert confirm.returncode == 0, confirm
        return result
