"""Install Debian packages a test needs on first use (the CI machine starts without them).

``ensure_commands({"containerd": "containerd", ...}) -> str | None``: for every missing
command, ``apt-get install`` its package (``apt-get update`` once when the first attempt
fails); returns None when all commands exist afterwards, else a reason to skip with.
Needs root and Debian's package registry; never asks questions, never starts services
(Debian's policy-rc.d here, and no systemd in the test machines).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Mapping

_APT = ["apt-get", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"]


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run([*_APT, *args], capture_output=True, text=True, env=env, timeout=900, check=False)


@functools.cache
def _install(packages: tuple[str, ...]) -> str | None:
    if os.geteuid() != 0:
        return f"installing {', '.join(packages)} needs root"
    if shutil.which("apt-get") is None:
        return f"{', '.join(packages)} missing and apt-get is not available"
    result = _apt("install", *packages)
    if result.returncode != 0:
        _apt("update")
        result = _apt("install", *packages)
    if result.returncode != 0:
        return f"apt-get install {' '.join(packages)} failed: {result.stderr.strip()[-300:]}"
    return None


def ensure_commands(commands: Mapping[str, str]) -> str | None:
    """Make every ``command`` (key) available, installing its Debian ``package`` (value) if needed."""
    missing = tuple(sorted({package for command, package in commands.items() if shutil.which(command) is None}))
    if not missing:
        return None
    problem = _install(missing)
    if problem:
        return problem
    still = sorted(command for command in commands if shutil.which(command) is None)
    return f"still missing after installing {', '.join(missing)}: {', '.join(still)}" if still else None
