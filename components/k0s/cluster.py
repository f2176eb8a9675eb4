"""K0sCluster: Hosts in, a k0s cluster out (admin kubeconfig + a Kubernetes provider).

Ordering, expressed only with resource dependencies so ``pulumi preview`` shows it:

* every node stages its binary as soon as that node is ready (no cross-node waits);
* the bootstrap controller installs first; the other controllers join one at a
  time, each after the previous one is a confirmed member (quorum-safe);
* workers join in parallel once the bootstrap controller is up; their ``member`` steps
  wait for the last controller's, so on removal or destroy workers are drained and
  deleted before any controller leaves etcd;
* upgrades roll: controllers one by one, then workers with at most ``workerBatchSize``
  upgrading at once: worker ``i`` upgrades after worker ``i - workerBatchSize`` (each of
  the ``workerBatchSize`` lanes is serial; the first of each lane waits for the last
  controller). That bounds the drained workers exactly like k0sctl's batches, without a
  batch waiting for the slowest node of the previous one, and with one dependency per
  worker instead of one per pair of workers in consecutive batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_command import remote

from components.hosts.node import Hosts, Node
from components.settings.access import SshSettings
from components.settings.k0s import K0sSettings
from components.settings.network import NetworkSettings

from .binary_upload import BinaryUpload
from .node import K0sNode, K0sNodeArgs, ProbeArgs, RegistryArgs
from .provider import cluster_provider
from .remote import connection_for, script_command
from .render import default_worker_batch_size, point_kubeconfig_at, render_k0s_config, to_yaml, upgrade_lane_predecessor


@dataclass(frozen=True)
class K0sClusterArgs:
    """Inputs of the k0s layer: the hosts layer's result plus the k0s-related settings."""

    cluster_name: str
    hosts: Hosts
    k0s: K0sSettings
    k0s_version: str
    network: NetworkSettings
    ssh: SshSettings
    api_external_address: str | None = None
    bootstrap_controller: str | None = None
    """Name of the bootstrap controller (default: the first controller)."""
    kubernetes_provider: bool = True
    """Register a kubernetes.Provider for the cluster (off when this stack runs no platform
    layer, so such a stack needs no Kubernetes plugin at all)."""
    registry: RegistryArgs | None = None
    """The airgap mirror the nodes pull from (preflight + containerd configuration), or None."""


class K0sCluster(pulumi.ComponentResource):
    """A k0s cluster with one resource chain per node (type ``mke4k:k0s:K0sCluster``)."""

    kubeconfig: pulumi.Output[str]
    provider: kubernetes.Provider | None
    leader_connection: remote.ConnectionArgs
    ready: list[pulumi.Resource]
    nodes: dict[str, K0sNode]
    bootstrap: str
    """Name of the bootstrap controller."""

    def __init__(self, name: str, args: K0sClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mke4k:k0s:K0sCluster", name, None, opts)
        self._args = args
        hosts = args.hosts
        bootstrap = self._bootstrap_node()
        self.bootstrap = bootstrap.name
        self.leader_connection = self._connection(bootstrap)
        upload = self._binary_upload()
        self.nodes = {}
        self._bootstrap = bootstrap
        bootstrap_node = self._add_node(bootstrap, [], [], upload, None, is_bootstrap=True)
        self._checked = [bootstrap_node.preflight] if bootstrap_node.preflight else []
        kubeconfig_cmd = self._kubeconfig_command(bootstrap_node)
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(kubeconfig_cmd.stdout, hosts.api_address).apply(
                lambda values: point_kubeconfig_at(values[0], values[1])
            )
        )
        previous_upgrade: list[pulumi.Resource] = [bootstrap_node.upgrade]
        previous_member: pulumi.Resource = bootstrap_node.install
        previous_config = bootstrap_node.config
        for node in hosts.controllers:
            if node.name == bootstrap.name:
                continue
            added = self._add_node(node, [previous_member], previous_upgrade, upload, None, previous_config)
            previous_member = added.member
            previous_upgrade = [added.upgrade]
            previous_config = added.config
        size = args.k0s.upgrade.worker_batch_size or default_worker_batch_size(len(hosts.workers))
        after_controllers = previous_upgrade
        for index, node in enumerate(hosts.workers):
            lane = upgrade_lane_predecessor(index, size)
            self._add_node(
                node,
                [bootstrap_node.install],
                after_controllers if lane is None else [self.nodes[hosts.workers[lane].name].upgrade],
                upload,
                self.kubeconfig,
                member_after=previous_member,
            )
        self.ready = [n.member for n in self.nodes.values()]
        self.provider = (
            cluster_provider(name, self.kubeconfig, pulumi.ResourceOptions(parent=self, depends_on=self.ready))
            if args.kubernetes_provider
            else None
        )
        self.register_outputs({"kubeconfig": self.kubeconfig})

    def _bootstrap_node(self) -> Node:
        controllers = self._args.hosts.controllers
        if not controllers:
            raise ValueError("the k0s layer needs at least one controller")
        wanted = self._args.bootstrap_controller
        return next((n for n in controllers if n.name == wanted), controllers[0])

    def _connection(self, node: Node) -> remote.ConnectionArgs:
        hosts, ssh = self._args.hosts, self._args.ssh
        return connection_for(
            node,
            hosts.ssh_private_key,
            hosts.bastion,
            dial_error_limit=ssh.dial_error_limit,
            per_dial_timeout=ssh.per_dial_timeout,
        )

    def _binary_upload(self) -> BinaryUpload | None:
        if self._args.k0s.binary_source != "upload":
            return None
        return BinaryUpload(
            f"{self._args.cluster_name}-k0s-download",
            k0s=self._args.k0s,
            version=self._args.k0s_version,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _add_node(
        self,
        node: Node,
        join_after: list[pulumi.Resource],
        upgrade_after: list[pulumi.Resource],
        upload: BinaryUpload | None,
        kubeconfig: pulumi.Input[str] | None,
        config_after: pulumi.Resource | None = None,
        *,
        member_after: pulumi.Resource | None = None,
        is_bootstrap: bool = False,
    ) -> K0sNode:
        args = self._args
        connection = self._connection(node)
        ssh = args.ssh
        k0s_node = K0sNode(
            f"{args.cluster_name}-{node.name}",
            K0sNodeArgs(
                node=node,
                leader=self._bootstrap,
                cluster_name=args.cluster_name,
                connection=connection,
                leader_connection=self.leader_connection,
                is_bootstrap=is_bootstrap,
                k0s=args.k0s,
                k0s_version=args.k0s_version,
                config_yaml=self._config_for(node) if node.is_controller else None,
                join_after=join_after,
                upgrade_after=upgrade_after,
                admin_kubeconfig=kubeconfig,
                upload=upload,
                config_after=[config_after] if config_after else None,
                member_after=[member_after] if member_after else None,
                probe=ProbeArgs(
                    timeout_seconds=ssh.probe_timeout_seconds,
                    removal_timeout_seconds=ssh.removal_probe_timeout_seconds,
                    banner_timeout_seconds=ssh.banner_timeout_seconds,
                    bastion=args.hosts.bastion,
                ),
                registry=args.registry,
                registry_after=None if is_bootstrap else self._checked,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.nodes[node.name] = k0s_node
        return k0s_node

    def _config_for(self, node: Node) -> pulumi.Output[str]:
        args = self._args
        hosts = args.hosts
        external = hosts.external_address or args.api_external_address
        names: list[pulumi.Input[str]] = [
            *(c.private_address for c in hosts.controllers),
            *hosts.extra_sans,
            *args.k0s.api_sans,
        ]
        if external:
            names.append(external)
        return pulumi.Output.all(node.private_address, external, *names).apply(
            lambda values: to_yaml(
                render_k0s_config(
                    cluster_name=args.cluster_name,
                    private_address=values[0],
                    external_address=values[1],
                    sans=[v for v in values[2:] if v],
                    network=args.network,
                    extra=args.k0s.config,
                )
            )
        )

    def _kubeconfig_command(self, bootstrap: K0sNode) -> remote.Command:
        return remote.Command(
            f"{self._args.cluster_name}-admin-kubeconfig",
            connection=self.leader_connection,
            create=script_command(f"{self.bootstrap} admin-kubeconfig", "admin_kubeconfig", {}),
            logging=remote.Logging.STDERR,
            add_previous_output_in_env=False,
            triggers=[machine_id] if (machine_id := self._bootstrap_node().machine_id) else [],
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[bootstrap.install],
                additional_secret_outputs=["stdout"],
            ),
        )
