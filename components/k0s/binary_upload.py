"""binarySource upload: fetch the k0s binary once on the runner, copy it to every node.

For airgapped hosts, and much faster for many nodes (facts.md section 7: a local
cache and upload took 8 s where downloading on the host took 127 s). The runner
verifies the pinned sha256 before anything is uploaded; each node verifies it again
(``stage_k0s.sh`` in ``uploaded`` mode) before staging.
"""

from __future__ import annotations

import pulumi
from pulumi_command import local, remote

from components.hosts.node import Node
from components.settings.k0s import K0sSettings

from .runner import FETCH_K0S


def upload_path(version: str) -> str:
    """Where the uploaded binary lands on a node (writable by a non-root SSH user)."""
    return f"/tmp/mke4k-k0s-{version}.upload"


class BinaryUpload(pulumi.ComponentResource):
    """The runner-side download (type ``mke4k:k0s:BinaryUpload``) and per-node copies."""

    def __init__(
        self, name: str, *, k0s: K0sSettings, version: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mke4k:k0s:BinaryUpload", name, None, opts)
        self._version = version
        self.download = local.Command(
            name,
            # The script on stdin, not by path: the same command on every runner's checkout.
            create="bash -s",
            stdin=FETCH_K0S.read_text(),
            add_previous_output_in_env=False,
            environment={
                "K0S_VERSION": version,
                "K0S_ARCH": k0s.upload_arch,
                "K0S_DOWNLOAD_URL": k0s.download_url,
                "K0S_SHA256": k0s.sha256 or "",
            },
            triggers=[version, k0s.sha256],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.path = self.download.stdout.apply(lambda out: out.strip().splitlines()[-1] if out.strip() else "")
        self.register_outputs({"path": self.path})

    def copy_to(
        self, node: Node, connection: remote.ConnectionArgs, parent: pulumi.Resource, after: list[pulumi.Resource]
    ) -> remote.CopyToRemote:
        """Copy the verified binary to ``node`` (replaced when the version changes), after ``after``
        (the node's ssh-probe: the copy dials the node like any step)."""
        return remote.CopyToRemote(
            f"{self._name}-{node.name}",
            connection=connection,
            source=self.path.apply(pulumi.FileAsset),
            remote_path=upload_path(self._version),
            triggers=[self._version],
            opts=pulumi.ResourceOptions(
                parent=parent,
                depends_on=[self.download, *after],
                deleted_with=node.machine,
            ),
        )
