"""What this stack's last deployment exported, to refuse changes that cannot be applied.

Some changes cannot be applied to an existing cluster: removing the controller that holds
the bootstrap role (hand it over first), changing the pod or service network, and moving
k0s backwards or by more than one Kubernetes minor. The bootstrap role also stays where it
is when hosts are reordered. Plain validation cannot see the past, so the program reads its own
stack's previous outputs through a StackReference to itself (checked with the real engine:
the previous outputs are available in both ``preview`` and ``up``; a new stack has none)
and fails with a key-naming message before any other resource is registered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components.hosts.stack import read_plain_output
from components.k0s.from_settings import archive_sha256
from components.settings import Issue, Settings, SettingsError
from components.settings.k0s import K0S_VERSION_PATTERN

BOOTSTRAP_CONTROLLER = "bootstrapController"
NETWORK = "network"
VERSIONS = "versions"
RESTORED_FROM = "restoredFrom"
"""The sha256 of the archive a restored cluster was built from."""
SSH_KEY_ID = "sshKeyId"
"""Which SSH key the nodes were last given (:func:`ssh_key_id`), to tell a rotation."""
NODE_NAMES = "nodeNames"
"""The nodes in the cluster (marked-gone ones excluded)."""


@dataclass(frozen=True)
class PreviousDeployment:
    """The facts of the last deployment that later ones must respect (None: never deployed)."""

    bootstrap_controller: str | None
    network: dict[str, str] | None
    k0s_version: str | None = None
    restored_from: str | None = None
    ssh_key_id: str | None = None
    node_names: tuple[str, ...] = ()


def read_previous(settings: Settings) -> PreviousDeployment:
    """Read this stack's own last outputs (a read-only StackReference to itself)."""
    own = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference(f"{settings.cluster.name}-previous", stack_name=own)
    return PreviousDeployment(
        bootstrap_controller=read_plain_output(reference, BOOTSTRAP_CONTROLLER),
        network=read_plain_output(reference, NETWORK),
        k0s_version=(read_plain_output(reference, VERSIONS) or {}).get("k0s"),
        restored_from=read_plain_output(reference, RESTORED_FROM),
        ssh_key_id=read_plain_output(reference, SSH_KEY_ID),
        node_names=tuple(read_plain_output(reference, NODE_NAMES) or ()),
    )


def ssh_key_id(settings: Settings) -> str | None:
    """What identifies this stack's SSH key without revealing it: the generation of a generated key, a
    hash of a given one; None when the key comes from another stack (its rotation is that stack's)."""
    aws = settings.hosts.aws
    if settings.hosts.source == "aws" and aws.public_key is None:
        return f"generated-{aws.key_generation}"
    if settings.hosts.source != "stack" and settings.ssh.private_key is not None:
        return "sha256-" + hashlib.sha256(settings.ssh.private_key.get_secret_value().encode()).hexdigest()[:16]
    return None


def _key_rotation_issues(settings: Settings, previous: PreviousDeployment, nodes: Sequence[str]) -> list[Issue]:
    """A key rotation and a node removal go in separate deployments: the removal's steps run last, with the
    key they were created with, after the rotation has taken that key off the machines."""
    now = ssh_key_id(settings)
    removed = sorted(set(previous.node_names) - set(nodes))
    if not (previous.ssh_key_id and now and now != previous.ssh_key_id and removed):
        return []
    key = "hosts.aws.keyGeneration" if now.startswith("generated-") else "ssh.privateKey"
    return [
        Issue(
            key,
            f"the SSH key changes while {', '.join(removed)} leave the cluster: their removal steps run at the end of "
            "`pulumi up` with the key they were created with, which the rotation has just removed from the machines.",
            f"do one at a time: keep {', '.join(removed)} listed for the rotation's `pulumi up`, then remove them in "
            "the next one (or remove them first, then rotate).",
        )
    ]


def network_output(settings: Settings) -> dict[str, str]:
    """The immutable network facts this deployment exports."""
    return {"podCidr": settings.network.pod_cidr, "serviceCidr": settings.network.service_cidr}


def choose_bootstrap(
    settings: Settings,
    controllers: list[str],
    previous: PreviousDeployment,
    gone: frozenset[str] = frozenset(),
    nodes: Sequence[str] = (),
) -> str:
    """The bootstrap controller: the configured one, else the previous one, else the first that is not gone.

    Keeping the previous one by default makes reordering hosts harmless; naming another
    controller hands the role over (every node has the same steps, so nothing is deleted).
    Raises SettingsError when the current bootstrap controller is removed (or marked gone)
    without handing the role over in the same deployment, and when an immutable setting changed.
    """
    issues = (
        _network_issues(settings, previous)
        + _version_issues(settings, previous)
        + _restore_issues(settings, previous)
        + _key_rotation_issues(settings, previous, nodes)
    )
    wanted = settings.k0s.bootstrap_controller
    alive = [name for name in controllers if name not in gone]
    if wanted is not None and wanted not in controllers:
        issues.append(
            Issue(
                "k0s.bootstrapController", f"'{wanted}' is not a controller.", f"name one of: {', '.join(controllers)}."
            )
        )
    elif wanted is not None and wanted in gone:
        issues.append(
            Issue(
                "k0s.bootstrapController",
                f"'{wanted}' is marked gone, so it cannot run the leader-side steps.",
                f"name a controller that is not gone: {', '.join(alive) or '(none)'}.",
            )
        )
    if not alive:
        issues.append(
            Issue(
                "hosts",
                "every controller is marked gone: nothing is left to run the cluster from.",
                "restore the control plane from a backup into a new stack (docs/operations.md, 'Restore').",
            )
        )
    before = previous.bootstrap_controller
    if before is not None and before in gone and wanted in (None, before):
        issues.append(
            Issue(
                "k0s.bootstrapController",
                f"'{before}' holds the bootstrap role and is marked gone: its leader-side steps (joins, removals) "
                "must move to a controller that answers.",
                f"hand the role over in the same change: set mke4k:k0s.bootstrapController to one of "
                f"{', '.join(alive) or '(none)'}; the gone controller is then removed from etcd there.",
            )
        )
    if before is not None and before not in controllers:
        issues.append(
            Issue(
                "hosts",
                f"'{before}' is the bootstrap controller and cannot be removed while it holds that role "
                "(its leader-side steps run every join and removal).",
                f"hand the role over first: set mke4k:k0s.bootstrapController to another controller and run "
                f"'pulumi up' with '{before}' still listed; then remove '{before}'.",
            )
        )
    if issues:
        raise SettingsError(issues)
    return wanted or before or alive[0]


def _restore_issues(settings: Settings, previous: PreviousDeployment) -> list[Issue]:
    """restoreFrom builds a new cluster: refused once the stack is deployed, unless it is the archive it came from."""
    name = settings.backup.restore_from
    if name is None or previous.bootstrap_controller is None:
        return []
    if previous.restored_from == archive_sha256(Path.cwd() / Path(name).expanduser()):
        return []
    return [
        Issue(
            "backup.restoreFrom",
            "this stack already runs a cluster; restoring into it would replace its control plane under the nodes.",
            "remove mke4k:backup.restoreFrom; to restore an existing cluster follow docs/operations.md "
            "('Restore an existing cluster'), or restore into a new stack.",
        )
    ]


def _version_issues(settings: Settings, previous: PreviousDeployment) -> list[Issue]:
    """k0s upgrades go forward one Kubernetes minor at a time (Kubernetes version skew policy)."""
    before, now = previous.k0s_version, settings.k0s.version
    if not before or not now or before == now:
        return []
    old, new = _version_key(before), _version_key(now)
    if new < old:
        return [
            Issue(
                "k0s.version",
                f"{before} -> {now} is a downgrade, which k0s does not support.",
                f"keep {before} or newer.",
            )
        ]
    if new[1] > old[1] + 1:
        return [
            Issue(
                "k0s.version",
                f"{before} -> {now} skips a Kubernetes minor; control planes must be upgraded one minor at a time.",
                f"upgrade to the latest v1.{old[1] + 1}.x first, then to {now}.",
            )
        ]
    return []


def _version_key(version: str) -> tuple[int, ...]:
    match = K0S_VERSION_PATTERN.match(version)
    return tuple(int(part) for part in match.groups()) if match else (0,)


def _network_issues(settings: Settings, previous: PreviousDeployment) -> list[Issue]:
    if not previous.network:
        return []
    issues = []
    now = network_output(settings)
    for key, config_key in (("podCidr", "network.podCidr"), ("serviceCidr", "network.serviceCidr")):
        before = previous.network.get(key)
        if before and before != now[key]:
            issues.append(
                Issue(
                    config_key,
                    f"{before} -> {now[key]}: the {key[:-4]} network cannot change on an existing cluster.",
                    f"set it back to {before}, or build a new cluster.",
                )
            )
    return issues
