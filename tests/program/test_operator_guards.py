"""What an operator relies on, checked on the inputs every shipped stack registers.

Each test names the breakage it guards against: a secret printed by `pulumi up`, a previous
(secret) stdout offered to the host, an upgrade that skips the drain, a readiness gate that
does not re-run after a chart bump, a remote command that depends on sshd accepting
`environment`.
"""

from __future__ import annotations

import pytest

from tests.program.k0s_helpers import build, k0s_settings, script_inputs, step
from tests.program.stack_program import SHIPPED_STACKS, give_stack_keys, run_stack, stack_config

COMMAND_TYPES = ("command:remote:Command", "command:local:Command")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every shipped stack, built end to end under mocks."""
    home = tmp_path_factory.mktemp("home")
    give_stack_keys(home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        return {stack: run_stack(stack_config(stack), stack) for stack in SHIPPED_STACKS}


def all_commands(recordings: dict) -> list:
    return [r for rec in recordings.values() for kind in COMMAND_TYPES for r in rec.by_type(kind)]


def test_no_command_offers_its_previous_output_to_the_host(shipped):
    """The provider's default would send the previous stdout (a token, a kubeconfig) as PULUMI_COMMAND_STDOUT.

    Only the key-rotation steps (how they learn the key they rotate from) and the backup step (the
    plan it last backed up for) ask for it, and they run on the runner, never on a host."""
    commands = all_commands(shipped)
    assert commands
    offered = [r for r in commands if r.inputs.get("addPreviousOutputInEnv") is not False]
    assert offered, "the key-rotation steps need their previous output"
    assert {r.type for r in offered} == {"command:local:Command"}
    assert [r.name for r in offered if not r.name.endswith(("-ssh-key", "-ssh-key-retire", "-backup"))] == []


def test_a_step_whose_stdout_is_secret_never_logs_it(shipped):
    """`logging` is separate from additional_secret_outputs: a join token would be printed by `pulumi up`."""
    secret_stdout = [r for r in all_commands(shipped) if "stdout" in r.additional_secret_outputs]
    names = {r.name.rsplit("-", 2)[-2] + "-" + r.name.rsplit("-", 2)[-1] for r in secret_stdout}
    assert {"join-token", "admin-kubeconfig"} <= names, names
    for command in secret_stdout:
        assert command.inputs.get("logging") in ("stderr", "none"), command.name


def test_no_remote_command_relies_on_ssh_environment(shipped):
    """sshd refuses `environment` (SSH setenv) unless AcceptEnv allows it: inputs travel in the command."""
    remote = [r for rec in shipped.values() for r in rec.by_type("command:remote:Command")]
    assert [r.name for r in remote if r.inputs.get("environment")] == []


@pytest.mark.parametrize(
    ("node", "drain"),
    [("w-1", "true"), ("c-1", "true"), ("c-2", "true")],
)
def test_upgrades_of_nodes_that_run_workloads_drain_them(node, drain):
    rec = build(3, 2)
    inputs = script_inputs(step(rec, node, "k0s-upgrade").inputs["create"])
    assert inputs["DRAIN"] == drain
    assert inputs["DRAIN_TIMEOUT"] == "5m"


def test_controller_only_nodes_are_not_drained_and_drain_can_be_turned_off():
    rec = build(3, 1, role="controller")
    assert script_inputs(step(rec, "c-2", "k0s-upgrade").inputs["create"])["DRAIN"] == "false"
    assert script_inputs(step(rec, "w-1", "k0s-upgrade").inputs["create"])["DRAIN"] == "true"
    off = build(1, 1, k0s_settings(upgrade={"drain": False}))
    assert script_inputs(step(off, "w-1", "k0s-upgrade").inputs["create"])["DRAIN"] == "false"


def test_every_readiness_gate_waits_again_after_its_chart_changes(shipped):
    """A gate is replaced when its chart's version changes, so a chart bump re-runs the wait."""
    dev = shipped["dev"]
    releases = {r.name: r for r in dev.by_type("kubernetes:helm.sh/v3:Release")}
    gates = [r for r in dev.by_type("command:remote:Command") if r.inputs.get("create") == "bash -s"]
    assert gates
    versions = {release.inputs["version"] for release in releases.values()}
    for gate in gates:
        assert set(gate.inputs.get("triggers", [])) & versions, f"{gate.name} has no chart version in its triggers"
