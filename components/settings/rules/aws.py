"""AWS-only rules: who may reach the nodes, reused VPCs, and where an internal NLB can be used from."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ..errors import Issue
from ..formats import as_ip
from ..root import Settings
from .base import Context, machines_here


def source_cidrs(s: Settings, _: Context) -> Iterable[Issue]:
    """sshCidrs and apiCidrs are non-empty lists of IPv4 CIDRs written with their prefix length."""
    if not machines_here(s, "aws"):
        return
    aws = s.hosts.aws
    for key, cidrs in (("hosts.aws.sshCidrs", aws.ssh_cidrs), ("hosts.aws.apiCidrs", aws.api_cidrs)):
        if not cidrs:
            yield Issue(
                key, "no sources allowed.", "list the CIDRs of your operators/CI (0.0.0.0/0 only if you mean it)."
            )
        for index, cidr in enumerate(cidrs):
            yield from _cidr_issues(f"{key}[{index}]", cidr)


def _cidr_issues(key: str, cidr: str) -> Iterable[Issue]:
    if "/" not in cidr and as_ip(cidr, v4_only=False) is not None:
        yield Issue(key, f"'{cidr}' has no prefix length.", f"write it as a CIDR, e.g. {cidr}/32 for one address.")
        return
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError as error:
        yield Issue(key, f"'{cidr}' is not a valid CIDR ({error}).", "write it like 203.0.113.0/24.")
        return
    if network.version == 6:
        yield Issue(
            key,
            f"'{cidr}' is IPv6, but the cluster's VPC, NLB and security-group rules are IPv4 only "
            "(no IPv6 CIDR block is assigned), so an IPv6 source could never reach the nodes.",
            "list the IPv4 addresses your operators and CI connect from.",
        )


def existing_vpc(s: Settings, _: Context) -> Iterable[Issue]:
    """An existing VPC comes with the subnets to use, and subnets with their VPC."""
    if not machines_here(s, "aws"):
        return
    vpc = s.hosts.aws.vpc
    if vpc.subnet_ids and not vpc.id:
        yield Issue("hosts.aws.vpc.subnetIds", "subnets given without their VPC.", "set mke4k:hosts.aws.vpc.id too.")
    if vpc.id and not vpc.subnet_ids:
        yield Issue(
            "hosts.aws.vpc.id", "an existing VPC needs the subnets to use.", "set mke4k:hosts.aws.vpc.subnetIds."
        )


def internal_nlb(s: Settings, _: Context) -> Iterable[Issue]:
    """An internal NLB is used only by a runner inside the VPC: a stack running the platform layer sets usePrivateAddresses."""
    if not machines_here(s, "aws") or not s.hosts.aws.load_balancer.internal or not s.runs("platform"):
        return
    # Imported here: components.hosts imports this package (the LB rule is pure).
    from components.hosts.aws import needs_load_balancer

    if needs_load_balancer(s.hosts.aws) and not s.hosts.aws.use_private_addresses:
        yield Issue(
            "hosts.aws.loadBalancer.internal",
            "the NLB is internal, so the kubeconfig's API address resolves only inside the VPC, but this "
            "stack's Kubernetes provider (platform layer) runs on the runner, which says it is outside "
            "(usePrivateAddresses is false): every chart would time out.",
            "run Pulumi inside the VPC and set mke4k:hosts.aws.usePrivateAddresses: true, or make the NLB "
            "public (internal: false), or run the platform layer in a stack that runs inside the VPC.",
        )


RULES = (source_cidrs, existing_vpc, internal_nlb)
