"""Platform layer settings: Calico, k0rdent, mke-operator, registries and the MkeConfig."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from .base import SettingsModel

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
            raise ValueError(f"'{value}' is not a Calico version; write it like v3.30.2")
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

    image_registry: str | None = Field(None, description="Image registry prefix, e.g. registry.example.com/mke.")
    chart_registry: str | None = Field(
        None,
        description="Chart registry without trailing '/': an OCI registry (oci://host/path, charts pulled as "
        "<registry>/<chart>) or a Helm repository (http(s)://host/path, charts pulled by name from it).",
    )
    username: str | None = Field(None, description="Registry user.")
    password: SecretStr | None = Field(None, description="Registry password or token (secret).")
    ca_file: str | None = Field(None, description="Path on the runner to the registry CA bundle (PEM).")

    @field_validator("chart_registry")
    @classmethod
    def _chart_registry(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith(("oci://", "http://", "https://")) or value.endswith("/")):
            raise ValueError(f"'{value}' must start with oci://, http:// or https:// and not end with '/'")
        return value
