"""The security group port table (pure) against facts.md section 5.

The key-setting checks moved to the settings pass: tests/unit/test_settings_keys.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.hosts.aws_security import SgRule, security_rules
from components.settings.hosts import AwsHostsSettings
from tests.support.port_table import CORE, NLB

SSH = "198.51.100.0/24"
API = "203.0.113.0/24"


def aws(**overrides: Any) -> AwsHostsSettings:
    return AwsHostsSettings.model_validate({"sshCidrs": [SSH], "apiCidrs": [API], **overrides})


def table(rules: list[SgRule]) -> set[tuple[Any, ...]]:
    rows = [(r.group, r.direction, r.protocol, r.from_port, r.to_port, r.peer) for r in rules]
    assert len(rows) == len(set(rows)), "duplicate rules"
    return set(rows)


def test_single_controller_table() -> None:
    assert table(security_rules(aws(), load_balancer=False)) == CORE | {
        ("cluster", "ingress", "tcp", 22, 22, f"cidr:{SSH}"),
        ("controllers", "ingress", "tcp", 6443, 6443, f"cidr:{API}"),
    }


def test_nlb_table() -> None:
    assert table(security_rules(aws(), load_balancer=True)) == CORE | NLB | {
        ("cluster", "ingress", "tcp", 22, 22, f"cidr:{SSH}"),
        ("lb", "ingress", "tcp", 6443, 6443, f"cidr:{API}"),  # the API filter sits on the NLB
    }


def test_nlb_with_ingress_adds_443_and_33001_only() -> None:
    rules = table(security_rules(aws(loadBalancer={"ingress": True}), load_balancer=True))
    assert rules - table(security_rules(aws(), load_balancer=True)) == {
        ("controllers", "ingress", "tcp", 33001, 33001, "sg:lb"),
        ("lb", "egress", "tcp", 33001, 33001, "sg:controllers"),
        ("lb", "ingress", "tcp", 443, 443, f"cidr:{API}"),
    }


def test_bastion_table() -> None:
    assert table(security_rules(aws(bastion={"enabled": True}), load_balancer=False)) == CORE | {
        ("cluster", "ingress", "tcp", 22, 22, "sg:bastion"),
        ("controllers", "ingress", "tcp", 22, 22, f"cidr:{SSH}"),
        ("controllers", "ingress", "tcp", 6443, 6443, f"cidr:{API}"),
        ("bastion", "ingress", "tcp", 22, 22, f"cidr:{SSH}"),
        ("bastion", "egress", "-1", None, None, "cidr:0.0.0.0/0"),
    }


@pytest.mark.parametrize("lb", [True, False])
@pytest.mark.parametrize("bastion", [True, False])
def test_no_ingress_from_anywhere_unless_listed(lb: bool, bastion: bool) -> None:
    rules = security_rules(aws(bastion={"enabled": bastion}), load_balancer=lb)
    assert not [r for r in rules if r.direction == "ingress" and r.peer == "cidr:0.0.0.0/0"]
    opened = security_rules(aws(sshCidrs=["0.0.0.0/0"], bastion={"enabled": bastion}), load_balancer=lb)
    assert {r.from_port for r in opened if r.direction == "ingress" and r.peer == "cidr:0.0.0.0/0"} == {22}


def test_rule_names_are_unique_and_stable() -> None:
    rules = security_rules(aws(sshCidrs=[SSH, "192.0.2.1/32"], loadBalancer={"ingress": True}), load_balancer=True)
    suffixes = [r.suffix for r in rules]
    assert len(suffixes) == len(set(suffixes))
    assert "cluster-in-tcp-22-192-0-2-1-32" in suffixes
    assert "controllers-in-tcp-2380-controllers" in suffixes
    assert "cluster-out-all-anywhere" in suffixes
