"""The command provider TEST STAND-IN behaves like the real provider v1.2.1 where the program relies on it.

These are the behaviours the other scenarios' assertions depend on (an assertion that no
step offers its previous output means something only if the stand-in would otherwise
warn, as the real provider does). Each case runs a one-resource TEST PROGRAM
(tests/e2e/standin_probe) against one test host. Facts from the real provider's source:
tools/command-standin/README.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)

from tests.e2e.pulumi_cli import PulumiProject
from tests.e2e.scenario import prerequisites
from tests.e2e.testhosts import TestHosts

pytestmark = pytest.mark.e2e
_reason = prerequisites()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)

PROGRAM = Path(__file__).resolve().parent / "standin_probe"


@pytest.fixture(scope="module")
def host() -> Iterator[TestHosts]:
    with TestHosts(["h1"]) as hosts:
        yield hosts


@pytest.fixture
def project(host: TestHosts) -> Iterator[PulumiProject]:
    project = PulumiProject(stack="probe", program=PROGRAM)
    try:
        yield project
    finally:
        project.cleanup()


def configure(project: PulumiProject, hosts: TestHosts, **settings: object) -> None:
    h1 = hosts["h1"]
    config = {"probe:host": h1.address, "probe:port": str(h1.port), "probe:user": "root"}
    config.update({f"probe:{key}": value for key, value in settings.items()})
    if not project.stack_file.exists():
        project.init_stack(config)
        project.set_secret("probe:privateKey", hosts.private_key.read_text())
    else:
        project.set_config({**project.config(), **config})


def test_a_failed_command_is_its_exit_status_the_quoted_command_and_its_output(project, host):
    configure(project, host, create="echo to-stdout; echo to-stderr >&2; exit 3")
    run = project.up(check=False)
    assert run.returncode != 0
    assert 'Process exited with status 3: running "echo to-stdout; echo to-stderr >&2; exit 3":' in run.output
    assert "to-stdout" in run.output and "to-stderr" in run.output


def test_environment_goes_by_setenv_and_a_refusal_fails_the_step(project, host):
    """sshd refuses variables AcceptEnv does not name (the test hosts accept LANG and LC_* only)."""
    configure(project, host, create="echo ok", environment='{"MKE4K_PROBE": "x"}')
    run = project.up(check=False)
    assert run.returncode != 0
    assert 'could not set environment variable "MKE4K_PROBE"' in run.output
    assert "Unable to set 'MKE4K_PROBE'" in run.output


def test_previous_output_is_offered_on_update_unless_turned_off(project, host):
    configure(project, host, create="echo first")
    project.up()
    configure(project, host, create="echo second")
    run = project.up()
    assert "Unable to set 'PULUMI_COMMAND_STDOUT'" in run.output, "the real provider's default warns"
    configure(project, host, create="echo third", addPreviousOutputInEnv="false")
    run = project.up()
    assert "PULUMI_COMMAND_STDOUT" not in run.output


def test_a_refused_port_is_dialled_dial_error_limit_plus_one_times(project, host):
    configure(project, host, create="echo never", port="2", dialErrorLimit="3")
    run = project.up(check=False)
    assert run.returncode != 0
    assert "after 3 failed attempts: dial tcp" in run.output
    assert [int(n) for n in re.findall(r"Dial (\d)/3 failed: retrying", run.output)][-1] == 3
