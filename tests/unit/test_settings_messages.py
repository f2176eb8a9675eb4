"""Messages that help (issue 10, item 8).

* "Did you mean" ignores case (``podCIDR`` -> ``podCidr``), at any depth, in k0s.config too.
* Every message has a fix a user can act on.
* No user-facing text (messages, docs/configuration.md, the rule list) cites a document
  that is not in the repository (facts.md and design.md live outside it).
* Where MKE's profile fixes a value (the pod CIDR), the message says so instead of
  suggesting to change it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from components.settings.rules import RULES, summary
from tests.support.settings_cases import at, aws_baseline, issues_of, single_issue, static_baseline
from tests.unit.test_settings_catalogue import CASES

REPO = Path(__file__).resolve().parents[2]
OUTSIDE_DOCS = ("facts.md", "design.md", "../shared", "brief/")


@pytest.mark.parametrize(
    ("path", "typed", "meant"),
    [
        ("network", "podCIDR", "podCidr"),
        ("network", "ServiceCidr", "serviceCidr"),
        ("", "Network", "network"),
        ("hosts.aws", "sshCIDRs", "sshCidrs"),
        ("k0s", "apiSANs", "apiSans"),
    ],
)
def test_did_you_mean_ignores_case(path: str, typed: str, meant: str) -> None:
    key = f"{path}.{typed}" if path else typed
    single_issue(at(static_baseline(), key, {} if not path else "x"), key, f"did you mean '{meant}'")


def failing_configs() -> list[dict[str, Any]]:
    """Every rule's failing config (the catalogue) plus model-level mistakes."""
    configs = [mutate(baseline()) for baseline, mutate, severity in CASES.values() if severity == "error"]
    configs += [
        at(static_baseline(), "network.vxlanPort", "four"),
        at(static_baseline(), "hosts.static.hosts.0.role", "manager"),
        at(static_baseline(), "hosts.static", []),
        at(aws_baseline(), "hosts.aws.controllers.count", 600),
        at(aws_baseline(), "hosts.aws.controllers", {"count": 1.5}),
        at(static_baseline(), "cluster", {"name": "Bad_Name"}),
        at(static_baseline(), "k0s.upgrade.drainTimeout", "5 minutes"),
        at(static_baseline(), "k0s.downloadUrl", "ftp://mirror"),
        at(static_baseline(), "layers.run", "hosts"),
    ]
    return configs


def test_every_message_has_a_fix() -> None:
    for raw in failing_configs():
        for issue in issues_of(raw):
            assert issue.fix.strip(), issue.render()
            assert " Fix: " in issue.render()


def test_no_user_facing_text_cites_a_document_outside_the_repository() -> None:
    texts = [issue.render() for raw in failing_configs() for issue in issues_of(raw)]
    texts.append((REPO / "docs" / "configuration.md").read_text())
    texts += [summary(rule) for rule in RULES]
    for text in texts:
        assert not any(outside in text for outside in OUTSIDE_DOCS), text[:300]
        for cited in re.findall(r"[\w./-]+\.md\b", text):
            assert (REPO / cited).exists(), f"{cited} is cited but not in the repository"


def test_a_node_in_the_pod_cidr_is_told_the_pod_cidr_is_fixed() -> None:
    """MKE 4k fixes the pod CIDR (192.168.0.0/16): move the node, do not change the profile."""
    message = single_issue(
        at(static_baseline(), "hosts.static.hosts.3.address", "192.168.4.4"),
        "hosts.static.hosts[3].address",
        "fixes the pod CIDR",
    )
    assert "network.podCidr" not in message


def test_overlap_with_the_fixed_pod_cidr_suggests_moving_the_service_cidr() -> None:
    message = single_issue(
        at(static_baseline(), "network.serviceCidr", "192.168.200.0/24"), "network.serviceCidr", "10.96.0.0/16"
    )
    assert "change mke4k:network.podCidr" not in message
