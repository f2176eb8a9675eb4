"""Static checks of the host scripts: shellcheck, and the conventions every script keeps."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from script_harness import SCRIPTS

REPO = SCRIPTS.parents[2]
ALL = sorted(p.name for p in SCRIPTS.glob("*.sh"))
MAIN = [name for name in ALL if name != "lib.sh"]
EXPECTED = {
    "host_ready.sh",
    "stage_k0s.sh",
    "write_k0s_config.sh",
    "install_controller.sh",
    "create_join_token.sh",
    "join_node.sh",
    "confirm_member.sh",
    "remove_member.sh",
    "reset_node.sh",
    "upgrade_node.sh",
}


def shellcheck() -> str:
    for candidate in (
        REPO / ".venv" / "bin" / "shellcheck",
        shutil.which("shellcheck"),
    ):
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.skip("shellcheck not installed (.venv/bin/shellcheck or on PATH)")


def test_every_expected_script_exists():
    assert set(MAIN) >= EXPECTED


@pytest.mark.parametrize("name", ALL)
def test_script_is_shellcheck_clean(name):
    result = subprocess.run(
        [shellcheck(), "--shell=bash", str(SCRIPTS / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(set(MAIN) - {"run.sh"}))
def test_text_run_sources_is_shellcheck_clean(name, tmp_path):
    """What run.sh sources for a step, lib.sh then the script, as one text."""
    sent = tmp_path / name
    sent.write_text((SCRIPTS / "lib.sh").read_text() + "\n" + (SCRIPTS / name).read_text())
    result = subprocess.run(
        [shellcheck(), "--shell=bash", str(sent)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED | {"lib.sh"}))
def test_script_conventions(name):
    text = (SCRIPTS / name).read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert not re.search(r"^\s*set\s+-[a-z]*x", text, re.MULTILINE), "never trace: it would print secrets"
    assert "eval " not in text


@pytest.mark.parametrize("name", MAIN)
def test_inputs_are_declared_in_readme(name):
    """Every `: "${NAME:?...}"` / `: "${NAME:=...}"` input is documented in README.md."""
    readme = (SCRIPTS / "README.md").read_text()
    section = readme.split(f"### {name}", 1)
    assert len(section) == 2, f"README.md has no section for {name}"
    section = section[1].split("\n### ", 1)[0]
    inputs = re.findall(r'^: "\$\{([A-Z0-9_]+):[?=]', (SCRIPTS / name).read_text(), re.MULTILINE)
    if name in EXPECTED:
        assert inputs, f"{name} declares no inputs"
    for input_name in inputs:
        assert f"`{input_name}`" in section, f"{input_name} of {name} is not documented in README.md"
