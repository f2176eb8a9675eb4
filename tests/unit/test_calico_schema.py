"""Strict checking of user Calico values against the shipped field trees (defect: unknown
``installation.*`` fields were pruned by the API server with only a warning)."""

from __future__ import annotations

import json

import pytest

from components.platform.calico_schema import FIELDS_DIR, calico_values_problems, field_trees, known_minors
from tests.support.rendered import rendered_calico
from tests.support.schemas import crd_validator, errors, require_schemas_dir, schema_file
from tools.gen_calico_fields import generate

VERSIONS = ("v3.30.2", "v3.31.5", "v3.32.1")


def keys(values: dict, version: str = "v3.30.2") -> list[str]:
    return [problem.key for problem in calico_values_problems(values, version)]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_program_s_own_values_pass(version: str) -> None:
    values = rendered_calico(version)
    assert calico_values_problems(values, version) == []


def test_an_unknown_installation_field_is_reported_with_its_full_key_and_a_suggestion() -> None:
    [problem] = calico_values_problems({"installation": {"calicoNetwork": {"mtuu": 1400}}}, "v3.30.2")
    assert problem.key == "mke4k:calico.values.installation.calicoNetwork.mtuu"
    assert "unknown field 'mtuu'" in problem.problem and "did you mean 'mtu'?" in problem.problem
    assert "would drop it" in problem.problem


def test_fields_inside_lists_and_maps_are_checked() -> None:
    values = {
        "installation": {
            "calicoNetwork": {"ipPools": [{"cidr": "192.168.0.0/16", "blocksize": 26}]},
            "controlPlaneNodeSelector": {"any-label": "any-value"},  # a map: any key is fine
        }
    }
    assert keys(values) == ["mke4k:calico.values.installation.calicoNetwork.ipPools[0].blocksize"]


def test_wrong_types_and_enum_values_are_reported() -> None:
    values = {
        "installation": {"calicoNetwork": {"bgp": "On", "mtu": "1400"}},
        "defaultFelixConfiguration": {"vxlanPort": True},
    }
    found = {p.key: p.problem for p in calico_values_problems(values, "v3.31.5")}
    assert "is not one of 'Enabled', 'Disabled'" in found["mke4k:calico.values.installation.calicoNetwork.bgp"]
    assert "must be an integer" in found["mke4k:calico.values.installation.calicoNetwork.mtu"]
    assert "must be an integer" in found["mke4k:calico.values.defaultFelixConfiguration.vxlanPort"]


def test_enabled_and_other_chart_keys_are_not_crd_fields_and_pass() -> None:
    values = {"installation": {"enabled": True}, "defaultFelixConfiguration": {"enabled": True}, "apiServer": {}}
    assert calico_values_problems(values, "v3.30.2") == []


def test_a_field_added_in_a_later_minor_is_unknown_to_the_earlier_one() -> None:
    added = set(field_trees("3.31")["Installation"]["properties"]) - set(
        field_trees("3.30")["Installation"]["properties"]
    )
    assert added, "3.31 adds Installation fields"
    field = sorted(added)[0]
    kind = field_trees("3.31")["Installation"]["properties"][field].get("type", "object")
    value = {"object": {}, "array": [], "string": "x", "integer": 1, "boolean": True}[kind]
    assert keys({"installation": {field: value}}, "v3.30.2") == [f"mke4k:calico.values.installation.{field}"]
    assert keys({"installation": {field: value}}, "v3.31.5") == []


def test_an_unknown_minor_fails_closed_when_values_would_reach_a_crd() -> None:
    [problem] = calico_values_problems({"installation": {"calicoNetwork": {}}}, "v3.29.0")
    assert problem.key == "mke4k:calico.values.installation"
    assert "no Installation schema for Calico 3.29" in problem.problem and "Fix:" in problem.problem
    assert calico_values_problems({"apiServer": {"enabled": False}}, "v3.29.0") == []


def test_the_shipped_field_trees_match_the_upstream_crds() -> None:
    """Regenerate from ../shared/schemas: fails when calico_fields/ drifts (run tools/gen_calico_fields.py)."""
    generated = generate(require_schemas_dir())
    shipped = {path.name: path.read_text() for path in FIELDS_DIR.glob("v*.json")}
    assert sorted(shipped) == sorted(generated)
    for name, text in generated.items():
        assert shipped[name] == text, f"{name} is stale: run python tools/gen_calico_fields.py"
    assert known_minors() == ["3.30", "3.31", "3.32"]


@pytest.mark.parametrize("version", ["v3.30.2", "v3.31.7", "v3.32.1"])
def test_the_check_agrees_with_the_full_crd_schema_on_unknown_fields(version: str) -> None:
    """A typo the field tree catches is also an error for the strict full CRD schema, and vice versa."""
    validator = crd_validator(schema_file("calico", version, "operator.tigera.io_installations.yaml"))
    good = {"calicoNetwork": {"mtu": 1400, "ipPools": [{"cidr": "10.0.0.0/16", "blockSize": 26}]}}
    bad = {"calicoNetwork": {"mtuu": 1400, "ipPools": [{"cidr": "10.0.0.0/16", "blocksize": 26}]}}
    assert errors(validator, good) == [] and keys({"installation": good}, version) == []
    assert len(errors(validator, bad)) == 2 and len(keys({"installation": bad}, version)) == 2


def test_field_tree_files_are_compact_json() -> None:
    for path in FIELDS_DIR.glob("v*.json"):
        data = json.loads(path.read_text())
        assert set(data) == {"source", "Installation", "FelixConfiguration"}, path
