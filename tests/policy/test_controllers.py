"""Stack policy: an odd number of controllers, from EC2 tags or k0s install commands."""

from __future__ import annotations

import pytest
from mke4k_policy import ODD_CONTROLLER_COUNT
from mke4k_policy.controllers import script_role
from policy_harness import UNKNOWN, check_stack, resource
from pulumi_policy import PolicyResource
from pulumi_policy.policy import _NotApplicableError

from components.k0s.remote import run_line

INSTANCE = "aws:ec2/instance:Instance"
COMMAND = "command:remote:Command"


def instance(name: str, role: str) -> PolicyResource:
    """Return an EC2 instance tagged like the program's nodes."""
    tags = {"mke4k:cluster": "dev", "mke4k:role": role, "mke4k:node": name}
    return resource(INSTANCE, f"dev-{name}", {"tags": tags, "instanceType": "m6i.large"})


def install(name: str, role: str) -> PolicyResource:
    """Return a node's k0s install command, written by the program's own command builder."""
    script = "install_controller" if role != "worker" else "join_node"
    create = run_line(f"{name} k0s-install", script, {"NODE_NAME": name, "ROLE": role, "READY_TIMEOUT_SECONDS": "600"})
    return resource(COMMAND, f"dev-{name}-k0s-install", {"create": create})


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
        install("cp-1", "controller"),
        install("cp-2", "controller"),
        install("w-0", "worker"),
        resource(COMMAND, "dev-cp-0-k0s-binary", {"create": run_line("cp-0 k0s-binary", "stage_k0s", {"ROLE": "x"})}),
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


RUNNER = "exec bash /var/lib/mke4k/scripts/run-0123456789ab.sh 'c1 k0s-install' lib-x.sh install-x.sh"


@pytest.mark.parametrize(
    ("command", "role"),
    [
        (f"{RUNNER} \\\n  NODE_NAME=c1 \\\n  ROLE=controller", "controller"),
        (f"{RUNNER} \\\n  ROLE='controller+worker'", "controller+worker"),
        (f'{RUNNER} ROLE="worker"', "worker"),
        (f"{RUNNER} MY_ROLE=controller", None),
        ("echo ROLE=controller", None),
        (f"{RUNNER} ROLE='unterminated", None),
        (None, None),
    ],
)
def test_script_role_reads_the_run_arguments(command: str | None, role: str | None) -> None:
    assert script_role(command) == role


def test_the_programs_own_static_stack_is_judged_by_its_install_commands(tmp_path, monkeypatch) -> None:
    """The lab stack (three controller+worker hosts, one worker) as the program registers it."""
    from tests.program.stack_program import give_stack_keys, run_stack, stack_config

    give_stack_keys(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    recording = run_stack(stack_config("lab"), "lab")
    resources = [resource(COMMAND, r.name, {"create": r.inputs["create"]}) for r in recording.by_type(COMMAND)]
    assert check_stack(ODD_CONTROLLER_COUNT, resources) == [], "the bootstrap controller counts too"
    without_one = [r for r in resources if r.name != "lab-manager-3-k0s-install"]
    [message] = check_stack(ODD_CONTROLLER_COUNT, without_one)
    assert "2 controllers (lab-manager-1-k0s-install, lab-manager-2-k0s-install;" in message
