"""k0s settings: version and binary source, API SANs, extra ClusterConfig, upgrades."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator

from .base import SettingsModel
from .errors import FieldProblem
from .formats import check_api_host, check_duration

K0S_VERSION_PATTERN = re.compile(r"^v(\d+)\.(\d+)\.(\d+)\+k0s\.(\d+)$")
DEFAULT_DOWNLOAD_URL = "https://github.com/k0sproject/k0s/releases/download"

ApiHost = Annotated[str, AfterValidator(check_api_host)]
"""A name or IPv4 address the API is reached at (certificate SAN, external address)."""


def kubernetes_minor(k0s_version: str) -> str:
    """``v1.32.11+k0s.0`` -> ``1.32``."""
    match = K0S_VERSION_PATTERN.match(k0s_version)
    if match is None:
        raise ValueError(f"not a k0s version: {k0s_version}")
    return f"{match.group(1)}.{match.group(2)}"


class UpgradeSettings(SettingsModel):
    """How a k0s version change rolls through the cluster."""

    worker_batch_size: int | None = Field(
        None,
        ge=1,
        description="Workers upgraded at once. Default: 10% of the workers, at least 1 (as k0sctl).",
    )
    drain_timeout: str = Field("5m", description="kubectl drain timeout per node (e.g. 5m).")
    drain: bool = Field(True, description="Cordon and drain nodes that run workloads before upgrading them.")
    rollback_on_failure: bool = Field(
        True,
        description="When a node's upgrade fails after k0s was stopped (start fails, not ready in time), put the "
        "previous binary back, start it, wait and uncordon, then fail saying so; the nodes after it are not "
        "upgraded. A later `pulumi up` retries. false: leave the node as the failure left it (mkectl's upgrade "
        "rolls back too).",
    )

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
    api_sans: list[ApiHost] = Field(
        default_factory=list,
        description="Extra subject alternative names for the API certificate: host names or IPv4 addresses, "
        "without scheme or port (the LB name and every controller address are always included).",
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra ClusterConfig fields merged into the rendered k0s.yaml (e.g. "
        "{spec: {api: {extraArgs: {...}}}}), checked against the k0s ClusterConfig schema (unknown keys are "
        "refused). Fields carrying the required network profile, the per-node wiring or the ports other "
        "layers assume (API 6443, join API 9443, konnectivity 8132) cannot be overridden.",
    )
    bootstrap_controller: str | None = Field(
        None,
        description="Name of the controller that initialises the cluster and runs leader-side "
        "steps. Default: the one that bootstrapped this cluster (the stack's bootstrapController "
        "output), else the first controller. Setting another controller hands the role over; "
        "the controller holding the role cannot be removed in the same deployment.",
    )
    no_taints: bool = Field(
        False,
        description="Remove k0s's control-plane taint from controller+worker nodes so workloads are scheduled on "
        "the managers (k0s --no-taints). Applied to running nodes too, by each node's `taints` step on the "
        "bootstrap controller; setting it back to false taints them again (running pods stay).",
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
            raise FieldProblem(
                f"'{value}' is not a k0s version",
                "write it like v1.32.11+k0s.0 (the release tag: v, Kubernetes version, +k0s.N).",
            )
        return value

    @field_validator("sha256")
    @classmethod
    def _valid_sha256(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9a-f]{64}", value.lower()):
            raise FieldProblem(
                "is not a sha256: a sha256 is 64 hexadecimal characters",
                "copy the hash of k0s-<version>-<arch> from the release's sha256sums.txt (without 'sha256:').",
            )
        return value.lower() if value else value

    @field_validator("download_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value) or any(c.isspace() for c in value):
            raise FieldProblem(f"'{value}' is not an http(s):// URL", "write it like https://mirror.example.com/k0s.")
        return value.rstrip("/")

    @field_validator("token_expiry")
    @classmethod
    def _valid_expiry(cls, value: str) -> str:
        return check_duration(value)
