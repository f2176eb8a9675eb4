"""Valid baseline stack configs and helpers for the settings tests: change one thing, check the verdict.

Each failing case starts from a baseline that loads cleanly, changes exactly one thing,
and checks that loading raises ``SettingsError`` with ONE issue at the offending
``mke4k:`` key, saying what is wrong. Expected values come from facts.md and the
upstream sources named in each test, not from the code under test.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components.settings import Settings, SettingsError, validate_mapping
from components.settings.errors import Issue
from tests.support.ssh_keys import openssh_private_key, public_key_line

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mke4"
PRIVATE_KEY = openssh_private_key("baseline")
PUBLIC_KEY = public_key_line("baseline")


def static_baseline() -> dict[str, Any]:
    """A valid config: three managers and two workers on 10.40.0.0/24 (like the lab stack)."""
    return {
        "cluster": {"name": "unit"},
        "hosts": {
            "source": "static",
            "static": {
                "hosts": [
                    {"name": "manager-1", "role": "controller+worker", "address": "10.40.0.11"},
                    {"name": "manager-2", "role": "controller+worker", "address": "10.40.0.12"},
                    {"name": "manager-3", "role": "controller+worker", "address": "10.40.0.13"},
                    {"name": "worker-1", "role": "worker", "address": "10.40.0.21"},
                    {"name": "worker-2", "role": "worker", "address": "10.40.0.22"},
                ]
            },
        },
        "ssh": {"user": "mke", "privateKey": PRIVATE_KEY},
    }


def aws_baseline() -> dict[str, Any]:
    """A valid AWS config: three controllers, two workers, SSH/API open to one documentation range."""
    return {
        "cluster": {"name": "unit"},
        "hosts": {
            "source": "aws",
            "aws": {
                "vpc": {"cidr": "10.20.0.0/16"},
                "controllers": {"count": 3},
                "workers": {"count": 2},
                "sshCidrs": ["203.0.113.0/24"],
                "apiCidrs": ["203.0.113.0/24"],
            },
        },
    }


def load(raw: dict[str, Any], base_dir: Path = FIXTURES) -> Settings:
    """Validate ``raw`` the way the program does (stack ``unit``)."""
    return validate_mapping(raw, stack="unit", base_dir=base_dir).settings


def warnings_of(raw: dict[str, Any], base_dir: Path = FIXTURES) -> list[Issue]:
    """The warnings a valid ``raw`` loads with."""
    return list(validate_mapping(raw, stack="unit", base_dir=base_dir).warnings)


def issues_of(raw: dict[str, Any], base_dir: Path = FIXTURES) -> list[Issue]:
    """The issues loading ``raw`` is refused with (fails the test when it loads)."""
    with pytest.raises(SettingsError) as caught:
        load(raw, base_dir)
    return list(caught.value.issues)


def single_issue(raw: dict[str, Any], key: str, *phrases: str, base_dir: Path = FIXTURES) -> str:
    """Assert loading ``raw`` fails with exactly one issue at ``key`` mentioning ``phrases``; return the message."""
    with pytest.raises(SettingsError) as caught:
        load(raw, base_dir)
    message = str(caught.value)
    keys = [issue.key for issue in caught.value.issues]
    assert keys == [key], f"expected one issue at {key}, got {keys}:\n{message}"
    assert f"mke4k:{key}" in message, message
    for phrase in phrases:
        assert phrase.lower() in message.lower(), f"{phrase!r} missing from:\n{message}"
    return message


def single_warning(raw: dict[str, Any], key: str, *phrases: str, base_dir: Path = FIXTURES) -> str:
    """Assert ``raw`` loads with exactly one warning, at ``key``, mentioning ``phrases``; return it rendered."""
    found = warnings_of(raw, base_dir)
    assert [w.key for w in found] == [key], [w.render() for w in found]
    text = found[0].render()
    for phrase in phrases:
        assert phrase.lower() in text.lower(), f"{phrase!r} missing from:\n{text}"
    return text


def at(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Return a deep copy of ``raw`` with ``dotted`` (``a.b.c``, list indexes as digits) set to ``value``."""
    result = copy.deepcopy(raw)
    node: Any = result
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result
