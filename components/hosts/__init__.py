"""The hosts layer: which machines form the cluster (``aws``, ``static`` or ``stack``).

``build_hosts(settings)`` is the one entry point; it returns the :class:`Hosts`
contract the k0s layer consumes. ``export_hosts(hosts)`` exports it for a stack that
reads this one with the ``stack`` source.
"""

from __future__ import annotations

import pulumi

from components.settings import Issue, Settings, SettingsError

from .aws import AwsHosts
from .naming import resource_name
from .node import Bastion, Hosts, Node
from .outputs import export_hosts, hosts_outputs
from .stack import stack_hosts
from .static import static_hosts

__all__ = [
    "AwsHosts",
    "Bastion",
    "Hosts",
    "Node",
    "build_hosts",
    "export_hosts",
    "hosts_outputs",
]


def build_hosts(settings: Settings, opts: pulumi.ResourceOptions | None = None) -> Hosts:
    """Build the hosts layer for ``settings.hosts.source`` (resolved by the loader).

    Key problems (e.g. a public key without ``mke4k:ssh.privateKey``) were refused by
    the settings pass, before any resource is registered.
    """
    source = settings.hosts.source
    if source == "aws":
        return AwsHosts(resource_name(settings.cluster.name, "hosts"), settings, opts).hosts
    if source == "static":
        return static_hosts(settings)
    if source == "stack":
        return stack_hosts(settings, opts)
    raise SettingsError([Issue("hosts.source", f"unknown source {source!r}.", "use aws, static or stack.")])
