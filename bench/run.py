"""Entry point: ``.venv/bin/python -m bench.run`` prints every benchmark table as markdown.

The same text is written to ``bench/results/latest.md`` (git-ignored). Options:
``--runs N`` timed runs per size (default 7, at least 5; the 5+200 size always gets 5),
``--skip-eval`` only the modeled deployment tables (fast).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from . import critical_path as cp
from . import program_eval as pe
from .stack import REPO, SIZES, machine

RATIO_TARGET = 1.3
GROWTH_TARGET = 2.2
DEPLOY_TARGET = 0.8
UPGRADE_FROM, UPGRADE_TO = "v1.32.11+k0s.0", "v1.33.5+k0s.0"


UPGRADE_CHANGES = ("-k0s-binary", "-k0s-upgrade", "-ssh-probe", "-backup")
"""The steps a k0s version bump may change: the two that do it and the two that guard them."""


def revision() -> str:
    """The git commit the numbers were taken at (``+dirty`` with uncommitted changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"{head}{'+dirty' if dirty else ''}"


def verdict(ok: bool) -> str:
    """``met`` / ``MISSED``."""
    return "met" if ok else "MISSED"


def evaluation_section(runs: int) -> list[str]:
    """Program evaluation table, targets and (when a target is missed) the profile."""
    results = pe.evaluate(runs)
    growth = pe.growth(results)
    by_size = {(r.controllers, r.workers): r for r in results}
    floor_growth = by_size[(5, 200)].floor / by_size[(3, 100)].floor
    worst = max(r.ratio for r in results)
    out = [
        "## Program evaluation under mocks",
        "",
        pe.eval_table(results),
        "",
        f"- ours/floor: worst {worst:.2f}x (target <= {RATIO_TARGET}x): {verdict(worst <= RATIO_TARGET)}",
        f"- growth 5+200 vs 3+100: ours {growth:.2f}x (target <= {GROWTH_TARGET}x): "
        f"{verdict(growth <= GROWTH_TARGET)}; floor {floor_growth:.2f}x; resources "
        f"{by_size[(5, 200)].resources / by_size[(3, 100)].resources:.2f}x",
    ]
    if worst > RATIO_TARGET or growth > GROWTH_TARGET:
        out += ["", pe.hotspots(5, 200)]
    return out


def deployment_section() -> list[str]:
    """Critical path, deploy model, rolling upgrade and add-a-worker tables."""
    table, listing, ratios, steps = cp.deploy_table(SIZES)
    same_controllers = [steps[s] for s in SIZES if s[0] == 3]
    constant = len(set(same_controllers)) == 1
    upgrade_rows = [cp.upgrade_report(c, w, UPGRADE_FROM, UPGRADE_TO) for c, w in ((3, 10), (3, 50), (5, 200))]
    only_upgrade_steps = all(
        not d.added and not d.removed and all(n.endswith(UPGRADE_CHANGES) for n in d.changed) for _, d in upgrade_rows
    )
    add_row, add_diff = cp.add_worker_report(3, 10)
    only_new = all("-w-11-" in n for n in add_diff.touched())
    return [
        "## Modeled deployment (static hosts, binarySource download)",
        "",
        "Step durations: see the step table below. Phase-serial = k0sctl (30 hosts per phase) + the same platform chain.",
        "",
        table,
        "",
        listing,
        "",
        f"- 3+50 ours/phase-serial, --parallel unbounded: {ratios[(3, 50)]:.2f}x "
        f"(target <= {DEPLOY_TARGET}x): {verdict(ratios[(3, 50)] <= DEPLOY_TARGET)}",
        f"- steps on the critical path constant in the worker count (3+10, 3+50, 3+100: "
        f"{', '.join(map(str, same_controllers))}): {verdict(constant)}; each extra controller adds 3 "
        "(join-token, k0s-install, member: controllers join one at a time)",
        "",
        "### Rolling k0s upgrade",
        "",
        "| cluster | version | inputs changed | added/removed | ours, unbounded | ours, --parallel 8 "
        "| k0sctl (10% worker batches) | ours/k0sctl |",
        "|---|---|---|---|---:|---:|---:|---:|",
        *[row for row, _ in upgrade_rows],
        "",
        "- only k0s-binary and k0s-upgrade change, with what guards them (each node's ssh-probe runs again "
        f"before a changed step, the bootstrap controller's backup): {'yes' if only_upgrade_steps else 'NO'}",
        "",
        "### Adding one worker",
        "",
        "| change | created | existing resources | only the new worker's chain | dependency-only changes "
        "| ours | k0sctl apply |",
        "|---|---|---|---|---:|---:|---:|",
        add_row,
        "",
        f"- only the new worker's chain: {'yes' if only_new else 'NO'}; dependency-only changes (no diff in "
        f"`pulumi preview`): {', '.join(n.removeprefix('bench-') for n in add_diff.dependencies_only) or 'none'}",
        "",
        "### Step durations",
        "",
        cp.steps_table(),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the markdown and write ``bench/results/latest.md``."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per size (at least 5)")
    parser.add_argument("--skip-eval", action="store_true", help="only the modeled deployment tables")
    args = parser.parse_args(argv)
    lines = [f"# mke4k benchmarks ({revision()})", "", f"Machine: {machine()}", ""]
    if not args.skip_eval:
        lines += [*evaluation_section(args.runs), ""]
    lines += deployment_section()
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    results = Path(__file__).with_name("results")
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
