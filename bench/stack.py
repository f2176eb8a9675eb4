"""Synthetic stack configs for the benchmarks and the helpers that run the real program.

The clusters use the ``static`` host source with generated addresses in 172.16.0.0/12
(outside the default pod CIDR 192.168.0.0/16 and service CIDR 10.96.0.0/16), the
platform layer on (every layer runs by default), and a dummy SSH key.
"""

from __future__ import annotations

import os
import platform
import runpy
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.program.hosts_helpers import HostsMocks
from tests.program.stack_program import KUBECONFIG, REPO, as_pulumi_config
from tests.support.recording_mocks import Recording, run_program

STACK = "bench"
CLUSTER = "bench"
DUMMY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nbench-dummy-key\n-----END OPENSSH PRIVATE KEY-----\n"
SIZES: tuple[tuple[int, int], ...] = ((1, 1), (3, 10), (3, 50), (3, 100), (5, 200))
"""(controllers, workers) of the benchmarked clusters."""


def address(index: int) -> str:
    """The ``index``-th generated host address (172.16.0.1, 172.16.0.2, ...)."""
    return f"172.16.{index // 250}.{index % 250 + 1}"


def node_names(controllers: int, workers: int) -> list[tuple[str, str]]:
    """(name, role) of every host: ``c-<i>`` controller+worker nodes, then ``w-<i>`` workers."""
    return [(f"c-{i}", "controller+worker") for i in range(1, controllers + 1)] + [
        (f"w-{i}", "worker") for i in range(1, workers + 1)
    ]


def stack_config(controllers: int, workers: int, *, k0s: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stack config (keys with their ``mke4k:`` namespace) of a static ``controllers`` + ``workers`` cluster."""
    hosts = [
        {"name": name, "role": role, "address": address(i)}
        for i, (name, role) in enumerate(node_names(controllers, workers))
    ]
    config: dict[str, Any] = {
        "mke4k:cluster": {"name": CLUSTER},
        "mke4k:hosts": {"source": "static", "static": {"hosts": hosts}},
        "mke4k:apiExternalAddress": "api.bench.example.internal",
        "mke4k:ssh": {"user": "mke", "privateKey": DUMMY_KEY},
    }
    if k0s:
        config["mke4k:k0s"] = k0s
    return config


def command_stdout() -> dict[str, str]:
    """Stubbed stdout of the commands whose output the program parses (the admin kubeconfig)."""
    return {f"{CLUSTER}-admin-kubeconfig": KUBECONFIG}


def main_program() -> None:
    """Run the real ``__main__.py`` (as ``pulumi`` does)."""
    runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")


def record(config: dict[str, Any]) -> Recording:
    """Run ``__main__.py`` with ``config`` under the recording mocks and return the resource graph."""
    return run_program(
        main_program,
        config=as_pulumi_config(config),
        stack=STACK,
        mocks_class=HostsMocks,
        command_stdout=command_stdout(),
    )


def machine() -> str:
    """One line naming the machine, interpreter and date the numbers were taken on."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"nproc={nproc}, CPU: {model}, Python {platform.python_version()}, {date}"
