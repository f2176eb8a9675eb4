"""Cross-field rules: what no single field can check on its own.

Each rule is a function of the whole Settings (and a :class:`Context`) yielding Issues
that name the config key, the problem and the fix; they are all collected so a user sees
every problem in one run, before any resource exists. A rule's docstring's first
paragraph is its entry in docs/configuration.md.
"""

from __future__ import annotations

from ..errors import Issue
from ..root import Settings
from . import aws, backups, k0s_config, keys, layers, networks, nodes, platform, versions
from .base import Check, Context, hosts_source, summary
from .versions import resolved_calico_version, resolved_k0s_version

RULES: tuple[Check, ...] = (
    *layers.RULES,
    *nodes.RULES,
    *networks.RULES,
    *aws.RULES,
    *keys.RULES,
    *k0s_config.RULES,
    *versions.RULES,
    *platform.RULES,
    *backups.RULES,
)


def check_all(settings: Settings, context: Context) -> list[Issue]:
    """Run every rule; return all issues found, errors and warnings (empty when all is well)."""
    issues: list[Issue] = []
    for rule in RULES:
        issues.extend(rule(settings, context))
    return issues


__all__ = [
    "RULES",
    "Check",
    "Context",
    "check_all",
    "hosts_source",
    "resolved_calico_version",
    "resolved_k0s_version",
    "summary",
]
