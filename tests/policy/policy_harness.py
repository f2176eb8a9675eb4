"""Call the pack's policies the way the analyzer server does, without starting it.

Properties go through the same path as in ``pulumi_policy``'s servicer: a protobuf ``Struct``
round trip (so integers arrive as floats), ``deserialize_properties`` and the
unknown-checking proxy (so rules see ``Mapping``/``Sequence`` proxies, not dicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

UNKNOWN = UNKNOWN_STRING_VALUE
"""Sentinel the engine sends for a value not known during preview."""

STACK = "urn:pulumi:dev::mke4k"


def urn(resource_type: str, name: str) -> str:
    """Build a URN for a top-level resource of the ``dev`` stack."""
    return f"{STACK}::{resource_type}::{name}"


def to_props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Convert plain test data into what a policy receives from the engine."""
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def options(ignore_changes: list[str] | None = None) -> PolicyResourceOptions:
    """Return resource options: empty but for ``ignore_changes``."""
    return PolicyResourceOptions(False, list(ignore_changes or []), None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def provider(name: str, package: str = "kubernetes") -> PolicyProviderResource:
    """Return a provider record like the engine's (``default_4_34_2`` for a default provider)."""
    provider_type = f"pulumi:providers:{package}"
    return PolicyProviderResource(provider_type, to_props({}), urn(provider_type, name), name)


def check(
    policy: ResourceValidationPolicy,
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "test",
    config: Mapping[str, Any] | None = None,
    provider_resource: PolicyProviderResource | None = None,
    ignore_changes: list[str] | None = None,
) -> list[str]:
    """Run a resource policy on one resource; return the violation messages."""
    messages: list[str] = []
    args = ResourceValidationArgs(
        resource_type,
        to_props(props),
        urn(resource_type, name),
        name,
        options(ignore_changes),
        provider_resource,
        dict(config) if config is not None else None,
    )
    result = policy.validate(args, lambda message, _urn=None: messages.append(message))
    assert result is None, "policies are synchronous"
    return messages


def resource(resource_type: str, name: str, props: Mapping[str, Any]) -> PolicyResource:
    """Build one stack resource for a stack policy."""
    return PolicyResource(
        resource_type,
        to_props(props),
        urn(resource_type, name),
        name,
        options(),
        None,
        None,
        [],
        {},
    )


def check_stack(
    policy: StackValidationPolicy,
    resources: list[PolicyResource],
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """Run a stack policy; return the violation messages."""
    messages: list[str] = []
    args = StackValidationArgs(resources, dict(config) if config is not None else None)
    result = policy.validate(args, lambda message, _urn=None: messages.append(message))
    assert result is None, "policies are synchronous"
    return messages
