"""Ingress policies: cluster-internal ports never public; SSH/API public only when allowed."""

from __future__ import annotations

from typing import Any

import pytest
from mke4k_policy import NO_PUBLIC_CLUSTER_PORTS, PUBLIC_ADMIN_PORTS
from mke4k_policy.ingress import ingress_rules
from policy_harness import check, to_props

RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"


def ingress(port: int | None, to_port: int | None = None, protocol: str = "tcp", **source: Any) -> dict[str, Any]:
    """Return SecurityGroupIngressRule inputs (ports omitted for protocol -1)."""
    props: dict[str, Any] = {
        "securityGroupId": "sg-1",
        "ipProtocol": protocol,
        **source,
    }
    if port is not None:
        props["fromPort"] = port
        props["toPort"] = port if to_port is None else to_port
    return props


@pytest.mark.parametrize("port", [2380, 9443, 10250, 4789, 5473])
def test_cluster_port_from_security_group_passes(port: int) -> None:
    props = ingress(port, referencedSecurityGroupId="sg-nodes")
    assert check(NO_PUBLIC_CLUSTER_PORTS, RULE, props) == []


@pytest.mark.parametrize("port", [2380, 9443, 10250, 4789, 5473])
def test_cluster_port_from_internet_is_reported(port: int) -> None:
    props = ingress(port, protocol="udp" if port == 4789 else "tcp", cidrIpv4="0.0.0.0/0")
    [message] = check(NO_PUBLIC_CLUSTER_PORTS, RULE, props, name="dev-nodes-in")
    assert "'dev-nodes-in'" in message and f"{port} (" in message and "0.0.0.0/0" in message
    assert "referenced_security_group_id" in message


def test_cluster_port_from_vpc_cidr_passes() -> None:
    assert check(NO_PUBLIC_CLUSTER_PORTS, RULE, ingress(10250, cidrIpv4="10.0.0.0/16")) == []


def test_ipv6_everywhere_is_reported() -> None:
    [message] = check(NO_PUBLIC_CLUSTER_PORTS, RULE, ingress(2380, cidrIpv6="::/0"))
    assert "2380 (etcd peers)" in message and "::/0" in message


def test_port_range_covering_cluster_ports_is_reported() -> None:
    [message] = check(NO_PUBLIC_CLUSTER_PORTS, RULE, ingress(9000, 11000, cidrIpv4="0.0.0.0/0"))
    assert "tcp 9000-11000" in message
    assert "9443 (k0s join API)" in message and "10250 (kubelet)" in message
    assert "2380" not in message


def test_all_protocols_rule_is_reported() -> None:
    [message] = check(
        NO_PUBLIC_CLUSTER_PORTS,
        RULE,
        ingress(None, protocol="-1", cidrIpv4="0.0.0.0/0"),
    )
    assert "all traffic (protocol -1)" in message
    for port in (2380, 9443, 10250, 4789, 5473):
        assert str(port) in message


def test_public_https_passes() -> None:
    assert check(NO_PUBLIC_CLUSTER_PORTS, RULE, ingress(443, cidrIpv4="0.0.0.0/0")) == []


def test_icmp_from_internet_passes() -> None:
    props = ingress(8, 0, protocol="icmp", cidrIpv4="0.0.0.0/0")
    assert check(NO_PUBLIC_CLUSTER_PORTS, RULE, props) == []


def test_inline_security_group_ingress_is_checked() -> None:
    props = {
        "vpcId": "vpc-1",
        "ingress": [
            {
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
            },
            {
                "protocol": "udp",
                "fromPort": 4789,
                "toPort": 4789,
                "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"],
            },
        ],
    }
    [message] = check(NO_PUBLIC_CLUSTER_PORTS, SG, props, name="legacy-sg")
    assert "'legacy-sg' ingress[1]" in message and "4789 (Calico VXLAN)" in message


def test_inline_security_group_without_public_ingress_passes() -> None:
    props = {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]}
    assert check(NO_PUBLIC_CLUSTER_PORTS, SG, props) == []


def test_security_group_rule_ingress_is_checked() -> None:
    props = {
        "type": "ingress",
        "protocol": "tcp",
        "fromPort": 5473,
        "toPort": 5473,
        "ipv6CidrBlocks": ["::/0"],
        "securityGroupId": "sg-1",
    }
    [message] = check(NO_PUBLIC_CLUSTER_PORTS, SG_RULE, props)
    assert "5473 (Calico Typha)" in message


def test_security_group_rule_egress_is_ignored() -> None:
    props = {
        "type": "egress",
        "protocol": "-1",
        "fromPort": 0,
        "toPort": 0,
        "cidrBlocks": ["0.0.0.0/0"],
    }
    assert check(NO_PUBLIC_CLUSTER_PORTS, SG_RULE, props) == []


def test_ingress_rules_normalise_protobuf_numbers() -> None:
    [rule] = ingress_rules(RULE, to_props(ingress(9443, cidrIpv4="0.0.0.0/0")))
    assert (rule.protocol, rule.from_port, rule.to_port) == ("tcp", 9443, 9443)
    assert rule.public_sources() == ["0.0.0.0/0"]


@pytest.mark.parametrize("port", [22, 6443])
def test_admin_port_from_operator_cidr_passes(port: int) -> None:
    assert check(PUBLIC_ADMIN_PORTS, RULE, ingress(port, cidrIpv4="203.0.113.0/24")) == []


@pytest.mark.parametrize(("port", "key"), [(22, "allowPublicSsh"), (6443, "allowPublicApi")])
def test_public_admin_port_is_reported_by_default(port: int, key: str) -> None:
    [message] = check(PUBLIC_ADMIN_PORTS, RULE, ingress(port, cidrIpv4="0.0.0.0/0"), name="dev-admin")
    assert "'dev-admin'" in message and f"({port})" in message and key in message


@pytest.mark.parametrize(("port", "key"), [(22, "allowPublicSsh"), (6443, "allowPublicApi")])
def test_public_admin_port_allowed_by_config_passes(port: int, key: str) -> None:
    props = ingress(port, cidrIpv4="0.0.0.0/0")
    assert check(PUBLIC_ADMIN_PORTS, RULE, props, config={key: True}) == []


def test_allowing_ssh_does_not_allow_the_api() -> None:
    props = ingress(None, protocol="-1", cidrIpv6="::/0")
    [message] = check(PUBLIC_ADMIN_PORTS, RULE, props, config={"allowPublicSsh": True})
    assert "Kubernetes API (6443)" in message


def test_admin_policy_is_advisory_and_cluster_policy_mandatory() -> None:
    assert PUBLIC_ADMIN_PORTS.enforcement_level is not None
    assert PUBLIC_ADMIN_PORTS.enforcement_level.value == "advisory"
    assert NO_PUBLIC_CLUSTER_PORTS.enforcement_level is not None
    assert NO_PUBLIC_CLUSTER_PORTS.enforcement_level.value == "mandatory"
