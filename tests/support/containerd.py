"""Run Debian's real containerd against the registry files a test host got (TEST HELPER).

Debian bookworm packages containerd 1.6, which reads the same configuration as the
containerd 1.7 that k0s v1.32-v1.35 bundle: config ``version = 2``, the CRI plugin
``io.containerd.grpc.v1.cri`` and ``hosts.toml`` under ``registry.config_path``.

:func:`k0s_like_config` builds the config k0s would run containerd with: its own CRI
defaults (here: the sandbox image, a snapshotter that works inside the test sandbox)
with the drop-in merged in, the way k0s merges a drop-in that has a CRI section
(k0s ``pkg/component/worker/containerd/configurer.go``). :func:`with_containerd` wraps
shell commands so they run while that containerd serves a private socket, inside the
test host's sandbox (where ``/etc/k0s/containerd.d`` is the host's own).
"""

from __future__ import annotations

import contextlib
import json
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.debian_packages import ensure_commands

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"


def containerd_problem() -> str | None:
    """Why containerd cannot run here (None when it can); installs Debian's package on first use."""
    return ensure_commands({"containerd": "containerd", "ctr": "containerd"})


@contextlib.contextmanager
def state_dir() -> Iterator[Path]:
    """A short-lived directory for containerd's root, state and sockets, removed afterwards.

    Under /tmp, because containerd's ``<socket>.ttrpc`` path must stay within 104 bytes.
    """
    path = Path(tempfile.mkdtemp(prefix="mke4k-ctd-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def k0s_like_config(workdir: Path, dropin: str, sandbox_image: str) -> Path:
    """containerd's config: k0s-style CRI defaults with ``dropin`` (a version 2 CRI drop-in) merged in."""
    body = "\n".join(line for line in dropin.splitlines() if line.strip() != "version = 2")
    config = workdir / "config.toml"
    config.write_text(
        "\n".join(
            [
                "version = 2",
                f'root = "{workdir}/root"',
                f'state = "{workdir}/state"',
                "[grpc]",
                f'  address = "{workdir}/containerd.sock"',
                '[plugins."io.containerd.grpc.v1.cri"]',
                f"  sandbox_image = {json.dumps(sandbox_image)}",
                '[plugins."io.containerd.grpc.v1.cri".containerd]',
                '  snapshotter = "native"',
                body,
                "",
            ]
        )
    )
    return config


def with_containerd(workdir: Path, config: Path, commands: str) -> str:
    """A shell script: start containerd with ``config``, wait for its socket, run ``commands``, stop it.

    ``$SOCK`` is the socket and ``$CRI_PULL`` pulls an image through the CRI plugin
    (tests/support/cri_pull.py). containerd's log ends up in ``<workdir>/containerd.log``.
    """
    sock = workdir / "containerd.sock"
    return f"""
SOCK={shlex.quote(str(sock))}
CRI_PULL="{PYTHON} -m tests.support.cri_pull $SOCK"
cd {shlex.quote(str(REPO))}
containerd --config {shlex.quote(str(config))} >{shlex.quote(str(workdir / "containerd.log"))} 2>&1 &
containerd_pid=$!
trap 'kill $containerd_pid 2>/dev/null; wait $containerd_pid 2>/dev/null' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || {{ echo "containerd did not start"; exit 97; }}
{commands}
"""
