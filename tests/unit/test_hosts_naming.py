"""Pure naming, placement and tagging rules of the hosts layer."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.hosts.naming import (
    base_tags,
    node_tags,
    plan_nodes,
    resource_name,
    subnet_cidrs,
)


def test_resource_names_are_cluster_prefixed() -> None:
    assert resource_name("lab", "vpc") == "lab-vpc"
    assert resource_name("lab", "controller-1") == "lab-controller-1"


def test_plan_puts_controllers_first_and_spreads_round_robin() -> None:
    planned = plan_nodes(3, "controller+worker", 4, 3)
    assert [(p.name, p.role, p.subnet_index) for p in planned] == [
        ("controller-1", "controller+worker", 0),
        ("controller-2", "controller+worker", 1),
        ("controller-3", "controller+worker", 2),
        ("worker-1", "worker", 0),
        ("worker-2", "worker", 1),
        ("worker-3", "worker", 2),
        ("worker-4", "worker", 0),
    ]


@given(
    controllers=st.integers(min_value=1, max_value=7),
    workers=st.integers(min_value=0, max_value=30),
    subnets=st.integers(min_value=1, max_value=3),
)
def test_adding_a_worker_only_appends(controllers: int, workers: int, subnets: int) -> None:
    before = plan_nodes(controllers, "controller", workers, subnets)
    after = plan_nodes(controllers, "controller", workers + 1, subnets)
    assert after[: len(before)] == before
    assert after[-1].name == f"worker-{workers + 1}"


@given(workers=st.integers(min_value=1, max_value=60), subnets=st.integers(min_value=1, max_value=3))
def test_spread_is_balanced(workers: int, subnets: int) -> None:
    counts = [0] * subnets
    for planned in plan_nodes(1, "controller", workers, subnets)[1:]:
        counts[planned.subnet_index] += 1
    assert max(counts) - min(counts) <= 1


def test_subnets_are_inside_the_vpc_and_disjoint() -> None:
    public = subnet_cidrs("10.0.0.0/16", 3, private=False)
    private = subnet_cidrs("10.0.0.0/16", 3, private=True)
    assert public == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert private == ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]
    networks = [ipaddress.ip_network(c) for c in public + private]
    assert all(n.subnet_of(ipaddress.ip_network("10.0.0.0/16")) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


def test_public_subnets_do_not_move_when_private_ones_appear() -> None:
    assert subnet_cidrs("10.1.0.0/20", 2, private=False) == ["10.1.0.0/24", "10.1.1.0/24"]


def test_too_small_vpc_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        subnet_cidrs("10.0.0.0/26", 1, private=False)


def test_tags_are_sorted_and_carry_cluster_stack_role_node() -> None:
    base = base_tags("lab", "dev", {"team": "x", "a": "b"})
    assert list(base) == sorted(base)
    tags = node_tags(base, "lab", "worker-2", "worker", {"kubernetes.io/cluster/lab": "owned"})
    assert tags == {
        "Name": "lab-worker-2",
        "a": "b",
        "kubernetes.io/cluster/lab": "owned",
        "mke4k:cluster": "lab",
        "mke4k:node": "worker-2",
        "mke4k:role": "worker",
        "mke4k:stack": "dev",
        "team": "x",
    }
    assert list(tags) == sorted(tags)


def test_user_tags_cannot_override_cluster_tags() -> None:
    assert base_tags("lab", "dev", {"mke4k:cluster": "other"})["mke4k:cluster"] == "lab"
