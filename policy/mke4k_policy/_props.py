"""Small, typed helpers for reading resource properties inside policies.

pulumi_policy hands policies read-only ``Mapping``/``Sequence`` proxies (not ``dict``/``list``)
that raise ``UnknownValueError`` when a value that is unknown during preview is read. The
helpers below therefore test against the abstract collection types, and only read the
values they need, so an unknown value elsewhere in the resource never blocks a check.
Numbers arrive as ``float`` after the protobuf round trip (``4096.0``), so numeric
comparisons go through :func:`as_int`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Resource type tokens used by the mke4k program (and by users who extend it).
EC2_INSTANCE = "aws:ec2/instance:Instance"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
REMOTE_COMMAND = "command:remote:Command"

# Tags every EC2 instance of the program carries.
TAG_CLUSTER = "mke4k:cluster"
TAG_ROLE = "mke4k:role"
TAG_NODE = "mke4k:node"
NODE_ROLES = ("controller+worker", "controller", "worker", "bastion")
CONTROLLER_ROLES = ("controller", "controller+worker")


def as_mapping(value: Any) -> Mapping[str, Any] | None:
    """Return ``value`` if it is a mapping (dict or policy proxy), else ``None``."""
    return value if isinstance(value, Mapping) else None


def as_list(value: Any) -> list[Any]:
    """Return the items of a sequence value (not a string); anything else gives ``[]``."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [value[i] for i in range(len(value))]
    return []


def has_key(mapping: Mapping[str, Any] | None, key: str) -> bool:
    """Tell whether ``key`` is present without reading its (possibly unknown) value."""
    return mapping is not None and any(k == key for k in mapping)


def get(mapping: Any, *path: str) -> Any:
    """Walk ``path`` through nested mappings; ``None`` when a step is missing or not a mapping."""
    current: Any = mapping
    for key in path:
        current_map = as_mapping(current)
        if current_map is None or not has_key(current_map, key):
            return None
        current = current_map[key]
    return current


def as_int(value: Any) -> int | None:
    """Return an integral number as ``int`` (``4096.0`` → ``4096``); ``None`` for anything else.

    Booleans and strings are not numbers here: ``"4096"`` in chart values is a type error
    the operator rejects, so policies report it instead of coercing it.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def is_true(value: Any) -> bool:
    """Tell whether a property is the boolean ``true`` (strings like ``"true"`` are not)."""
    return value is True


def config_value(config: Mapping[str, Any], key: str, default: Any) -> Any:
    """Read a policy config value, falling back to ``default`` when unset or ``null``."""
    value = config.get(key) if isinstance(config, Mapping) else None
    return default if value is None else value


def describe(value: Any) -> str:
    """Render a property value for a violation message (``<unset>`` for missing values)."""
    if value is None:
        return "<unset>"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def label(resource_type: str, name: str) -> str:
    """Name a resource the way Pulumi shows it: ``type 'name'``."""
    return f"{resource_type} '{name}'"
