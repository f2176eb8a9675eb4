"""Program evaluation time under Pulumi mocks, against a floor of the SDK's own cost.

"Ours" runs the real ``__main__.py`` (settings load and validation included) for a
static cluster of each size. The "floor" registers exactly as many resources of the
same types (counted from a recording of ours) with constant inputs and no
dependencies: what the Pulumi SDK spends on registrations alone. Both are timed with
the stock, non-recording ``MockMonitor`` and the same lightweight mocks, in-process,
after a warm-up run (imports excluded), so they are comparable.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await
from pulumi_command import local, remote

from tests.program.hosts_helpers import HostsMocks
from tests.program.stack_program import REPO, as_pulumi_config
from tests.support.recording_mocks import Recording

from .stack import SIZES, STACK, command_stdout, main_program, record, stack_config

TypeCounts = Counter[tuple[str, bool]]
"""How many resources of each (type token, custom?) a program registers."""


def run_unrecorded(fn: Callable[[], None], config: dict[str, str]) -> float:
    """Run ``fn`` as a Pulumi program under plain mocks (stock MockMonitor); return its wall time in seconds."""
    mocks = HostsMocks(command_stdout())
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config), secret_keys=[])
    pulumi.runtime.set_mocks(mocks, project="mke4k", stack=STACK, preview=False)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    gc.collect()
    start = time.perf_counter()
    _sync_await(run_pulumi_func(fn))
    return time.perf_counter() - start


def type_counts(recording: Recording) -> TypeCounts:
    """Resources registered per (type, custom) in a recording."""
    return Counter((r.type, r.custom) for r in recording.resources)


def _floor_resource(token: str, custom: bool, name: str, connection: remote.ConnectionArgs) -> None:
    """Register one resource of ``token`` with constant inputs, through the same SDK class ours uses."""
    if not custom:
        component = pulumi.ComponentResource(token, name)
        component.register_outputs({})
    elif token == "command:remote:Command":
        remote.Command(name, connection=connection, create="true")
    elif token == "command:local:Command":
        local.Command(name, create="true")
    elif token == "command:remote:CopyToRemote":
        remote.CopyToRemote(name, connection=connection, source=pulumi.FileAsset(__file__), remote_path="/tmp/x")
    elif token == "kubernetes:helm.sh/v3:Release":
        kubernetes.helm.v3.Release(name, chart="chart", namespace="default")
    elif token == "kubernetes:core/v1:Namespace":
        kubernetes.core.v1.Namespace(name)
    elif token == "pulumi:providers:kubernetes":
        kubernetes.Provider(name, kubeconfig="constant")
    elif token == "kubernetes:apiextensions.k8s.io:CustomResource" or token.startswith("kubernetes:"):
        kubernetes.apiextensions.CustomResource(name, api_version="example.com/v1", kind="Thing")
    else:
        pulumi.CustomResource(token, name, {"input": "constant"})


def floor_program(counts: TypeCounts) -> Callable[[], None]:
    """A trivial program registering ``counts`` resources of each type with constant inputs."""

    def program() -> None:
        connection = remote.ConnectionArgs(host="192.0.2.1", user="root", private_key="constant")
        for (token, custom), count in sorted(counts.items()):
            slug = token.replace(":", "-").replace("/", "-").replace(".", "-")
            for i in range(count):
                _floor_resource(token, custom, f"floor-{slug}-{i}", connection)

    return program


@dataclass(frozen=True)
class EvalResult:
    """Timings of one cluster size (seconds)."""

    controllers: int
    workers: int
    resources: int
    runs: int
    ours: float
    floor: float

    @property
    def nodes(self) -> int:
        """Hosts in the cluster."""
        return self.controllers + self.workers

    @property
    def ratio(self) -> float:
        """ours / floor."""
        return self.ours / self.floor


def measure(controllers: int, workers: int, runs: int) -> tuple[EvalResult, Recording]:
    """Median of ``runs`` timed runs of ours and of the floor (interleaved) for one size."""
    config = stack_config(controllers, workers)
    recording = record(config)
    counts = type_counts(recording)
    pulumi_config = as_pulumi_config(config)
    floor = floor_program(counts)
    ours_times, floor_times = [], []
    for _ in range(runs):
        ours_times.append(run_unrecorded(main_program, pulumi_config))
        floor_times.append(run_unrecorded(floor, {}))
    result = EvalResult(
        controllers,
        workers,
        len(recording.resources),
        runs,
        statistics.median(ours_times),
        statistics.median(floor_times),
    )
    return result, recording


def runs_for(controllers: int, workers: int, default_runs: int) -> int:
    """Runs per size: ``default_runs`` (at least 5); the biggest size gets 5 to keep the suite short."""
    return 5 if controllers + workers > 150 else max(5, default_runs)


def evaluate(default_runs: int = 7) -> list[EvalResult]:
    """Time every size of :data:`SIZES` (after one warm-up run that loads every module)."""
    warm = stack_config(1, 1)
    run_unrecorded(main_program, as_pulumi_config(warm))
    run_unrecorded(floor_program(type_counts(record(warm))), {})
    return [measure(c, w, runs_for(c, w, default_runs))[0] for c, w in SIZES]


def eval_table(results: list[EvalResult]) -> str:
    """The markdown table of program evaluation times."""
    lines = [
        "| cluster (c+w) | resources | resources/node | runs | ours (median) | per node | floor (median) | ours/floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.controllers}+{r.workers} | {r.resources} | {r.resources / r.nodes:.1f} | {r.runs} "
            f"| {r.ours * 1000:.0f} ms | {r.ours / r.nodes * 1000:.1f} ms | {r.floor * 1000:.0f} ms | {r.ratio:.2f}x |"
        )
    return "\n".join(lines)


def growth(results: list[EvalResult], big: tuple[int, int] = (5, 200), small: tuple[int, int] = (3, 100)) -> float:
    """Evaluation time of ``big`` over ``small`` (ours)."""
    by_size = {(r.controllers, r.workers): r for r in results}
    return by_size[big].ours / by_size[small].ours


def hotspots(controllers: int, workers: int, top: int = 12) -> str:
    """cProfile of one unrecorded run of ours: the functions with the most own time, and ours by cumulative time."""
    config = as_pulumi_config(stack_config(controllers, workers))
    profiler = cProfile.Profile()
    profiler.enable()
    run_unrecorded(main_program, config)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows: list[tuple[float, float, int, str]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in raw.items():
        rows.append((tottime, cumtime, calls, f"{_short(filename)}:{line}({func})"))
    own = sorted(rows, reverse=True)[:top]
    ours = sorted(
        (r for r in rows if "/components/" in r[3] or r[3].startswith(("components/", "__main__"))),
        key=lambda r: r[1],
        reverse=True,
    )[:top]
    lines = [
        f"Profile of one run of {controllers}+{workers} (cProfile; times inflated by profiling):",
        "",
        "| own time | cumulative | calls | function (by own time) |",
        "|---:|---:|---:|---|",
    ]
    lines += [f"| {t * 1000:.0f} ms | {c * 1000:.0f} ms | {n} | `{f}` |" for t, c, n, f in own]
    lines += ["", "| own time | cumulative | calls | our function (by cumulative time) |", "|---:|---:|---:|---|"]
    lines += [f"| {t * 1000:.0f} ms | {c * 1000:.0f} ms | {n} | `{f}` |" for t, c, n, f in ours]
    return "\n".join(lines)


def _short(filename: str) -> str:
    """A path relative to the repo or to site-packages."""
    repo = str(REPO) + "/"
    if filename.startswith(repo):
        return filename[len(repo) :]
    marker = "site-packages/"
    return filename.split(marker, 1)[1] if marker in filename else filename
