"""Stack policy: an odd number of controllers, from EC2 tags or k0s install commands."""

from __future__ import annotations

import pytest
from mke4k_policy import ODD_CONTROLLER_COUNT
from mke4k_policy.controllers import script_role
from policy_harness import UNKNOWN, check_stack, resource
from pulumi_policy import PolicyResource
from pulumi_policy.policy import _NotApplicableError

INSTANCE = "aws:ec2/instance:Instance"
COMMAND = "command:remote:Command"


def instance(name: str, role: str) -> PolicyResource:
    """Return an EC2 instance tagged like the program's nodes."""
    tags = {"mke4k:cluster": "dev", "mke4k:role": role, "mke4k:node": name}
    return resource(INSTANCE, f"dev-{name}", {"tags": tags, "instanceType": "m6i.large"})


def install(name: str, role: str, quote: str = "'") -> PolicyResource:
    """Return a node's k0s install command; inputs are a quoted preamble atop the script."""
    script = (
        f"#!/usr/bin/env bash\nNODE_NAME={quote}{name}{quote}\nROLE={quote}{role}{quote}\n"
        "K0S_VERSION='v1.32.11+k0s.0'\nset -euo pipefail\nexec k0s install \"$ROLE\"\n"
    )
    return resource(COMMAND, f"dev-{name}-k0s-install", {"create": script})


def test_three_controller_instances_pass() -> None:
    resources = [instance(f"cp-{i}", "controller") for i in range(3)] + [instance("w-0", "worker")]
    assert check_stack(ODD_CONTROLLER_COUNT, resources) == []


def test_even_controller_instances_are_reported() -> None:
    resources = [
        instance("cp-0", "controller+worker"),
        instance("cp-1", "controller"),
        instance("w-0", "worker"),
        instance("bastion", "bastion"),
    ]
    [message] = check_stack(ODD_CONTROLLER_COUNT, resources)
    assert "2 controllers (dev-cp-0, dev-cp-1;" in message
    assert "use 1 or 3 controllers" in message


def test_install_commands_count_when_there_are_no_instances() -> None:
    resources = [
        install("cp-0", "controller+worker"),
        install("cp-1", "controller", quote='"'),
        install("cp-2", "controller", quote=""),
        install("w-0", "worker"),
        resource(COMMAND, "dev-cp-0-k0s-stage", {"create": "ROLE=controller\n"}),
    ]
    assert check_stack(ODD_CONTROLLER_COUNT, resources) == []


def test_even_install_commands_are_reported() -> None:
    resources = [install(f"cp-{i}", "controller") for i in range(4)] + [install("w-0", "worker")]
    [message] = check_stack(ODD_CONTROLLER_COUNT, resources)
    assert "4 controllers" in message and "dev-cp-3-k0s-install" in message
    assert "k0s-install" in message and "use 3 or 5 controllers" in message


def test_instances_take_precedence_over_commands() -> None:
    resources = [
        instance("cp-0", "controller"),
        install("cp-0", "controller"),
        install("cp-1", "controller"),
    ]
    assert check_stack(ODD_CONTROLLER_COUNT, resources) == []


def test_no_controllers_is_not_judged() -> None:
    assert check_stack(ODD_CONTROLLER_COUNT, [instance("w-0", "worker"), install("w-1", "worker")]) == []
    assert check_stack(ODD_CONTROLLER_COUNT, []) == []


def test_unknown_role_makes_the_policy_not_applicable() -> None:
    resources = [
        install("cp-0", "controller"),
        resource(COMMAND, "dev-cp-1-k0s-install", {"create": UNKNOWN}),
    ]
    with pytest.raises(_NotApplicableError) as raised:
        check_stack(ODD_CONTROLLER_COUNT, resources)
    assert "not known yet" in (raised.value.reason or "")


@pytest.mark.parametrize(
    ("script", "role"),
    [
        ("ROLE=controller\n", "controller"),
        ("X=1\nexport ROLE='controller+worker'\n", "controller+worker"),
        ('ROLE="worker"\n', "worker"),
        ("MY_ROLE=controller\n", None),
        ("echo ROLE=controller\n", None),
        ("ROLE='unterminated\n", None),
        (None, None),
    ],
)
def test_script_role_parses_the_preamble(script: str | None, role: str | None) -> None:
    assert script_role(script) == role


def test_role_is_found_inside_the_programs_sudo_wrapper() -> None:
    # components/k0s/remote.py: the quoted preamble + script travel inside MKE4K_SCRIPT='...'.
    def wrapped(name: str, role: str) -> PolicyResource:
        create = (
            f"MKE4K_SCRIPT='# mke4k: join_node\nNODE_NAME={name}\nROLE={role}\n"
            "X='\"'\"'a b'\"'\"'\nset -euo pipefail\n'\n"
            'if [ "$(id -u)" -eq 0 ]; then exec bash -c "$MKE4K_SCRIPT"; '
            'else exec sudo -n bash -c "$MKE4K_SCRIPT"; fi'
        )
        return resource(COMMAND, f"dev-{name}-k0s-install", {"create": create})

    resources = [wrapped("cp-0", "controller"), wrapped("cp-1", "controller+worker")]
    [message] = check_stack(ODD_CONTROLLER_COUNT, resources)
    assert "2 controllers" in message
    resources.append(wrapped("cp-2", "controller"))
    assert check_stack(ODD_CONTROLLER_COUNT, resources) == []
