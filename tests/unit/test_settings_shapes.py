"""No traceback, ever, for bad input (issue 10, item 2): a property test over every shape.

Random JSON (what ``pulumi config set --path`` or a hand-edited stack/mke4.yaml can hold)
is put into every object-valued key of a valid config, and into every section of an
mke4.yaml. Loading either succeeds or raises SettingsError whose every issue names a
key; any other exception fails the test. Deterministic (derandomized, no example
database), no deadline (a loaded CI machine must not flake), bounded example counts.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.settings import SettingsError, validate_mapping
from components.settings.reference import iter_rows
from tests.support.settings_cases import FIXTURES, at, aws_baseline, static_baseline

OBJECT_KEYS = [row.path for row in iter_rows() if row.type.startswith(("mapping", "list"))]
# Keys the models and rules look for, so random mappings reach past the first level.
KNOWN_NAMES = sorted(
    {row.path.rsplit(".", 1)[-1].removesuffix("[]") for row in iter_rows()}
    | {"spec", "api", "network", "extraArgs", "port", "dualStack", "enabled", "storage", "type"}
    | {"ingressController", "nodePorts", "https", "installation", "calicoNetwork", "ipPools", "cidr", "bgp"}
    | {"ssh", "address", "role", "hostname", "apiServer", "sans", "providers", "extraConfig", "url"}
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
    | st.sampled_from(["10.0.0.1", "192.168.1.1", "controller+worker", "worker", "v1.32.11+k0s.0", "4789", ""])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KNOWN_NAMES) | st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def assert_builds_or_names_keys(raw: dict[str, Any], base_dir: Path) -> None:
    """The property: a valid result, or a SettingsError naming a key in every issue."""
    try:
        validate_mapping(raw, stack="shapes", base_dir=base_dir)
    except SettingsError as error:
        assert error.issues, "a SettingsError without issues"
        for issue in error.issues:
            assert issue.key, issue
            assert issue.render().startswith(f"mke4k:{issue.key}"), issue.render()
            assert issue.fix, issue.render()


def test_every_object_valued_key_is_covered() -> None:
    assert {"hosts.static.hosts", "k0s.config", "calico.values", "mke", "ssh.bastion"} <= set(OBJECT_KEYS)


@pytest.mark.parametrize("key", OBJECT_KEYS)
@PROPERTY
@given(value=JSON)
def test_any_json_in_an_object_key_builds_or_names_the_key(key: str, value: Any) -> None:
    baseline = aws_baseline() if key.startswith("hosts.aws") else static_baseline()
    assert_builds_or_names_keys(at(baseline, key, copy.deepcopy(value)), FIXTURES)


@pytest.mark.parametrize("key", ["hosts.static.hosts.0", "hosts.static.hosts.0.address", "k0s.apiSans"])
@PROPERTY
@given(value=JSON)
def test_any_json_in_a_list_item_builds_or_names_the_key(key: str, value: Any) -> None:
    raw = static_baseline()
    raw["k0s"] = {"apiSans": ["api.example.com"]}
    assert_builds_or_names_keys(at(raw, key, copy.deepcopy(value)), FIXTURES)


MKE4_PLACES = [
    "spec",
    "spec.hosts",
    "spec.hosts.0",
    "spec.hosts.0.ssh",
    "spec.hosts.0.ssh.address",
    "spec.hosts.1.role",
    "spec.apiServer",
    "spec.apiServer.sans",
    "spec.network",
    "spec.network.providers",
    "spec.network.providers.0",
    "spec.network.providers.0.extraConfig",
    "spec.network.kubeProxy",
    "spec.airgap",
    "spec.registries",
    "spec.registries.imageRegistry",
    "spec.version",
]


@pytest.mark.parametrize("place", MKE4_PLACES)
@PROPERTY
@given(value=JSON)
def test_any_json_in_an_mke4_yaml_section_builds_or_names_the_key(place: str, value: Any) -> None:
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    document = at(document, place, copy.deepcopy(value))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "mke4.yaml").write_text(yaml.safe_dump(document))
        raw = {"mke4ConfigFile": "mke4.yaml", "ssh": static_baseline()["ssh"]}
        assert_builds_or_names_keys(raw, Path(folder))


@PROPERTY
@given(value=JSON)
def test_any_json_as_the_whole_mke4_yaml_builds_or_names_the_key(value: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "mke4.yaml").write_text(yaml.safe_dump(value))
        assert_builds_or_names_keys({"mke4ConfigFile": "mke4.yaml"}, Path(folder))


@PROPERTY
@given(value=JSON, key=st.sampled_from(sorted({row.path.split(".")[0] for row in iter_rows()})))
def test_any_json_as_a_top_level_value_builds_or_names_the_key(value: Any, key: str) -> None:
    raw = static_baseline()
    raw[key] = copy.deepcopy(value)
    assert_builds_or_names_keys(raw, FIXTURES)
