"""Stack policy: the cluster has an odd number of controllers (etcd quorum).

Controllers are counted from EC2 instances tagged ``mke4k:role`` = ``controller`` or
``controller+worker``. A stack without such instances (machines that already exist) is
judged by its per-node k0s install commands instead: ``command:remote:Command`` resources
named ``*-k0s-install`` whose ``create`` runs a host script through the program's
``run-<hash>.sh`` with a ``ROLE=controller`` or ``ROLE=controller+worker`` argument
(components/k0s/remote.py writes these commands; quoted or not).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ._props import CONTROLLER_ROLES, EC2_INSTANCE, REMOTE_COMMAND, TAG_ROLE, get

INSTALL_SUFFIX = "-k0s-install"
_RUNNER = re.compile(r".*/run-[0-9a-f]{12}\.sh")
_INPUT = re.compile(r"([A-Z][A-Z0-9_]*)=(.*)", re.DOTALL)


def script_role(command: Any) -> str | None:
    """Return the ``ROLE=`` input a step's command hands to its host script; ``None`` if absent.

    The command is ``exec bash <dir>/run-<hash>.sh LABEL LIB SCRIPT NAME=value ...``.
    """
    if not isinstance(command, str):
        return None
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError:
        return None
    runner = next((i for i, word in enumerate(words) if _RUNNER.fullmatch(word)), None)
    if runner is None:
        return None
    inputs = dict(match.groups() for word in words[runner + 4 :] if (match := _INPUT.fullmatch(word)))
    return inputs.get("ROLE")


def controller_names(resources: Sequence[PolicyResource]) -> tuple[list[str], str]:
    """Return the controllers' resource names, sorted, and where they were found."""
    instances = [
        r.name
        for r in resources
        if r.resource_type == EC2_INSTANCE and get(r.props, "tags", TAG_ROLE) in CONTROLLER_ROLES
    ]
    if instances:
        return sorted(instances), "EC2 instances tagged mke4k:role"
    commands = [
        r.name
        for r in resources
        if r.resource_type == REMOTE_COMMAND
        and r.name.endswith(INSTALL_SUFFIX)
        and script_role(get(r.props, "create")) in CONTROLLER_ROLES
    ]
    return sorted(commands), f"{REMOTE_COMMAND} '*{INSTALL_SUFFIX}' with ROLE=controller[+worker]"


def validate_odd_controllers(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Report a stack whose controller count is even (0 means nothing to judge)."""
    try:
        names, source = controller_names(args.resources)
    except UnknownValueError as error:
        args.not_applicable(f"controller roles are not known yet ({error.message})")
        return
    if names and len(names) % 2 == 0:
        report_violation(
            f"The stack has {len(names)} controllers ({', '.join(names)}; from {source}). "
            "etcd needs a majority, so an even count tolerates no more failures than one "
            f"controller fewer and risks split votes. Fix: use {len(names) - 1} or "
            f"{len(names) + 1} controllers (1, 3 or 5) in the stack config.",
            None,
        )


ODD_CONTROLLER_COUNT = StackValidationPolicy(
    name="mke4k-odd-controller-count",
    description="The cluster has an odd number of controllers (etcd quorum).",
    validate=validate_odd_controllers,
    enforcement_level=EnforcementLevel.MANDATORY,
)
