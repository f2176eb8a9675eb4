"""Runner-side SSH probe: does each target answer SSH (TCP connect AND an SSH banner) in time?

The command provider bounds only the TCP connect of each dial attempt (``perDialTimeout``);
the SSH handshake has no deadline, so a host that accepts TCP and never sends a banner (a
half-dead sshd, a load balancer with no backend) hangs ``pulumi up`` for ever, and a host
that never comes up costs ``dialErrorLimit + 1`` attempts. This program runs on the machine
running Pulumi (a ``local.Command`` reading it on stdin: ``python3 - ARGS``) before the
node's steps, and fails within ``--timeout`` seconds with a message that names the host and
what to do. Standard library only.

    python3 - --label 'w1 ssh-probe' --timeout 600 --banner-timeout 20 \\
      --target 'w1=10.0.0.5:22' --target 'c1 (bootstrap controller)=10.0.0.2:22' \\
      --fix 'mark it gone: mke4k:hosts.static.hosts[1].gone: true'

Exit 0 when every target answered; 1 with ``mke4k: [LABEL] error: ...`` otherwise.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from dataclasses import dataclass

SSH_BANNER_PREFIX = b"SSH-"
RETRY_SECONDS = (1, 2, 3, 5)
"""Pause between attempts: growing, then every 5 s."""
PROGRESS_AT = (5, 15, 30, 60)
"""Say what is being waited for at these elapsed seconds, then every minute."""


@dataclass(frozen=True)
class Target:
    """One SSH server to probe: what to call it, and where it listens."""

    name: str
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Target:
        """``NAME=HOST:PORT`` (HOST may be an IPv6 address in brackets)."""
        name, _, address = text.rpartition("=")
        host, _, port = address.rpartition(":")
        if not name or not host or not port.isdigit():
            raise argparse.ArgumentTypeError(f"expected NAME=HOST:PORT, got {text!r}")
        return cls(name, host.strip("[]"), int(port))

    def __str__(self) -> str:
        return f"{self.name} ({self.host}:{self.port})"


def attempt(target: Target, connect_timeout: float, banner_timeout: float) -> str | None:
    """One try: None when the target sent an SSH banner, else what went wrong."""
    try:
        connection = socket.create_connection((target.host, target.port), timeout=connect_timeout)
    except TimeoutError:
        return f"did not accept a TCP connection within {connect_timeout:.0f}s"
    except OSError as error:
        return f"refused or unreachable ({error.strerror or error})"
    with connection:
        connection.settimeout(banner_timeout)
        received = b""
        try:
            while b"\n" not in received and len(received) < 1024:
                chunk = connection.recv(256)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            return (
                f"accepted TCP but sent no SSH banner within {banner_timeout:.0f}s "
                "(a hung sshd, or a load balancer or port forward with nothing behind it)"
            )
        except OSError as error:
            return f"closed the connection before the SSH banner ({error.strerror or error})"
    if not received.startswith(SSH_BANNER_PREFIX):
        shown = received[:60].decode(errors="replace").strip() or "nothing"
        return f"answered, but not with SSH (sent {shown!r}); is this the SSH port?"
    return None


def probe(target: Target, *, label: str, timeout: float, banner_timeout: float) -> str | None:
    """Retry ``target`` until it answers SSH or ``timeout`` passes; None or the last problem.

    Bounded by ``timeout`` plus one ``banner_timeout`` (an attempt started in time runs to its end).
    """
    start = time.monotonic()
    pause = iter(RETRY_SECONDS)
    progress = iter(PROGRESS_AT)
    next_report = next(progress)
    while True:
        elapsed = time.monotonic() - start
        remaining = timeout - elapsed
        problem = attempt(target, min(10.0, max(remaining, 1.0)), banner_timeout)
        elapsed = time.monotonic() - start
        if problem is None:
            if elapsed >= 5:
                say(label, f"{target} answers SSH after {elapsed:.0f}s")
            return None
        if elapsed >= timeout:
            return problem
        if elapsed >= next_report:
            say(label, f"waiting for {target} to answer SSH ({elapsed:.0f}s of {timeout:.0f}s): {problem}")
            next_report = next(progress, next_report + 60)
        time.sleep(min(next(pause, RETRY_SECONDS[-1]), max(timeout - elapsed, 0.1)))


def say(label: str, message: str) -> None:
    """One progress line, in the format of the host scripts."""
    print(f"mke4k: [{label}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Probe every ``--target``; exit 1 naming the first that does not answer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True, help="'<node> <step>', prefixes every line")
    parser.add_argument("--target", type=Target.parse, action="append", required=True, help="NAME=HOST:PORT")
    parser.add_argument("--timeout", type=float, required=True, help="seconds to wait for each target")
    parser.add_argument("--banner-timeout", type=float, required=True, help="seconds to wait for the banner")
    parser.add_argument("--fix", default="", help="what to tell the user besides the usual checks")
    parser.add_argument("--steps", default="", help="digest of the steps this probe guards (re-runs it)")
    args = parser.parse_args(argv)
    for target in args.target:
        problem = probe(target, label=args.label, timeout=args.timeout, banner_timeout=args.banner_timeout)
        if problem is not None:
            fix = (
                f"check that {target.name} is up, sshd runs and port {target.port} is open to this machine "
                "(security group / firewall)"
            )
            if args.fix:
                fix += f"; {args.fix}"
            say(args.label, f"error: {target} does not answer SSH: {problem}, after {args.timeout:.0f}s. Fix: {fix}.")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
