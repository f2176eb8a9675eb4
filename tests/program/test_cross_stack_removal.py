"""Removal across stacks: a machines stack refuses to remove a machine its cluster stack still uses,
and the cluster stack's ``hosts.stack.exclude`` is how a node leaves first."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest

from tests.program.stack_program import run_stack, stack_config
from tests.program.test_invalid_config import RefusalMocks

CLUSTER_STACK = "acme/mke4k/lab-cluster"


pytestmark = pytest.mark.usefixtures("stack_home")


def machines_stack(drop: str | None = None) -> dict[str, Any]:
    """The lab hosts as a machines stack used by CLUSTER_STACK, without host ``drop``."""
    config = copy.deepcopy(stack_config("lab"))
    config["mke4k:layers"] = {"run": ["hosts"], "usedBy": [CLUSTER_STACK]}
    hosts = config["mke4k:hosts"]["static"]["hosts"]
    config["mke4k:hosts"]["static"]["hosts"] = [h for h in hosts if h["name"] != drop]
    return config


def cluster_nodes(*names: str) -> dict[str, Any]:
    """The cluster stack's outputs as the machines stack's StackReference reads them."""
    return {"lab-used-by-1": {"outputs": {"nodeNames": list(names)}}}


def lab_names() -> list[str]:
    return [h["name"] for h in stack_config("lab")["mke4k:hosts"]["static"]["hosts"]]


def test_removing_a_machine_the_cluster_stack_still_lists_is_refused_before_anything_else():
    RefusalMocks.registered.clear()
    with pytest.raises(pulumi.RunError) as raised:
        run_stack(
            machines_stack(drop="worker-1"),
            "lab",
            mocks_class=RefusalMocks,
            resource_outputs=cluster_nodes(*lab_names()),
        )
    text = str(raised.value)
    assert "mke4k:hosts.static.hosts: 'worker-1' is still a node of stack 'acme/mke4k/lab-cluster'" in text
    assert "mke4k:hosts.stack.exclude" in text and "then remove the machine here" in text
    assert "Traceback" not in text
    assert RefusalMocks.registered == ["pulumi:pulumi:StackReference::lab-used-by-1"], "only the read of the cluster"


def test_removing_a_machine_the_cluster_already_left_goes_ahead():
    names = [name for name in lab_names() if name != "worker-1"]
    recording = run_stack(machines_stack(drop="worker-1"), "lab", resource_outputs=cluster_nodes(*names))
    assert recording.resources, "the hosts layer is built"
    assert not [r for r in recording.resources if "worker-1" in r.name]


def test_a_cluster_stack_that_is_not_deployed_yet_lists_nothing():
    recording = run_stack(machines_stack(drop="worker-1"), "lab")
    assert recording.resources


def test_used_by_on_a_stack_that_runs_k0s_is_refused():
    config = copy.deepcopy(stack_config("lab"))
    config["mke4k:layers"] = {"usedBy": [CLUSTER_STACK]}
    with pytest.raises(pulumi.RunError, match=r"mke4k:layers\.usedBy: .*runs the k0s layer itself"):
        run_stack(config, "lab")
