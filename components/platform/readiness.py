"""Readiness gates: a remote ``k0s kubectl wait`` on the bootstrap controller.

Each gate is a ``pulumi_command.remote.Command`` running ``bash -s`` with the
script ``scripts/wait-for-condition.sh`` on stdin, its inputs in a quoted preamble
(no untrusted string is interpolated into shell, nothing shows up in ``ps``). The gate fails with a message that
says what did not become ready and where to look.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
from pulumi_command import remote

SCRIPT_PATH = Path(__file__).with_name("scripts") / "wait-for-condition.sh"


@dataclass(frozen=True)
class Condition:
    """What a gate waits for: ``resource`` (``kind/name``) reaching ``condition``."""

    what: str
    resource: str
    condition: str
    timeout_seconds: int
    hint: str
    namespace: str = ""


def render_wait_script(condition: Condition) -> str:
    """The full shell script for a gate: quoted preamble + ``wait-for-condition.sh`` (pure)."""
    if condition.timeout_seconds <= 0:
        raise ValueError(f"readiness timeout must be positive, got {condition.timeout_seconds}")
    preamble = {
        "WHAT": condition.what,
        "RESOURCE": condition.resource,
        "NAMESPACE": condition.namespace,
        "CONDITION": condition.condition,
        "TIMEOUT": str(condition.timeout_seconds),
        "HINT": condition.hint,
    }
    lines = [f"{key}={shlex.quote(value)}" for key, value in preamble.items()]
    body = SCRIPT_PATH.read_text(encoding="utf-8")
    return "#!/usr/bin/env bash\n" + "\n".join(lines) + "\n" + body


def readiness_gate(
    name: str,
    condition: Condition,
    *,
    connection: remote.ConnectionArgs,
    depends_on: Sequence[pulumi.Resource],
    parent: pulumi.Resource,
    triggers: Sequence[pulumi.Input[str]] = (),
) -> remote.Command:
    """Register the gate command ``name`` (a child of ``parent``) after ``depends_on``.

    ``triggers`` (e.g. the chart version) replace the gate, so it waits again after
    the thing it guards changes.
    """
    script = render_wait_script(condition)
    return remote.Command(
        name,
        connection=connection,
        create="bash -s",
        stdin=script,
        triggers=list(triggers),
        add_previous_output_in_env=False,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
