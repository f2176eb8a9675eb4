"""Settings -> k0s layer arguments (the only place the k0s layer meets settings)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pulumi

from components.airgap import (
    configure_registry_inputs,
    has_credentials,
    k0s_config_with_mirror,
    mirror_manifest,
    node_ca_pem,
    preflight_inputs,
)
from components.hosts.node import Hosts
from components.settings import Settings, resolved

from .cluster import K0sClusterArgs
from .containerd import registry_auth_token
from .node import BackupTarget, RegistryArgs, RestoreSource


def k0s_cluster_args(
    settings: Settings,
    hosts: Hosts,
    bootstrap: str,
    base_dir: Path,
    *,
    stack: str,
    backup_bucket: pulumi.Input[str] | None = None,
) -> K0sClusterArgs:
    """The k0s layer's arguments for this stack: its hosts, k0s settings, network and SSH, the mirror,
    the backups (to ``backup_bucket`` when this stack created it) and the archive to restore."""
    return K0sClusterArgs(
        cluster_name=settings.cluster.name,
        hosts=hosts,
        k0s=settings.k0s.model_copy(update={"config": k0s_config_with_mirror(settings)}),
        k0s_version=resolved(settings.k0s.version, "k0s.version"),
        network=settings.network,
        ssh=settings.ssh,
        api_external_address=settings.api_external_address,
        kubernetes_provider=settings.runs("platform"),
        bootstrap_controller=bootstrap,
        registry=registry_args(settings, base_dir),
        backup=backup_target(settings, stack, backup_bucket),
        restore=restore_source(settings, base_dir),
    )


def backup_target(settings: Settings, stack: str, bucket: pulumi.Input[str] | None) -> BackupTarget | None:
    """Where the backups before risky changes go, or None when ``mke4k:backup.beforeChanges`` is false."""
    backup = settings.backup
    if not backup.before_changes:
        return None
    s3 = backup.s3
    uri: pulumi.Input[str] | None = None
    if s3 is not None:
        prefix = s3.prefix or f"{settings.cluster.name}/"
        uri = pulumi.Output.concat("s3://", bucket if bucket is not None else s3.bucket or "", "/", prefix)
    return BackupTarget(
        directory=backup.directory,
        keep=backup.keep,
        stack=stack,
        s3_uri=uri,
        s3_region=s3.region if s3 else None,
        s3_kms_key_id=s3.kms_key_id if s3 else None,
    )


def restore_source(settings: Settings, base_dir: Path) -> RestoreSource | None:
    """The archive ``mke4k:backup.restoreFrom`` names (checked by the settings rules), with its sha256."""
    name = settings.backup.restore_from
    if name is None:
        return None
    return RestoreSource(path=name, sha256=archive_sha256(base_dir / Path(name).expanduser()))


def archive_sha256(path: Path) -> str:
    """The sha256 of a (possibly large) archive, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def registry_args(settings: Settings, base_dir: Path) -> RegistryArgs | None:
    """The mirror the nodes pull from, when ``mke4k:registry.imageRegistry`` is set."""
    if not settings.registry.image_registry:
        return None
    manifest = mirror_manifest(settings)
    ca = node_ca_pem(settings, base_dir)
    credentials = None
    if has_credentials(settings):
        registry = settings.registry
        assert registry.username is not None and registry.password is not None
        credentials = pulumi.Output.secret(registry_auth_token(registry.username, registry.password.get_secret_value()))
    return RegistryArgs(
        configure_inputs=configure_registry_inputs(settings, manifest, ca),
        preflight_inputs=preflight_inputs(manifest, ca, with_credentials=credentials is not None),
        credentials=credentials,
    )
