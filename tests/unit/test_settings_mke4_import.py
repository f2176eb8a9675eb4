"""Reading an existing mke4.yaml (the MkeConfig mkectl uses) into stack settings.

Fixtures are hand-written mke4.yaml files in tests/fixtures/mke4/ shaped like
``mkectl init`` output (hosts[].ssh, apiServer, network.providers, airgap registries).
Expectations are read from the fixture files themselves, so the test checks the
mapping, not a copy of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import Settings, SettingsError, settings_from_mapping
from components.settings.mke4_import import read_mke4_config
from tests.support.ssh_keys import openssh_private_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mke4"
KEY_TEXT = openssh_private_key("fixture")
# airgap.yaml names no keyPath: the stack gives the key
STACK_KEY = {"ssh": {"privateKey": openssh_private_key("stack")}}


def spec(name: str) -> dict[str, Any]:
    """The ``spec`` of a fixture, parsed independently of the importer."""
    return yaml.safe_load((FIXTURES / name).read_text())["spec"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME with the key the three-managers fixture names (~/.ssh/mke4-fixture)."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "mke4-fixture").write_text(KEY_TEXT)
    monkeypatch.setenv("HOME", str(home))
    return home


def load(raw: dict[str, Any], base_dir: Path = FIXTURES) -> Settings:
    """Validate a stack config that points at an mke4.yaml."""
    return settings_from_mapping(raw, stack="imported", base_dir=base_dir)


def test_hosts_come_through(home: Path) -> None:
    """Every spec.hosts entry becomes a static host with its role, address, port and user."""
    settings = load({"mke4ConfigFile": "three-managers.yaml"})
    expected = spec("three-managers.yaml")["hosts"]
    hosts = settings.hosts.static.hosts
    assert settings.hosts.source == "static"
    assert [(h.role, h.address) for h in hosts] == [(e["role"], e["ssh"]["address"]) for e in expected]
    assert [h.ssh_port for h in hosts] == [e["ssh"]["port"] for e in expected]
    assert [h.ssh_user for h in hosts] == [e["ssh"]["user"] for e in expected]
    assert len({h.name for h in hosts}) == len(hosts), "generated node names must be unique"


def test_ssh_key_path_with_tilde_is_read_from_home(home: Path) -> None:
    """keyPath ``~/.ssh/...`` (what mkectl init writes) is expanded and the key is read."""
    settings = load({"mke4ConfigFile": "three-managers.yaml"})
    assert settings.ssh.private_key is not None
    assert settings.ssh.private_key.get_secret_value() == KEY_TEXT


def test_relative_key_path_is_relative_to_the_file(tmp_path: Path) -> None:
    """A relative keyPath is resolved next to the mke4.yaml, not the working directory."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    for host in document["spec"]["hosts"]:
        host["ssh"]["keyPath"] = "keys/id_ed25519"
    (folder / "mke4.yaml").write_text(yaml.safe_dump(document))
    (folder / "keys").mkdir()
    (folder / "keys" / "id_ed25519").write_text(KEY_TEXT)
    settings = load({"mke4ConfigFile": "cluster/mke4.yaml"}, base_dir=tmp_path)
    assert settings.ssh.private_key is not None
    assert settings.ssh.private_key.get_secret_value() == KEY_TEXT


def test_api_server_sans_and_external_address(home: Path) -> None:
    """apiServer.externalAddress and apiServer.sans come through."""
    settings = load({"mke4ConfigFile": "three-managers.yaml"})
    api = spec("three-managers.yaml")["apiServer"]
    assert settings.api_external_address == api["externalAddress"]
    assert settings.k0s.api_sans == api["sans"]


def test_network_settings(home: Path) -> None:
    """serviceCIDR, kubeProxy.mode and the Calico provider's cidrV4/vxlanPort/vxlanVNI come through."""
    settings = load({"mke4ConfigFile": "three-managers.yaml"})
    network = spec("three-managers.yaml")["network"]
    calico = next(p for p in network["providers"] if p["provider"] == "calico")["extraConfig"]
    assert settings.network.service_cidr == network["serviceCIDR"]
    assert settings.network.kube_proxy_mode == network["kubeProxy"]["mode"]
    assert settings.network.pod_cidr == calico["cidrV4"]
    # extraConfig is a string map in MkeConfig: the numbers arrive as strings
    assert settings.network.vxlan_port == int(calico["vxlanPort"])
    assert settings.network.vxlan_vni == int(calico["vxlanVNI"])


def test_version_without_v(home: Path) -> None:
    """spec.version v4.1.5 selects MKE 4.1.5."""
    assert load({"mke4ConfigFile": "three-managers.yaml"}).version == spec("three-managers.yaml")["version"][1:]


def test_airgap_registries() -> None:
    """With airgap enabled, the image and chart registries become the registry overrides."""
    settings = load({"mke4ConfigFile": "airgap.yaml", **STACK_KEY})
    registries = spec("airgap.yaml")["registries"]
    assert settings.registry.image_registry == registries["imageRegistry"]["url"]
    assert settings.registry.chart_registry == registries["chartRegistry"]["url"]
    assert settings.ssh.private_key_file is None  # no keyPath given: the stack's key is used
    assert settings.api_external_address == spec("airgap.yaml")["apiServer"]["externalAddress"]


def test_registries_ignored_without_airgap(tmp_path: Path) -> None:
    """Registries only matter for an airgapped install."""
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    document["spec"]["airgap"]["enabled"] = False
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    assert load({"mke4ConfigFile": "mke4.yaml", **STACK_KEY}, base_dir=tmp_path).registry.image_registry is None


def test_disabled_calico_provider_is_ignored(tmp_path: Path) -> None:
    """A provider entry with enabled: false does not set the pod CIDR."""
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    document["spec"]["network"]["providers"] = [
        {"provider": "calico", "enabled": False, "extraConfig": {"cidrV4": "172.30.0.0/16"}}
    ]
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    assert load({"mke4ConfigFile": "mke4.yaml", **STACK_KEY}, base_dir=tmp_path).network.pod_cidr == "192.168.0.0/16"


def test_stack_keys_override_the_file(home: Path) -> None:
    """A key set in the stack wins over the same setting from mke4.yaml; the rest still comes from the file."""
    file_network = spec("three-managers.yaml")["network"]
    raw = {
        "mke4ConfigFile": "three-managers.yaml",
        "network": {"serviceCidr": "10.98.0.0/16"},
        "apiExternalAddress": "override.example.com",
        "ssh": {"user": "admin"},
    }
    settings = load(raw)
    assert settings.network.service_cidr == "10.98.0.0/16" != file_network["serviceCIDR"]
    assert settings.api_external_address == "override.example.com"
    # merged, not replaced: the file's pod CIDR and the file's key survive
    assert settings.network.pod_cidr == file_network["providers"][0]["extraConfig"]["cidrV4"]
    assert settings.ssh.user == "admin"
    assert settings.ssh.private_key is not None


def test_stack_host_list_with_the_file_is_refused(home: Path) -> None:
    """A host list in the stack would make the file's hosts silently unused: refused at the stack's list."""
    hosts = [{"name": "solo", "role": "controller+worker", "address": "172.21.0.5"}]
    with pytest.raises(SettingsError) as caught:
        load({"mke4ConfigFile": "three-managers.yaml", "hosts": {"static": {"hosts": hosts}}})
    assert [i.key for i in caught.value.issues] == ["hosts.static.hosts"]
    assert "three-managers.yaml" in str(caught.value) and "ignored" in str(caught.value)
    assert "(from " not in str(caught.value), "the list is the stack's own, not the file's"


@pytest.mark.parametrize("source", ["aws", "stack"])
def test_file_on_a_stack_whose_hosts_come_from_elsewhere_is_refused(home: Path, source: str) -> None:
    """mke4ConfigFile with hosts.source aws/stack would be silently ignored: refused at hosts.source."""
    raw = {"mke4ConfigFile": "three-managers.yaml", "hosts": {"source": source}, "layers": {"fromStack": "o/p/s"}}
    with pytest.raises(SettingsError) as caught:
        load(raw)
    assert "hosts.source" in [i.key for i in caught.value.issues]
    assert "ignored" in str(caught.value)


def test_file_on_a_stack_without_the_hosts_layer_is_refused(home: Path) -> None:
    """A cluster-only stack reads its machines from layers.fromStack: the file's hosts would be unused."""
    raw = {"mke4ConfigFile": "three-managers.yaml", "layers": {"run": ["k0s", "platform"], "fromStack": "o/p/m"}}
    with pytest.raises(SettingsError) as caught:
        load(raw)
    assert [i.key for i in caught.value.issues] == ["mke4ConfigFile"]
    assert "does not run the hosts layer" in str(caught.value)


def test_imported_config_is_still_validated(tmp_path: Path) -> None:
    """Rules apply to what the file brings: an even manager count is refused."""
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    document["spec"]["hosts"][1]["role"] = "controller+worker"
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(SettingsError) as caught:
        load({"mke4ConfigFile": "mke4.yaml", **STACK_KEY}, base_dir=tmp_path)
    assert [i.key for i in caught.value.issues] == ["hosts.static.hosts"]
    assert "etcd" in str(caught.value)
    assert "(from mke4.yaml: spec.hosts)" in str(caught.value), "named in the file's own terms"


def test_different_keys_per_host_are_refused(tmp_path: Path) -> None:
    """mke4k uses one SSH key for every node."""
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    document["spec"]["hosts"][0]["ssh"]["keyPath"] = "a"
    document["spec"]["hosts"][1]["ssh"]["keyPath"] = "b"
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(
        SettingsError, match=r"mke4k:mke4ConfigFile: mke4.yaml: spec.hosts\[\].ssh.keyPath .*different SSH keys"
    ):
        load({"mke4ConfigFile": "mke4.yaml"}, base_dir=tmp_path)


def test_reader_returns_stack_shaped_mapping(tmp_path: Path) -> None:
    """read_mke4_config returns plain stack-config keys (camelCase), nothing Pulumi-specific."""
    shutil.copy(FIXTURES / "airgap.yaml", tmp_path / "mke4.yaml")
    mapping = read_mke4_config(tmp_path / "mke4.yaml").config
    assert set(mapping) <= set(Settings.model_fields) | {f.alias for f in Settings.model_fields.values()}
    assert mapping["hosts"]["source"] == "static"


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("", "not an MkeConfig"),
        ("- a\n- b\n", "not an MkeConfig"),
        ("kind: MkeConfig\nspec:\n  hosts: []\n", "no hosts"),
        ("kind: MkeConfig\nspec: [1]\n", "not an MkeConfig"),
        ("kind: MkeConfig\nspec:\n  hosts: {a: 1}\n", "spec.hosts is a mapping, expected a list"),
        ("kind: MkeConfig\nspec:\n  hosts: null\n", "no hosts"),
        ("kind: MkeConfig\nspec: {hosts: [\n", "not valid YAML"),
    ],
)
def test_malformed_documents(tmp_path: Path, content: str, phrase: str) -> None:
    """Whatever is wrong with the file, the error names mke4k:mke4ConfigFile and the problem."""
    (tmp_path / "mke4.yaml").write_text(content)
    with pytest.raises(SettingsError) as caught:
        read_mke4_config(tmp_path / "mke4.yaml")
    assert [i.key for i in caught.value.issues] == ["mke4ConfigFile"]
    assert phrase in str(caught.value)


# ---------------------------------------------------------------- problems in the file's own terms


def write(tmp_path: Path, edit: Any) -> Path:
    """airgap.yaml with ``edit(spec)`` applied, written to tmp_path/mke4.yaml."""
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    edit(document["spec"])
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


def refused(tmp_path: Path, edit: Any) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load({"mke4ConfigFile": "mke4.yaml", **STACK_KEY}, base_dir=write(tmp_path, edit))
    return caught.value


@pytest.mark.parametrize(
    ("edit", "where", "what"),
    [
        (lambda spec: spec.update(apiServer=["a", "b"]), "spec.apiServer", "is a list, expected a mapping"),
        (lambda spec: spec.update(network="calico"), "spec.network", "is a string, expected a mapping"),
        (lambda spec: spec["hosts"].append("10.50.1.30"), "spec.hosts[2]", "is a string, expected a mapping"),
        (lambda spec: spec["hosts"][0].update(ssh=["10.50.1.10"]), "spec.hosts[0].ssh", "is a list"),
        (lambda spec: spec["hosts"][1]["ssh"].pop("address"), "spec.hosts[1].ssh.address", "is missing"),
        (lambda spec: spec["network"].update(providers=["calico"]), "spec.network.providers[0]", "is a string"),
        (
            lambda spec: spec["network"]["providers"][0].update(extraConfig=[1]),
            "spec.network.providers[0].extraConfig",
            "is a list",
        ),
        (lambda spec: spec["registries"].update(imageRegistry="r.example"), "spec.registries.imageRegistry", "string"),
        (lambda spec: spec.update(version=4.1), "spec.version", "is a number"),
    ],
)
def test_a_section_of_the_wrong_shape_names_the_file_and_the_path(
    tmp_path: Path, edit: Any, where: str, what: str
) -> None:
    """No traceback: the message is at mke4k:mke4ConfigFile and says 'mke4.yaml: <path in the file> <what>'."""
    error = refused(tmp_path, edit)
    assert [i.key for i in error.issues] == ["mke4ConfigFile"]
    assert f"mke4.yaml: {where}" in str(error) and what in str(error)


@pytest.mark.parametrize(
    ("edit", "key", "origin", "phrase"),
    [
        (
            lambda spec: spec["hosts"][1]["ssh"].update(address=["10.50.1.20"]),
            "hosts.static.hosts[1].address",
            "spec.hosts[1].ssh.address",
            "expected a string",
        ),
        (
            lambda spec: spec["hosts"][0]["ssh"].update(address="192.168.7.7"),
            "hosts.static.hosts[0].address",
            "spec.hosts[0].ssh.address",
            "inside the pod CIDR",
        ),
        (
            lambda spec: spec["apiServer"].update(externalAddress="https://mke.example.com:6443"),
            "apiExternalAddress",
            "spec.apiServer.externalAddress",
            "is a URL",
        ),
        (
            lambda spec: spec["apiServer"].update(sans="mke.example.com"),
            "k0s.apiSans",
            "spec.apiServer.sans",
            "expected a list",
        ),
        (
            lambda spec: spec["apiServer"].update(sans=["ok.example.com", "bad host"]),
            "k0s.apiSans[1]",
            "spec.apiServer.sans[1]",
            "whitespace",
        ),
        (
            lambda spec: spec["network"].update(serviceCIDR="10.96.0.0"),
            "network.serviceCidr",
            "spec.network.serviceCIDR",
            "not a valid IPv4 CIDR",
        ),
        (
            lambda spec: spec["hosts"][0]["ssh"].update(port=70000),
            "hosts.static.hosts[0].sshPort",
            "spec.hosts[0].ssh.port",
            "at most 65535",
        ),
        (
            lambda spec: spec["hosts"][1].update(role="manager"),
            "hosts.static.hosts[1].role",
            "spec.hosts[1].role",
            "controller+worker",
        ),
        (
            lambda spec: spec["network"].update(nodePortRange="30000-32767"),
            "network.nodePortRange",
            "spec.network.nodePortRange",
            "33000",
        ),
    ],
)
def test_an_imported_value_the_rules_refuse_names_its_place_in_the_file(
    tmp_path: Path, edit: Any, key: str, origin: str, phrase: str
) -> None:
    """The stack key it maps to AND the file's own path: 'mke4k:<key> (from mke4.yaml: <path>): ...'."""
    error = refused(tmp_path, edit)
    assert [i.key for i in error.issues] == [key], str(error)
    assert f"mke4k:{key} (from mke4.yaml: {origin}): " in str(error)
    assert phrase in str(error)


def test_a_value_the_stack_overrides_is_not_blamed_on_the_file(tmp_path: Path) -> None:
    """The stack's own bad value is reported as the stack's, without a '(from mke4.yaml ...)'."""
    with pytest.raises(SettingsError) as caught:
        load({"mke4ConfigFile": "airgap.yaml", **STACK_KEY, "network": {"serviceCidr": "10.96.0.0"}})
    assert [i.key for i in caught.value.issues] == ["network.serviceCidr"]
    assert "(from " not in str(caught.value)


def test_node_port_range_comes_from_the_file(home: Path) -> None:
    """spec.network.nodePortRange (MKE's key for the API server's NodePort range) becomes network.nodePortRange."""
    settings = load({"mke4ConfigFile": "three-managers.yaml"})
    assert settings.network.node_port_range == spec("three-managers.yaml")["network"]["nodePortRange"]
