"""Deployment critical path and modeled wall-clock times, from the recorded resource graph.

The graph is the custom resources of a recording with their dependency edges
(``depends_on`` plus Output inputs, components already expanded by the SDK, plus the
explicit provider). Each resource gets a duration from :data:`STEPS` (by type and
name suffix; every figure has its source). A list scheduler then plays the graph the
way the Pulumi engine does: a step starts when all its dependencies are done and a
slot among ``--parallel`` is free (Pulumi's default is 4 x the runner's CPUs,
``pulumi/pkg cmd/pulumi/operations/up.go: defaultParallel``; ``None`` = unbounded).

The phase-serial model is k0sctl's: every phase waits for all hosts before the next
starts, 30 hosts at a time per phase (``options.concurrency.limit: 30``), controllers
joined one at a time, workers in parallel within the limit, upgrades controllers one
at a time then workers in 10% batches (facts.md section 7).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from components.k0s.remote import parse_run_line
from tests.support.recording_mocks import RecordedResource, Recording
from tools.stack_preflight import deploy_parallelism

from .stack import record, stack_config

K0SCTL_CONCURRENCY = 30
"""k0sctl ``--concurrency`` / ``options.concurrency.limit`` default (hosts per phase)."""


@dataclass(frozen=True)
class Step:
    """Modeled duration of one kind of step."""

    kind: str
    create: float
    update: float
    source: str


FACTS = "facts.md section 7"
K0RDENT_DOCS = "docs.k0rdent.io verify-install: 'wait 5 to 10 minutes' after helm install"
STEPS: dict[str, Step] = {
    s.kind: s
    for s in (
        Step("machine boot (aws instance)", 90, 0, "assumption: EC2 running + SSH/cloud-init up"),
        Step("probe (runner)", 1, 1, "assumption: one TCP connect + SSH banner from a booted host"),
        Step("host-ready", 3, 3, "assumption: SSH connect, script install + tool checks on a booted host"),
        Step("k0s-binary (download on host)", 127, 127, f"{FACTS}: downloading on the host took 127 s"),
        Step("k0s-binary (verify uploaded)", 3, 3, "assumption: sha256 check of the uploaded file"),
        Step("binary upload (CopyToRemote)", 8, 8, f"{FACTS}: a local cache and upload took 8 s"),
        Step("runner download (local)", 30, 30, "assumption: one download on the runner"),
        Step("k0s-config", 3, 3, "assumption: write k0s.yaml + k0s config validate"),
        Step("join-token", 3, 3, "assumption: k0s token create on the leader"),
        Step("k0s-install (leader init)", 60, 60, "assumption: install + start + etcd init + API readyz"),
        Step("k0s-install (controller join)", 45, 45, "assumption: join etcd + API readyz"),
        Step("k0s-install (worker join)", 30, 30, "assumption: install + start kubelet"),
        Step("member", 10, 10, "assumption: Node object registered + token invalidated"),
        Step(
            "k0s-upgrade (controller)",
            3,
            90,
            "assumption: create = no-op version check; update = stop/swap/start/ready",
        ),
        Step("k0s-upgrade (worker)", 3, 120, "assumption: create = no-op; update = drain/stop/swap/start/uncordon"),
        Step("admin-kubeconfig", 3, 3, "assumption: k0s kubeconfig admin"),
        Step("kubernetes provider", 0, 0, "no remote work"),
        Step("namespace", 1, 1, "assumption: one API call"),
        Step("calico release", 60, 60, "assumption: helm install tigera-operator"),
        Step("calico ready gate", 90, 90, "assumption: tigerastatus/calico Available"),
        Step("k0rdent release", 60, 60, "assumption: helm install kcm"),
        Step("k0rdent ready gate", 420, 420, f"{K0RDENT_DOCS} (midpoint, 7 min)"),
        Step("mke-operator release", 60, 60, "assumption: helm install"),
        Step("mke-operator ready gate", 60, 60, "assumption: operator Available"),
        Step("other", 5, 5, "assumption: any other resource"),
    )
}
PLATFORM_KINDS = frozenset(k for k in STEPS if k.split()[0] in {"namespace", "calico", "k0rdent", "mke-operator"})


def kind_of(res: RecordedResource) -> str:
    """The :data:`STEPS` kind of a custom resource (by type token and name suffix)."""
    name, script = res.name, str(res.inputs.get("create", ""))
    if res.type == "aws:ec2/instance:Instance":
        return "machine boot (aws instance)"
    if res.type == "command:remote:CopyToRemote":
        return "binary upload (CopyToRemote)"
    if res.type == "command:local:Command" and name.endswith("-k0s-download"):
        return "runner download (local)"
    if res.type.startswith("pulumi:providers:"):
        return "kubernetes provider"
    if res.type == "kubernetes:core/v1:Namespace":
        return "namespace"
    if res.type == "kubernetes:helm.sh/v3:Release":
        chart = str(res.inputs.get("chart", ""))
        piece = (
            "calico"
            if "tigera" in chart or name.endswith("-calico")
            else ("k0rdent" if "kcm" in chart or name.endswith("-k0rdent") else "mke-operator")
        )
        return f"{piece} release"
    for piece in ("calico", "k0rdent", "mke-operator"):
        if name.endswith(f"-{piece}-ready"):
            return f"{piece} ready gate"
    simple = {
        "-host-ready": "host-ready",
        "-k0s-config": "k0s-config",
        "-join-token": "join-token",
        "-member": "member",
        "-admin-kubeconfig": "admin-kubeconfig",
    }
    for suffix, kind in simple.items():
        if name.endswith(suffix):
            return kind
    if name.endswith(("-ssh-probe", "-reset-probe")):
        return "probe (runner)"
    parsed = parse_run_line(script)
    script_name, inputs = parsed if parsed else ("", {})
    if name.endswith("-k0s-binary"):
        uploaded = inputs.get("STAGE_MODE") == "uploaded"
        return "k0s-binary (verify uploaded)" if uploaded else "k0s-binary (download on host)"
    if name.endswith("-k0s-install"):
        if script_name == "install_controller":
            return "k0s-install (leader init)"
        worker = inputs.get("ROLE") == "worker"
        return "k0s-install (worker join)" if worker else "k0s-install (controller join)"
    if name.endswith("-k0s-upgrade"):
        return "k0s-upgrade (worker)" if inputs.get("ROLE") == "worker" else "k0s-upgrade (controller)"
    return "other"


def create_seconds(res: RecordedResource) -> float:
    """Modeled create duration of a resource."""
    return STEPS[kind_of(res)].create


@dataclass
class Schedule:
    """Result of playing a graph: start/finish per URN, and the critical path (first to last)."""

    start: dict[str, float]
    finish: dict[str, float]
    path: list[RecordedResource]
    makespan: float

    def path_steps(self) -> list[RecordedResource]:
        """Critical-path resources that take time (remote steps), in order."""
        return [r for r in self.path if self.finish[r.urn] > self.start[r.urn]]


@dataclass
class Graph:
    """Custom resources of a recording with their dependency edges (custom URNs only)."""

    resources: list[RecordedResource]
    deps: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, recording: Recording) -> Graph:
        """The custom-resource graph of a recording."""
        customs = [r for r in recording.resources if r.custom]
        urns = {r.urn for r in customs}
        graph = cls(customs)
        for r in customs:
            edges = set(r.dependencies) | ({r.provider} if r.provider else set())
            graph.deps[r.urn] = {u for u in edges if u in urns}
        return graph


def schedule(graph: Graph, duration: Callable[[RecordedResource], float], parallel: int | None = None) -> Schedule:
    """Play ``graph`` with ``parallel`` slots (None = unbounded), steps ready in registration order."""
    order = {r.urn: i for i, r in enumerate(graph.resources)}
    by_urn = {r.urn: r for r in graph.resources}
    succ: dict[str, list[str]] = {u: [] for u in by_urn}
    missing = {u: len(d) for u, d in graph.deps.items()}
    for u, d in graph.deps.items():
        for v in d:
            succ[v].append(u)
    slots = parallel or len(by_urn) + 1
    ready: list[tuple[float, int, str]] = [(0.0, order[u], u) for u, n in missing.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, int, str]] = []
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    now = 0.0
    while ready or running:
        while ready and ready[0][0] <= now and len(running) < slots:
            _, i, u = heapq.heappop(ready)
            start[u] = now
            heapq.heappush(running, (now + duration(by_urn[u]), i, u))
        candidates = [running[0][0]] if running else []
        if ready and len(running) < slots:
            candidates.append(ready[0][0])
        now = max(now, min(candidates))
        while running and running[0][0] <= now:
            t, _, u = heapq.heappop(running)
            finish[u] = t
            for s in succ[u]:
                missing[s] -= 1
                if missing[s] == 0:
                    heapq.heappush(ready, (max(finish[d] for d in graph.deps[s]), order[s], s))
    last = max(finish, key=lambda u: (finish[u], order[u]))
    path = [by_urn[last]]
    while graph.deps[path[-1].urn]:
        path.append(by_urn[max(graph.deps[path[-1].urn], key=lambda d: (finish[d], order[d]))])
    return Schedule(start, finish, list(reversed(path)), finish[last])


def deepest_chain(graph: Graph, duration: Callable[[RecordedResource], float]) -> int:
    """The most steps that take time on any dependency chain (unweighted longest path)."""
    depth: dict[str, int] = {}
    for r in graph.resources:  # registration order is a topological order
        own = 1 if duration(r) > 0 else 0
        depth[r.urn] = own + max((depth[d] for d in graph.deps[r.urn]), default=0)
    return max(depth.values())


def waves(hosts: int, seconds: float, limit: int = K0SCTL_CONCURRENCY) -> float:
    """A phase over ``hosts`` hosts, ``limit`` at a time: ceil(hosts/limit) x step time."""
    return math.ceil(hosts / limit) * seconds if hosts else 0.0


def step(kind: str, update: bool = False) -> float:
    """The modeled duration of a step kind."""
    return STEPS[kind].update if update else STEPS[kind].create


def platform_seconds() -> float:
    """The platform chain (namespace, release, gate for each piece), the same in both models."""
    return sum(step(k) for k in PLATFORM_KINDS if "namespace" not in k) + 3 * step("namespace")


def phase_serial_deploy(controllers: int, workers: int) -> dict[str, float]:
    """k0sctl + platform, phase by phase (seconds per phase)."""
    n = controllers + workers
    join_controller = step("join-token") + step("k0s-install (controller join)") + step("member")
    join_worker = step("join-token") + step("k0s-install (worker join)") + step("member")
    return {
        # connect/detect OS, prepare/gather facts, validate: three phases sharing our host-ready's 3 s.
        "connect, facts, validate": 3 * waves(n, step("host-ready") / 3),
        "download binaries": waves(n, step("k0s-binary (download on host)")),
        "configure k0s": waves(controllers, step("k0s-config")),
        "initialize leader": step("k0s-install (leader init)"),
        "join controllers (one at a time)": (controllers - 1) * join_controller,
        "join workers": waves(workers, join_worker),
        "kubeconfig": step("admin-kubeconfig"),
        "platform (same chain as ours)": platform_seconds(),
    }


def phase_serial_upgrade(controllers: int, workers: int, batch: int | None = None) -> float:
    """k0sctl rolling upgrade: facts, download, controllers one at a time, workers in 10% batches."""
    n = controllers + workers
    size = min(batch or max(1, math.ceil(workers * 0.1)), K0SCTL_CONCURRENCY)
    return (
        3 * waves(n, step("host-ready") / 3)
        + waves(n, step("k0s-binary (download on host)", True))
        + controllers * step("k0s-upgrade (controller)", True)
        + (math.ceil(workers / size) if workers else 0) * step("k0s-upgrade (worker)", True)
    )


def phase_serial_add_worker(controllers: int, workers: int) -> float:
    """k0sctl apply with one more worker: facts on every host, download and join on the new one."""
    n = controllers + workers + 1
    return (
        3 * waves(n, step("host-ready") / 3)
        + step("k0s-binary (download on host)")
        + step("join-token")
        + step("k0s-install (worker join)")
        + step("member")
        + step("admin-kubeconfig")
    )


@dataclass(frozen=True)
class Diff:
    """Custom resources added, removed, or with different inputs between two recordings."""

    added: list[str]
    removed: list[str]
    changed: list[str]
    dependencies_only: list[str]

    def touched(self) -> list[str]:
        """Everything that ``pulumi up`` would create, delete or update."""
        return sorted(self.added + self.removed + self.changed)


def diff(old: Recording, new: Recording) -> Diff:
    """Compare the custom resources of two recordings by (type, name)."""
    a = {(r.type, r.name): r for r in old.resources if r.custom}
    b = {(r.type, r.name): r for r in new.resources if r.custom}
    name_of = {r.urn: r.name for r in [*old.resources, *new.resources]}

    def dep_names(r: RecordedResource) -> set[str]:
        return {name_of.get(u, u) for u in r.dependencies}

    common = a.keys() & b.keys()
    return Diff(
        added=sorted(k[1] for k in b.keys() - a.keys()),
        removed=sorted(k[1] for k in a.keys() - b.keys()),
        changed=sorted(k[1] for k in common if a[k].inputs != b[k].inputs),
        dependencies_only=sorted(
            k[1] for k in common if a[k].inputs == b[k].inputs and dep_names(a[k]) != dep_names(b[k])
        ),
    )


def change_duration(changes: Diff) -> Callable[[RecordedResource], float]:
    """Durations for ``pulumi up`` of a change: created/updated steps take time, unchanged ones none."""
    added, changed = set(changes.added), set(changes.changed)

    def duration(res: RecordedResource) -> float:
        if res.name in added:
            return step(kind_of(res))
        if res.name in changed:
            return step(kind_of(res), update=True)
        return 0.0

    return duration


def kinds(names: Iterable[str]) -> str:
    """``name`` list summarised by step suffix, e.g. ``k0s-binary x53, k0s-upgrade x53``."""
    counts: dict[str, int] = {}
    for name in names:
        suffix = next(
            (
                s
                for s in (
                    "ssh-probe",
                    "reset-probe",
                    "ssh-key-retire",
                    "ssh-key",
                    "backup",
                    "host-ready",
                    "k0s-binary",
                    "k0s-config",
                    "join-token",
                    "k0s-install",
                    "member",
                    "taints",
                    "k0s-upgrade",
                )
                if name.endswith(s)
            ),
            name,
        )
        counts[suffix] = counts.get(suffix, 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())) or "none"


def fmt(seconds: float) -> str:
    """Seconds as ``m:ss``."""
    return f"{int(seconds // 60)}:{round(seconds % 60):02d}"


DEFAULT_PARALLEL = 8
"""Pulumi's default ``--parallel`` on a 2-CPU runner (4 x GOMAXPROCS)."""
RUNNER_CPUS = 2


def sized_parallel(controllers: int, workers: int) -> int:
    """The ``--parallel`` ``make up`` and the deploy workflow use for this size (tools/stack_preflight.py)."""
    return deploy_parallelism(controllers + workers, RUNNER_CPUS)


def deploy_table(
    sizes: Iterable[tuple[int, int]],
) -> tuple[str, str, dict[tuple[int, int], float], dict[tuple[int, int], int]]:
    """The deploy table, the 3+50 critical path listing, ours/phase-serial (unbounded) and path steps per size."""
    lines = [
        "| cluster (c+w) | steps on critical path | deepest chain (steps) | ours, --parallel unbounded "
        f"| ours, Pulumi's default --parallel {DEFAULT_PARALLEL} | ours, make up's --parallel (2/node + 8) "
        "| phase-serial (k0sctl) | ratio unbounded | ratio, make up's --parallel | k0s part: ours / phase-serial |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ratios: dict[tuple[int, int], float] = {}
    path_steps: dict[tuple[int, int], int] = {}
    listing = ""
    for c, w in sizes:
        graph = Graph.of(record(stack_config(c, w)))
        free = schedule(graph, create_seconds)
        capped = schedule(graph, create_seconds, DEFAULT_PARALLEL)
        sized = schedule(graph, create_seconds, sized_parallel(c, w))
        serial = sum(phase_serial_deploy(c, w).values())
        k0s_ours = free.makespan - platform_seconds()
        k0s_serial = serial - platform_seconds()
        ratios[(c, w)] = free.makespan / serial
        path_steps[(c, w)] = len(free.path_steps())
        lines.append(
            f"| {c}+{w} | {len(free.path_steps())} | {deepest_chain(graph, create_seconds)} | {fmt(free.makespan)} "
            f"| {fmt(capped.makespan)} | {fmt(sized.makespan)} (p={sized_parallel(c, w)}) | {fmt(serial)} "
            f"| {free.makespan / serial:.2f}x | {sized.makespan / serial:.2f}x "
            f"| {fmt(k0s_ours)} / {fmt(k0s_serial)} = {k0s_ours / k0s_serial:.2f}x |"
        )
        if (c, w) == (3, 50):
            listing = "Critical path of 3+50 (unbounded): " + " -> ".join(
                f"{r.name.removeprefix('bench-')} ({step(kind_of(r)):.0f}s)" for r in free.path_steps()
            )
    return "\n".join(lines), listing, ratios, path_steps


def upgrade_report(controllers: int, workers: int, old: str, new: str) -> tuple[str, Diff]:
    """Rolling k0s upgrade ``old`` -> ``new``: the changed resources and modeled times."""
    before = record(stack_config(controllers, workers, k0s={"version": old}))
    after = record(stack_config(controllers, workers, k0s={"version": new}))
    changes = diff(before, after)
    graph = Graph.of(after)
    ours = schedule(graph, change_duration(changes))
    capped = schedule(graph, change_duration(changes), DEFAULT_PARALLEL)
    serial = phase_serial_upgrade(controllers, workers)
    text = (
        f"| {controllers}+{workers} | {old} -> {new} | {kinds(changes.changed)} | {kinds(changes.added + changes.removed)} "
        f"| {fmt(ours.makespan)} | {fmt(capped.makespan)} | {fmt(serial)} | {ours.makespan / serial:.2f}x |"
    )
    return text, changes


def add_worker_report(controllers: int, workers: int) -> tuple[str, Diff]:
    """Adding one worker: the resources whose inputs differ and the modeled time."""
    before = record(stack_config(controllers, workers))
    after = record(stack_config(controllers, workers + 1))
    changes = diff(before, after)
    ours = schedule(Graph.of(after), change_duration(changes))
    serial = phase_serial_add_worker(controllers, workers)
    new = f"w-{workers + 1}"
    only_new = all(f"-{new}-" in n for n in changes.touched())
    text = (
        f"| {controllers}+{workers} -> {controllers}+{workers + 1} | {len(changes.added)} added ({kinds(changes.added)}) "
        f"| {len(changes.changed)} changed, {len(changes.removed)} removed | {'yes' if only_new else 'NO'} "
        f"| {len(changes.dependencies_only)} | {fmt(ours.makespan)} | {fmt(serial)} |"
    )
    return text, changes


def steps_table() -> str:
    """The step-duration table with sources (markdown)."""
    lines = ["| step kind | create (s) | update (s) | source |", "|---|---:|---:|---|"]
    lines += [f"| {s.kind} | {s.create:g} | {s.update:g} | {s.source} |" for s in STEPS.values()]
    return "\n".join(lines)
