"""Security groups of the AWS hosts: the port table (pure) and the resources that apply it.

The table follows facts.md section 5. Four groups, each attached where it belongs:

* ``cluster``: every node. VXLAN 4789/udp, kubelet 10250 and Typha 5473 only from
  members of the group itself; SSH 22 from ``sshCidrs`` (or from the bastion); egress
  anywhere (image pulls, k0s download, NTP, DNS).
* ``controllers``: controller nodes only. etcd 2380 and the join API 9443 only from
  other controllers; 6443 and 8132 from cluster members; from the NLB's group (when
  there is an NLB) the forwarded ports 6443/9443/8132 (+33001); 6443 from ``apiCidrs``
  directly only when there is NO load balancer.
* ``lb``: the NLB (NLBs accept security groups; they must be set when the NLB is
  created). With IP targets client IP preservation is off, so targets see the NLB's
  private addresses and could not filter on the real client; the NLB's own group is
  where ``apiCidrs`` is enforced, and the controllers accept the forwarded ports only
  from this group (tighter than the VPC CIDR, and it also admits health checks).
  Nodes reach 6443/8132 through it (k0s externalAddress), controllers also 9443
  (controller join tokens point at the external address).
* ``bastion``: 22 from ``sshCidrs``; egress anywhere (updates, SSH onward).

Nothing is open to 0.0.0.0/0 on ingress unless it is listed in ``sshCidrs`` / ``apiCidrs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.settings.hosts import AwsHostsSettings

from .naming import resource_name, resource_tags

Group = Literal["cluster", "controllers", "lb", "bastion"]
Direction = Literal["ingress", "egress"]
ANYWHERE = "0.0.0.0/0"

API_PORT = 6443
JOIN_API_PORT = 9443
KONNECTIVITY_PORT = 8132
ETCD_PEER_PORT = 2380
KUBELET_PORT = 10250
VXLAN_PORT = 4789
TYPHA_PORT = 5473
SSH_PORT = 22
INGRESS_LISTENER_PORT = 443
INGRESS_NODE_PORT = 33001
LB_FORWARDED_PORTS = (API_PORT, JOIN_API_PORT, KONNECTIVITY_PORT)
"""Ports the NLB forwards to the controllers (facts.md section 5, HA control plane)."""

GROUP_DESCRIPTIONS: Mapping[Group, str] = {
    "cluster": "mke4k: every node (VXLAN, kubelet, Typha, SSH)",
    "controllers": "mke4k: controllers (API, etcd, join API, konnectivity)",
    "lb": "mke4k: API network load balancer",
    "bastion": "mke4k: SSH bastion",
}


@dataclass(frozen=True, order=True)
class SgRule:
    """One security group rule: on ``group``, ``direction``, protocol/ports, and the peer.

    ``peer`` is ``cidr:<CIDR>`` or ``sg:<group>`` (another group of this cluster; for
    ingress the source, for egress the destination).
    """

    group: Group
    direction: Direction
    protocol: Literal["tcp", "udp", "-1"]
    from_port: int | None
    to_port: int | None
    peer: str
    description: str = ""

    @property
    def suffix(self) -> str:
        """Stable, readable part of the resource name, e.g. ``controllers-in-tcp-2380-controllers``."""
        way = "in" if self.direction == "ingress" else "out"
        if self.protocol == "-1":
            what = "all"
        elif self.from_port == self.to_port:
            what = f"{self.protocol}-{self.from_port}"
        else:
            what = f"{self.protocol}-{self.from_port}-{self.to_port}"
        kind, _, value = self.peer.partition(":")
        if kind == "cidr":
            value = "anywhere" if value == ANYWHERE else value.replace(".", "-").replace("/", "-")
        return f"{self.group}-{way}-{what}-{value}"


def _tcp(group: Group, port: int, peer: str, description: str, direction: Direction = "ingress") -> SgRule:
    return SgRule(group, direction, "tcp", port, port, peer, description)


def _from_cidrs(group: Group, port: int, cidrs: list[str], description: str) -> list[SgRule]:
    return [_tcp(group, port, f"cidr:{cidr}", description) for cidr in sorted(set(cidrs))]


def security_rules(aws_settings: AwsHostsSettings, *, load_balancer: bool) -> list[SgRule]:
    """Every rule of the cluster's security groups, in a stable order (pure)."""
    bastion = aws_settings.bastion.enabled
    ingress_lb = load_balancer and aws_settings.load_balancer.ingress
    rules: list[SgRule] = [
        SgRule("cluster", "ingress", "udp", VXLAN_PORT, VXLAN_PORT, "sg:cluster", "Calico VXLAN between nodes"),
        _tcp("cluster", KUBELET_PORT, "sg:cluster", "kubelet from the cluster"),
        _tcp("cluster", TYPHA_PORT, "sg:cluster", "Calico Typha from the cluster"),
        SgRule("cluster", "egress", "-1", None, None, f"cidr:{ANYWHERE}", "nodes reach anything (images, k0s, NTP)"),
        _tcp("controllers", API_PORT, "sg:cluster", "kube-apiserver from nodes"),
        _tcp("controllers", KONNECTIVITY_PORT, "sg:cluster", "konnectivity from nodes"),
        _tcp("controllers", ETCD_PEER_PORT, "sg:controllers", "etcd peers (controllers only)"),
        _tcp("controllers", JOIN_API_PORT, "sg:controllers", "k0s join API between controllers"),
    ]
    if bastion:
        rules.append(_tcp("cluster", SSH_PORT, "sg:bastion", "SSH from the bastion"))
        rules += _from_cidrs("controllers", SSH_PORT, aws_settings.ssh_cidrs, "SSH from sshCidrs")
        rules += _from_cidrs("bastion", SSH_PORT, aws_settings.ssh_cidrs, "SSH from sshCidrs")
        rules.append(SgRule("bastion", "egress", "-1", None, None, f"cidr:{ANYWHERE}", "bastion reaches anything"))
    else:
        rules += _from_cidrs("cluster", SSH_PORT, aws_settings.ssh_cidrs, "SSH from sshCidrs")
    if load_balancer:
        forwarded = [*LB_FORWARDED_PORTS, *([INGRESS_NODE_PORT] if ingress_lb else [])]
        for port in forwarded:
            rules.append(_tcp("controllers", port, "sg:lb", f"{port} forwarded by the NLB"))
            rules.append(_tcp("lb", port, "sg:controllers", f"NLB forwards {port} to controllers", "egress"))
        rules.append(_tcp("lb", API_PORT, "sg:cluster", "nodes reach the API through the NLB"))
        rules.append(_tcp("lb", KONNECTIVITY_PORT, "sg:cluster", "nodes reach konnectivity through the NLB"))
        rules.append(_tcp("lb", JOIN_API_PORT, "sg:controllers", "controllers join through the NLB"))
        rules += _from_cidrs("lb", API_PORT, aws_settings.api_cidrs, "Kubernetes API from apiCidrs")
        if ingress_lb:
            rules += _from_cidrs(
                "lb", INGRESS_LISTENER_PORT, aws_settings.api_cidrs, "MKE ingress (HTTPS) from apiCidrs"
            )
    else:
        rules += _from_cidrs("controllers", API_PORT, aws_settings.api_cidrs, "Kubernetes API from apiCidrs")
    return rules


def groups_needed(*, load_balancer: bool, bastion: bool) -> list[Group]:
    """The groups this cluster has, in creation order."""
    groups: list[Group] = ["cluster", "controllers"]
    if load_balancer:
        groups.append("lb")
    if bastion:
        groups.append("bastion")
    return groups


def create_security_groups(
    cluster: str,
    *,
    vpc_id: pulumi.Input[str],
    rules: list[SgRule],
    groups: list[Group],
    tags: Mapping[str, str],
    region: str | None,
    parent: pulumi.Resource,
    group_tags: Mapping[Group, Mapping[str, str]] | None = None,
) -> dict[Group, aws.ec2.SecurityGroup]:
    """Create one SecurityGroup per group and one ingress/egress rule resource per rule.

    Groups are named ``<cluster>-sg-<group>``; rules ``<cluster>-sg-<suffix>`` so that
    adding a CIDR adds one rule and touches nothing else.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    created: dict[Group, aws.ec2.SecurityGroup] = {}
    for group in groups:
        name = resource_name(cluster, f"sg-{group}")
        created[group] = aws.ec2.SecurityGroup(
            name,
            vpc_id=vpc_id,
            description=GROUP_DESCRIPTIONS[group],
            revoke_rules_on_delete=True,
            tags=resource_tags(tags, name, **dict((group_tags or {}).get(group, {}))),
            region=region,
            opts=opts,
        )
    for rule in rules:
        if rule.group not in created:
            raise ValueError(f"rule {rule.suffix} belongs to group {rule.group}, which is not created")
        kind, _, value = rule.peer.partition(":")
        peer: dict[str, pulumi.Input[str]] = (
            {"cidr_ipv4": value} if kind == "cidr" else {"referenced_security_group_id": created[value].id}  # type: ignore[index]
        )
        rule_class = (
            aws.vpc.SecurityGroupIngressRule if rule.direction == "ingress" else aws.vpc.SecurityGroupEgressRule
        )
        name = resource_name(cluster, f"sg-{rule.suffix}")
        rule_class(
            name,
            security_group_id=created[rule.group].id,
            ip_protocol=rule.protocol,
            from_port=rule.from_port,
            to_port=rule.to_port,
            description=rule.description,
            tags=resource_tags(tags, name),
            region=region,
            opts=opts,
            **peer,
        )
    return created
