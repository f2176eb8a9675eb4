"""The k0s layer read from another stack: its outputs, and what they forbid the stack below.

Counterpart of :meth:`components.cluster.MkeCluster.export` for the k0s layer, as
``components/hosts/stack.py`` is for the hosts layer:

* a stack that runs the platform layer but not k0s reads the ``kubeconfig`` and the
  bootstrap controller's SSH access (``leader``, with the hosts stack's key and bastion)
  from the stack that runs k0s (:func:`k0s_from_stack`);
* a machines stack (``mke4k:layers.usedBy``) reads each cluster stack's ``nodeNames`` before
  anything runs and refuses to remove a machine that is still a node there
  (:func:`refuse_removing_members`): its chain there would try to reset a machine that is
  already gone, and its etcd member and Node would stay behind.
"""

from __future__ import annotations

from collections.abc import Iterable

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_command import remote

from components.hosts.naming import resource_name
from components.hosts.node import Bastion
from components.hosts.outputs import BASTION, SSH_PRIVATE_KEY
from components.hosts.stack import read_plain_output
from components.settings import Issue, Settings, SettingsError

from .previous_deployment import NODE_NAMES
from .provider import cluster_provider
from .remote import ssh_connection

KUBECONFIG = "kubeconfig"
LEADER = "leader"
__all__ = ["KUBECONFIG", "LEADER", "NODE_NAMES", "k0s_from_stack", "refuse_removing_members"]


def k0s_from_stack(
    settings: Settings, opts: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], kubernetes.Provider, remote.ConnectionArgs]:
    """The kubeconfig (secret), a provider for it and the leader's SSH access, from ``mke4k:layers.fromStack``.

    The leader's port, user and bastion are read as plain values (like the hosts layer's nodes,
    :func:`read_plain_output`); its address and the key stay Outputs of the reference.
    """
    name = settings.cluster.name
    reference = pulumi.StackReference(f"{name}-k0s-stack", stack_name=settings.layers.from_stack, opts=opts)
    kubeconfig = pulumi.Output.secret(reference.require_output(KUBECONFIG))
    leader = read_plain_output(reference, LEADER) or {}
    bastion = read_plain_output(reference, BASTION)
    via = (
        Bastion(address=bastion["address"], port=int(bastion.get("port") or 22), user=str(bastion["user"]))
        if leader.get("useBastion") and isinstance(bastion, dict)
        else None
    )
    connection = ssh_connection(
        reference.require_output(LEADER).apply(lambda value: value["address"]),
        int(leader.get("port") or settings.ssh.port),
        str(leader.get("user") or settings.ssh.user),
        pulumi.Output.secret(reference.require_output(SSH_PRIVATE_KEY)),
        via,
        dial_error_limit=settings.ssh.dial_error_limit,
        per_dial_timeout=settings.ssh.per_dial_timeout,
    )
    return kubeconfig, cluster_provider(name, kubeconfig, opts), connection


def refuse_removing_members(settings: Settings, machines: Iterable[str], key: str) -> None:
    """Raise before anything is registered when a cluster stack (``mke4k:layers.usedBy``) still lists a
    node whose machine this stack no longer has; ``machines`` are this stack's node names, ``key`` the
    setting that lists them (named in the message)."""
    here = set(machines)
    issues = []
    for index, stack in enumerate(settings.layers.used_by):
        reference = pulumi.StackReference(
            resource_name(settings.cluster.name, f"used-by-{index + 1}"), stack_name=stack
        )
        members = read_plain_output(reference, NODE_NAMES) or []
        issues += [_still_member(stack, name, key) for name in sorted(set(members) - here)]
    if issues:
        raise SettingsError(issues)


def _still_member(stack: str, name: str, key: str) -> Issue:
    return Issue(
        key,
        f"'{name}' is still a node of stack '{stack}' (its nodeNames output): removing its machine first would "
        "leave its etcd member and Node behind, and that stack's next `pulumi up` would fail to reach it.",
        f"take it out of that cluster first: in stack '{stack}', add '{name}' to mke4k:hosts.stack.exclude "
        "(mke4k:hosts.stack.gone if the machine is already dead) and run `pulumi up` there; then remove the "
        "machine here (docs/operations.md, 'Removal across stacks').",
    )
