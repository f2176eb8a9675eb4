"""Running the host scripts over SSH: building the command text and the connection.

A script runs as ``preamble + lib.sh + <script>.sh`` in one ``bash -c``: the preamble
assigns each input with ``shlex.quote`` (never interpolated otherwise) and secrets go
on stdin only. The wrapper uses ``sudo -n`` unless the SSH user is root.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

import pulumi
from pulumi_command import remote

from components.hosts.node import Bastion, Node

SCRIPTS_DIR = Path(__file__).with_name("scripts")


def script_text(name: str, inputs: Mapping[str, str]) -> str:
    """The full script for ``name`` with its inputs as a quoted preamble."""
    for key in inputs:
        if not key.isidentifier() or not key.isupper():
            raise ValueError(f"script input names are UPPER_CASE identifiers, got {key!r}")
    preamble = "".join(f"{key}={shlex.quote(value)}\n" for key, value in sorted(inputs.items()))
    library = (SCRIPTS_DIR / "lib.sh").read_text()
    body = (SCRIPTS_DIR / f"{name}.sh").read_text()
    return f"# mke4k: {name}\n{preamble}{library}\n{body}"


def wrap_for_sudo(script: str) -> str:
    """A POSIX-sh command that runs ``script`` with bash as root (sudo -n unless root)."""
    quoted = shlex.quote(script)
    return (
        f"MKE4K_SCRIPT={quoted}\n"
        'if [ "$(id -u)" -eq 0 ]; then exec bash -c "$MKE4K_SCRIPT"; '
        'else exec sudo -n bash -c "$MKE4K_SCRIPT"; fi'
    )


def script_command(name: str, inputs: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    """The remote command running script ``name`` with ``inputs`` (values may be Outputs)."""
    keys = sorted(inputs)
    return pulumi.Output.all(*(inputs[key] for key in keys)).apply(
        lambda values: wrap_for_sudo(script_text(name, dict(zip(keys, values, strict=True))))
    )


def connection_for(
    node: Node,
    private_key: pulumi.Input[str],
    bastion: Bastion | None,
    *,
    dial_error_limit: int,
    per_dial_timeout: int,
) -> remote.ConnectionArgs:
    """SSH connection to ``node`` (through the bastion when the node needs one)."""
    proxy = None
    if node.use_bastion and bastion is not None:
        proxy = remote.ProxyConnectionArgs(
            host=bastion.address,
            port=bastion.port,
            user=bastion.user,
            private_key=private_key,
            dial_error_limit=dial_error_limit,
            per_dial_timeout=per_dial_timeout,
        )
    return remote.ConnectionArgs(
        host=node.ssh_address,
        port=node.ssh_port,
        user=node.ssh_user,
        private_key=private_key,
        dial_error_limit=dial_error_limit,
        per_dial_timeout=per_dial_timeout,
        proxy=proxy,
    )
