"""The ``static`` hosts source: machines that already exist, listed in the stack config.

Pure: no resources are registered. Each host becomes a :class:`Node` with
``machine=None`` and ``machine_id`` = its address, so a re-addressed host counts as a
new machine (the old node leaves, the new one joins).
"""

from __future__ import annotations

from components.settings import Settings
from components.settings.hosts import CONTROLLER_ROLES, StaticHost

from .node import Bastion, Hosts, Node
from .ssh_key import configured_private_key


def static_node(host: StaticHost, settings: Settings) -> Node:
    """One listed host as a Node (SSH user/port fall back to ``mke4k:ssh``)."""
    return Node(
        name=host.name,
        role=host.role,
        ssh_address=host.address,
        private_address=host.private_address or host.address,
        ssh_port=host.ssh_port if host.ssh_port is not None else settings.ssh.port,
        ssh_user=host.ssh_user or settings.ssh.user,
        machine=None,
        machine_id=host.address,
        use_bastion=settings.ssh.bastion is not None,
        gone=host.gone,
        mark_gone=f"set gone: true on '{host.name}' in mke4k:hosts.static.hosts",
    )


def static_bastion(settings: Settings) -> Bastion | None:
    """``mke4k:ssh.bastion`` as a Bastion (user falls back to ``mke4k:ssh.user``), or None."""
    bastion = settings.ssh.bastion
    if bastion is None:
        return None
    return Bastion(address=bastion.address, port=bastion.port, user=bastion.user or settings.ssh.user)


def static_hosts(settings: Settings) -> Hosts:
    """Hosts from ``mke4k:hosts.static.hosts``: controllers first (listed order), then workers.

    The API address is ``mke4k:apiExternalAddress`` when set (also the external address
    and an extra SAN), else the private address of the first controller that is not gone.
    SettingsError naming ``mke4k:ssh.privateKey`` when no key is configured.
    """
    listed = settings.hosts.static.hosts
    ordered = [h for h in listed if h.role in CONTROLLER_ROLES] + [h for h in listed if h.role not in CONTROLLER_ROLES]
    nodes = [static_node(host, settings) for host in ordered]
    key = configured_private_key(settings.ssh)
    external = settings.api_external_address
    controllers = [node for node in nodes if node.is_controller and not node.gone]
    api_address = external or (controllers[0].private_address if controllers else nodes[0].private_address)
    return Hosts(
        nodes=nodes,
        api_address=api_address,
        ssh_private_key=key,
        external_address=external,
        bastion=static_bastion(settings),
        extra_sans=[external] if external else [],
    )
