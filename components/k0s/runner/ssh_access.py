"""SSH from the machine running Pulumi to a node, for the runner-side programs (standard library only).

The backup, restore and key-rotation steps and ``make support-bundle`` move data between
the runner and a node that must not pass through Pulumi (an etcd archive in a resource
output would bloat and leak the state). They run OpenSSH's ``ssh`` client with the
stack's private key written to a 0600 file in a 0700 directory for the length of the
program, then overwritten and removed; the key itself arrives on stdin, never on a
command line. Host keys are not checked, like the command provider's connections
(``hostKey`` is not set by the program): the same trust, one mechanism.

Handed to ``python3`` as a module of the runner frame (see ``components/k0s/runner``).
"""

import argparse
import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SSH_OPTIONS = (
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=15",
)


@dataclass(frozen=True)
class Target:
    """Where a node's sshd listens, and the jump host in front of it (if any)."""

    host: str
    port: int
    user: str
    jump: "Target | None" = None

    def __str__(self) -> str:
        via = f" via {self.jump.host}:{self.jump.port}" if self.jump else ""
        return f"{self.user}@{self.host}:{self.port}{via}"


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """``--host --port --user`` and the optional ``--jump-host --jump-port --jump-user``."""
    parser.add_argument("--host", required=True, help="the node's SSH address")
    parser.add_argument("--port", type=int, default=22)
    parser.add_argument("--user", required=True)
    parser.add_argument("--jump-host", default="", help="bastion in front of the node")
    parser.add_argument("--jump-port", type=int, default=22)
    parser.add_argument("--jump-user", default="")


def target_of(args: argparse.Namespace) -> Target:
    """The Target the ``add_target_arguments`` options describe."""
    jump = Target(args.jump_host, args.jump_port, args.jump_user or args.user) if args.jump_host else None
    return Target(args.host, args.port, args.user, jump)


@contextlib.contextmanager
def private_key_file(text: str) -> Iterator[Path]:
    """``text`` in a 0600 file inside a fresh 0700 directory; overwritten and removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="mke4k-ssh-"))
    path = directory / "key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text if text.endswith("\n") else text + "\n")
        yield path
    finally:
        if path.exists():
            with contextlib.suppress(OSError), path.open("r+b") as file:
                file.write(b"\0" * path.stat().st_size)
        shutil.rmtree(directory, ignore_errors=True)


def ssh_argv(target: Target, key: Path, command: str) -> list[str]:
    """``ssh`` running ``command`` on ``target`` with the key file (through the jump host if any)."""
    argv = ["ssh", "-i", str(key), "-p", str(target.port), *SSH_OPTIONS]
    if target.jump is not None:
        jump = target.jump
        proxy = ["ssh", "-i", str(key), "-p", str(jump.port), *SSH_OPTIONS, "-W", "%h:%p", f"{jump.user}@{jump.host}"]
        argv += ["-o", f"ProxyCommand={shlex.join(proxy)}"]
    return [*argv, f"{target.user}@{target.host}", command]


def say(label: str, message: str) -> None:
    """One line in the format of the host scripts: ``mke4k: [<label>] <message>``."""
    print(f"mke4k: [{label}] {message}", file=sys.stderr, flush=True)


def require_ssh(label: str) -> None:
    """Exit 1 naming the package when OpenSSH's client is not installed on this machine."""
    if shutil.which("ssh") is None:
        say(
            label,
            "error: the OpenSSH client ('ssh') is not installed on the machine running Pulumi; the backup, "
            "restore and key-rotation steps use it. Fix: install it (apt-get install openssh-client / "
            "dnf install openssh-clients).",
        )
        sys.exit(1)


def relay_stderr(process: subprocess.Popen[bytes], label: str) -> list[str]:
    """Copy the remote side's stderr lines to ours as they come (the scripts' ``mke4k:`` lines);
    return them. Lines of ssh itself (connection errors) get this step's label."""
    lines: list[str] = []
    assert process.stderr is not None
    for raw in process.stderr:
        line = raw.decode(errors="replace").rstrip("\n")
        lines.append(line)
        print(line if line.startswith("mke4k:") else f"mke4k: [{label}] ssh: {line}", file=sys.stderr, flush=True)
    return lines
