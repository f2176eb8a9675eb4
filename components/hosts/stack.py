"""The ``stack`` hosts source: the nodes exported by another stack (layered state).

The k0s layer builds one resource chain per node, so node names and roles must be plain
values while the program is being built, but StackReference outputs are Outputs. The
referenced stack's ``nodes`` output is therefore resolved synchronously, once, by
:func:`read_plain_output` (the same mechanism the SDK uses for synchronous invokes).
That works under the real engine, in ``preview`` as well as ``up`` (the engine reads
stack references in both), and under Pulumi mocks. Addresses, machine ids and the key
stay Outputs taken from the reference, so they keep their secrecy and dependencies.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

from components.settings import Issue, Settings, SettingsError
from components.settings.hosts import Role, check_node_name

from .naming import resource_name
from .node import Bastion, Hosts, Node
from .outputs import API_ADDRESS, BASTION, EXTERNAL_ADDRESS, NODES, SSH_PRIVATE_KEY

FROM_STACK_KEY = "layers.fromStack"
_ROLES: tuple[Role, ...] = ("controller+worker", "controller", "worker")


def read_plain_output(reference: pulumi.StackReference, name: str) -> Any:
    """The value of ``name`` in the referenced stack, as a plain value, now (None when absent).

    Blocks the program until the stack reference has been read, using the SDK's
    ``_sync_await`` (an internal helper, also behind every synchronous invoke): it pumps
    the running event loop until the read completes. Secret outputs are returned
    unwrapped: only use this for values that are not sensitive (names, roles, ports).
    """
    details = _sync_await(reference.get_output_details(name))
    return details.value if details.value is not None else details.secret_value


def _problem(stack: str, problem: str) -> SettingsError:
    return SettingsError(
        [
            Issue(
                FROM_STACK_KEY,
                f"stack '{stack}': {problem}",
                "run the hosts layer in that stack first (it exports nodes, apiAddress, sshPrivateKey), "
                "or point mke4k:layers.fromStack at the stack that does.",
            )
        ]
    )


def _plain_nodes(stack: str, value: Any) -> list[dict[str, Any]]:
    """Validate the ``nodes`` output's plain shape (names, roles, ports, users)."""
    if not isinstance(value, list) or not value:
        raise _problem(stack, "exports no 'nodes' output (or an empty one).")
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _problem(stack, f"nodes[{index}] is not a mapping.")
        name, role = item.get("name"), item.get("role")
        try:
            check_node_name(str(name))
        except ValueError as error:
            raise _problem(stack, f"nodes[{index}].name: {error}.") from None
        if role not in _ROLES:
            raise _problem(stack, f"nodes[{index}].role is {role!r}; expected one of {', '.join(_ROLES)}.")
        if name in seen:
            raise _problem(stack, f"node name '{name}' appears twice.")
        seen.add(str(name))
    return value


def _field(nodes: pulumi.Output[Any], name: str, key: str) -> pulumi.Output[Any]:
    """``nodes[name][key]`` as an Output (looked up by node name, not position)."""
    return nodes.apply(lambda items: next(item for item in items if item["name"] == name).get(key))


def stack_hosts(settings: Settings, opts: pulumi.ResourceOptions | None = None) -> Hosts:
    """Hosts read from ``mke4k:layers.fromStack`` through StackReference ``<cluster>-hosts-stack``."""
    stack = settings.layers.from_stack
    if not stack:
        raise SettingsError([Issue(FROM_STACK_KEY, "the stack source needs a stack to read.", "set it.")])
    reference = pulumi.StackReference(resource_name(settings.cluster.name, "hosts-stack"), stack_name=stack, opts=opts)
    plain = _plain_nodes(stack, read_plain_output(reference, NODES))
    names = sorted(item["name"] for item in plain)
    lists = {"hosts.stack.gone": settings.hosts.stack.gone, "hosts.stack.exclude": settings.hosts.stack.exclude}
    issues = [
        Issue(
            key,
            f"{', '.join(repr(n) for n in unknown)} is not a node of stack '{stack}'.",
            f"list only its nodes: {', '.join(names)}.",
        )
        for key, listed in lists.items()
        if (unknown := sorted(set(listed) - set(names)))
    ]
    if issues:
        raise SettingsError(issues)
    plain = [item for item in plain if item["name"] not in settings.hosts.stack.exclude]
    nodes_output = reference.require_output(NODES)
    nodes = [
        Node(
            name=item["name"],
            role=item["role"],
            ssh_address=_field(nodes_output, item["name"], "sshAddress"),
            private_address=_field(nodes_output, item["name"], "privateAddress"),
            ssh_port=int(item.get("sshPort") or settings.ssh.port),
            ssh_user=str(item.get("sshUser") or settings.ssh.user),
            machine=None,
            machine_id=_field(nodes_output, item["name"], "machineId"),
            use_bastion=bool(item.get("useBastion", False)),
            gone=bool(item.get("gone", False)) or item["name"] in settings.hosts.stack.gone,
            mark_gone=f"add '{item['name']}' to mke4k:hosts.stack.gone",
        )
        for item in sorted(plain, key=lambda item: 0 if item["role"] != "worker" else 1)
    ]
    bastion_plain = read_plain_output(reference, BASTION)
    bastion = None
    if isinstance(bastion_plain, dict):
        bastion_output = reference.require_output(BASTION)
        bastion = Bastion(
            address=bastion_output.apply(lambda b: b["address"]),
            port=int(bastion_plain.get("port") or 22),
            user=str(bastion_plain.get("user") or settings.ssh.user),
        )
    if read_plain_output(reference, API_ADDRESS) is None:
        raise _problem(stack, "exports no 'apiAddress' output.")
    external = reference.get_output(EXTERNAL_ADDRESS) if read_plain_output(reference, EXTERNAL_ADDRESS) else None
    return Hosts(
        nodes=nodes,
        api_address=reference.require_output(API_ADDRESS),
        ssh_private_key=pulumi.Output.secret(reference.require_output(SSH_PRIVATE_KEY)),
        external_address=external,
        bastion=bastion,
        extra_sans=[external] if external is not None else [],
    )
