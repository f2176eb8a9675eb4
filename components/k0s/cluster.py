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

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_command import local, remote

from components.hosts.node import Hosts, Node
from components.settings.access import SshSettings
from components.settings.k0s import K0sSettings
from components.settings.network import NetworkSettings

from .binary_upload import BinaryUpload
from .node import BackupArgs, BackupTarget, K0sNode, K0sNodeArgs, ProbeArgs, RegistryArgs, RestoreSource
from .provider import cluster_provider
from .remote import connection_for, script_command
from .render import default_worker_batch_size, point_kubeconfig_at, render_k0s_config, to_yaml, upgrade_lane_predecessor
from .runner import SSH_KEY, runner_command, runner_stdin
from .runner_steps import runner_step


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
    backup: BackupTarget | None = None
    """Back up before risky changes, to there (None: mke4k:backup.beforeChanges is false)."""
    restore: RestoreSource | None = None
    """A new cluster restored from this archive, or None."""


class K0sCluster(pulumi.ComponentResource):
    """A k0s cluster with one resource chain per node (type ``mke4k:k0s:K0sCluster``)."""

    kubeconfig: pulumi.Output[str]
    provider: kubernetes.Provider | None
    leader_connection: remote.ConnectionArgs
    ready: list[pulumi.Resource]
    nodes: dict[str, K0sNode]
    bastion_key: local.Command | None
    """The bastion's key-rotation step (nodes behind it follow it), or None."""
    keys_accepted: local.Command
    """A no-op after every machine's ``ssh-key`` step; the old key is removed after it."""
    members: list[str]
    """Names of the nodes in the cluster (not marked gone), sorted: the ``nodeNames`` output."""
    restored_from: str | None
    """The sha256 of the archive this cluster was restored from (None: not restored)."""
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
        self.bastion_key = self._bastion_key_step("ssh-key", "authorize", [])
        self.nodes = {}
        self._bootstrap = bootstrap
        self._configs = {node.name: self._config_for(node) for node in hosts.controllers}
        bootstrap_node = self._add_node(bootstrap, [], [], upload, None, is_bootstrap=True)
        self._backup_first = [bootstrap_node.backup] if bootstrap_node.backup else []
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
        self.keys_accepted = self._old_key_retirement()
        self.ready = [step for n in self.nodes.values() for step in (n.member, n.taints) if step is not None]
        self.members = sorted(node.name for node in hosts.nodes if not node.gone)
        self.restored_from = args.restore.sha256 if args.restore else None
        self.provider = (
            cluster_provider(name, self.kubeconfig, pulumi.ResourceOptions(parent=self, depends_on=self.ready))
            if args.kubernetes_provider
            else None
        )
        self.register_outputs({"kubeconfig": self.kubeconfig})

    def _bastion_key_step(self, step: str, action: str, depends_on: list[pulumi.Resource]) -> local.Command | None:
        """The bastion's key-rotation step (``ssh-key`` or ``ssh-key-retire``), or None without a bastion."""
        bastion = self._args.hosts.bastion
        if bastion is None:
            return None
        label = f"bastion {step}"
        target = ["--host", bastion.address, "--port", str(bastion.port), "--user", bastion.user]
        command = runner_command(["--label", label, *target, "--action", action])
        return runner_step(
            f"{self._args.cluster_name}-bastion-{step}",
            parent=self,
            create=command,
            stdin=runner_stdin(SSH_KEY, self._args.hosts.ssh_private_key),
            depends_on=depends_on,
            secret_stdout=action == "authorize",
            previous_output=True,
        )

    def _old_key_retirement(self) -> local.Command:
        """Once every machine accepts the configured key (a no-op barrier after every ``ssh-key`` step),
        each removes the previous one: a rotation that fails half-way leaves the old key working everywhere."""
        authorized = [n.ssh_key for n in self.nodes.values()] + ([self.bastion_key] if self.bastion_key else [])
        accepted = local.Command(
            f"{self._args.cluster_name}-ssh-keys-accepted",
            add_previous_output_in_env=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=authorized),
        )
        for node in self.nodes.values():
            node.retire_old_key(accepted)
        self._bastion_key_step("ssh-key-retire", "retire", [accepted])
        return accepted

    def _backup_plan(self) -> pulumi.Output[str]:
        """A digest of what a risky change touches: the k0s version, the set of controllers (and
        which are gone), every controller's k0s.yaml. The backup step runs exactly when it changes."""
        args = self._args
        names = sorted(f"{n.name}{' gone' if n.gone else ''}" for n in args.hosts.controllers)
        configs = [self._configs[name] for name in sorted(self._configs)]
        return pulumi.Output.all(*configs).apply(
            lambda texts: hashlib.sha256("\0".join([args.k0s_version, *names, *texts]).encode()).hexdigest()[:16]
        )

    def _bootstrap_node(self) -> Node:
        controllers = [n for n in self._args.hosts.controllers if not n.gone]
        if not controllers:
            raise ValueError("the k0s layer needs at least one controller that is not gone")
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
                config_yaml=self._configs[node.name] if node.is_controller else None,
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
                private_key=args.hosts.ssh_private_key,
                backup=BackupArgs(args.backup, self._backup_plan()) if is_bootstrap and args.backup else None,
                backup_first=self._backup_first if node.gone and node.is_controller else None,
                restore=args.restore if is_bootstrap else None,
                key_after=[self.bastion_key] if self.bastion_key and node.use_bastion else None,
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
