"""Platform layer settings: Calico, k0rdent, mke-operator, registries and the MkeConfig."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from .base import SettingsModel
from .errors import FieldProblem
from .formats import host_problem

CALICO_CHART_REPO = "https://docs.tigera.io/calico/charts"
K0RDENT_ENTERPRISE_CHART = "oci://registry.mirantis.com/k0rdent-enterprise/charts/k0rdent-enterprise"
K0RDENT_OSS_CHART = "oci://ghcr.io/k0rdent/kcm/charts/kcm"
# facts.md section 3: the mke-operator chart's exact name is not public; this default
# follows the MKE chart registry layout and must be checked against your entitlement.
MKE_OPERATOR_CHART = "oci://registry.mirantis.com/mke/mke-operator"


class ComponentSettings(SettingsModel):
    """Fields every platform component shares."""

    enabled: bool = Field(True, description="Install this component.")
    version: str | None = Field(None, description="Chart version. Default: from the MKE release matrix.")
    values: dict[str, Any] = Field(default_factory=dict, description="Extra Helm values merged on top.")
    ready_timeout_seconds: int = Field(900, ge=30, le=7200, description="How long its readiness gate waits.")


class CalicoSettings(ComponentSettings):
    """Calico through the tigera-operator chart."""

    chart_repo: str = Field(CALICO_CHART_REPO, description="Helm repository of the tigera-operator chart.")

    @field_validator("version")
    @classmethod
    def _calico_version(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"v\d+\.\d+\.\d+", value):
            raise FieldProblem(f"'{value}' is not a Calico version", "write the Calico tag, like v3.30.2.")
        return value


class K0rdentSettings(ComponentSettings):
    """k0rdent (KCM): the Enterprise chart MKE ships, or the open-source one."""

    flavor: Literal["enterprise", "oss"] = Field(
        "enterprise",
        description="enterprise: the k0rdent Enterprise chart MKE 4k installs (release kcm in "
        "namespace k0rdent). oss: the open-source KCM chart (namespace kcm-system).",
    )
    chart: str | None = Field(None, description="Chart reference; default by flavor.")
    namespace: str | None = Field(None, description="Namespace; default by flavor.")


class MkeOperatorSettings(ComponentSettings):
    """mke-operator: reconciles the MkeConfig into system services."""

    chart: str = Field(MKE_OPERATOR_CHART, description="Chart reference (oci://...).")
    namespace: str = Field("mke", description="Namespace of the operator.")


class RegistrySettings(SettingsModel):
    """Image and chart registry overrides (airgap mirrors), applied to every component."""

    image_registry: str | None = Field(
        None, description="Image registry prefix host[:port][/path] without scheme, e.g. registry.example.com/mke."
    )
    chart_registry: str | None = Field(
        None,
        description="Chart registry without trailing '/': an OCI registry (oci://host[:port]/path, charts pulled as "
        "<registry>/<chart>) or a Helm repository (http(s)://host[:port]/path, charts pulled by name from it).",
    )
    username: str | None = Field(None, description="Registry user (needs a registry and a password).")
    password: SecretStr | None = Field(None, description="Registry password or token (secret).")
    ca_file: str | None = Field(
        None,
        description="Path on the runner to the registry CA bundle: a PEM file of -----BEGIN CERTIFICATE----- "
        "blocks (relative to the project directory, ~ expanded).",
    )
    ca_data: str | None = Field(
        None,
        description="The registry CA bundle inline (PEM), like mke4.yaml's caData. Nodes' containerd trusts it "
        "(or the contents of caFile when this is unset). A certificate is public: not a secret.",
    )
    mirrored_registries: list[str] | None = Field(
        None,
        description="Public registries (host[:port]) whose images the nodes pull from imageRegistry instead, "
        "keeping the image path (quay.io/a/b -> <imageRegistry>/a/b). Default: every registry the stack's "
        "images come from, and docker.io.",
    )

    @field_validator("ca_data")
    @classmethod
    def _pem(cls, value: str | None) -> str | None:
        if value is not None and "-----BEGIN CERTIFICATE-----" not in value:
            raise ValueError("is not a PEM certificate bundle (no '-----BEGIN CERTIFICATE-----' line)")
        return value

    @field_validator("mirrored_registries")
    @classmethod
    def _hosts(cls, value: list[str] | None) -> list[str] | None:
        for host in value or []:
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?", host):
                raise ValueError(f"'{host}' is not a registry host; write it like quay.io or registry.local:5000")
        return value

    @field_validator("image_registry")
    @classmethod
    def _image_registry(cls, value: str | None) -> str | None:
        if value is not None:
            check_registry_reference(value, "registry.example.com/mke")
        return value

    @field_validator("chart_registry")
    @classmethod
    def _chart_registry(cls, value: str | None) -> str | None:
        if value is None:
            return value
        scheme = next((prefix for prefix in ("oci://", "https://", "http://") if value.startswith(prefix)), None)
        if scheme is None:
            raise FieldProblem(
                f"'{value}' is neither an oci:// registry nor an http(s):// Helm repository",
                "write it like oci://registry.example.com/mke or https://charts.example.com/mke.",
            )
        check_registry_reference(value.removeprefix(scheme), f"{scheme}registry.example.com/mke")
        return value

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(c.isspace() for c in value)):
            raise FieldProblem("is empty or contains whitespace", "give the registry user name, or remove the key.")
        return value


def check_registry_reference(value: str, example: str) -> None:
    """``host[:port][/path]`` with a valid host, no scheme, no trailing '/', no whitespace."""
    if "://" in value:
        raise FieldProblem(f"'{value}' carries a scheme", f"write it without one, like {example}.")
    if value.endswith("/") or "//" in value:
        raise FieldProblem(f"'{value}' has an empty path segment or a trailing '/'", f"write it like {example}.")
    authority = value.split("/", 1)[0]
    host, _, port = authority.partition(":")
    problem = host_problem(host, "registry")
    if problem is not None:
        raise FieldProblem(f"registry host {problem}", f"write it like {example}.")
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise FieldProblem(
            f"'{authority}' has an invalid port", f"write it like {example} or registry.example.com:5000/mke."
        )
