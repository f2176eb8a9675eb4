"""Security group ingress policies: no cluster-internal port open to the whole internet.

Ingress can be declared three ways in pulumi-aws, and all three are read:

* ``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`` (what the program uses):
  ``ipProtocol``, ``fromPort``, ``toPort``, ``cidrIpv4``, ``cidrIpv6``;
* inline ``ingress`` blocks on ``aws:ec2/securityGroup:SecurityGroup``:
  ``protocol``, ``fromPort``, ``toPort``, ``cidrBlocks``, ``ipv6CidrBlocks``;
* ``aws:ec2/securityGroupRule:SecurityGroupRule`` with ``type: ingress`` (same fields).

A rule "covers" a port when its protocol is ``-1``/``all`` or its port range includes the
port, whatever the transport protocol (ICMP rules cover no port). A source is public when
its prefix length is 0 (``0.0.0.0/0``, ``::/0``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ._props import (
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SG_INGRESS_RULE,
    as_int,
    as_list,
    config_value,
    describe,
    get,
    label,
)

# Ports that only cluster members may reach (etcd, k0s join API, kubelet, VXLAN, Typha).
CLUSTER_ONLY_PORTS: dict[int, str] = {
    2380: "etcd peers",
    9443: "k0s join API",
    10250: "kubelet",
    4789: "Calico VXLAN",
    5473: "Calico Typha",
}
SSH_PORT = 22
API_PORT = 6443

_ALL_PROTOCOLS = ("-1", "all")
_NO_PORT_PROTOCOLS = ("icmp", "icmpv6", "1", "58")


@dataclass(frozen=True)
class IngressRule:
    """One ingress permission, normalised from any of the three pulumi-aws shapes."""

    where: str
    """Where it was declared, for messages (``ingress[0]``, or ``rule`` for a rule resource)."""
    protocol: str
    from_port: int | None
    to_port: int | None
    sources: tuple[str, ...]

    def covers(self, port: int) -> bool:
        """Tell whether traffic to ``port`` is allowed by this rule's protocol and range."""
        if self.protocol in _ALL_PROTOCOLS:
            return True
        if self.protocol in _NO_PORT_PROTOCOLS:
            return False
        low = 0 if self.from_port is None or self.from_port < 0 else self.from_port
        high = 65535 if self.to_port is None or self.to_port < 0 else self.to_port
        return low <= port <= high

    def public_sources(self) -> list[str]:
        """Return the sources that match every address (prefix length 0)."""
        return [cidr for cidr in self.sources if _is_everywhere(cidr)]

    def ports_text(self) -> str:
        """Render protocol and port range the way AWS shows them."""
        if self.protocol in _ALL_PROTOCOLS:
            return "all traffic (protocol -1)"
        if self.from_port == self.to_port:
            return f"{self.protocol} {describe(self.from_port)}"
        return f"{self.protocol} {describe(self.from_port)}-{describe(self.to_port)}"


def _is_everywhere(cidr: str) -> bool:
    """Tell whether ``cidr`` is a /0 network (``0.0.0.0/0``, ``::/0``)."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _strings(value: Any) -> tuple[str, ...]:
    """Collect string items from a scalar-or-list property."""
    if isinstance(value, str):
        return (value,)
    return tuple(item for item in as_list(value) if isinstance(item, str))


def _rule(where: str, block: Any, protocol_key: str, source_keys: tuple[str, ...]) -> IngressRule:
    """Build an :class:`IngressRule` from one property block."""
    protocol = get(block, protocol_key)
    protocol_text = str(as_int(protocol) if as_int(protocol) is not None else protocol).lower()
    sources: tuple[str, ...] = ()
    for key in source_keys:
        sources += _strings(get(block, key))
    return IngressRule(
        where=where,
        protocol=protocol_text,
        from_port=as_int(get(block, "fromPort")),
        to_port=as_int(get(block, "toPort")),
        sources=sources,
    )


def ingress_rules(resource_type: str, props: Mapping[str, Any]) -> list[IngressRule]:
    """Return the ingress permissions a resource declares (``[]`` for other resources)."""
    if resource_type == SG_INGRESS_RULE:
        return [_rule("rule", props, "ipProtocol", ("cidrIpv4", "cidrIpv6"))]
    if resource_type == SECURITY_GROUP_RULE:
        if get(props, "type") != "ingress":
            return []
        return [_rule("rule", props, "protocol", ("cidrBlocks", "ipv6CidrBlocks"))]
    if resource_type == SECURITY_GROUP:
        return [
            _rule(f"ingress[{index}]", block, "protocol", ("cidrBlocks", "ipv6CidrBlocks"))
            for index, block in enumerate(as_list(get(props, "ingress")))
        ]
    return []


def validate_no_public_cluster_ports(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report ingress from 0.0.0.0/0 or ::/0 to etcd, join API, kubelet, VXLAN or Typha ports."""
    for rule in ingress_rules(args.resource_type, args.props):
        public = rule.public_sources()
        if not public:
            continue
        exposed = [f"{port} ({what})" for port, what in CLUSTER_ONLY_PORTS.items() if rule.covers(port)]
        if exposed:
            report_violation(
                f"{label(args.resource_type, args.name)} {rule.where}: {rule.ports_text()} from "
                f"{', '.join(public)} opens {', '.join(exposed)} to the internet. Fix: allow "
                "these ports only from the cluster's security group "
                "(referenced_security_group_id) or the VPC/node CIDR.",
                None,
            )


def validate_public_admin_ports(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report SSH (22) or Kubernetes API (6443) open to the internet unless config allows it."""
    config = args.get_config()
    allowed = {
        SSH_PORT: config_value(config, "allowPublicSsh", False) is True,
        API_PORT: config_value(config, "allowPublicApi", False) is True,
    }
    names = {
        SSH_PORT: ("SSH", "allowPublicSsh"),
        API_PORT: ("Kubernetes API", "allowPublicApi"),
    }
    for rule in ingress_rules(args.resource_type, args.props):
        public = rule.public_sources()
        if not public:
            continue
        for port in (SSH_PORT, API_PORT):
            if allowed[port] or not rule.covers(port):
                continue
            what, key = names[port]
            report_violation(
                f"{label(args.resource_type, args.name)} {rule.where}: {rule.ports_text()} from "
                f"{', '.join(public)} opens {what} ({port}) to the internet. Fix: restrict the "
                "source to your operator/CI CIDR (or use a bastion), or set policy config "
                f'{{"mke4k-public-admin-ports": {{"{key}": true}}}} if this is intended.',
                None,
            )


NO_PUBLIC_CLUSTER_PORTS = ResourceValidationPolicy(
    name="mke4k-no-public-cluster-ports",
    description=("No ingress from 0.0.0.0/0 or ::/0 to cluster-internal ports 2380, 9443, 10250, 4789 or 5473."),
    validate=validate_no_public_cluster_ports,
    enforcement_level=EnforcementLevel.MANDATORY,
)

PUBLIC_ADMIN_PORTS = ResourceValidationPolicy(
    name="mke4k-public-admin-ports",
    description=(
        "SSH (22) and the Kubernetes API (6443) are not open to 0.0.0.0/0 or ::/0 unless "
        "allowed by policy config allowPublicSsh / allowPublicApi."
    ),
    validate=validate_public_admin_ports,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowPublicSsh": {
                "type": "boolean",
                "default": False,
                "description": "Allow SSH (22) from 0.0.0.0/0 or ::/0.",
            },
            "allowPublicApi": {
                "type": "boolean",
                "default": False,
                "description": "Allow the Kubernetes API (6443) from 0.0.0.0/0 or ::/0.",
            },
        }
    ),
)
