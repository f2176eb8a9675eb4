"""The shipped stack files, resolved defaults, and how config arrives from Pulumi.

Expected versions and network values are taken from facts.md sections 2 and 3
(the public MKE 4k 4.1.5 matrix), not from the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import config as runtime_config

from components.release_matrix import load_matrix
from components.settings import Settings, SettingsError, load_settings, settings_from_mapping
from components.settings.loader import raw_config_from_pulumi
from tests.program.stack_program import give_stack_keys
from tests.support.recording_mocks import run_program
from tests.support.ssh_keys import openssh_private_key

REPO = Path(__file__).resolve().parents[2]
STACK_FILES = sorted(REPO.glob("Pulumi.*.yaml"))

# facts.md section 3, MKE 4.1.5 row
FACTS_4_1_5 = {"k0s": "v1.32.11+k0s.0", "calico": "v3.30.2", "k0rdent": "1.2.3", "mkeOperatorChart": "3.17.2"}
# facts.md section 2
FACTS_NETWORK = {
    "pod_cidr": "192.168.0.0/16",
    "service_cidr": "10.96.0.0/16",
    "kube_proxy_mode": "iptables",
    "vxlan_port": 4789,
    "vxlan_vni": 4096,
}
DUMMY_KEY = openssh_private_key("dummy")
MINIMAL = {
    "ssh": {"privateKey": DUMMY_KEY},
    "hosts": {
        "source": "static",
        "static": {
            "hosts": [
                {"name": "manager-1", "role": "controller+worker", "address": "10.40.0.11"},
            ]
        },
    },
}


def stack_config(path: Path) -> dict[str, Any]:
    """The ``mke4k:*`` keys of a Pulumi.<stack>.yaml, without the prefix."""
    config = yaml.safe_load(path.read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("mke4k:")}


MINIMAL_CONFIG = {f"mke4k:{key}": json.dumps(value) for key, value in MINIMAL.items()}


@pytest.fixture
def fake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in a temp dir holding the lab stack's dummy SSH key (~/.ssh/mke4k-lab)."""
    home = tmp_path / "home"
    home.mkdir()
    give_stack_keys(home)
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def restore_pulumi_config() -> Iterator[None]:
    """Put the process-wide Pulumi config back after a test that sets it."""
    saved = dict(runtime_config.CONFIG.get())
    try:
        yield
    finally:
        pulumi.runtime.set_all_config(saved)


# ---------------------------------------------------------------- shipped stacks


def test_the_four_documented_stacks_ship() -> None:
    """dev, staging, prod and lab are all present (a rename would silently skip the test below)."""
    assert {p.name for p in STACK_FILES} >= {f"Pulumi.{s}.yaml" for s in ("dev", "staging", "prod", "lab")}


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_shipped_stack_loads(path: Path, fake_home: Path) -> None:
    """Each Pulumi.<stack>.yaml validates, with versions resolved from the release matrix."""
    stack = path.name.split(".")[1]
    settings = settings_from_mapping(stack_config(path), stack=stack, base_dir=REPO)
    assert isinstance(settings, Settings)
    assert settings.cluster.name == stack
    assert settings.hosts.source in {"aws", "static", "stack"}
    assert settings.k0s.version and settings.calico.version
    assert settings.k0rdent.version and settings.mke_operator.version


def test_lab_stack_reads_the_key_from_home(fake_home: Path) -> None:
    """``privateKeyFile: ~/.ssh/mke4k-lab`` is expanded against HOME and read as a secret."""
    settings = settings_from_mapping(stack_config(REPO / "Pulumi.lab.yaml"), stack="lab", base_dir=REPO)
    assert settings.ssh.private_key is not None
    assert settings.ssh.private_key.get_secret_value() == (fake_home / ".ssh" / "mke4k-lab").read_text()
    assert "OPENSSH" not in repr(settings.ssh)


def test_lab_stack_without_the_key_file_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing key file is a config error at mke4k:ssh.privateKeyFile, not a crash."""
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SettingsError) as caught:
        settings_from_mapping(stack_config(REPO / "Pulumi.lab.yaml"), stack="lab", base_dir=REPO)
    assert [i.key for i in caught.value.issues] == ["ssh.privateKeyFile"]
    assert "mke4k:ssh.privateKeyFile" in str(caught.value)


def test_prod_stack_keeps_its_pins() -> None:
    """prod pins k0s and its checksum; they survive loading unchanged."""
    raw = stack_config(REPO / "Pulumi.prod.yaml")
    settings = settings_from_mapping(raw, stack="prod", base_dir=REPO)
    assert settings.k0s.version == raw["k0s"]["version"]
    assert settings.k0s.sha256 == raw["k0s"]["sha256"]
    assert settings.hosts.aws.controllers.count % 2 == 1


# ---------------------------------------------------------------- resolved defaults


def test_defaults_are_the_mke_4_1_5_versions() -> None:
    """With no versions set, the component versions are MKE 4.1.5's (facts.md section 3)."""
    settings = settings_from_mapping(MINIMAL, stack="unit", base_dir=REPO)
    assert settings.version == "4.1.5"
    assert settings.k0s.version == FACTS_4_1_5["k0s"]
    assert settings.calico.version == FACTS_4_1_5["calico"]
    assert settings.k0rdent.version == FACTS_4_1_5["k0rdent"]
    assert settings.mke_operator.version == FACTS_4_1_5["mkeOperatorChart"]


def test_defaults_equal_the_release_matrix_entry() -> None:
    """The same values, looked up through the release matrix the loader uses."""
    settings = settings_from_mapping(MINIMAL, stack="unit", base_dir=REPO)
    release = load_matrix().release(settings.version)
    assert load_matrix().latestGA == "4.1.5"
    assert (settings.k0s.version, settings.calico.version, settings.k0rdent.version, settings.mke_operator.version) == (
        release.k0s,
        release.calico,
        release.k0rdent,
        release.mkeOperatorChart,
    )


def test_other_release_picks_its_versions() -> None:
    """Choosing MKE 4.2.0 switches every component to its row (facts.md section 3)."""
    settings = settings_from_mapping({**MINIMAL, "version": "4.2.0"}, stack="unit", base_dir=REPO)
    assert settings.k0s.version == "v1.35.4+k0s.0"
    assert settings.calico.version == "v3.31.5"
    assert settings.k0rdent.version == "1.3.2"
    assert settings.mke_operator.version == "3.19.24"


def test_oss_k0rdent_flavor_uses_the_open_source_chart() -> None:
    """flavor oss: the open-source KCM chart, 1.2.0 for MKE 4.1.5, in kcm-system (facts.md section 3)."""
    settings = settings_from_mapping({**MINIMAL, "k0rdent": {"flavor": "oss"}}, stack="unit", base_dir=REPO)
    assert settings.k0rdent.chart == "oci://ghcr.io/k0rdent/kcm/charts/kcm"
    assert settings.k0rdent.version == "1.2.0"
    assert settings.k0rdent.namespace == "kcm-system"


def test_enterprise_k0rdent_defaults() -> None:
    """Default flavor: the Enterprise chart, installed in namespace k0rdent (facts.md section 3)."""
    k0rdent = settings_from_mapping(MINIMAL, stack="unit", base_dir=REPO).k0rdent
    assert k0rdent.chart == "oci://registry.mirantis.com/k0rdent-enterprise/charts/k0rdent-enterprise"
    assert k0rdent.namespace == "k0rdent"


def test_explicit_versions_win_over_the_matrix() -> None:
    """A version set in the stack is kept."""
    raw = {
        **MINIMAL,
        "k0s": {"version": "v1.33.4+k0s.0"},
        "mkeOperator": {"version": "3.17.9"},
        "allowUnlistedVersions": True,  # 3.17.9 is not in the release matrix: pinned on purpose
    }
    settings = settings_from_mapping(raw, stack="unit", base_dir=REPO)
    assert (settings.k0s.version, settings.mke_operator.version) == ("v1.33.4+k0s.0", "3.17.9")


def test_network_defaults_are_the_required_profile() -> None:
    """Pod/service CIDR, kube-proxy mode, VXLAN port and VNI default to facts.md section 2."""
    network = settings_from_mapping(MINIMAL, stack="unit", base_dir=REPO).network
    assert {key: getattr(network, key) for key in FACTS_NETWORK} == FACTS_NETWORK


def test_cluster_name_defaults_to_the_stack_name() -> None:
    """No mke4k:cluster: the stack name (lower-cased) names the cluster."""
    assert settings_from_mapping(MINIMAL, stack="Staging", base_dir=REPO).cluster.name == "staging"


def test_settings_are_immutable() -> None:
    """Loaded settings cannot be changed by a layer by accident."""
    settings = settings_from_mapping(MINIMAL, stack="unit", base_dir=REPO)
    with pytest.raises(Exception, match="frozen"):
        settings.network.vxlan_port = 1  # type: ignore[misc]


# ---------------------------------------------------------------- config from Pulumi


def test_raw_config_decodes_json_strings(restore_pulumi_config: None) -> None:
    """Pulumi hands structured values over as JSON strings; they arrive as mappings and lists."""
    network = {"podCidr": "192.168.0.0/16", "vxlanPort": 4789}
    hosts = {
        "source": "static",
        "static": {"hosts": [{"name": "m-1", "role": "controller+worker", "address": "10.1.0.1"}]},
    }
    pulumi.runtime.set_all_config(
        {
            "mke4k:network": json.dumps(network),
            "mke4k:hosts": json.dumps(hosts),
            "mke4k:version": "4.1.5",
            "mke4k:apiExternalAddress": "api.example.com",
            "aws:region": "eu-west-1",
        }
    )
    raw = raw_config_from_pulumi()
    assert raw == {"network": network, "hosts": hosts, "version": "4.1.5", "apiExternalAddress": "api.example.com"}
    assert isinstance(raw["network"]["vxlanPort"], int)


def test_scalar_strings_stay_strings(restore_pulumi_config: None) -> None:
    """A version like 4.2 or a name like true must not turn into a number or a boolean."""
    pulumi.runtime.set_all_config({"mke4k:version": "4.2", "mke4k:apiExternalAddress": "true"})
    assert raw_config_from_pulumi() == {"version": "4.2", "apiExternalAddress": "true"}


def test_raw_config_ignores_other_namespaces(restore_pulumi_config: None) -> None:
    """Only mke4k:* keys are read (aws:region belongs to the provider)."""
    pulumi.runtime.set_all_config({"aws:region": "eu-west-1", "other:network": "{}"})
    assert raw_config_from_pulumi() == {}


# ---------------------------------------------------------------- through the Pulumi program


def _program(errors: list[SettingsError]) -> None:
    """What __main__ does first: load settings, then register resources (here one probe)."""
    try:
        settings = load_settings()
    except SettingsError as error:
        errors.append(error)
        return
    pulumi.ComponentResource("mke4k:test:Probe", settings.cluster.name)


def test_valid_config_reaches_resource_registration(restore_pulumi_config: None) -> None:
    """Control: with a valid config the probe resource IS registered (the recorder sees it)."""
    errors: list[SettingsError] = []
    recording = run_program(lambda: _program(errors), config=MINIMAL_CONFIG)
    assert errors == []
    assert [r.type for r in recording.resources] == ["mke4k:test:Probe"]
    assert recording.resources[0].name == "test"  # cluster name defaults to the stack name


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"mke4k:network": json.dumps({"vxlanPort": 70000})}, "network.vxlanPort"),
        ({"mke4k:netwrok": json.dumps({})}, "netwrok"),
        ({"mke4k:k0s": json.dumps({"version": "v1.32"})}, "k0s.version"),
        ({"mke4k:network": json.dumps({"serviceCidr": "192.168.0.0/20"})}, "network.serviceCidr"),
    ],
)
def test_invalid_config_registers_no_resource(restore_pulumi_config: None, config: dict[str, str], key: str) -> None:
    """An invalid config fails in load_settings, naming the key, before any resource exists."""
    errors: list[SettingsError] = []
    full = {**MINIMAL_CONFIG, **config}
    recording = run_program(lambda: _program(errors), config=full)
    assert len(errors) == 1
    assert f"mke4k:{key}:" in str(errors[0])
    assert recording.resources == []
