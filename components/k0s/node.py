"""One node's resource chain: probe -> ready -> (registry) -> staged binary -> config -> install -> member -> upgrade.

Every step is a ``remote.Command`` running an installed host script (see ``remote.py``),
or, for the probes, a ``local.Command`` on the machine running Pulumi, with create,
update and delete behaviour chosen on purpose:

==================  ==============  ===========================  ===============================
step                runs on         create / update              delete
==================  ==============  ===========================  ===============================
ssh-probe           runner          the node (and the bootstrap  nothing
                                    controller) answer SSH in
                                    time; re-runs whenever one
                                    of the node's steps changes
host-ready          node            install the scripts, wait    nothing
                                    for cloud-init, check tools
registry-preflight  bootstrap       the mirror answers and holds nothing
(airgap only)                       every image and chart
registry            node            containerd mirror, CA and    remove those files
(airgap only)                       credentials (stdin)
k0s-binary          node            download+verify (or verify   nothing (reset cleans up)
                                    the uploaded file)
k0s-config          node (ctrl)     write + validate k0s.yaml    nothing
join-token          leader          one short-lived token        nothing (invalidated by member)
k0s-install         node            install/join and start       k0s stop + reset (skipped when
                                                                 the machine itself is deleted)
member              leader          wait for the node,           drain, delete node, etcd leave
                                    invalidate its token         (NOT deleted with the machine;
                                                                 a no-op for the leader itself)
taints              leader          the control-plane taint as   nothing
(controller+worker)                 noTaints says (added or
                                    removed on a running node)
reset-probe         runner          nothing                      the node answers SSH, before
                                                                 any removal step runs
k0s-upgrade         node            no-op when at the version;   nothing
                                    update = drain/stop/swap/
                                    start/uncordon
==================  ==============  ===========================  ===============================

A replaced machine (``Node.machine_id`` changes) or a changed role replaces the whole
chain with delete-before-replace: the old node leaves cleanly before the new one joins with a
fresh token.

A node marked gone (``Node.gone``) keeps its steps, but none of its own steps has a command
any more (an update to "no command" runs nothing and dials nothing). Its leader-side
``member`` step is updated to run the removal (``remove_member.sh`` on the current bootstrap
controller: drain skipped for an unreachable node, delete Node, etcd leave) as its create,
and has no delete; its ``taints`` step is dropped. An update, not a delete, because a delete
would run the stored command against the stored connection, which may be the gone machine
itself when it held the bootstrap role. Removing the entry later deletes the inert steps,
again without dialling the host.

Every node, the bootstrap controller included, has the same set of steps, so handing the
bootstrap role to another controller deletes no step: the leader-side steps move to the
new leader by update, the old bootstrap controller's install step becomes an (idempotent,
no-op) join, and only then can it be removed like any other controller.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass

import pulumi
from pulumi_command import local, remote

from components.hosts.node import Bastion, Node
from components.settings.k0s import K0sSettings

from .binary_upload import BinaryUpload, upload_path
from .bundle import script_bundle
from .remote import install_and_run_command, script_command
from .render import parse_key_values
from .runner import BACKUP, RESTORE, SSH_KEY, SSH_PROBE, runner_command, runner_stdin
from .runner_steps import runner_step

SECRET_STDOUT = ["stdout"]


@dataclass(frozen=True)
class ProbeArgs:
    """How long the runner-side probes wait for a node to answer SSH."""

    timeout_seconds: int
    """Before the node's steps run (a new machine may still be booting)."""
    removal_timeout_seconds: int
    """Before a removed node is reset (a short wait: the node is expected to be up)."""
    banner_timeout_seconds: int
    """How long a connected SSH server may take to send its banner."""
    bastion: Bastion | None = None
    """Nodes behind it are probed through their bastion's address (the runner cannot reach them)."""


@dataclass(frozen=True)
class BackupTarget:
    """Where the backups before risky changes go (``mke4k:backup``)."""

    directory: str
    """On the machine running Pulumi (~ expanded there)."""
    keep: int
    stack: str
    """Names the archives."""
    s3_uri: pulumi.Input[str] | None = None
    """``s3://bucket/prefix/`` for a copy of each archive, or None."""
    s3_region: str | None = None
    s3_kms_key_id: str | None = None


@dataclass(frozen=True)
class BackupArgs:
    """The bootstrap controller's backup step: where to, and the plan that re-runs it."""

    target: BackupTarget
    plan: pulumi.Input[str]
    """Digest of what a risky change touches (k0s version, every controller's k0s.yaml, the set of
    controllers): the step runs exactly when it changes, so a no-op preview stays a no-op."""


@dataclass(frozen=True)
class RestoreSource:
    """The archive a new cluster's bootstrap controller restores before its install."""

    path: str
    """On the machine running Pulumi, as configured (``mke4k:backup.restoreFrom``)."""
    sha256: str


@dataclass(frozen=True)
class RegistryArgs:
    """An airgapped cluster's mirror: what the preflight checks and what containerd is told."""

    configure_inputs: dict[str, str]
    """``configure_registry.sh`` inputs (the rendered containerd files, base64); no secret."""
    preflight_inputs: dict[str, str]
    """``registry_preflight.sh`` inputs (every image and chart the cluster pulls, the CA); no secret."""
    credentials: pulumi.Input[str] | None
    """Registry credentials token (secret), on both scripts' stdin; None without credentials."""


@dataclass(frozen=True)
class K0sNodeArgs:
    """What one node's chain needs from the cluster."""

    node: Node
    leader: Node
    """The bootstrap controller, where the leader-side steps run."""
    cluster_name: str
    connection: remote.ConnectionArgs
    leader_connection: remote.ConnectionArgs
    is_bootstrap: bool
    k0s: K0sSettings
    k0s_version: str
    config_yaml: pulumi.Input[str] | None
    """This controller's k0s.yaml (None for workers); sent on stdin, so a preview shows its changed lines."""
    join_after: list[pulumi.Resource]
    """Resources this node's join waits for (the bootstrap's install; the previous controller)."""
    upgrade_after: list[pulumi.Resource]
    """Upgrade steps that must finish before this node's (rolling order)."""
    admin_kubeconfig: pulumi.Input[str] | None
    """Admin kubeconfig (secret) handed on stdin to worker upgrades for drain/uncordon."""
    probe: ProbeArgs
    upload: BinaryUpload | None = None
    """The binary the runner fetched once (binarySource upload); this node gets a copy."""
    member_after: list[pulumi.Resource] | None = None
    """Leader-side steps this node's member step waits for (workers: the last controller's),
    which makes destroy drain and delete workers before controllers leave etcd."""
    config_after: list[pulumi.Resource] | None = None
    """The previous controller's config step: a config change restarts one controller at a time."""
    registry: RegistryArgs | None = None
    """The mirror (airgap), or None."""
    registry_after: list[pulumi.Resource] | None = None
    """The bootstrap controller's registry preflight: no node is configured before it passed."""
    private_key: pulumi.Input[str] | None = None
    """The SSH private key (secret), for the runner-side steps that log in themselves (backup, restore)."""
    backup: BackupArgs | None = None
    """The bootstrap controller only: back up before risky changes."""
    backup_first: list[pulumi.Resource] | None = None
    """The backup that must come before this node's risky steps (a controller marked gone: its removal)."""
    restore: RestoreSource | None = None
    """The bootstrap controller of a new cluster only: restore this archive before the install."""
    key_after: list[pulumi.Resource] | None = None
    """Key steps this node's own must follow (the bastion's, for a node reached through it)."""


class K0sNode(pulumi.ComponentResource):
    """The per-node resource chain (type ``mke4k:k0s:K0sNode``)."""

    probe: local.Command
    ssh_key: local.Command
    """Authorizes the configured SSH key (over the previous key's connection when it changed)."""
    ssh_key_retire: local.Command | None
    """Removes the previous key once every machine accepts the new one (see :meth:`retire_old_key`)."""
    reset_probe: local.Command
    ready: remote.Command
    preflight: remote.Command | None
    registry: remote.Command | None
    install: remote.Command
    config: remote.Command | None
    backup: local.Command | None
    """The bootstrap controller only: the runner-side backup before risky changes."""
    restore: local.Command | None
    """The bootstrap controller of a restored cluster only."""
    member: remote.Command
    """For a node marked gone: its removal, on the bootstrap controller."""
    taints: remote.Command | None
    """controller+worker nodes only: the control-plane taint (mke4k:k0s.noTaints)."""
    upgrade: remote.Command
    staged: remote.Command

    def __init__(self, name: str, args: K0sNodeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mke4k:k0s:K0sNode", name, None, opts)
        self._args = args
        node = args.node
        self._prefix = f"{args.cluster_name}-{node.name}"
        self._gone = node.gone
        if node.gone:
            pulumi.log.warn(
                f"{node.name} is marked gone: none of its own steps runs (nothing dials it); the bootstrap "
                f"controller removes it from the cluster (drain skipped if unreachable, delete Node"
                f"{', etcd leave' if node.is_controller else ''}). Remove its entry afterwards; if the machine "
                "comes back, reset it before it rejoins (docs/operations.md, 'Dead hosts').",
                self,
            )
        # A new machine, or a new role for the same name, replaces the whole chain: the node
        # leaves (drain, delete, etcd leave, reset) and joins again as what it is now.
        self._triggers = [node.machine_id, node.role] if node.machine_id is not None else [node.role]
        self._guarded: list[pulumi.Input[str]] = []
        """Every command of this chain known before it runs: the ssh-probe re-runs when one changes."""
        commands = self._commands()
        self.probe = self._probe(
            "ssh-probe",
            create=self._probe_command("ssh-probe", args.probe.timeout_seconds, self._digest()),
            depends_on=[node.machine] if node.machine else [],
        )
        self.ssh_key = self._runner_step(
            "ssh-key",
            create=commands["ssh-key"],
            stdin=runner_stdin(SSH_KEY, self._key()),
            depends_on=[self.probe, *(args.key_after or [])],
            secret_stdout=True,
            previous_output=True,
        )
        self.ssh_key_retire = None
        self._reached = [self.probe, self.ssh_key]
        """What every step that dials this node waits for: it answers, and the configured key opens it."""
        self.ready = self._command(
            "host-ready",
            create=commands["host-ready"],
            stdin=script_bundle().payload,
            depends_on=self._reached,
        )
        self.preflight = self._preflight(commands) if args.registry and args.is_bootstrap else None
        # Airgap: nothing on any node changes (staging, registry files) before the preflight passed.
        self._checked: list[pulumi.Resource] = [self.preflight] if self.preflight else list(args.registry_after or [])
        self.registry = self._registry(commands) if args.registry else None
        self.staged = self._stage(commands)
        self.backup = self._backup(commands) if args.backup else None
        self._backup_first = [self.backup] if self.backup else list(args.backup_first or [])
        self.config = self._configure(commands) if node.is_controller else None
        self.restore = self._restore(commands) if args.restore else None
        self.install = self._install(commands, self.restore or self.config or self.staged)
        self.member = self._member(commands)
        self.taints = self._taints(commands) if "taints" in commands and not node.gone else None
        self.reset_probe = self._reset_probe()
        self.upgrade = self._upgrade(commands)
        self.register_outputs({"install": self.install.id})

    # -- the commands -------------------------------------------------------------------

    def _label(self, step: str) -> str:
        """``<node> <step>``: what every line a step's script prints starts with."""
        return f"{self._args.node.name} {step}"

    def _run(self, step: str, script: str, inputs: dict[str, pulumi.Input[str]]) -> pulumi.Output[str]:
        """The command running ``script`` for this node's ``step`` (guarded by the ssh-probe)."""
        command = script_command(self._label(step), script, inputs)
        self._guarded.append(command)
        return command

    def _commands(self) -> dict[str, pulumi.Output[str]]:
        """Every command of the chain whose text is known before the chain runs."""
        args, node = self._args, self._args.node
        k0s = args.k0s
        uploaded = args.upload is not None
        ready = install_and_run_command(
            self._label("host-ready"), "host_ready", {"NEEDS_DOWNLOAD": str(k0s.binary_source == "download").lower()}
        )
        self._guarded.append(ready)
        commands = {"host-ready": ready}
        commands["ssh-key"] = self._runner_run("ssh-key", ["--action", "authorize"])
        stage = {
            "K0S_VERSION": args.k0s_version,
            "K0S_DOWNLOAD_URL": k0s.download_url,
            "K0S_SHA256": k0s.sha256 or "",
            "STAGE_MODE": "uploaded" if uploaded else "download",
        }
        if uploaded:
            stage["UPLOAD_PATH"] = upload_path(args.k0s_version)
        commands["k0s-binary"] = self._run("k0s-binary", "stage_k0s", stage)
        if args.registry is not None:
            if args.is_bootstrap:
                commands["registry-preflight"] = self._run(
                    "registry-preflight", "registry_preflight", args.registry.preflight_inputs
                )
            commands["registry"] = self._run("registry", "configure_registry", args.registry.configure_inputs)
            commands["registry-delete"] = self._run("registry", "configure_registry", {"ACTION": "remove"})
        if node.is_controller:
            commands["k0s-config"] = self._run(
                "k0s-config", "write_k0s_config", {"READY_TIMEOUT_SECONDS": str(k0s.ready_timeout_seconds)}
            )
            self._guarded.append(args.config_yaml or "")
        install = {
            "NODE_NAME": node.name,
            "ROLE": node.role,
            "READY_TIMEOUT_SECONDS": str(k0s.ready_timeout_seconds),
        }
        if args.is_bootstrap:
            commands["k0s-install"] = self._run("k0s-install", "install_controller", install)
        else:
            commands["join-token"] = self._run(
                "join-token",
                "create_join_token",
                {"ROLE": "controller" if node.is_controller else "worker", "TOKEN_EXPIRY": k0s.token_expiry},
            )
            commands["k0s-install"] = self._run("k0s-install", "join_node", install)
        reset = {"NODE_NAME": node.name, "IS_BOOTSTRAP": str(args.is_bootstrap).lower()}
        if node.is_controller:
            reset["PEER_ADDRESS"] = node.private_address
        commands["reset"] = self._run("k0s-install", "reset_node", reset)
        commands["member-delete"] = self._run(
            "member",
            "remove_member",
            {
                "NODE_NAME": node.name,
                "ROLE": node.role,
                "PEER_ADDRESS": node.private_address if node.is_controller else "",
                "DRAIN_TIMEOUT": k0s.upgrade.drain_timeout,
                "IS_LEADER": str(args.is_bootstrap).lower(),
            },
        )
        if node.role == "controller+worker":
            commands["taints"] = self._run(
                "taints", "node_taints", {"NODE_NAME": node.name, "NO_TAINTS": str(k0s.no_taints).lower()}
            )
        if args.backup is not None:
            commands["backup"] = self._runner_run("backup", self._backup_arguments(args.backup))
        if args.restore is not None:
            commands["k0s-restore"] = self._runner_run(
                "k0s-restore",
                [
                    "--remote-command",
                    script_command(self._label("k0s-restore"), "restore_etcd", {"ARCHIVE_SHA256": args.restore.sha256}),
                    "--archive",
                    args.restore.path,
                    "--sha256",
                    args.restore.sha256,
                ],
            )
        commands["k0s-upgrade"] = self._run(
            "k0s-upgrade",
            "upgrade_node",
            {
                "K0S_VERSION": args.k0s_version,
                "NODE_NAME": node.name,
                "ROLE": node.role,
                "DRAIN": str(k0s.upgrade.drain and node.runs_kubelet).lower(),
                "DRAIN_TIMEOUT": k0s.upgrade.drain_timeout,
                "READY_TIMEOUT_SECONDS": str(k0s.ready_timeout_seconds),
                "ROLLBACK_ON_FAILURE": str(k0s.upgrade.rollback_on_failure).lower(),
            },
        )
        return commands

    def _runner_run(self, step: str, arguments: list[pulumi.Input[str]]) -> pulumi.Output[str]:
        """The command of a runner-side step that logs in to this node itself (guarded by the ssh-probe)."""
        command = self._runner_line(step, arguments)
        self._guarded.append(command)
        return command

    def _runner_line(self, step: str, arguments: list[pulumi.Input[str]]) -> pulumi.Output[str]:
        """The loader with this step's label, this node's SSH target and ``arguments``."""
        return runner_command(["--label", self._label(step), *self._target_arguments(), *arguments])

    def _target_arguments(self) -> list[pulumi.Input[str]]:
        """``--host/--port/--user`` of this node for the runner's own ssh (and its bastion)."""
        node, bastion = self._args.node, self._args.probe.bastion
        words: list[pulumi.Input[str]] = [
            "--host",
            node.ssh_address,
            "--port",
            str(node.ssh_port),
            "--user",
            node.ssh_user,
        ]
        if node.use_bastion and bastion is not None:
            words += ["--jump-host", bastion.address, "--jump-port", str(bastion.port), "--jump-user", bastion.user]
        return words

    def _backup_arguments(self, backup: BackupArgs) -> list[pulumi.Input[str]]:
        target = backup.target
        words: list[pulumi.Input[str]] = [
            "--remote-command",
            script_command(self._label("backup"), "backup_etcd", {}),
            "--directory",
            target.directory,
            "--stack",
            target.stack,
            "--keep",
            str(target.keep),
        ]
        if target.s3_uri is not None:
            words += ["--s3-uri", target.s3_uri]
            words += ["--s3-region", target.s3_region] if target.s3_region else []
            words += ["--s3-kms-key-id", target.s3_kms_key_id] if target.s3_kms_key_id else []
        return [*words, "--plan", backup.plan]

    def _digest(self) -> pulumi.Output[str]:
        """A short hash of every guarded command: it changes exactly when one of them does."""
        return pulumi.Output.all(*self._guarded).apply(
            lambda texts: hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
        )

    def _probe_command(self, step: str, timeout: int, digest: pulumi.Input[str] | None) -> pulumi.Output[str]:
        """``python3 -`` (the probe on stdin) with one argument per line, like the host steps."""
        args, node = self._args, self._args.node
        targets = [self._target(node, node.name)]
        if not args.is_bootstrap and step == "ssh-probe":
            targets.append(self._target(args.leader, f"{args.leader.name} (bootstrap controller)"))
        fix = (
            f"if the machine is gone for good, mark it gone ({node.mark_gone or 'mke4k:hosts.static.hosts[].gone'}) "
            "and run 'pulumi up' again: its membership is removed on the bootstrap controller and nothing dials "
            "it (docs/operations.md, 'Dead hosts')"
            if step == "reset-probe"
            else "machines that boot slowly need a larger mke4k:ssh.probeTimeoutSeconds"
        )
        return pulumi.Output.all(*targets, digest or "").apply(
            lambda values: (
                "exec python3 - \\\n"
                + "".join(f"  --target {shlex.quote(t)} \\\n" for t in dict.fromkeys(values[:-1]))
                + f"  --label {shlex.quote(self._label(step))} \\\n"
                + f"  --timeout {timeout} \\\n"
                + f"  --banner-timeout {args.probe.banner_timeout_seconds} \\\n"
                + (f"  --steps {values[-1]} \\\n" if values[-1] else "")
                + f"  --fix {shlex.quote(fix)}"
            )
        )

    def _target(self, node: Node, name: str) -> pulumi.Output[str]:
        """``NAME=HOST:PORT`` of ``node``, or of its bastion when the runner reaches it through one."""
        bastion = self._args.probe.bastion
        if node.use_bastion and bastion is not None:
            return pulumi.Output.concat(f"bastion of {node.name}=", bastion.address, f":{bastion.port}")
        return pulumi.Output.concat(f"{name}=", node.ssh_address, f":{node.ssh_port}")

    # -- the resources ------------------------------------------------------------------

    def _probe(
        self,
        step: str,
        *,
        depends_on: list[pulumi.Resource],
        create: pulumi.Input[str] | None = None,
        delete: pulumi.Input[str] | None = None,
    ) -> local.Command:
        """A runner-side probe (the probe program on stdin)."""
        return self._runner_step(step, create=create, delete=delete, stdin=SSH_PROBE.read_text(), depends_on=depends_on)

    def _runner_step(
        self,
        step: str,
        *,
        stdin: pulumi.Input[str],
        depends_on: list[pulumi.Resource],
        create: pulumi.Input[str] | None = None,
        delete: pulumi.Input[str] | None = None,
        secret_stdout: bool = False,
        previous_output: bool = False,
    ) -> local.Command:
        """A step on the machine running Pulumi with the chain's triggers and lifecycle options; inert for a gone node."""
        inert = self._gone
        return runner_step(
            f"{self._prefix}-{step}",
            parent=self,
            create=None if inert else create,
            delete=None if inert else delete,
            stdin=None if inert else stdin,
            depends_on=depends_on,
            triggers=self._triggers,
            deleted_with=self._args.node.machine,
            secret_stdout=secret_stdout,
            previous_output=previous_output,
        )

    def _key(self) -> pulumi.Input[str]:
        assert self._args.private_key is not None, "the runner-side steps log in with the stack's key"
        return self._args.private_key

    def retire_old_key(self, accepted: pulumi.Resource) -> local.Command:
        """Remove the previous SSH key from this node, once ``accepted`` (every machine took the new key)."""
        self.ssh_key_retire = self._runner_step(
            "ssh-key-retire",
            create=self._runner_line("ssh-key-retire", ["--action", "retire"]),
            stdin=runner_stdin(SSH_KEY, self._key()),
            depends_on=[accepted],
            previous_output=True,
        )
        return self.ssh_key_retire

    def _command(
        self,
        step: str,
        *,
        create: pulumi.Input[str] | None,
        depends_on: list[pulumi.Resource],
        delete: pulumi.Input[str] | None = None,
        connection: remote.ConnectionArgs | None = None,
        stdin: pulumi.Input[str] | None = None,
        secret_stdout: bool = False,
        with_machine: bool = True,
        active_when_gone: bool = False,
    ) -> remote.Command:
        """One step: its name, connection, triggers and lifecycle options in one place.

        For a node marked gone the step has no command (an update to it runs nothing and dials
        nothing, and so does its delete later), unless ``active_when_gone`` (the leader-side removal).
        """
        machine = self._args.node.machine
        if self._gone and not active_when_gone:
            create, delete, stdin = None, None, None
        return remote.Command(
            f"{self._prefix}-{step}",
            connection=connection or self._args.connection,
            create=create,
            delete=delete,
            stdin=stdin,
            triggers=self._triggers,
            logging=remote.Logging.STDERR if secret_stdout else remote.Logging.STDOUT_AND_STDERR,
            # The provider would offer the previous stdout to the host as PULUMI_COMMAND_STDOUT
            # (a secret for some steps; sshd refuses it by default, with a warning per step).
            add_previous_output_in_env=False,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=depends_on,
                deleted_with=machine if (with_machine and machine is not None) else None,
                delete_before_replace=True,
                additional_secret_outputs=SECRET_STDOUT if secret_stdout else None,
            ),
        )

    def _preflight(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        """On the bootstrap controller, before any node is configured: the mirror holds everything."""
        registry = self._args.registry
        assert registry is not None
        return self._command(
            "registry-preflight",
            create=commands["registry-preflight"],
            stdin=registry.credentials,
            depends_on=[self.ready],
        )

    def _registry(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        registry = self._args.registry
        assert registry is not None
        return self._command(
            "registry",
            create=commands["registry"],
            delete=commands["registry-delete"],
            stdin=registry.credentials,
            depends_on=[self.ready, *self._checked],
        )

    def _stage(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        upload = None if self._gone else self._args.upload
        uploaded = upload.copy_to(self._args.node, self._args.connection, self, self._reached) if upload else None
        return self._command(
            "k0s-binary",
            create=commands["k0s-binary"],
            depends_on=[self.ready, *self._checked, *([uploaded] if uploaded else [])],
        )

    def _configure(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        assert self._args.config_yaml is not None, "controllers need a k0s.yaml"
        return self._command(
            "k0s-config",
            create=commands["k0s-config"],
            stdin=self._args.config_yaml,
            depends_on=[self.staged, *(self._args.config_after or []), *self._backup_first],
        )

    def _backup(self, commands: dict[str, pulumi.Output[str]]) -> local.Command:
        """The bootstrap controller's backup onto the runner, before its risky steps (config, upgrade)."""
        return self._runner_step(
            "backup",
            create=commands["backup"],
            stdin=runner_stdin(BACKUP, self._key()),
            depends_on=[self.ready],
            previous_output=True,
        )

    def _restore(self, commands: dict[str, pulumi.Output[str]]) -> local.Command:
        """A new cluster's bootstrap controller restores the archive after its config, before its install."""
        return self._runner_step(
            "k0s-restore",
            create=commands["k0s-restore"],
            stdin=runner_stdin(RESTORE, self._key()),
            depends_on=[self.config or self.staged],
        )

    def _install(self, commands: dict[str, pulumi.Output[str]], configured: remote.Command) -> remote.Command:
        args = self._args
        before = [configured, *([self.registry] if self.registry else [])]
        if args.is_bootstrap:
            return self._command(
                "k0s-install", create=commands["k0s-install"], delete=commands["reset"], depends_on=before
            )
        token = self._command(
            "join-token",
            create=commands["join-token"],
            connection=args.leader_connection,
            depends_on=[*before, *args.join_after],
            secret_stdout=True,
            with_machine=False,
        )
        return self._command(
            "k0s-install",
            create=commands["k0s-install"],
            delete=commands["reset"],
            stdin=token.stdout,
            depends_on=[*before, token],
        )

    def _member(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        args, node = self._args, self._args.node
        if node.gone:
            # The removal as an update, on the current bootstrap controller (see the module docstring).
            return self._command(
                "member",
                create=commands["member-delete"],
                connection=args.leader_connection,
                depends_on=[self.install, *(args.member_after or []), *self._backup_first],
                with_machine=False,
                active_when_gone=True,
            )
        # install_controller.sh prints no token_id: the bootstrap's own member step has none.
        token_id = self.install.stdout.apply(lambda out: parse_key_values(out).get("token_id", ""))
        confirm = script_command(
            self._label("member"),
            "confirm_member",
            {
                "NODE_NAME": node.name,
                "ROLE": node.role,
                "TOKEN_ID": token_id,
                "READY_TIMEOUT_SECONDS": str(args.k0s.ready_timeout_seconds),
            },
        )
        return self._command(
            "member",
            create=confirm,
            delete=commands["member-delete"],
            connection=args.leader_connection,
            depends_on=[self.install, *(args.member_after or [])],
            with_machine=False,
        )

    def _taints(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        """On the bootstrap controller: the control-plane taint as mke4k:k0s.noTaints says, on a running node
        too (k0s applies it only when the node registers), so a noTaints change updates this step only."""
        return self._command(
            "taints",
            create=commands["taints"],
            connection=self._args.leader_connection,
            depends_on=[self.member],
            with_machine=False,
        )

    def _reset_probe(self) -> local.Command:
        """Runs nothing when created; when the node is removed it runs first (it depends on the
        member step, so it is deleted before it): an unreachable node stops the removal before
        anything changes, with a message naming the host and the way out."""
        return self._probe(
            "reset-probe",
            delete=self._probe_command("reset-probe", self._args.probe.removal_timeout_seconds, None),
            depends_on=[self.member],
        )

    def _upgrade(self, commands: dict[str, pulumi.Output[str]]) -> remote.Command:
        args, node = self._args, self._args.node
        stdin = args.admin_kubeconfig if node.role == "worker" else None
        return self._command(
            "k0s-upgrade",
            create=commands["k0s-upgrade"],
            stdin=stdin,
            depends_on=[self.member, self.staged, *args.upgrade_after, *self._backup_first],
        )
