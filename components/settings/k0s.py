"""k0s settings: version and binary source, API SANs, extra ClusterConfig, upgrades."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from .base import SettingsModel

K0S_VERSION_PATTERN = re.compile(r"^v(\d+)\.(\d+)\.(\d+)\+k0s\.(\d+)$")
DEFAULT_DOWNLOAD_URL = "https://github.com/k0sproject/k0s/releases/download"
_DURATION = re.compile(r"^\d+(s|m|h)$")


def kubernetes_minor(k0s_version: str) -> str:
    """``v1.32.11+k0s.0`` -> ``1.32``."""
    match = K0S_VERSION_PATTERN.match(k0s_version)
    if match is None:
        raise ValueError(f"not a k0s version: {k0s_version}")
    return f"{match.group(1)}.{match.group(2)}"


def check_duration(value: str) -> str:
    """Durations are written like k0s/kubectl expect them: ``90s``, ``10m``, ``1h``."""
    if not _DURATION.match(value):
        raise ValueError(f"'{value}' is not a duration; write it like 30s, 10m or 1h")
    return value


class UpgradeSettings(SettingsModel):
    """How a k0s version change rolls through the cluster."""

    worker_batch_size: int | None = Field(
        None,
        ge=1,
        description="Workers upgraded at once. Default: 10% of the workers, at least 1 (as k0sctl).",
    )
    drain_timeout: str = Field("5m", description="kubectl drain timeout per node (e.g. 5m).")
    drain: bool = Field(True, description="Cordon and drain nodes that run workloads before upgrading them.")

    @field_validator("drain_timeout")
    @classmethod
    def _valid_duration(cls, value: str) -> str:
        return check_duration(value)


class K0sSettings(SettingsModel):
    """The k0s distribution: version, binary source, configuration and lifecycle options."""

    version: str | None = Field(
        None, description="k0s version like v1.32.11+k0s.0. Default: from the MKE release matrix."
    )
    sha256: str | None = Field(
        None,
        description="Pinned sha256 of the k0s binary for the nodes' architecture. "
        "When unset, the release's sha256sums.txt is used. Required for binarySource upload.",
    )
    download_url: str = Field(
        DEFAULT_DOWNLOAD_URL,
        description="Base URL of k0s releases (<url>/<version>/k0s-<version>-<arch>); set a mirror for airgap.",
    )
    binary_source: Literal["download", "upload"] = Field(
        "download",
        description="download: each node downloads and verifies the binary. upload: the runner "
        "downloads once and uploads it to every node (airgap; much faster for many nodes).",
    )
    upload_arch: Literal["amd64", "arm64", "arm"] = Field(
        "amd64", description="Architecture of the binary fetched by the runner for binarySource upload."
    )
    api_sans: list[str] = Field(
        default_factory=list,
        description="Extra subject alternative names for the API certificate (the LB name and "
        "every controller address are always included).",
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra ClusterConfig fields merged into the rendered k0s.yaml (e.g. "
        "{spec: {api: {extraArgs: {...}}}}). Fields carrying the required network profile "
        "cannot be overridden.",
    )
    bootstrap_controller: str | None = Field(
        None,
        description="Name of the controller that initialises the cluster and runs leader-side "
        "steps. Default: the one that bootstrapped this cluster (the stack's bootstrapController "
        "output), else the first controller. Setting another controller hands the role over; "
        "the controller holding the role cannot be removed in the same deployment.",
    )
    no_taints: bool = Field(
        False, description="Install controller+worker nodes with --no-taints (schedule workloads on managers)."
    )
    token_expiry: str = Field("30m", description="Lifetime of each per-node join token.")
    ready_timeout_seconds: int = Field(
        600, ge=30, le=7200, description="How long to wait for a node or the API to become ready."
    )
    upgrade: UpgradeSettings = Field(default_factory=UpgradeSettings, description="Rolling upgrade options.")

    @field_validator("version")
    @classmethod
    def _valid_version(cls, value: str | None) -> str | None:
        if value is not None and not K0S_VERSION_PATTERN.match(value):
            raise ValueError(f"'{value}' is not a k0s version; it must look like v1.32.11+k0s.0")
        return value

    @field_validator("sha256")
    @classmethod
    def _valid_sha256(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9a-f]{64}", value.lower()):
            raise ValueError("a sha256 is 64 hexadecimal characters")
        return value.lower() if value else value

    @field_validator("download_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError(f"'{value}' must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("token_expiry")
    @classmethod
    def _valid_expiry(cls, value: str) -> str:
        return check_duration(value)


# ClusterConfig fields that carry the MKE 4k network profile or the layer's own wiring:
# mke4k:k0s.config may not set them (set the matching mke4k:network key instead).
PROTECTED_K0S_CONFIG_PATHS: dict[str, str] = {
    "spec.network.provider": "Calico is installed by the platform layer; k0s must install no CNI (custom)",
    "spec.network.podCIDR": "set mke4k:network.podCidr (it must equal the Calico pool)",
    "spec.network.serviceCIDR": "set mke4k:network.serviceCidr",
    "spec.network.kubeProxy.mode": "set mke4k:network.kubeProxyMode",
    "spec.network.kubeProxy.disabled": "MKE 4k requires kube-proxy",
    "spec.network.clusterDomain": "set mke4k:network.clusterDomain",
    "spec.storage.type": "k0rdent needs etcd; kine is not supported",
    "spec.api.address": "set per controller from its private address",
    "spec.api.externalAddress": "comes from the hosts layer (load balancer) or mke4k:apiExternalAddress",
    "spec.api.sans": "set mke4k:k0s.apiSans",
    "spec.storage.etcd.peerAddress": "set per controller from its private address",
}


def protected_paths_in(config: dict[str, Any], prefix: str = "") -> list[str]:
    """The protected dotted paths that ``config`` (an extra ClusterConfig fragment) sets."""
    found = []
    for key, value in config.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in PROTECTED_K0S_CONFIG_PATHS:
            found.append(path)
        elif isinstance(value, dict):
            found.extend(protected_paths_in(value, path))
    return found
