"""A first run as a new user does it offline: `make engine`, `. tools/engine/env.sh`, `make preview`.

Runs the Makefile itself against a scratch backend and HOME (so nothing of this machine's
Pulumi state is touched) with the engine tools/engine builds, and the command provider
TEST STAND-IN installed as the e2e run installs it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)

from tests.e2e.pulumi_cli import ENGINE_BIN, ENGINE_CACHE, REPO, missing_engine_parts
from tests.support.ssh_keys import openssh_private_key

pytestmark = pytest.mark.e2e
if missing_engine_parts():
    pytest.skip("engine or command stand-in not built (tests/e2e/run.sh builds them)", allow_module_level=True)


def make_preview(stack: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`make preview STACK=stack` with tools/engine/env.sh's environment, a new backend folder and HOME."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True, exist_ok=True)
    (home / ".ssh" / f"mke4k-{stack}").write_text(openssh_private_key(stack))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    backend = tmp_path / "not-yet-created" / "state"
    script = f". tools/engine/env.sh && make -s preview STACK={stack}"
    env.update(
        HOME=str(home),
        MKE4K_ENGINE_CACHE=str(ENGINE_CACHE),
        PULUMI_BACKEND_URL=f"file://{backend}",
        PULUMI_HOME=str(ENGINE_CACHE / "home"),
        PATH=f"{ENGINE_BIN}:{env['PATH']}",
    )
    return subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_a_static_hosts_stack_previews_offline(tmp_path: Path) -> None:
    result = make_preview("lab", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "lab-manager-1-ssh-probe" in result.stdout and "+ " in result.stdout
    assert "TEST STAND-IN" in result.stderr, "the stand-in is named when it is the command provider"
    assert (tmp_path / "not-yet-created" / "state").is_dir(), "the backend folder is created"


def test_an_aws_stack_offline_ends_in_one_sentence(tmp_path: Path) -> None:
    result = make_preview("dev", tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    [sentence] = [line for line in result.stderr.splitlines() if line.startswith("make: stack 'dev'")]
    assert "needs the Pulumi aws 7.51.1 and tls 5.6.2 provider(s), not installed here. Fix:" in sentence
