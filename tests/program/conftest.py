"""Fixtures shared by the program tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.program.stack_program import give_stack_keys


@pytest.fixture
def stack_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch HOME with a placeholder key wherever a shipped stack's ``ssh.privateKeyFile`` points."""
    give_stack_keys(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path
