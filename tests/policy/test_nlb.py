"""NLB target groups for the control plane use IP targets (k0s issue 4557)."""

from __future__ import annotations

import pytest
from mke4k_policy import NLB_IP_TARGETS
from policy_harness import check

TG = "aws:lb/targetGroup:TargetGroup"


@pytest.mark.parametrize("port", [6443, 9443, 8132])
def test_ip_target_group_passes(port: int) -> None:
    props = {"port": port, "protocol": "TCP", "targetType": "ip", "vpcId": "vpc-1"}
    assert check(NLB_IP_TARGETS, TG, props, name=f"dev-tg-{port}") == []


@pytest.mark.parametrize("target_type", ["instance", None])
def test_instance_target_group_is_reported(target_type: str | None) -> None:
    props = {"port": 6443, "protocol": "TCP", "vpcId": "vpc-1"}
    if target_type:
        props["targetType"] = target_type
    [message] = check(NLB_IP_TARGETS, TG, props, name="dev-tg-6443")
    assert "'dev-tg-6443'" in message and "(port 6443)" in message
    assert "4557" in message and "target_type='ip'" in message
    if target_type is None:
        assert "AWS default: 'instance'" in message


def test_target_group_named_api_is_checked_whatever_its_port() -> None:
    props = {"port": 443, "protocol": "TCP", "targetType": "instance"}
    assert len(check(NLB_IP_TARGETS, TG, props, name="dev-api")) == 1


def test_legacy_alb_token_is_checked() -> None:
    props = {"port": 9443, "targetType": "instance"}
    assert len(check(NLB_IP_TARGETS, "aws:alb/targetGroup:TargetGroup", props)) == 1


def test_ingress_target_group_with_instance_targets_passes() -> None:
    props = {"port": 33001, "protocol": "TCP", "targetType": "instance"}
    assert check(NLB_IP_TARGETS, TG, props, name="dev-ingress-https") == []
