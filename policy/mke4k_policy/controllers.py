"""Stack policy: the cluster has an odd number of controllers (etcd quorum).

Controllers are counted from EC2 instances tagged ``mke4k:role`` = ``controller`` or
``controller+worker``. A stack without such instances (machines that already exist) is
judged by its per-node k0s install commands instead: ``command:remote:Command`` resources
named ``*-k0s-install`` whose ``create`` script starts with shell assignments, one of them
``ROLE=controller`` or ``ROLE=controller+worker`` (quoted or not).
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
_ROLE_LINE = re.compile(r"^[ \t]*(?:export[ \t]+|readonly[ \t]+)?ROLE=(\S+)[ \t]*$", re.MULTILINE)


def script_role(script: Any) -> str | None:
    """Return the ``ROLE=`` value assigned in a script's preamble, unquoted; ``None`` if absent."""
    if not isinstance(script, str):
        return None
    match = _ROLE_LINE.search(script)
    if match is None:
        return None
    try:
        words = shlex.split(match.group(1))
    except ValueError:
        return None
    return words[0] if len(words) == 1 else None


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
