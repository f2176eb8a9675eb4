"""The machines: how many controllers, unique names and addresses, usable private addresses."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable

from ..errors import Issue
from ..formats import as_ip
from ..hosts import CONTROLLER_ROLES, StaticHost
from ..root import Settings
from .base import Context, hosts_source, machines_here


def controller_count(s: Settings, _: Context) -> Iterable[Issue]:
    """There is an odd number of controllers (etcd needs a majority); a static host list is not empty."""
    if not s.runs("hosts") or hosts_source(s) not in ("aws", "static"):
        return
    if hosts_source(s) == "aws":
        key = "hosts.aws.controllers.count"
    else:
        key = "hosts.static.hosts"
        if not s.hosts.static.hosts:
            yield Issue(key, "no hosts listed.", "list the machines (name, role, address) or use mke4ConfigFile.")
            return
    controllers = planned_controller_names(s) or []
    count = len(controllers)
    gone = [name for name in controllers if name in gone_names(s)]
    if count == 0:
        yield Issue(key, "there are no controllers.", "add a controller or controller+worker (1, 3 or 5).")
    elif count % 2 == 0:
        yield Issue(
            key,
            f"{count} controllers: etcd runs on every controller and needs a majority, so an even "
            "count tolerates no more failures than one fewer and risks split votes.",
            f"use an odd number ({count - 1} or {count + 1}).",
        )
    elif gone and (count - len(gone)) % 2 == 0 and count > len(gone):
        yield Issue(
            key,
            f"once {', '.join(gone)} (marked gone) left etcd, {count - len(gone)} controllers remain: an even "
            "count tolerates no more failures than one fewer.",
            "add a controller (or remove one) in the next change to get back to an odd number.",
            severity="warning",
        )


def gone_hosts(s: Settings, _: Context) -> Iterable[Issue]:
    """Nodes marked gone are nodes of this stack, and at least one controller is not gone."""
    if hosts_source(s) == "aws" and (s.runs("hosts") or s.runs("k0s")):
        planned = aws_node_names(s)
        unknown = [name for name in s.hosts.aws.gone if name not in planned]
        if unknown:
            yield Issue(
                "hosts.aws.gone",
                f"{', '.join(repr(name) for name in unknown)} is not a node of this stack.",
                f"list only nodes it has: {', '.join(planned)}.",
            )
    controllers = planned_controller_names(s)
    if controllers and all(name in gone_names(s) for name in controllers):
        key = "hosts.aws.gone" if hosts_source(s) == "aws" else "hosts.static.hosts"
        yield Issue(
            key,
            "every controller is marked gone: no controller is left to run the cluster from.",
            "keep at least one controller that answers, or restore the control plane from a backup into a new "
            "stack (mke4k:backup.restoreFrom).",
        )


def gone_names(s: Settings) -> set[str]:
    """Node names this stack's settings mark gone."""
    source = hosts_source(s)
    if source == "static":
        return {h.name for h in s.hosts.static.hosts if h.gone}
    if source == "aws":
        return set(s.hosts.aws.gone)
    return set(s.hosts.stack.gone)


def aws_node_names(s: Settings) -> list[str]:
    """Every node name of the aws source, controllers first."""
    # Imported here: components.hosts imports this package (its naming is pure).
    from components.hosts.naming import plan_nodes

    aws = s.hosts.aws
    return [node.name for node in plan_nodes(aws.controllers.count, aws.controllers.role, aws.workers.count, 1)]


def unique_hosts(s: Settings, _: Context) -> Iterable[Issue]:
    """Static hosts have distinct names and distinct addresses."""
    if hosts_source(s) != "static":
        return
    hosts = s.hosts.static.hosts
    for name, n in Counter(h.name for h in hosts).items():
        if n > 1:
            yield Issue("hosts.static.hosts", f"host name '{name}' is used {n} times.", "give every host its own name.")
    for address, n in Counter(a for h in hosts for a in {h.address, h.private_address or h.address}).items():
        if n > 1:
            yield Issue(
                "hosts.static.hosts", f"address '{address}' is used by {n} hosts.", "every host needs its own address."
            )


def bootstrap_controller(s: Settings, _: Context) -> Iterable[Issue]:
    """k0s.bootstrapController names one of this cluster's controllers."""
    boot = s.k0s.bootstrap_controller
    if boot is None:
        return
    controllers = planned_controller_names(s)
    if controllers is not None and boot not in controllers:
        yield Issue(
            "k0s.bootstrapController",
            f"'{boot}' is not a controller of this cluster.",
            f"name one of: {', '.join(controllers) or '(no controllers)'}.",
        )


def planned_controller_names(s: Settings) -> list[str] | None:
    """Controller names known from the settings alone (None when they come from another stack)."""
    source = hosts_source(s)
    if source == "static":
        return [h.name for h in s.hosts.static.hosts if h.role in CONTROLLER_ROLES]
    if source == "aws":
        return aws_node_names(s)[: s.hosts.aws.controllers.count]
    return None


def planned_node_names(s: Settings) -> tuple[list[str], str]:
    """Every node name of this stack's own machines (gone ones included) and the key that lists them."""
    if hosts_source(s) == "aws":
        return aws_node_names(s), "hosts.aws"
    if hosts_source(s) == "static":
        return [h.name for h in s.hosts.static.hosts], "hosts.static.hosts"
    return [], "hosts.source"


def kubelet_nodes(s: Settings, _: Context) -> Iterable[Issue]:
    """With the platform layer on, some node runs a kubelet (a worker or controller+worker); all-tainted is a warning."""
    if not s.runs("platform"):
        return
    if machines_here(s, "aws"):
        aws = s.hosts.aws
        kubelets = (aws.controllers.count if aws.controllers.role == "controller+worker" else 0) + aws.workers.count
        workers, key = aws.workers.count, "hosts.aws.workers.count"
    elif machines_here(s, "static") and s.hosts.static.hosts:
        roles = [h.role for h in s.hosts.static.hosts]
        kubelets = sum(1 for role in roles if role != "controller")
        workers, key = roles.count("worker"), "hosts.static.hosts"
    else:
        return
    if kubelets == 0:
        yield Issue(
            key,
            "no node runs a kubelet (every node is a plain controller), so nothing the platform layer "
            "installs could ever be scheduled.",
            "add workers, or make the controllers controller+worker.",
        )
    elif workers == 0 and not s.k0s.no_taints:
        yield Issue(
            "k0s.noTaints",
            "every kubelet runs on a tainted controller+worker and there is no worker: pods without a "
            "control-plane toleration (parts of k0rdent and of MKE's system services) will stay Pending.",
            "add a worker, or set mke4k:k0s.noTaints: true to schedule workloads on the managers.",
            severity="warning",
        )


_UNUSABLE = (
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_unspecified", "the unspecified address"),
    ("is_multicast", "a multicast address"),
)


def node_private_addresses(s: Settings, _: Context) -> Iterable[Issue]:
    """A static node's private address (privateAddress, else address) is reachable by the other nodes; a controller's is an IPv4 address."""
    if hosts_source(s) != "static":
        return
    for i, host in enumerate(s.hosts.static.hosts):
        key, value = _private_address_key(i, host)
        fix = (
            "give privateAddress: the address the other nodes reach this host at."
            if host.private_address is None
            else "give the address the other nodes reach this host at."
        )
        address = as_ip(value)
        if address is None:
            if host.role in CONTROLLER_ROLES:
                yield Issue(
                    key,
                    f"'{value}' is a host name, but a controller's private address becomes k0s "
                    "spec.api.address and the etcd peer address, which must be IP addresses.",
                    "give the controller's IPv4 address"
                    + (" in privateAddress." if host.private_address is None else "."),
                )
            continue
        what = next((label for attribute, label in _UNUSABLE if getattr(address, attribute)), None)
        if what is None and address == ipaddress.IPv4Address("255.255.255.255"):
            what = "the broadcast address"
        if what is not None:
            yield Issue(
                key,
                f"{value} is {what}: it becomes this node's address for the other nodes "
                "(etcd peer and API address on a controller), and they cannot reach it there.",
                fix,
            )


def _private_address_key(index: int, host: StaticHost) -> tuple[str, str]:
    if host.private_address is not None:
        return f"hosts.static.hosts[{index}].privateAddress", host.private_address
    return f"hosts.static.hosts[{index}].address", host.address


RULES = (controller_count, gone_hosts, unique_hosts, bootstrap_controller, kubelet_nodes, node_private_addresses)
