"""Pure k0s-layer rendering: k0s.yaml against the upstream schema, kubeconfig, batches, quoting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from components.k0s.render import (
    default_worker_batch_size,
    parse_key_values,
    point_kubeconfig_at,
    render_k0s_config,
    to_yaml,
    upgrade_lane_predecessor,
)
from components.settings import settings_from_mapping
from tests.program.stack_program import SHIPPED_STACKS, give_stack_keys, stack_config
from tests.support.schemas import crd_validator, errors, schema_file

K0S_SCHEMA = ("k0s", "v1.32.11+k0s.0", "k0s.k0sproject.io_clusterconfigs.yaml")
DUMMY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nrender-test\n-----END OPENSSH PRIVATE KEY-----\n"
# MKE 4k docs ("Port ranges"): standalone clusters use NodePorts 32768-35535, with 33000 and
# 33001 reserved for the ingress controller (facts.md section 5); Kubernetes' default is 30000-32767.
MKE_NODE_PORT_RANGE = "32768-35535"
MKE_INGRESS_NODE_PORTS = (33000, 33001)


def settings_for_stack(stack, tmp_path, monkeypatch):
    give_stack_keys(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    raw = {k.split(":", 1)[1]: v for k, v in stack_config(stack).items() if k.startswith("mke4k:")}
    return settings_from_mapping(raw, stack=stack, base_dir=Path("."))


def rendered(settings, address="10.50.0.11"):
    return render_k0s_config(
        cluster_name=settings.cluster.name,
        private_address=address,
        external_address="api.example.test",
        sans=["api.example.test", "10.50.0.11", "10.50.0.12"],
        network=settings.network,
        extra=settings.k0s.config,
    )


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_rendered_config_of_every_stack_validates_against_upstream_schema(stack, tmp_path, monkeypatch):
    validator = crd_validator(schema_file(*K0S_SCHEMA))
    document = yaml.safe_load(to_yaml(rendered(settings_for_stack(stack, tmp_path, monkeypatch))))
    assert errors(validator, document["spec"]) == []


def test_schema_check_can_fail():
    validator = crd_validator(schema_file(*K0S_SCHEMA))
    assert errors(validator, {"network": {"provder": "custom"}})
    assert errors(validator, {"storage": {"type": "mongodb"}})


def test_required_profile_per_facts(tmp_path, monkeypatch):
    settings = settings_for_stack("lab", tmp_path, monkeypatch)
    config = rendered(settings)
    spec = config["spec"]
    assert config["apiVersion"] == "k0s.k0sproject.io/v1beta1" and config["kind"] == "ClusterConfig"
    assert spec["network"]["provider"] == "custom"
    assert spec["network"]["podCIDR"] == "192.168.0.0/16"
    assert spec["network"]["serviceCIDR"] == "10.96.0.0/16"
    assert spec["network"]["kubeProxy"]["mode"] == "iptables"
    assert spec["storage"]["type"] == "etcd"
    assert spec["storage"]["etcd"]["peerAddress"] == "10.50.0.11"
    assert spec["api"]["address"] == "10.50.0.11"
    assert spec["api"]["externalAddress"] == "api.example.test"
    assert {"api.example.test", "10.50.0.11", "10.50.0.12"} <= set(spec["api"]["sans"])
    assert spec["telemetry"]["enabled"] is False


def test_api_server_gets_mkes_node_port_range_so_the_ingress_node_ports_are_allowed(tmp_path, monkeypatch):
    args = rendered(settings_for_stack("lab", tmp_path, monkeypatch))["spec"]["api"]["extraArgs"]
    assert args["service-node-port-range"] == MKE_NODE_PORT_RANGE
    low, high = map(int, args["service-node-port-range"].split("-"))
    assert all(low <= port <= high for port in MKE_INGRESS_NODE_PORTS)
    assert not all(30000 <= port <= 32767 for port in MKE_INGRESS_NODE_PORTS), "why the range must be set"


def test_node_port_range_follows_the_setting_and_keeps_other_extra_args(tmp_path, monkeypatch):
    settings = settings_for_stack("lab", tmp_path, monkeypatch)
    network = settings.network.model_copy(update={"node_port_range": "32000-34000"})
    config = render_k0s_config(
        cluster_name="lab",
        private_address="10.50.0.11",
        external_address=None,
        sans=[],
        network=network,
        extra={"spec": {"api": {"extraArgs": {"audit-log-maxage": "30"}}}},
    )
    assert config["spec"]["api"]["extraArgs"] == {"audit-log-maxage": "30", "service-node-port-range": "32000-34000"}


def test_extra_config_merges_but_cannot_replace_the_profile(tmp_path, monkeypatch):
    settings = settings_for_stack("lab", tmp_path, monkeypatch)
    config = render_k0s_config(
        cluster_name="lab",
        private_address="10.50.0.11",
        external_address=None,
        sans=[],
        network=settings.network,
        extra={"spec": {"api": {"extraArgs": {"audit-log-maxage": "30"}}, "network": {"provider": "calico"}}},
    )
    assert config["spec"]["api"]["extraArgs"]["audit-log-maxage"] == "30"
    assert config["spec"]["network"]["provider"] == "custom"
    assert "externalAddress" not in config["spec"]["api"]


def test_only_per_controller_fields_differ_between_controllers(tmp_path, monkeypatch):
    settings = settings_for_stack("lab", tmp_path, monkeypatch)
    a, b = rendered(settings, "10.50.0.11"), rendered(settings, "10.50.0.12")
    a["spec"]["api"].pop("address"), b["spec"]["api"].pop("address")
    a["spec"]["storage"]["etcd"].pop("peerAddress"), b["spec"]["storage"]["etcd"].pop("peerAddress")
    assert a == b


def test_kubeconfig_server_points_at_the_api_address():
    kubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.5:6443\n  name: k0s\n"
    out = yaml.safe_load(point_kubeconfig_at(kubeconfig, "lb.example.test"))
    assert out["clusters"][0]["cluster"]["server"] == "https://lb.example.test:6443"


@hypothesis_settings(deadline=None)  # a loaded CI machine must not flake
@given(st.integers(min_value=1, max_value=400), st.integers(min_value=1, max_value=50))
def test_upgrade_lanes_bound_concurrency_and_appending_moves_nothing(count, lanes):
    predecessor = [upgrade_lane_predecessor(i, lanes) for i in range(count)]
    heads = [i for i, p in enumerate(predecessor) if p is None]
    assert len(heads) == min(count, lanes), "one chain per lane: at most `lanes` upgrade at once"
    assert all(p is None or p < i for i, p in enumerate(predecessor)), "a worker waits only for an earlier one"
    assert len({p for p in predecessor if p is not None}) == len([p for p in predecessor if p is not None])
    assert [upgrade_lane_predecessor(i, lanes) for i in range(count + 1)][:count] == predecessor


def test_default_batch_size_is_ten_percent_at_least_one():
    assert [default_worker_batch_size(n) for n in (0, 1, 9, 10, 11, 100, 205)] == [1, 1, 1, 1, 2, 10, 21]


def test_key_value_results_ignore_human_lines():
    assert parse_key_values("mke4k: note\ntoken_id=abc123\nchanged=true\n") == {"token_id": "abc123", "changed": "true"}


@pytest.mark.parametrize("tag", ["v1.32.11+k0s.0", "v1.36.3+k0s.2"])
def test_vendored_clusterconfig_schemas_are_the_upstream_files(tag):
    """The settings pass checks k0s.config against components/schemas: byte-identical to ../shared."""
    vendored = Path(__file__).resolve().parents[2] / "components" / "schemas" / "k0s" / tag / K0S_SCHEMA[2]
    assert vendored.read_bytes() == schema_file("k0s", tag, K0S_SCHEMA[2]).read_bytes()
