"""Running the host scripts over SSH: the command text of every step, and the connection.

The scripts are not sent with every command. The host-ready step installs them once
per content hash (:mod:`components.k0s.bundle`, on its stdin); every step then runs
one installed script by path through ``run.sh``, with its inputs as quoted
``NAME=value`` arguments, one per line::

    exec bash /var/lib/mke4k/scripts/run-<hash>.sh 'w1 k0s-upgrade' \\
      lib-<hash>.sh upgrade_node-<hash>.sh \\
      DRAIN=true \\
      K0S_VERSION='v1.33.5+k0s.0'

So a step's command (which the command provider quotes in full in a failed step's
error) is a few hundred bytes; ``pulumi preview`` shows a version bump as the one
``K0S_VERSION`` line that changes and a script change as the changed file name of the
steps that run it; secrets never appear: they go on stdin.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

import pulumi
from pulumi_command import remote

from components.hosts.node import Bastion, Node

from .bundle import HOST_SCRIPTS_DIR, LIBRARY, RUNNER, script_bundle

_SUDO_CHECK = (
    'if [ "$(id -u)" -eq 0 ]; then s=; elif sudo -n true 2>/dev/null; then s="sudo -n"; else\n'
    "  echo \"mke4k: [{label}] error: the SSH user '$(id -un)' cannot run 'sudo -n' on $(hostname)"
    " (a password is required or sudo is missing). Fix: give it passwordless sudo, or connect as root"
    ' (mke4k:ssh.user)." >&2; exit 1\n'
    "fi\n"
)


def check_input_names(inputs: Mapping[str, object]) -> None:
    """Script inputs are UPPER_CASE shell identifiers (ValueError otherwise)."""
    for key in inputs:
        if not key.isidentifier() or not key.isupper():
            raise ValueError(f"script input names are UPPER_CASE identifiers, got {key!r}")


def run_line(label: str, name: str, inputs: Mapping[str, str]) -> str:
    """The command running installed script ``name`` with ``inputs`` (pure).

    ``label`` ("<node> <step>") prefixes every line the script prints.
    """
    check_input_names(inputs)
    bundle = script_bundle()
    head = (
        f"exec bash {HOST_SCRIPTS_DIR}/{bundle.file(RUNNER)} {shlex.quote(label)} \\\n"
        f"  {bundle.file(LIBRARY)} {bundle.file(name)}"
    )
    arguments = "".join(f" \\\n  {key}={shlex.quote(inputs[key])}" for key in sorted(inputs))
    return head + arguments


def parse_run_line(command: str) -> tuple[str, dict[str, str]] | None:
    """The script name and inputs a step's command runs (the inverse of :func:`run_line`); None otherwise.

    For tools that read the registered graph (benchmarks, tests); the host-ready command's
    installer part before its ``exec bash`` line is skipped.
    """
    start = 0 if command.startswith("exec bash ") else command.rfind("\nexec bash ") + 1
    if start == 0 and not command.startswith("exec bash "):
        return None  # not a host step (a runner step may carry one inside an argument)
    words = shlex.split(command[start:].replace("\\\n", " "))
    bundle = script_bundle()
    if len(words) < 6 or words[2] != f"{HOST_SCRIPTS_DIR}/{bundle.file(RUNNER)}":
        return None
    names = {installed: name for name, installed in bundle.files.items()}
    if words[5] not in names:
        return None
    return names[words[5]], dict(word.split("=", 1) for word in words[6:])


def install_line(label: str) -> str:
    """Commands that install the script bundle (given on stdin) under /var/lib/mke4k/scripts."""
    bundle = script_bundle()
    return (
        "set -e\n"
        + "for tool in awk sha256sum mktemp install; do command -v $tool >/dev/null || {\n"
        + f"  echo \"mke4k: [{label}] error: '$tool' is missing on $(hostname); the host scripts cannot be installed."
        + ' Fix: install it (package coreutils, or gawk for awk)." >&2; exit 1; }; done\n'
        + _SUDO_CHECK.format(label=label)
        + "t=$(mktemp -d)\n"
        + 'awk -v t="$t" \'/^=== file /{if(o)close(o);o=t"/"$3;next}{print > o}\'\n'
        + f'(cd "$t" && sha256sum -c --quiet {bundle.manifest} >/dev/null) || {{ rm -rf "$t"; '
        + f'echo "mke4k: [{label}] error: the host scripts arrived damaged (checksum mismatch). Fix: re-run." >&2; '
        + "exit 1; }\n"
        + f'$s mkdir -p -m 0755 {HOST_SCRIPTS_DIR} && $s install -m 0644 "$t"/* {HOST_SCRIPTS_DIR}/\n'
        + 'rm -rf "$t"\n'
    )


def script_command(label: str, name: str, inputs: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    """The remote command running script ``name`` with ``inputs`` (values may be Outputs)."""
    keys = sorted(inputs)
    return pulumi.Output.all(*(inputs[key] for key in keys)).apply(
        lambda values: run_line(label, name, dict(zip(keys, values, strict=True)))
    )


def install_and_run_command(label: str, name: str, inputs: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    """Install the script bundle from stdin, then run script ``name`` (the host-ready step)."""
    return script_command(label, name, inputs).apply(lambda line: install_line(label) + line)


def connection_for(
    node: Node,
    private_key: pulumi.Input[str],
    bastion: Bastion | None,
    *,
    dial_error_limit: int,
    per_dial_timeout: int,
) -> remote.ConnectionArgs:
    """SSH connection to ``node`` (through the bastion when the node needs one)."""
    return ssh_connection(
        node.ssh_address,
        node.ssh_port,
        node.ssh_user,
        private_key,
        bastion if node.use_bastion else None,
        dial_error_limit=dial_error_limit,
        per_dial_timeout=per_dial_timeout,
    )


def ssh_connection(
    host: pulumi.Input[str],
    port: pulumi.Input[int],
    user: pulumi.Input[str],
    private_key: pulumi.Input[str],
    bastion: Bastion | None,
    *,
    dial_error_limit: int,
    per_dial_timeout: int,
) -> remote.ConnectionArgs:
    """SSH connection to ``user@host:port``, through ``bastion`` when one is given (same key, same limits)."""
    proxy = None
    if bastion is not None:
        proxy = remote.ProxyConnectionArgs(
            host=bastion.address,
            port=bastion.port,
            user=bastion.user,
            private_key=private_key,
            dial_error_limit=dial_error_limit,
            per_dial_timeout=per_dial_timeout,
        )
    return remote.ConnectionArgs(
        host=host,
        port=port,
        user=user,
        private_key=private_key,
        dial_error_limit=dial_error_limit,
        per_dial_timeout=per_dial_timeout,
        proxy=proxy,
    )
