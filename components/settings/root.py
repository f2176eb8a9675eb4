"""The whole stack config as one model tree (``mke4k:*`` keys)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from .access import SshSettings
from .backup import BackupSettings
from .base import SettingsModel
from .errors import FieldProblem
from .hosts import HostsSettings
from .k0s import ApiHost, K0sSettings
from .network import NetworkSettings
from .platform import CalicoSettings, K0rdentSettings, MkeOperatorSettings, RegistrySettings

Layer = Literal["hosts", "k0s", "platform"]
LAYER_ORDER: tuple[Layer, ...] = ("hosts", "k0s", "platform")


class ClusterSettings(SettingsModel):
    """Identity of the cluster."""

    name: str = Field(description="Cluster name: prefix of every resource name and the mke4k:cluster tag.")
    tags: dict[str, str] = Field(default_factory=dict, description="Extra tags on every cloud resource.")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", value):
            raise FieldProblem(
                f"'{value}' is not a valid cluster name: lowercase letters, digits and '-', at most 32 characters",
                "rename it (it prefixes every resource name), e.g. 'lab' or 'prod-eu'.",
            )
        return value


class LayersSettings(SettingsModel):
    """Which layers this stack runs, and the stack that runs the ones below."""

    run: list[Layer] = Field(
        default_factory=lambda: list(LAYER_ORDER),
        description="Layers this stack runs: a contiguous run of hosts, k0s, platform.",
    )
    from_stack: str | None = Field(
        None,
        description="Stack (org/project/stack) that runs the layers below the lowest one run here; "
        "its outputs (nodes, apiAddress, sshPrivateKey, kubeconfig, leader) are read with a StackReference.",
    )
    used_by: list[str] = Field(
        default_factory=list,
        description="A machines stack (runs the hosts layer, not k0s): the stacks (org/project/stack) that build "
        "the cluster on its machines. Before anything runs, each one's nodeNames output is read, and removing a "
        "machine that is still a node there is refused with the order to follow (docs/operations.md, "
        "'Removal across stacks').",
    )


class Settings(SettingsModel):
    """Every setting of an mke4k stack, validated."""

    version: str = Field(description="MKE 4k release; picks component versions from the release matrix.")
    cluster: ClusterSettings = Field(description="Cluster name and tags.")
    layers: LayersSettings = Field(default_factory=LayersSettings, description="Layers run by this stack.")
    hosts: HostsSettings = Field(default_factory=HostsSettings, description="The machines (hosts layer).")
    ssh: SshSettings = Field(default_factory=SshSettings, description="SSH access to the machines.")
    k0s: K0sSettings = Field(default_factory=K0sSettings, description="k0s (k0s layer).")
    network: NetworkSettings = Field(default_factory=NetworkSettings, description="Cluster networks.")
    backup: BackupSettings = Field(
        default_factory=BackupSettings, description="Control-plane backups (k0s layer) and restore into a new stack."
    )
    calico: CalicoSettings = Field(default_factory=CalicoSettings, description="Calico CNI (platform layer).")
    k0rdent: K0rdentSettings = Field(default_factory=K0rdentSettings, description="k0rdent (platform layer).")
    mke_operator: MkeOperatorSettings = Field(
        default_factory=MkeOperatorSettings, description="mke-operator (platform layer)."
    )
    registry: RegistrySettings = Field(
        default_factory=RegistrySettings, description="Registry overrides for every component (airgap)."
    )
    mke: dict[str, Any] | None = Field(
        None, description="MkeConfig spec for system services (mke.mirantis.com/v1alpha1, mke/mke)."
    )
    mke4_config_file: str | None = Field(
        None,
        description="Path to an existing mke4.yaml: its hosts, apiServer and network sections "
        "become the static hosts, API SANs/external address and network settings. Stack keys win, "
        "except the host list: a stack whose hosts do not come from the file is refused.",
    )
    api_external_address: ApiHost | None = Field(
        None,
        description="Address clients use for the API when not given by the hosts layer "
        "(e.g. an existing load balancer in front of static hosts): a host name or IPv4 address, "
        "without scheme or port (the port is always 6443).",
    )
    allow_unlisted_versions: bool = Field(
        False,
        description="Accept Calico, k0rdent and mke-operator versions the release matrix does not list "
        "(pinned on purpose). Calico's Kubernetes support range is still checked, and a warning is printed.",
    )

    def runs(self, layer: Layer) -> bool:
        """Whether this stack runs ``layer``."""
        return layer in self.layers.run
