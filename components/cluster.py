"""MkeCluster: hosts -> k0s -> platform, each layer run here or read from another stack.

A stack runs a contiguous set of layers (``mke4k:layers.run``). The layer below the
lowest one it runs is read from ``mke4k:layers.fromStack``:

* no hosts layer here: the hosts come from that stack's exported nodes (``stack`` source);
* no k0s layer here: the kubeconfig and the bootstrap controller's SSH address come from
  that stack's ``kubeconfig`` and ``leader`` outputs.

Every layer exports what the next one (here or in another stack) needs.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_command import remote

from components.hosts import build_hosts
from components.hosts.naming import base_tags
from components.hosts.node import Hosts
from components.hosts.outputs import export_hosts
from components.k0s.backup_bucket import BackupBucket
from components.k0s.cluster import K0sCluster
from components.k0s.from_settings import k0s_cluster_args
from components.k0s.from_stack import KUBECONFIG, LEADER, NODE_NAMES, k0s_from_stack, refuse_removing_members
from components.k0s.previous_deployment import (
    BOOTSTRAP_CONTROLLER,
    NETWORK,
    RESTORED_FROM,
    SSH_KEY_ID,
    VERSIONS,
    PreviousDeployment,
    choose_bootstrap,
    network_output,
    read_previous,
    ssh_key_id,
)
from components.platform import Platform
from components.platform.from_settings import platform_args
from components.settings import Settings
from components.settings.rules.nodes import gone_names, planned_controller_names, planned_node_names


class MkeCluster(pulumi.ComponentResource):
    """The whole MKE 4k cluster of one stack (type ``mke4k:index:MkeCluster``)."""

    hosts: Hosts | None
    k0s: K0sCluster | None
    platform: Platform | None
    kubeconfig: pulumi.Output[str] | None

    def __init__(self, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        name = settings.cluster.name
        bootstrap: str | None = None
        previous: PreviousDeployment | None = None
        if settings.runs("k0s"):
            previous = read_previous(settings)  # a read-only reference; raises before any change
            planned = planned_controller_names(settings)
            if planned is not None:
                nodes = planned_node_names(settings)[0]
                bootstrap = choose_bootstrap(settings, planned, previous, frozenset(gone_names(settings)), nodes)
        elif settings.runs("hosts"):  # a machines stack: refuse to remove a machine a cluster still uses
            machines, key = planned_node_names(settings)
            refuse_removing_members(settings, machines, key)
        super().__init__("mke4k:index:MkeCluster", name, None, opts)
        self._settings = settings
        child = pulumi.ResourceOptions(parent=self)
        self.hosts = build_hosts(settings, child) if settings.runs("hosts") or settings.runs("k0s") else None
        self.k0s = None
        self.platform = None
        self.kubeconfig = None
        provider: kubernetes.Provider | None = None
        leader: remote.ConnectionArgs | None = None
        ready: list[pulumi.Resource] = []
        if settings.runs("k0s"):
            assert self.hosts is not None and previous is not None
            if bootstrap is None:  # machines from another stack: names known only now
                controllers = self.hosts.controllers
                gone = frozenset(n.name for n in controllers if n.gone)
                nodes = [n.name for n in self.hosts.nodes]
                bootstrap = choose_bootstrap(settings, [n.name for n in controllers], previous, gone, nodes)
            k0s_args = k0s_cluster_args(
                settings,
                self.hosts,
                bootstrap,
                Path.cwd(),
                stack=pulumi.get_stack(),
                backup_bucket=self._backup_bucket(settings, child),
            )
            self.k0s = K0sCluster(name, k0s_args, child)
            self.kubeconfig = self.k0s.kubeconfig
            provider, leader, ready = self.k0s.provider, self.k0s.leader_connection, self.k0s.ready
        if settings.runs("platform"):
            if provider is None or leader is None:
                self.kubeconfig, provider, leader = k0s_from_stack(settings, child)
            self.platform = Platform(name, platform_args(settings, provider, leader, ready), child)
        self.register_outputs({})

    @staticmethod
    def _backup_bucket(settings: Settings, opts: pulumi.ResourceOptions) -> pulumi.Output[str] | None:
        """The backup bucket this stack creates (``mke4k:backup.s3.create``), or None."""
        s3 = settings.backup.s3
        if s3 is None or not s3.create or not settings.backup.before_changes:
            return None
        name = settings.cluster.name
        tags = base_tags(name, pulumi.get_stack(), settings.cluster.tags)
        return BackupBucket(name, s3, tags=tags, region=settings.hosts.aws.region, opts=opts).name

    def export(self) -> None:
        """Export the outputs of every layer this stack runs (and what the next stack needs)."""
        settings = self._settings
        pulumi.export(
            VERSIONS,
            {
                "mke": settings.version,
                "k0s": settings.k0s.version,
                "calico": settings.calico.version,
                "k0rdent": settings.k0rdent.version,
                "mkeOperator": settings.mke_operator.version,
            },
        )
        if self.hosts is not None:
            export_hosts(self.hosts)
            pulumi.export("apiEndpoint", pulumi.Output.concat("https://", self.hosts.api_address, ":6443"))
        if self.k0s is not None:
            connection = self.k0s.leader_connection
            leader = {
                "address": connection.host,
                "port": connection.port,
                "user": connection.user,
                "useBastion": connection.proxy is not None,
            }
            pulumi.export(KUBECONFIG, self.k0s.kubeconfig)
            pulumi.export(LEADER, leader)
            pulumi.export(NODE_NAMES, self.k0s.members)
            pulumi.export(BOOTSTRAP_CONTROLLER, self.k0s.bootstrap)
            pulumi.export(NETWORK, network_output(self._settings))
            key_id = ssh_key_id(self._settings)
            if key_id is not None:
                pulumi.export(SSH_KEY_ID, key_id)
            restore = self.k0s.restored_from
            if restore is not None:
                pulumi.export(RESTORED_FROM, restore)
