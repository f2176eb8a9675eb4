"""Build the k0s layer alone from synthetic nodes, under recording mocks."""

from __future__ import annotations

from pathlib import Path

import pulumi
from pulumi_command import local

from components.hosts.node import Bastion, Hosts, Node
from components.k0s.cluster import K0sCluster, K0sClusterArgs
from components.k0s.node import BackupTarget, RestoreSource
from components.k0s.remote import parse_run_line
from components.settings import Settings, settings_from_mapping
from tests.support.recording_mocks import Recording, run_program

COMMAND = "command:remote:Command"
LOCAL = "command:local:Command"
SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nk0s-layer-test-key\n-----END OPENSSH PRIVATE KEY-----\n"
JOIN_TOKEN = "H4sIAAAAAAAC/join-token-secret-material"
KUBECONFIG = (
    "apiVersion: v1\nclusters:\n- cluster: {server: 'https://10.1.0.1:6443'}\n  name: k0s\n"
    "users:\n- name: admin\n  user: {client-key-data: a3ViZWNvbmZpZy1zZWNyZXQ=}\n"
)


BACKUPS = BackupTarget(directory="~/.local/share/mke4k/backups", keep=10, stack="test")
"""What the program passes by default (mke4k:backup.beforeChanges true)."""


def k0s_settings(**k0s: object) -> Settings:
    """Settings with a one-host static list (the k0s layer only reads k0s/network/ssh)."""
    raw = {
        "hosts": {
            "source": "static",
            "static": {"hosts": [{"name": "c-1", "role": "controller+worker", "address": "10.1.0.1"}]},
        },
        "ssh": {"privateKey": SSH_KEY},
        "k0s": k0s,
    }
    return settings_from_mapping(raw, stack="k0s", base_dir=Path("."))


def names(controllers: int, workers: int, role: str = "controller+worker") -> list[tuple[str, str]]:
    """(name, role) pairs: managers (controller+worker unless ``role`` says), then workers."""
    return [(f"c-{i}", role) for i in range(1, controllers + 1)] + [(f"w-{i}", "worker") for i in range(1, workers + 1)]


def build(
    controllers: int,
    workers: int,
    settings: Settings | None = None,
    *,
    with_machines: bool = False,
    role: str = "controller+worker",
    bastion: Bastion | None = None,
    workers_behind_bastion: bool = False,
    gone: frozenset[str] = frozenset(),
    bootstrap: str | None = None,
    backup: BackupTarget | None = BACKUPS,
    restore: RestoreSource | None = None,
    ssh_key: str = SSH_KEY,
) -> Recording:
    """Register a K0sCluster of ``controllers`` (of ``role``) + ``workers`` nodes; return the recording."""
    settings = settings or k0s_settings()
    stdout = {"k0s-admin-kubeconfig": KUBECONFIG}
    for name, _ in names(controllers, workers, role):
        stdout[f"k0s-{name}-join-token"] = JOIN_TOKEN
        stdout[f"k0s-{name}-k0s-install"] = "token_id=abcdef\n"

    def program() -> None:
        nodes = []
        for index, (name, node_role) in enumerate(names(controllers, workers, role)):
            address = f"10.1.{index // 250}.{index % 250 + 1}"
            machine = local.Command(f"machine-{name}", create="true") if with_machines else None
            nodes.append(
                Node(
                    name=name,
                    role=node_role,
                    ssh_address=address,
                    private_address=address,
                    machine=machine,
                    machine_id=machine.id if machine else address,
                    use_bastion=workers_behind_bastion and node_role == "worker",
                    gone=name in gone,
                    mark_gone=f"set gone: true on '{name}' in mke4k:hosts.static.hosts",
                )
            )
        hosts = Hosts(
            nodes=nodes,
            api_address="api.k0s.test",
            ssh_private_key=pulumi.Output.secret(ssh_key),
            external_address="api.k0s.test",
            bastion=bastion,
        )
        K0sCluster(
            "k0s",
            K0sClusterArgs(
                cluster_name="k0s",
                hosts=hosts,
                k0s=settings.k0s,
                k0s_version=settings.k0s.version or "",
                network=settings.network,
                ssh=settings.ssh,
                bootstrap_controller=bootstrap,
                backup=backup,
                restore=restore,
            ),
        )

    return run_program(program, command_stdout=stdout)


def step(recording: Recording, node: str, name: str):
    """The ``k0s-<node>-<name>`` command."""
    return recording.by_name(f"k0s-{node}-{name}", COMMAND)


def probe(recording: Recording, node: str, name: str = "ssh-probe"):
    """The ``k0s-<node>-ssh-probe`` (or ``reset-probe``) runner-side command."""
    return recording.by_name(f"k0s-{node}-{name}", LOCAL)


def script_of(command: str) -> str:
    """The host script a step's command runs (``stage_k0s``), read back from its ``run.sh`` line."""
    parsed = parse_run_line(command)
    assert parsed is not None, command
    return parsed[0]


def script_inputs(command: str) -> dict[str, str]:
    """The ``NAME=value`` inputs a step's command hands to its script."""
    parsed = parse_run_line(command)
    assert parsed is not None, command
    return parsed[1]


def commands(recording: Recording) -> dict[str, dict]:
    """Every command's inputs by name (remote steps and the runner-side probes)."""
    return {r.name: r.inputs for kind in (COMMAND, LOCAL) for r in recording.by_type(kind)}
