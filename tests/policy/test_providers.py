"""Kubernetes resources use an explicit provider, never the default one."""

from __future__ import annotations

import pytest
from mke4k_policy import EXPLICIT_KUBERNETES_PROVIDER
from mke4k_policy.providers import is_default_provider
from policy_harness import check, provider


@pytest.mark.parametrize(
    "resource_type",
    [
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:core/v1:Namespace",
        "kubernetes:apiextensions.k8s.io:CustomResource",
    ],
)
def test_explicit_provider_passes(resource_type: str) -> None:
    messages = check(
        EXPLICIT_KUBERNETES_PROVIDER,
        resource_type,
        {},
        name="dev-calico",
        provider_resource=provider("dev-k8s"),
    )
    assert messages == []


@pytest.mark.parametrize("default_name", ["default", "default_4_34_2"])
def test_default_provider_is_reported(default_name: str) -> None:
    [message] = check(
        EXPLICIT_KUBERNETES_PROVIDER,
        "kubernetes:core/v1:Namespace",
        {"metadata": {"name": "mke"}},
        name="dev-mke-namespace",
        provider_resource=provider(default_name),
    )
    assert "'dev-mke-namespace'" in message and repr(default_name) in message
    assert "provider=" in message and "disable-default-providers" in message


def test_non_kubernetes_resources_are_ignored() -> None:
    messages = check(
        EXPLICIT_KUBERNETES_PROVIDER,
        "aws:ec2/vpc:Vpc",
        {},
        provider_resource=provider("default_7_51_1", "aws"),
    )
    assert messages == []


def test_component_without_provider_is_ignored() -> None:
    assert check(EXPLICIT_KUBERNETES_PROVIDER, "kubernetes:helm.sh/v4:Chart", {}) == []


def test_default_detection_follows_the_engine_rule() -> None:
    # The engine's rule is on the URN name; provider.name is only a fallback.
    record = provider("default_4_34_2")
    record.name = ""
    assert is_default_provider(record)
    record = provider("dev-k8s")
    record.urn, record.name = "", "default"
    assert is_default_provider(record)
    assert not is_default_provider(provider("dev-k8s"))
