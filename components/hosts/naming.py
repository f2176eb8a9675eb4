"""Pure naming, placement and tagging rules of the hosts layer (no Pulumi resources).

Everything here is a plain function of the settings, so the same config always yields
the same names, subnets and tags, and adding a worker only appends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from components.settings.hosts import Role

CLUSTER_TAG = "mke4k:cluster"
ROLE_TAG = "mke4k:role"
NODE_TAG = "mke4k:node"
STACK_TAG = "mke4k:stack"

SUBNET_SLOTS = 16
"""A new VPC is cut into 16 equal slots: public subnets take slots 0.., private ones 8.."""
PRIVATE_SLOT_OFFSET = 8
MAX_VPC_PREFIX = 24
"""Largest VPC prefix we can cut into 16 subnets of at least /28 (AWS's smallest subnet)."""


@dataclass(frozen=True)
class PlannedNode:
    """Where one EC2 node goes: its name, role and the index of its subnet."""

    name: str
    role: Role
    subnet_index: int


def resource_name(cluster: str, thing: str) -> str:
    """``<cluster>-<thing>``: the Pulumi name of a hosts-layer resource (e.g. ``lab-vpc``)."""
    return f"{cluster}-{thing}"


def plan_nodes(controllers: int, controller_role: Role, workers: int, subnets: int) -> list[PlannedNode]:
    """Names, roles and subnet indexes of every node, controllers first.

    ``controller-1..N`` then ``worker-1..M``; each role is spread round-robin over the
    subnets starting at subnet 0, so ``worker-(M+1)`` only appends and never moves an
    existing node.
    """
    if subnets < 1:
        raise ValueError("at least one subnet is needed to place nodes")
    planned = [PlannedNode(f"controller-{i}", controller_role, (i - 1) % subnets) for i in range(1, controllers + 1)]
    planned += [PlannedNode(f"worker-{i}", "worker", (i - 1) % subnets) for i in range(1, workers + 1)]
    return planned


def subnet_cidrs(vpc_cidr: str, zones: int, *, private: bool) -> list[str]:
    """CIDRs of the public (or private) subnets of a new VPC, one per availability zone.

    The VPC is cut into 16 equal slots (a /16 gives /20s); public subnets use slots
    ``0..zones-1`` and private subnets ``8..8+zones-1``, so turning the bastion (and its
    private subnets) on or off never renumbers the public subnets.
    """
    network = ipaddress.IPv4Network(vpc_cidr, strict=True)
    if network.prefixlen > MAX_VPC_PREFIX:
        raise ValueError(f"VPC CIDR {vpc_cidr} is too small: use a /{MAX_VPC_PREFIX} or larger")
    if not 1 <= zones <= PRIVATE_SLOT_OFFSET:
        raise ValueError(f"cannot spread over {zones} zones")
    slots = list(network.subnets(new_prefix=network.prefixlen + 4))
    offset = PRIVATE_SLOT_OFFSET if private else 0
    return [str(slots[offset + i]) for i in range(zones)]


def base_tags(cluster: str, stack: str, extra: Mapping[str, str]) -> dict[str, str]:
    """Tags every cloud resource carries: the user's tags, then the cluster and stack tags (sorted)."""
    tags = {**extra, CLUSTER_TAG: cluster, STACK_TAG: stack}
    return dict(sorted(tags.items()))


def resource_tags(base: Mapping[str, str], name: str, **more: str) -> dict[str, str]:
    """``base`` plus ``Name`` and any extra tags, sorted by key (deterministic inputs)."""
    return dict(sorted({**base, "Name": name, **more}.items()))


def node_tags(
    base: Mapping[str, str], cluster: str, node: str, role: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Tags of a node's instance: ``Name``, ``mke4k:role``, ``mke4k:node`` (and ``extra``) on top of ``base``."""
    return resource_tags(base, resource_name(cluster, node), **{**(extra or {}), ROLE_TAG: role, NODE_TAG: node})
