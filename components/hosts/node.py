"""The contract between the hosts layer and the k0s layer.

A ``Node`` says everything the k0s layer needs about one machine and nothing about
where it came from (EC2, a static list, or another stack). ``Hosts`` is the whole
result of the hosts layer: the nodes in join order, the API address, the SSH key
and an optional bastion.

Names and roles are plain strings known when the program starts, because the k0s
layer builds one resource chain per node from them; addresses may be Outputs
(an EC2 instance's IP is known only after it exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.settings.hosts import CONTROLLER_ROLES, Role

__all__ = ["Bastion", "Hosts", "Node", "Role"]


@dataclass(frozen=True)
class Node:
    """One machine of the cluster, as the k0s layer sees it."""

    name: str
    """Node name: the Kubernetes node name and part of every per-node resource name."""
    role: Role
    """``controller+worker``, ``controller`` or ``worker``."""
    ssh_address: pulumi.Input[str]
    """Address the runner connects to over SSH (public IP, private IP behind a bastion, DNS)."""
    private_address: pulumi.Input[str]
    """Address other nodes use: k0s api.address and etcd peer address for controllers."""
    ssh_port: int = 22
    """SSH port."""
    ssh_user: str = "ubuntu"
    """SSH user (root, or with passwordless sudo)."""
    machine: pulumi.Resource | None = None
    """The resource that owns the machine (e.g. the EC2 instance): per-node steps depend on it,
    and steps that are pointless once it is gone are ``deleted_with`` it."""
    machine_id: pulumi.Input[str] | None = None
    """Identity of the machine; when it changes (a replaced instance) the node's chain is
    replaced: the old node leaves cleanly and the new one joins with a fresh token."""
    use_bastion: bool = False
    """Reach this node through ``Hosts.bastion``."""
    gone: bool = False
    """The machine is gone for good: none of the node's own steps runs (nothing dials it) and its
    membership is removed on the bootstrap controller."""
    mark_gone: str = ""
    """How the user marks this node gone, for messages (``set gone: true on 'w2' in mke4k:hosts.static.hosts``)."""

    @property
    def is_controller(self) -> bool:
        """Runs a k0s controller (and etcd)."""
        return self.role in CONTROLLER_ROLES

    @property
    def runs_kubelet(self) -> bool:
        """Runs a kubelet (worker or controller+worker): must be drained before removal/upgrade."""
        return self.role != "controller"


@dataclass(frozen=True)
class Bastion:
    """A jump host the runner goes through to reach nodes with ``use_bastion``."""

    address: pulumi.Input[str]
    port: int = 22
    user: str = "ubuntu"


@dataclass(frozen=True)
class Hosts:
    """Everything the hosts layer hands to the k0s layer."""

    nodes: list[Node]
    """All nodes, controllers first in join order, then workers."""
    api_address: pulumi.Input[str]
    """Address clients and nodes use for the API: the load balancer's DNS name, or the single
    controller's address."""
    ssh_private_key: pulumi.Input[str]
    """SSH private key for every node (a secret Output)."""
    external_address: pulumi.Input[str] | None = None
    """Load balancer address when there is one: k0s spec.api.externalAddress."""
    bastion: Bastion | None = None
    """Jump host, when some nodes are private."""
    extra_sans: list[pulumi.Input[str]] = field(default_factory=list)
    """Extra API certificate names the hosts layer knows of (e.g. the LB DNS name)."""

    @property
    def controllers(self) -> list[Node]:
        """Controller nodes in join order."""
        return [node for node in self.nodes if node.is_controller]

    @property
    def workers(self) -> list[Node]:
        """Worker-only nodes, in config order."""
        return [node for node in self.nodes if not node.is_controller]
