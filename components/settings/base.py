"""Shared base class for every settings model: strict, immutable, camelCase keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


def camel_key(name: str) -> str:
    """``pod_cidr`` -> ``podCidr``; digits do not start a new word (``k0rdent`` stays)."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


class SettingsModel(BaseModel):
    """Base of all settings models.

    Stack config uses camelCase keys (``podCidr``); Python code uses snake_case
    attributes. Unknown keys are rejected, values are immutable once loaded, and
    every field must carry a description (it feeds docs/configuration.md).
    """

    model_config = ConfigDict(
        alias_generator=camel_key,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        validate_default=True,
    )
