"""What a person running `pulumi up` sees, with the real engine: errors, progress, probes, upload.

Scenario on c1 (controller+worker) and w1, with the command provider TEST STAND-IN (which
follows the real provider v1.2.1's error text, streaming, dial retries and environment
handling: tools/command-standin/README.md) and the fake k0s TEST DOUBLE:

1. up: every step's streamed lines name their node and step; no previous-output
   environment is offered to the hosts (no "Unable to set PULUMI_COMMAND_STDOUT" warnings);
2. a k0s version that the release does not have: the failed step's error is short and
   ends with the script's own error line;
3. binarySource upload (a local.Command with `environment`, then CopyToRemote over SFTP)
   with a version bump whose restart takes a while: the waits say what they wait for and
   for how long;
4. a worker whose port 22 accepts TCP and never answers: the ssh-probe fails within its
   timeout naming the host (the provider alone would hang for ever);
5. that worker removed from the config again (nothing of it was created), then destroy.

Opt-in like the other e2e tests (MKE4K_E2E=1, root; tests/e2e/run.sh).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)

from tests.e2e.pulumi_cli import PulumiProject, Run
from tests.e2e.scenario import (
    HTTP_PORT,
    VERSION_1,
    VERSION_2,
    CallLog,
    first,
    prerequisites,
    report,
    scenario,
    stack_config,
    summary,
    write_release,
)
from tests.e2e.testhosts import TestHosts

pytestmark = pytest.mark.e2e
_reason = prerequisites()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)

MISSING_VERSION = "v1.32.13+k0s.0"
PROBE = {"probeTimeoutSeconds": 20, "bannerTimeoutSeconds": 3}
NODES = [("c1", "controller+worker"), ("w1", "worker")]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestHosts, PulumiProject, CallLog, Path]]:
    with scenario(tmp_path, ["c1", "w1"]) as setting:
        yield setting


def diagnostic(output: str, resource: str) -> str:
    """The error block pulumi prints for ``resource`` under Diagnostics (the header line excluded)."""
    lines = output.split("Diagnostics:", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().endswith(f"({resource}):"))
    block = []
    for line in lines[start + 1 :]:
        if line.startswith("  ") and not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block).strip()


def config_for(
    project: PulumiProject, hosts: TestHosts, names: list[tuple[str, str]], version: str, **k0s: object
) -> dict:
    """The stack config for these hosts and k0s settings, keeping the SSH key already set."""
    config = stack_config(hosts, names, version)
    config["mke4k:k0s"].update(k0s)
    ssh = project.config().get("mke4k:ssh", {}) if project.stack_file.exists() else {}
    config["mke4k:ssh"] = {**ssh, **PROBE, "user": "root"}
    return config


def no_previous_output_offered(run: Run) -> None:
    assert "PULUMI_COMMAND_STDOUT" not in run.output and "PULUMI_COMMAND_STDERR" not in run.output, (
        "a step offered its previous output to the host"
    )


def test_what_an_operator_sees(env: tuple[TestHosts, PulumiProject, CallLog, Path], tmp_path: Path) -> None:
    hosts, project, log, cluster_dir = env
    project.init_stack(config_for(project, hosts, NODES, VERSION_1))
    project.set_secret("mke4k:ssh.privateKey", hosts.private_key.read_text())

    # 1. up: streamed progress names node and step; no previous output offered to hosts.
    log.mark()
    run = project.up()
    report("up", run, log)
    for line in ("mke4k: [c1 host-ready] host ready", "mke4k: [w1 k0s-install] w1 joined as worker"):
        assert line in run.output, f"missing streamed line {line!r}"
    no_previous_output_offered(run)

    # 2. a version the release does not have: a short error, the script's own message last.
    project.set_config(config_for(project, hosts, NODES, MISSING_VERSION))
    run = project.up(check=False)
    assert run.returncode != 0
    error = diagnostic(run.output, "e2e-c1-k0s-binary")
    print(f"\n-- failed step error, {len(error.encode())} bytes --\n{error}\n--")
    assert error.startswith('error: Process exited with status 1: running "exec bash /var/lib/mke4k/scripts/run-')
    assert len(error.encode()) < 2048, f"{len(error.encode())} bytes"
    assert f"mke4k: [c1 k0s-binary] error: could not download http://{hosts.gateway}:{HTTP_PORT}/" in error
    assert "set -euo pipefail" not in error, "no script text in the error"
    no_previous_output_offered(run)
    project.set_config(config_for(project, hosts, NODES, VERSION_1))
    project.up()

    # 3. upload from the runner (local.Command with environment, CopyToRemote) and a slow restart.
    digests = write_release(tmp_path / "release-for-upload", (VERSION_2,))
    (cluster_dir / "knobs.json").write_text(json.dumps({"cni_ready": True, "readyz_delay_calls": 4}))
    project.set_config(config_for(project, hosts, NODES, VERSION_2, binarySource="upload", sha256=digests[VERSION_2]))
    log.mark()
    run = project.up()
    calls = report("upload + bump", run, log)
    assert "e2e-k0s-download" in run.output and "e2e-k0s-download-c1" in run.output, "download and copy ran"
    for name in ("c1", "w1"):
        staged = hosts[name].host_dir / f"root/var/lib/mke4k/bin/k0s-{VERSION_2}"
        assert staged.exists(), f"{name}: the uploaded binary is not staged"
        assert first(calls, name, "start").version == VERSION_2
    assert "mke4k: [c1 k0s-upgrade] waiting for the API on c1 to answer /readyz (" in run.output
    assert "mke4k: [c1 k0s-upgrade] the API on c1 to answer /readyz: done after " in run.output
    no_previous_output_offered(run)

    # 4. a worker that accepts TCP on port 22 and never answers: the probe names it, in bounded time.
    dead = hosts.add_host("dead", silent=True)
    project.set_config(
        config_for(
            project, hosts, [*NODES, ("dead", "worker")], VERSION_2, binarySource="upload", sha256=digests[VERSION_2]
        )
    )
    started = time.monotonic()
    run = project.up(check=False)
    seconds = time.monotonic() - started
    print(
        f"\n-- banner-less host: pulumi up failed after {seconds:.1f}s --\n{diagnostic(run.output, 'e2e-dead-ssh-probe')}"
    )
    assert run.returncode != 0
    error = diagnostic(run.output, "e2e-dead-ssh-probe")
    assert f"mke4k: [dead ssh-probe] error: dead ({dead.address}:22) does not answer SSH: " in error
    assert "does not answer SSH: accepted TCP but sent no SSH banner within 3s" in error
    assert "after 20s" in error and "mke4k:ssh.probeTimeoutSeconds" in error
    assert seconds < 20 + 90, f"pulumi up took {seconds:.0f}s"

    # 5. back without it: nothing of the dead host was created (only its chain's component
    # resource exists), nothing else changes; then destroy.
    created = {r["type"] for r in project.resources() if "e2e-dead" in r["urn"]}
    assert created == {"mke4k:k0s:K0sNode"}, created
    project.set_config(config_for(project, hosts, NODES, VERSION_2, binarySource="upload", sha256=digests[VERSION_2]))
    run = project.up()
    assert summary(run.output).get("deleted") == 1 and set(summary(run.output)) <= {"deleted", "unchanged"}
    project.preview("--expect-no-changes")
    project.destroy()
    assert project.resources() == []
