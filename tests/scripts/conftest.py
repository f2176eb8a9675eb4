"""pytest fixtures for the host-script tests; the machinery is in script_harness.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from script_harness import V1, V2, Cluster, ReleaseServer


def _sandbox_problem() -> str | None:
    if os.geteuid() != 0:
        return "the script tests need root (unshare --mount and overlay mounts)"
    if not shutil.which("unshare"):
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "/bin/bash",
            "-c",
            (
                "d=$(mktemp -d) && mkdir $d/u $d/w && mount -t overlay overlay -o lowerdir=/etc,upperdir=$d/u,workdir=$d/w /etc"
                " ; rc=$?; rm -rf $d; exit $rc"
            ),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"unshare --mount with an overlay on /etc is not permitted here: {probe.stderr.strip()}"
    if not Path("/usr/bin/python3").exists():
        return "the fake k0s needs /usr/bin/python3"
    return None


@pytest.fixture(scope="session", autouse=True)
def _sandbox_available():
    problem = _sandbox_problem()
    if problem:
        pytest.skip(problem)


@pytest.fixture
def release():
    with ReleaseServer([V1, V2]) as server:
        yield server


@pytest.fixture
def cluster(tmp_path, release):
    return Cluster(tmp_path, release)


@pytest.fixture
def cp1(cluster):
    """A bootstrapped controller (installed without --no-taints: k0s registers it tainted)."""
    host = cluster.host("cp1")
    cluster.bootstrap(host)
    return host


@pytest.fixture
def host(cluster):
    return cluster.host("node1")
