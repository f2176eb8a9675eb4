"""The Pulumi CLI for the day-2 tools (``make backup``, ``make support-bundle``): one stack, its state.

The tools run ``pulumi`` in the project directory (``--cwd``, default this checkout) with
the caller's environment (backend, passphrase), so they see the same stack as
``pulumi up``. Errors name the command and exit non-zero.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class StackError(RuntimeError):
    """A pulumi command failed or the stack lacks what the tool needs."""


def pulumi(stack: str, *args: str, cwd: Path = REPO, capture: bool = True) -> str:
    """Run ``pulumi ARGS --stack STACK --non-interactive``; its stdout (or "" when not captured)."""
    argv = ["pulumi", *args, "--stack", stack, "--non-interactive"]
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=capture, text=True, check=False)
    except FileNotFoundError:
        raise StackError("the Pulumi CLI is not installed (see README: 'make preview')") from None
    if done.returncode != 0:
        detail = (done.stderr or "").strip().splitlines()[-3:] if capture else []
        raise StackError(f"'{' '.join(argv[:3])} ...' failed (exit {done.returncode}): {' / '.join(detail)}")
    return done.stdout if capture else ""


def resources(stack: str, cwd: Path = REPO) -> list[dict[str, Any]]:
    """The stack's resources (``pulumi stack export``; secrets stay encrypted)."""
    state = json.loads(pulumi(stack, "stack", "export", cwd=cwd))
    return list(state.get("deployment", {}).get("resources") or [])


def outputs(stack: str, cwd: Path = REPO, *, show_secrets: bool = False) -> dict[str, Any]:
    """The stack's outputs (``pulumi stack output --json``); secrets only with ``show_secrets``."""
    args = ["stack", "output", "--json", *(["--show-secrets"] if show_secrets else [])]
    return json.loads(pulumi(stack, *args, cwd=cwd) or "{}")


def fail(tool: str, message: str) -> None:
    """Print ``<tool>: error: <message>`` and exit 1."""
    print(f"{tool}: error: {message}", file=sys.stderr)
    sys.exit(1)
