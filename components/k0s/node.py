"""One node's resource chain: ready -> staged binary -> config -> install/join -> member -> upgrade.

Every step is a ``remote.Command`` running a script from ``scripts/`` with create,
update and delete behaviour chosen on purpose:

==================  ==============  ===========================  ===============================
step                runs on         create / update              delete
==================  ==============  ===========================  ===============================
host-ready          node            wait for SSH/cloud-init,     nothing
                                    check tools (update = same)
k0s-binary          node            download+verify (or verify   nothing (reset cleans up)
                                    the uploaded file)
k0s-config          node (ctrl)     write + validate k0s.yaml    nothing
join-token          leader          one short-lived token        nothing (invalidated by member)
k0s-install         node            install/join and start       k0s stop + reset (skipped when
                                                                 the machine itself is deleted)
member              leader          wait for the node,           drain, delete node, etcd leave
                                    invalidate its token         (NOT deleted with the machine;
                                                                 a no-op for the leader itself)
k0s-upgrade         node            no-op when at the version;   nothing
                                    update = drain/stop/swap/
                                    start/uncordon
==================  ==============  ===========================  ===============================

A replaced machine (``Node.machine_id`` changes) or a changed role replaces the whole
chain with delete-before-replace: the old node leaves cleanly before the new one joins with a
fresh token.

Every node, the bootstrap controller included, has the same set of steps, so handing the
bootstrap role to another controller deletes no step: the leader-side steps move to the
new leader by update, the old bootstrap controller's install step becomes an (idempotent,
no-op) join, and only then can it be removed like any other controller.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_command import remote

from components.hosts.node import Node
from components.settings.k0s import K0sSettings

from .binary_upload import upload_path
from .bundle import script_bundle
from .remote import install_and_run_command, script_command
from .render import parse_key_values

SECRET_STDOUT = ["stdout"]


@dataclass(frozen=True)
class K0sNodeArgs:
    """What one node's chain needs from the cluster."""

    node: Node
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
    uploaded_binary: pulumi.Resource | None = None
    """The CopyToRemote that uploaded the binary (binarySource upload)."""
    member_after: list[pulumi.Resource] | None = None
    """Leader-side steps this node's member step waits for (workers: the last controller's),
    which makes destroy drain and delete workers before controllers leave etcd."""
    config_after: list[pulumi.Resource] | None = None
    """The previous controller's config step: a config change restarts one controller at a time."""


class K0sNode(pulumi.ComponentResource):
    """The per-node resource chain (type ``mke4k:k0s:K0sNode``)."""

    install: remote.Command
    config: remote.Command | None
    member: remote.Command
    upgrade: remote.Command
    staged: remote.Command

    def __init__(self, name: str, args: K0sNodeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mke4k:k0s:K0sNode", name, None, opts)
        self._args = args
        node = args.node
        self._prefix = f"{args.cluster_name}-{node.name}"
        # A new machine, or a new role for the same name, replaces the whole chain: the node
        # leaves (drain, delete, etcd leave, reset) and joins again as what it is now.
        self._triggers = [node.machine_id, node.role] if node.machine_id is not None else [node.role]
        ready = self._command(
            "host-ready",
            create=install_and_run_command(
                self._label("host-ready"),
                "host_ready",
                {"NEEDS_DOWNLOAD": str(args.k0s.binary_source == "download").lower()},
            ),
            stdin=script_bundle().payload,
            depends_on=[node.machine] if node.machine else [],
        )
        self.staged = self._stage(ready)
        self.config = self._configure() if node.is_controller else None
        self.install = self._install(self.config or self.staged)
        self.member = self._member()
        self.upgrade = self._upgrade()
        self.register_outputs({"install": self.install.id})

    def _label(self, step: str) -> str:
        """``<node> <step>``: what every line a step's script prints starts with."""
        return f"{self._args.node.name} {step}"

    def _run(self, step: str, script: str, inputs: dict[str, pulumi.Input[str]]) -> pulumi.Output[str]:
        """The command running ``script`` for this node's ``step``."""
        return script_command(self._label(step), script, inputs)

    def _command(
        self,
        step: str,
        *,
        create: pulumi.Input[str],
        depends_on: list[pulumi.Resource],
        delete: pulumi.Input[str] | None = None,
        connection: remote.ConnectionArgs | None = None,
        stdin: pulumi.Input[str] | None = None,
        secret_stdout: bool = False,
        with_machine: bool = True,
    ) -> remote.Command:
        """One step: its name, connection, triggers and lifecycle options in one place."""
        machine = self._args.node.machine
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

    def _stage(self, ready: remote.Command) -> remote.Command:
        k0s = self._args.k0s
        inputs = {
            "K0S_VERSION": self._args.k0s_version,
            "K0S_DOWNLOAD_URL": k0s.download_url,
            "K0S_SHA256": k0s.sha256 or "",
            "STAGE_MODE": "uploaded" if self._args.uploaded_binary is not None else "download",
        }
        if self._args.uploaded_binary is not None:
            inputs["UPLOAD_PATH"] = upload_path(self._args.k0s_version)
        after = [ready] + ([self._args.uploaded_binary] if self._args.uploaded_binary else [])
        return self._command("k0s-binary", create=self._run("k0s-binary", "stage_k0s", inputs), depends_on=after)

    def _configure(self) -> remote.Command:
        assert self._args.config_yaml is not None, "controllers need a k0s.yaml"
        inputs = {"READY_TIMEOUT_SECONDS": str(self._args.k0s.ready_timeout_seconds)}
        return self._command(
            "k0s-config",
            create=self._run("k0s-config", "write_k0s_config", inputs),
            stdin=self._args.config_yaml,
            depends_on=[self.staged, *(self._args.config_after or [])],
        )

    def _install(self, configured: remote.Command) -> remote.Command:
        args, node = self._args, self._args.node
        common = {
            "NODE_NAME": node.name,
            "ROLE": node.role,
            "NO_TAINTS": str(args.k0s.no_taints).lower(),
            "READY_TIMEOUT_SECONDS": str(args.k0s.ready_timeout_seconds),
        }
        reset = self._run(
            "k0s-install",
            "reset_node",
            {
                "NODE_NAME": node.name,
                "IS_BOOTSTRAP": str(args.is_bootstrap).lower(),
                "PEER_ADDRESS": node.private_address,
            }
            if node.is_controller
            else {"NODE_NAME": node.name, "IS_BOOTSTRAP": "false"},
        )
        if args.is_bootstrap:
            create = self._run("k0s-install", "install_controller", common)
            return self._command("k0s-install", create=create, delete=reset, depends_on=[configured])
        token = self._command(
            "join-token",
            create=self._run(
                "join-token",
                "create_join_token",
                {"ROLE": "controller" if node.is_controller else "worker", "TOKEN_EXPIRY": args.k0s.token_expiry},
            ),
            connection=args.leader_connection,
            depends_on=[configured, *args.join_after],
            secret_stdout=True,
            with_machine=False,
        )
        return self._command(
            "k0s-install",
            create=self._run("k0s-install", "join_node", common),
            delete=reset,
            stdin=token.stdout,
            depends_on=[configured, token],
        )

    def _member(self) -> remote.Command:
        args, node = self._args, self._args.node
        # install_controller.sh prints no token_id: the bootstrap's own member step has none.
        token_id = self.install.stdout.apply(lambda out: parse_key_values(out).get("token_id", ""))
        confirm = self._run(
            "member",
            "confirm_member",
            {
                "NODE_NAME": node.name,
                "ROLE": node.role,
                "TOKEN_ID": token_id,
                "READY_TIMEOUT_SECONDS": str(args.k0s.ready_timeout_seconds),
            },
        )
        remove = self._run(
            "member",
            "remove_member",
            {
                "NODE_NAME": node.name,
                "ROLE": node.role,
                "PEER_ADDRESS": node.private_address if node.is_controller else "",
                "DRAIN_TIMEOUT": args.k0s.upgrade.drain_timeout,
                "IS_LEADER": str(args.is_bootstrap).lower(),
            },
        )
        return self._command(
            "member",
            create=confirm,
            delete=remove,
            connection=args.leader_connection,
            depends_on=[self.install, *(args.member_after or [])],
            with_machine=False,
        )

    def _upgrade(self) -> remote.Command:
        args, node = self._args, self._args.node
        upgrade = self._run(
            "k0s-upgrade",
            "upgrade_node",
            {
                "K0S_VERSION": args.k0s_version,
                "NODE_NAME": node.name,
                "ROLE": node.role,
                "DRAIN": str(args.k0s.upgrade.drain and node.runs_kubelet).lower(),
                "DRAIN_TIMEOUT": args.k0s.upgrade.drain_timeout,
                "READY_TIMEOUT_SECONDS": str(args.k0s.ready_timeout_seconds),
            },
        )
        own = [self.member]
        stdin = args.admin_kubeconfig if node.role == "worker" else None
        return self._command(
            "k0s-upgrade", create=upgrade, stdin=stdin, depends_on=[*own, self.staged, *args.upgrade_after]
        )
