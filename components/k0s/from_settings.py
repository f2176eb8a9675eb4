"""Settings -> k0s layer arguments (the only place the k0s layer meets settings)."""

from __future__ import annotations

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
from .node import RegistryArgs


def k0s_cluster_args(settings: Settings, hosts: Hosts, bootstrap: str, base_dir: Path) -> K0sClusterArgs:
    """The k0s layer's arguments for this stack: its hosts, k0s settings, network and SSH, the mirror."""
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
    )


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
