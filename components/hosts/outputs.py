"""Stack outputs of the hosts layer, read back by the ``stack`` source of another stack.

Output names (camelCase, the stack-output convention of this project)::

    nodes            [{name, role, sshAddress, privateAddress, sshPort, sshUser, useBastion, machineId, gone}]
    apiAddress       str
    externalAddress  str | None
    sshPrivateKey    str (secret)
    bastion          {address, port, user} | None
"""

from __future__ import annotations

from typing import Any

import pulumi

from .node import Bastion, Hosts, Node

NODES = "nodes"
API_ADDRESS = "apiAddress"
EXTERNAL_ADDRESS = "externalAddress"
SSH_PRIVATE_KEY = "sshPrivateKey"
BASTION = "bastion"
OUTPUT_NAMES = (NODES, API_ADDRESS, EXTERNAL_ADDRESS, SSH_PRIVATE_KEY, BASTION)


def node_output(node: Node) -> dict[str, Any]:
    """One node as an output mapping (addresses may be Outputs)."""
    return {
        "name": node.name,
        "role": node.role,
        "sshAddress": node.ssh_address,
        "privateAddress": node.private_address,
        "sshPort": node.ssh_port,
        "sshUser": node.ssh_user,
        "useBastion": node.use_bastion,
        "machineId": node.machine_id,
        "gone": node.gone,
    }


def bastion_output(bastion: Bastion | None) -> dict[str, Any] | None:
    """The bastion as an output mapping, or None."""
    if bastion is None:
        return None
    return {"address": bastion.address, "port": bastion.port, "user": bastion.user}


def hosts_outputs(hosts: Hosts) -> dict[str, Any]:
    """Every hosts-layer output by name; the private key is a secret Output."""
    return {
        NODES: [node_output(node) for node in hosts.nodes],
        API_ADDRESS: hosts.api_address,
        EXTERNAL_ADDRESS: hosts.external_address,
        SSH_PRIVATE_KEY: pulumi.Output.secret(hosts.ssh_private_key),
        BASTION: bastion_output(hosts.bastion),
    }


def export_hosts(hosts: Hosts) -> None:
    """``pulumi.export`` the hosts-layer outputs, so a ``stack``-source stack can read them."""
    for name, value in hosts_outputs(hosts).items():
        pulumi.export(name, value)
