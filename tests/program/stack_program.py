"""Run the real program (``__main__.py``) for a stack config under recording mocks."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import yaml

from tests.program.hosts_helpers import HostsMocks
from tests.support.recording_mocks import Recording, run_program
from tests.support.ssh_keys import openssh_private_key

REPO = Path(__file__).resolve().parents[2]
SHIPPED_STACKS = ("dev", "staging", "prod", "lab", "airgap")
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://10.0.0.1:6443
  name: local
contexts:
- context: {cluster: local, user: admin}
  name: admin
current-context: admin
users:
- name: admin
  user:
    client-key-data: S0VZLXNlY3JldC1tYXRlcmlhbA==
"""


def stack_config(stack: str) -> dict[str, Any]:
    """The ``config`` mapping of ``Pulumi.<stack>.yaml``."""
    return yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]


def give_stack_keys(home: Path) -> None:
    """Write a placeholder SSH key wherever a shipped stack's ``ssh.privateKeyFile`` points under ``~``."""
    for stack in SHIPPED_STACKS:
        key_file = (stack_config(stack).get("mke4k:ssh") or {}).get("privateKeyFile")
        if key_file and key_file.startswith("~/"):
            path = home / key_file[2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(openssh_private_key(f"{stack}-secret"))


def as_pulumi_config(config: dict[str, Any]) -> dict[str, str]:
    """Config values the way the engine hands them to a program (objects as JSON strings)."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def run_stack(config: dict[str, Any], stack: str, **kwargs: Any) -> Recording:
    """Run ``__main__.py`` with ``config`` (keys with their namespace) as stack ``stack``."""
    kwargs.setdefault("command_stdout", {})
    cluster = _cluster_name(config, stack)
    kwargs["command_stdout"].setdefault(f"{cluster}-admin-kubeconfig", KUBECONFIG)
    return run_program(
        lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"),
        config=as_pulumi_config(config),
        stack=stack,
        **{"mocks_class": HostsMocks, **kwargs},
    )


def _cluster_name(config: dict[str, Any], stack: str) -> str:
    cluster = config.get("mke4k:cluster") or {}
    return cluster.get("name", stack) if isinstance(cluster, dict) else stack
