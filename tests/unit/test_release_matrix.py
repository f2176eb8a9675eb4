"""The project's release matrix agrees with the public MKE 4k matrix and with facts.md.

The upstream ``mke-release/release-matrix.json`` (and its JSON Schema) is read in
place from ``$MKE4K_SCHEMAS_DIR`` or ``<repo>/../shared/schemas``; the comparison
tests skip with a reason when it is absent.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from components.release_matrix import load_matrix
from tests.support.schemas import schema_file

# facts.md section 3
FACTS = {
    "4.1.5": {"k0s": "v1.32.11+k0s.0", "calico": "v3.30.2", "k0rdent": "1.2.3", "mkeOperatorChart": "3.17.2"},
    "4.2.0": {"k0s": "v1.35.4+k0s.0", "calico": "v3.31.5", "k0rdent": "1.3.2", "mkeOperatorChart": "3.19.24"},
}
K0S_VERSION = re.compile(r"^v\d+\.\d+\.\d+\+k0s\.\d+$")


def upstream_matrix() -> list[dict[str, Any]]:
    """The public matrix as parsed JSON (skips when the schemas folder is absent)."""
    return json.loads(schema_file("mke-release", "release-matrix.json").read_text())


def upstream_entry(version: str) -> dict[str, Any]:
    """The upstream entry of ``version`` (e.g. ``4.1.5``); exactly one must exist."""
    entries = [e for e in upstream_matrix() if e["mkeReleaseVersion"] == f"v{version}"]
    assert len(entries) == 1, f"upstream matrix has {len(entries)} entries for v{version}"
    return entries[0]


def calico_from_mirantis_build(version: str) -> str:
    """Mirantis numbers its Calico build major.minor.(patch*100): ``v3.30.200`` -> ``v3.30.2``."""
    major, minor, build = version.removeprefix("v").split(".")
    patch, remainder = divmod(int(build), 100)
    assert remainder == 0, f"{version}: build number is not a multiple of 100"
    return f"v{major}.{minor}.{patch}"


@pytest.mark.parametrize(("build", "oss"), [("v3.30.200", "v3.30.2"), ("v3.31.500", "v3.31.5"), ("v3.30.0", "v3.30.0")])
def test_calico_build_number_mapping(build: str, oss: str) -> None:
    """The mapping itself (facts.md section 3: v3.30.200 is Calico 3.30.2)."""
    assert calico_from_mirantis_build(build) == oss


def test_upstream_file_validates_against_its_schema() -> None:
    """The public matrix is valid under its own JSON Schema (Draft 2020-12): we read the format it defines."""
    schema = json.loads(schema_file("mke-release", "release-matrix-schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(upstream_matrix()))
    assert errors == []


def test_schema_rejects_a_broken_entry() -> None:
    """Control: the schema really constrains entries (a non-string k0s version fails)."""
    schema = json.loads(schema_file("mke-release", "release-matrix-schema.json").read_text())
    broken = [dict(upstream_entry("4.1.5"), k0sVersion=132)]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_4_1_5_matches_upstream() -> None:
    """k0s, k0rdent, mke-operator chart and Calico of our 4.1.5 equal the public matrix's v4.1.5."""
    ours = load_matrix().release("4.1.5")
    theirs = upstream_entry("4.1.5")
    assert ours.k0s == theirs["k0sVersion"]
    assert ours.k0rdent == theirs["k0rdentVersion"]
    assert ours.mkeOperatorChart == theirs["mkeOperatorChartVersion"]
    assert ours.calico == calico_from_mirantis_build(theirs["network"]["calico"]["oss"]["version"])


def test_latest_ga_is_upstreams_latest_of_its_line() -> None:
    """Our latest GA is flagged isLatest upstream and is the highest such 4.1.x."""
    latest = load_matrix().latestGA
    assert upstream_entry(latest)["isLatest"] is True
    flagged = [e["mkeReleaseVersion"].removeprefix("v") for e in upstream_matrix() if e["isLatest"]]
    assert max(flagged, key=lambda v: tuple(int(p) for p in v.split("."))) == latest


@pytest.mark.parametrize("version", sorted(FACTS))
def test_matrix_matches_facts(version: str) -> None:
    """Each release's versions equal facts.md section 3."""
    release = load_matrix().release(version)
    assert {k: getattr(release, k) for k in FACTS[version]} == FACTS[version]


def test_latest_ga_is_4_1_5_and_ga() -> None:
    """facts.md: 4.1.5 is the latest 4.1.x GA; 4.2.0 is a release candidate."""
    matrix = load_matrix()
    assert matrix.latestGA == "4.1.5"
    assert matrix.release("4.1.5").status == "ga"
    assert matrix.release("4.2.0").status == "rc"


def test_every_release_is_well_formed() -> None:
    """Versions have the shapes the settings validators expect."""
    matrix = load_matrix()
    assert matrix.latestGA in matrix.releases
    for name, release in matrix.releases.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", name)
        assert K0S_VERSION.match(release.k0s), release.k0s
        assert re.fullmatch(r"v\d+\.\d+\.\d+", release.calico), release.calico


def test_every_release_ships_a_supported_pair() -> None:
    """Each release's Calico supports its own Kubernetes minor (the check would otherwise refuse the defaults)."""
    matrix = load_matrix()
    for release in matrix.releases.values():
        minor = ".".join(release.k0s.removeprefix("v").split(".")[:2])
        assert matrix.calico_supports(release.calico, minor) is True, (release.calico, minor)


def test_release_lookup_accepts_v_prefix_and_rejects_unknown() -> None:
    """``v4.1.5`` and ``4.1.5`` are the same release; unknown ones raise KeyError."""
    matrix = load_matrix()
    assert matrix.release("v4.1.5") == matrix.release("4.1.5")
    with pytest.raises(KeyError):
        matrix.release("4.0.0")


@pytest.mark.parametrize(
    ("calico", "minor", "expected"),
    [("v3.30.2", "1.32", True), ("v3.30.2", "1.36", False), ("v3.32.1", "1.36", True), ("v9.9.9", "1.32", None)],
)
def test_calico_support_ranges(calico: str, minor: str, expected: bool | None) -> None:
    """calico_supports answers True/False inside/outside a known range and None for unknown Calico minors."""
    assert load_matrix().calico_supports(calico, minor) is expected
