"""Every cross-field rule has a config that breaks it, written from the rule's own sentence.

Each rule is called directly on settings that passed the models (so one rule is tested
in isolation), first on the baseline (no issue), then on a config that breaks exactly
what its docstring promises (at least one error, or the warning it documents). A rule
added without an entry here fails ``test_every_rule_has_a_failing_config``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.settings.root import Settings
from components.settings.rules import RULES, Context, summary
from tests.support.settings_cases import PRIVATE_KEY, at, aws_baseline, static_baseline
from tests.support.ssh_keys import public_key_line

Case = tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], dict[str, Any]], str]


def _no_workers(raw: dict[str, Any]) -> dict[str, Any]:
    raw["hosts"]["static"]["hosts"] = [h for h in raw["hosts"]["static"]["hosts"] if h["role"] != "worker"]
    return at(raw, "hosts.static.hosts.0.role", "controller")


def _only_controllers(raw: dict[str, Any]) -> dict[str, Any]:
    raw = _no_workers(raw)
    for host in raw["hosts"]["static"]["hosts"]:
        host["role"] = "controller"
    return raw


AWS_KEYS = {"publicKey": public_key_line("other"), "privateKey": PRIVATE_KEY}  # a mismatched pair

# rule name -> (baseline, mutation, severity expected)
CASES: dict[str, Case] = {
    "mke_release": (static_baseline, lambda r: at(r, "version", "4.9.0"), "error"),
    "layer_list": (static_baseline, lambda r: at(r, "layers.run", ["hosts", "platform"]), "error"),
    "lower_layers_source": (static_baseline, lambda r: at(r, "layers.run", ["k0s", "platform"]), "error"),
    "mke4_file_supplies_hosts": (static_baseline, lambda r: at(r, "mke4ConfigFile", "three-managers.yaml"), "error"),
    "cross_stack_lists": (static_baseline, lambda r: at(r, "layers.usedBy", ["acme/mke4k/cluster"]), "error"),
    "controller_count": (static_baseline, lambda r: at(r, "hosts.static.hosts.3.role", "controller"), "error"),
    "gone_hosts": (aws_baseline, lambda r: at(r, "hosts.aws.gone", ["worker-9"]), "error"),
    "unique_hosts": (static_baseline, lambda r: at(r, "hosts.static.hosts.4.name", "worker-1"), "error"),
    "bootstrap_controller": (static_baseline, lambda r: at(r, "k0s.bootstrapController", "worker-2"), "error"),
    "kubelet_nodes": (static_baseline, _only_controllers, "error"),
    "node_private_addresses": (
        static_baseline,
        lambda r: at(r, "hosts.static.hosts.2.privateAddress", "169.254.0.9"),
        "error",
    ),
    "pod_service_overlap": (static_baseline, lambda r: at(r, "network.serviceCidr", "192.168.128.0/17"), "error"),
    "node_addresses_outside_cluster_networks": (
        static_baseline,
        lambda r: at(r, "hosts.static.hosts.4.address", "10.96.1.1"),
        "error",
    ),
    "vpc_cidr": (aws_baseline, lambda r: at(r, "hosts.aws.vpc.cidr", "10.20.0.0/25"), "error"),
    "service_cidr_size": (static_baseline, lambda r: at(r, "network.serviceCidr", "172.0.0.0/11"), "error"),
    "node_port_range": (static_baseline, lambda r: at(r, "network.nodePortRange", "30000-32767"), "error"),
    "vxlan_consistency": (aws_baseline, lambda r: at(r, "network.vxlanPort", 4790), "error"),
    "source_cidrs": (aws_baseline, lambda r: at(r, "hosts.aws.apiCidrs", ["2001:db8::/32"]), "error"),
    "existing_vpc": (aws_baseline, lambda r: at(r, "hosts.aws.vpc.id", "vpc-0a1b2c3d"), "error"),
    "internal_nlb": (aws_baseline, lambda r: at(r, "hosts.aws.loadBalancer.internal", True), "error"),
    "ssh_key_presence": (aws_baseline, lambda r: at(r, "hosts.aws.publicKey", public_key_line("x")), "error"),
    "public_key_material": (
        aws_baseline,
        lambda r: at(at(r, "hosts.aws.publicKey", PRIVATE_KEY), "ssh", {"privateKey": PRIVATE_KEY}),
        "error",
    ),
    "private_key_material": (static_baseline, lambda r: at(r, "ssh.privateKey", public_key_line("pub")), "error"),
    "key_pair_match": (
        aws_baseline,
        lambda r: at(at(r, "hosts.aws.publicKey", AWS_KEYS["publicKey"]), "ssh", {"privateKey": PRIVATE_KEY}),
        "warning",
    ),
    "k0s_config_profile": (static_baseline, lambda r: at(r, "k0s.config", {"spec": {"api": {"port": 443}}}), "error"),
    "k0s_config_schema": (static_baseline, lambda r: at(r, "k0s.config", {"spec": {"netwrok": {}}}), "error"),
    "k0s_binary_source": (static_baseline, lambda r: at(r, "k0s.binarySource", "upload"), "error"),
    "chart_versions": (static_baseline, lambda r: at(r, "k0rdent.version", "stable"), "error"),
    "listed_versions": (static_baseline, lambda r: at(r, "mkeOperator.version", "3.17.3"), "error"),
    "calico_kubernetes_support": (static_baseline, lambda r: at(r, "k0s.version", "v1.36.3+k0s.2"), "error"),
    "calico_profile_values": (
        static_baseline,
        lambda r: at(r, "calico.values", {"installation": {"calicoNetwork": {"bgp": "Enabled"}}}),
        "error",
    ),
    "mke_config_needs_operator": (
        static_baseline,
        lambda r: at(at(r, "mke", {"monitoring": {}}), "mkeOperator.enabled", False),
        "error",
    ),
    "registry_credentials": (static_baseline, lambda r: at(r, "registry", {"username": "u", "password": "p"}), "error"),
    "registry_ca_file": (static_baseline, lambda r: at(r, "registry.caFile", "missing-ca.pem"), "error"),
    "calico_values_schema": (
        static_baseline,
        lambda r: at(r, "calico.values", {"installation": {"calicoNetwrk": {}}}),
        "error",
    ),
    "registry_mirror_settings": (static_baseline, lambda r: at(r, "registry.mirroredRegistries", ["quay.io"]), "error"),
    "registry_one_ca": (
        lambda: at(
            static_baseline(), "registry", {"imageRegistry": "registry.example.com/mke", "caFile": "../registry/ca.pem"}
        ),
        lambda r: at(r, "registry.caData", "-----BEGIN CERTIFICATE-----\nb3RoZXI=\n-----END CERTIFICATE-----\n"),
        "error",
    ),
    "backup_s3": (aws_baseline, lambda r: at(r, "backup.s3", {"prefix": "prod/"}), "error"),
    "restore_archive": (static_baseline, lambda r: at(r, "backup.restoreFrom", "three-managers.yaml"), "error"),
    "mirror_knows_every_image": (
        lambda: at(static_baseline(), "registry.imageRegistry", "registry.example.com/mke"),
        lambda r: at(r, "k0s.version", "v1.31.1+k0s.0"),
        "error",
    ),
}

RULE_BY_NAME = {rule.__name__: rule for rule in RULES}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mke4"


def model(raw: dict[str, Any]) -> Settings:
    """Settings through the models only (no rule runs), with the loader's version default."""
    return Settings.model_validate({"version": "4.1.5", **raw})


def test_every_rule_has_a_failing_config() -> None:
    assert sorted(CASES) == sorted(RULE_BY_NAME), "add a failing config for each new rule"


def test_every_rule_is_documented_in_one_sentence() -> None:
    for rule in RULES:
        text = summary(rule)
        assert text and text.endswith(".") and len(text) < 200, rule.__name__


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_passes_its_baseline_and_refuses_its_case(name: str) -> None:
    baseline, mutate, severity = CASES[name]
    rule, context = RULE_BY_NAME[name], Context(FIXTURES)
    assert [i.render() for i in rule(model(baseline()), context)] == []
    found = list(rule(model(mutate(baseline())), context))
    assert found, f"{name}: no issue for its failing config"
    assert {i.severity for i in found} == {severity}, [i.render() for i in found]
    assert all(i.key and i.fix for i in found)
