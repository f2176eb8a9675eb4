"""Suite-wide pytest hooks: one line that says why tests were skipped."""

from __future__ import annotations

from collections import Counter

import pytest


def skip_reason(report: pytest.TestReport) -> str:
    """The reason a skipped test gave (without pytest's location prefix)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After the run: ``skipped N: <reason> (n); <reason> (n)`` in one line, when anything was skipped."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(skip_reason(report) for report in skipped)
    listing = "; ".join(f"{reason} ({count})" for reason, count in reasons.most_common())
    terminalreporter.write_line(f"skipped {len(skipped)}: {listing}")
