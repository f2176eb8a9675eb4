"""Rendered platform values validate against the upstream schemas, read in place.

Schemas come from ``$MKE4K_SCHEMAS_DIR`` or ``<repo>/../shared/schemas``; tests skip
with a reason when they are absent. CRD schemas get ``additionalProperties: false``
injected so typos fail (see tests/support/schemas.py).
"""

from __future__ import annotations

import pytest
import yaml

from components.platform.values import (
    calico_felix_spec,
    calico_installation_spec,
    render_kcm_values,
)
from tests.support.rendered import kcm_airgap, rendered_calico
from tests.support.schemas import (
    crd_validator,
    errors,
    schema_file,
    values_schema_validator,
)

CALICO_VERSIONS = ("v3.30.2", "v3.31.7", "v3.32.1")
KCM_VERSIONS = ("v1.2.0", "v1.11.4")


@pytest.mark.parametrize("version", CALICO_VERSIONS)
def test_installation_spec_validates(version: str) -> None:
    validator = crd_validator(schema_file("calico", version, "operator.tigera.io_installations.yaml"))
    assert errors(validator, calico_installation_spec(rendered_calico(version))) == []


@pytest.mark.parametrize("version", CALICO_VERSIONS)
def test_felix_configuration_spec_validates(version: str) -> None:
    validator = crd_validator(schema_file("calico", version, "crd.projectcalico.org_felixconfigurations.yaml"))
    spec = calico_felix_spec(rendered_calico(version))
    assert spec == {"vxlanPort": 4789, "vxlanVNI": 4096}
    assert errors(validator, spec) == []


@pytest.mark.parametrize("version", CALICO_VERSIONS)
def test_ip_pool_fields_exist_in_the_ippool_crd(version: str) -> None:
    # The Installation's pool item is translated by the operator into an IPPool.
    validator = crd_validator(schema_file("calico", version, "crd.projectcalico.org_ippools.yaml"))
    pool = rendered_calico(version)["installation"]["calicoNetwork"]["ipPools"][0]
    as_ippool = {
        "cidr": pool["cidr"],
        "blockSize": pool["blockSize"],
        "natOutgoing": pool["natOutgoing"] == "Enabled",
        "nodeSelector": pool["nodeSelector"],
        "vxlanMode": "Always",
        "ipipMode": "Never",
    }
    assert errors(validator, as_ippool) == []


@pytest.mark.parametrize("version", CALICO_VERSIONS)
def test_top_level_value_keys_exist_in_the_chart(version: str) -> None:
    with open(schema_file("calico", version, "values.yaml"), encoding="utf-8") as handle:
        chart_values = yaml.safe_load(handle)
    rendered = rendered_calico(version)
    assert set(rendered) <= set(chart_values), set(rendered) - set(chart_values)
    assert "registry" in chart_values["tigeraOperator"]


@pytest.mark.parametrize("version", CALICO_VERSIONS)
def test_installation_validator_rejects_typos_and_bad_enums(version: str) -> None:
    validator = crd_validator(schema_file("calico", version, "operator.tigera.io_installations.yaml"))
    spec = calico_installation_spec(rendered_calico(version))
    typo = {**spec, "calicoNetwork": {**spec["calicoNetwork"], "bgpp": "Disabled"}}
    assert any("bgpp" in e for e in errors(validator, typo))
    bad_enum = {**spec, "calicoNetwork": {**spec["calicoNetwork"], "bgp": "Off"}}
    assert errors(validator, bad_enum)


@pytest.mark.parametrize("version", CALICO_VERSIONS)
def test_felix_validator_rejects_wrong_types(version: str) -> None:
    validator = crd_validator(schema_file("calico", version, "crd.projectcalico.org_felixconfigurations.yaml"))
    assert errors(validator, {"vxlanPort": "4789", "vxlanVNI": 4096})
    assert any("vxlanVni" in e for e in errors(validator, {"vxlanVni": 4096}))


KCM_CASES = [
    pytest.param("v1.2.0", "oss", "1.2.0", id="oss-1.2.0"),
    pytest.param("v1.2.0", "enterprise", "1.2.3", id="enterprise-1.2.3-vs-kcm-1.2.0"),
    pytest.param("v1.11.4", "oss", "1.11.4", id="oss-1.11.4"),
]


@pytest.mark.parametrize(("schema_version", "flavor", "version"), KCM_CASES)
def test_kcm_values_validate(schema_version: str, flavor: str, version: str) -> None:
    validator = values_schema_validator(schema_file("k0rdent-kcm", schema_version, "kcm", "values.schema.json"))
    assert errors(validator, render_kcm_values(flavor=flavor, version=version)) == []
    assert errors(validator, kcm_airgap(flavor, version)) == []


def test_kcm_legacy_telemetry_key_exists_in_1_2_0() -> None:
    with open(schema_file("k0rdent-kcm", "v1.2.0", "kcm", "values.yaml"), encoding="utf-8") as handle:
        assert "enableTelemetry" in yaml.safe_load(handle)["controller"]


def test_kcm_regional_values_validate_against_the_subchart_schema() -> None:
    validator = values_schema_validator(schema_file("k0rdent-kcm", "v1.11.4", "kcm-regional", "values.schema.json"))
    regional = render_kcm_values(flavor="oss", version="1.11.4")["regional"]
    assert errors(validator, regional) == []
    assert errors(validator, {"telemetry": {"mode": "off"}}), "an invalid telemetry mode must be rejected"


def test_kcm_validator_rejects_wrong_types_and_enum_values() -> None:
    validator = values_schema_validator(schema_file("k0rdent-kcm", "v1.2.0", "kcm", "values.schema.json"))
    assert errors(validator, {"controller": {"enableTelemetry": "no"}})
    assert errors(validator, {"controller": {"logger": {"encoder": "yaml"}}})
