"""run.sh, the way every step runs: inputs verbatim, root via `sudo -n`, what stderr shows, the step log."""

from __future__ import annotations

import base64
import shlex

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from script_harness import command

from components.k0s.bundle import HOST_SCRIPTS_DIR, script_bundle

PROBE = "admin_kubeconfig"
"""The installed script the tests below replace by a probe (any installed name works the same)."""


def replace_script(host, body: str) -> None:
    """Overwrite the installed admin_kubeconfig script on ``host`` with ``body``."""
    installed = host.install_scripts()
    assert installed.returncode == 0, installed
    host.put(f"{HOST_SCRIPTS_DIR}/{script_bundle().file(PROBE)}", body.encode())


@hypothesis_settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60))
def test_input_values_reach_the_script_verbatim(host, value):
    """Whatever a value holds (quotes, $(...), newlines, '='), the script sees exactly it."""
    replace_script(host, 'printf %s "$NODE_NAME" | base64 -w0\n')
    result = host.shell(command(f"{PROBE}.sh", {"NODE_NAME": value}))
    assert result.returncode == 0, result
    assert base64.b64decode(result.stdout).decode() == value


def test_stdout_is_untouched_stderr_shows_only_the_scripts_own_lines_and_the_log_keeps_all(host):
    replace_script(
        host,
        'log "starting"\necho "result=42"\necho "tool noise" >&2\nlog "done"\n',
    )
    result = host.shell(command(f"{PROBE}.sh", {}, label="n1 probe"))
    assert result.returncode == 0, result
    assert result.stdout == "result=42\n"
    assert result.stderr == "mke4k: [n1 probe] starting\nmke4k: [n1 probe] done\n"
    log = host.read("/var/log/mke4k/n1.probe.log")
    assert "tool noise" in log and "mke4k: [n1 probe] done" in log
    assert host.stat("/var/log/mke4k/n1.probe.log", "%a") == "600"
    assert host.stat("/var/log/mke4k", "%a") == "700"


def test_a_failure_ends_with_the_scripts_error_and_the_last_lines_of_the_tools_output(host):
    noise = "".join(f'echo "tool line {i}" >&2\n' for i in range(1, 9))
    replace_script(host, noise + 'die "the thing failed; fix it"\n')
    result = host.shell(command(f"{PROBE}.sh", {}, label="n1 probe"))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "mke4k: [n1 probe] error: the thing failed; fix it"
    assert lines[1].startswith(
        "mke4k: [n1 probe] last output of the tools it ran (whole log: /var/log/mke4k/n1.probe.log"
    )
    assert lines[2:7] == [f"  | tool line {i}" for i in range(4, 9)], "the last five lines"
    assert lines[7:] == ["mke4k: [n1 probe] to collect a support bundle: make support-bundle STACK=<this stack>"]


def test_every_failure_says_how_to_collect_a_support_bundle_and_success_does_not(host):
    replace_script(host, 'die "quietly broken"\n')
    failed = host.shell(command(f"{PROBE}.sh", {}, label="n1 probe"))
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        "mke4k: [n1 probe] error: quietly broken",
        "mke4k: [n1 probe] to collect a support bundle: make support-bundle STACK=<this stack>",
    ]
    replace_script(host, 'log "fine"\n')
    assert "support bundle" not in host.shell(command(f"{PROBE}.sh", {}, label="n1 probe")).stderr


def test_a_script_that_is_not_installed_is_named_with_the_fix(host):
    host.install_scripts()
    text = command(f"{PROBE}.sh", {}).replace(script_bundle().file(PROBE), "admin_kubeconfig-000000000000.sh")
    result = host.shell(text)
    assert result.returncode == 1
    assert "admin_kubeconfig-000000000000.sh is not on this host" in result.stderr
    assert "run 'pulumi up' again so host-ready installs this version" in result.stderr


def test_input_names_are_checked_on_the_host_too(host):
    host.install_scripts()
    run = f"{HOST_SCRIPTS_DIR}/{script_bundle().file('run')}"
    result = host.shell(
        shlex.join(["bash", run, "n1 probe", script_bundle().file("lib"), script_bundle().file(PROBE), "lower=1"])
    )
    assert result.returncode == 1
    assert "input 'lower' is not NAME=VALUE with an UPPER_CASE name" in result.stderr


SUDO_RECORDER = """#!/bin/sh
# TEST DOUBLE of sudo: records its arguments; 'sudo -n true' answers as SUDO_WORKS says.
printf '%s\\n' "$*" >> /var/tmp/sudo-calls
if [ "$2" = true ]; then [ "$SUDO_WORKS" = yes ]; exit $?; fi
exit 0
"""


def as_nobody(host, text: str, sudo_works: bool):
    """Run ``text`` as user nobody with the recording sudo first on PATH."""
    host.put("/usr/local/bin/sudo", SUDO_RECORDER.encode(), mode=0o755)
    quoted = shlex.quote(text)
    works = "yes" if sudo_works else "no"
    return host.shell(
        f"rm -f /var/tmp/sudo-calls; setpriv --reuid=nobody --regid=nogroup --clear-groups "
        f'env PATH=/usr/local/bin:/usr/bin:/bin SUDO_WORKS={works} sh -c {quoted}; echo "exit=$?"; '
        "cat /var/tmp/sudo-calls 2>/dev/null | sed 's/^/sudo: /'"
    )


def test_a_non_root_user_runs_the_step_through_sudo_n_with_the_same_arguments(host):
    host.install_scripts()
    text = command(f"{PROBE}.sh", {"NODE_NAME": "w1"}, label="w1 probe")
    result = as_nobody(host, text, sudo_works=True)
    bundle = script_bundle()
    run = f"{HOST_SCRIPTS_DIR}/{bundle.file('run')}"
    assert "exit=0" in result.stdout, result
    assert f"sudo: -n bash {run} w1 probe {bundle.file('lib')} {bundle.file(PROBE)} NODE_NAME=w1" in result.stdout
    assert "sudo: -n true" in result.stdout, "it checks sudo works before re-running itself"


def test_a_non_root_user_without_passwordless_sudo_gets_the_fix(host):
    host.install_scripts()
    result = as_nobody(host, command(f"{PROBE}.sh", {}, label="w1 probe"), sudo_works=False)
    assert "exit=1" in result.stdout
    assert "mke4k: [w1 probe] error: the SSH user 'nobody' cannot run 'sudo -n'" in result.stderr
    assert "Fix: give it passwordless sudo, or connect as root (mke4k:ssh.user)" in result.stderr
    assert "sudo: -n bash" not in result.stdout, "nothing ran"
