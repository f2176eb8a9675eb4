"""Values two layers must agree on, checked once, up front (issue 10, item 3).

Expected values come from their sources: facts.md section 5 (ports, 33000/33001 ingress
NodePorts), the MKE 4k docs (NodePort range 32768-35535), kube-apiserver (service range at
most 20 host bits: "for 32-bit addresses, the mask must be >= 12"), k0s
``Network.DNSAddress`` (CoreDNS gets the 10th address of the service range, the 2nd from
a /29), k0s ``APISpec`` (api port 6443, join API 9443, konnectivity 8132 as facts.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from components.hosts.aws_security import security_rules
from tests.support.settings_cases import (
    at,
    aws_baseline,
    issues_of,
    load,
    single_issue,
    single_warning,
    static_baseline,
    warnings_of,
)

MKE_NODE_PORT_RANGE = "32768-35535"  # MKE 4k docs, "Port ranges"


# ---------------------------------------------------------------- VXLAN vs the security groups


def udp_ports_open_between_nodes(raw: dict[str, Any]) -> set[int]:
    """The UDP ports the real security-group table opens between cluster members."""
    rules = security_rules(load(raw).hosts.aws, load_balancer=True)
    return {r.from_port for r in rules if r.protocol == "udp" and r.peer == "sg:cluster" and r.from_port}


@pytest.mark.parametrize("port", [4789, 4790, 8472, 51820])
def test_vxlan_port_on_aws_is_accepted_exactly_when_the_security_groups_open_it(port: int) -> None:
    """A VXLAN port the security groups do not open silently breaks the pod network: refused."""
    opened = udp_ports_open_between_nodes(aws_baseline())
    raw = at(aws_baseline(), "network.vxlanPort", port)
    if port in opened:
        assert load(raw).network.vxlan_port == port
    else:
        single_issue(raw, "network.vxlanPort", f"UDP {port}", "security groups", "pod network")


def test_vxlan_port_on_static_hosts_is_a_warning_about_firewalls_and_the_policy_pack() -> None:
    """Static hosts have no security groups here: the user opens the port; the policy pack must be told."""
    single_warning(at(static_baseline(), "network.vxlanPort", 4790), "network.vxlanPort", "UDP 4790", "policy pack")


def test_vni_other_than_mkes_is_a_warning_about_the_policy_pack() -> None:
    single_warning(at(static_baseline(), "network.vxlanVni", 4097), "network.vxlanVni", "4096", "policy pack")


def test_pod_cidr_other_than_mkes_is_a_warning() -> None:
    raw = at(static_baseline(), "network.podCidr", "192.168.0.0/17")
    single_warning(raw, "network.podCidr", "192.168.0.0/16", "policy pack")


# ---------------------------------------------------------------- k0s.config vs the other layers


@pytest.mark.parametrize(
    ("fragment", "path", "phrase"),
    [
        ({"spec": {"api": {"port": 7443}}}, "spec.api.port", "6443"),
        ({"spec": {"api": {"k0sApiPort": 9444}}}, "spec.api.k0sApiPort", "9443"),
        ({"spec": {"konnectivity": {"agentPort": 8133}}}, "spec.konnectivity.agentPort", "8132"),
        ({"spec": {"network": {"dualStack": {"enabled": True}}}}, "spec.network.dualStack.enabled", "IPv4 only"),
        ({"apiVersion": "k0s.k0sproject.io/v1"}, "apiVersion", "v1beta1"),
    ],
)
def test_k0s_config_values_other_layers_assume(fragment: dict[str, Any], path: str, phrase: str) -> None:
    """Security groups, NLB listeners and the kubeconfig assume these: another value is refused."""
    single_issue(at(static_baseline(), "k0s.config", fragment), f"k0s.config.{path}", phrase)


def test_k0s_config_may_repeat_the_assumed_values() -> None:
    fragment = {"spec": {"api": {"port": 6443, "k0sApiPort": 9443}, "network": {"dualStack": {"enabled": False}}}}
    assert load(at(static_baseline(), "k0s.config", fragment)).k0s.config == fragment


def test_ipv6_primary_family_is_refused_where_k0s_knows_the_key() -> None:
    """primaryAddressFamily exists from newer k0s (MKE 4.2.0's 1.35 uses the 1.36 schema): IPv6 is refused."""
    raw = at(static_baseline(), "version", "4.2.0")
    fragment = {"spec": {"network": {"primaryAddressFamily": "IPv6"}}}
    single_issue(at(raw, "k0s.config", fragment), "k0s.config.spec.network.primaryAddressFamily", "IPv4 only")


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("spec.api.extraArgs.service-node-port-range", "network.nodePortRange"),
        ("spec.api.extraArgs.service-cluster-ip-range", "network.serviceCidr"),
        ("spec.storage.etcd.externalCluster", "etcd"),
    ],
)
def test_k0s_config_fields_owned_by_other_settings(path: str, owner: str) -> None:
    *parents, last = path.split(".")
    fragment: dict[str, Any] = {last: "x"} if "extraArgs" in path else {last: {"endpoints": ["https://e:2379"]}}
    for part in reversed(parents):
        fragment = {part: fragment}
    single_issue(at(static_baseline(), "k0s.config", fragment), f"k0s.config.{path}", "cannot be overridden", owner)


def test_extra_arg_names_are_given_without_dashes() -> None:
    """k0s passes extraArgs as --<name>=<value>: '--x' would become '----x'."""
    fragment = {"spec": {"api": {"extraArgs": {"--audit-log-maxage": "30"}}}}
    single_issue(
        at(static_baseline(), "k0s.config", fragment),
        "k0s.config.spec.api.extraArgs.--audit-log-maxage",
        "'audit-log-maxage'",
    )


@pytest.mark.parametrize(
    ("fragment", "key", "hint"),
    [
        ({"spec": {"network": {"provder": "custom"}}}, "k0s.config.spec.network.provder", "did you mean 'provider'"),
        ({"spec": {"Network": {}}}, "k0s.config.spec.Network", "did you mean 'network'"),
        ({"spec": {"api": {"extraArgz": {}}}}, "k0s.config.spec.api.extraArgz", "did you mean 'extraArgs'"),
        ({"spce": {}}, "k0s.config.spce", "did you mean 'spec'"),
    ],
)
def test_k0s_config_typo_is_refused_with_a_hint(fragment: dict[str, Any], key: str, hint: str) -> None:
    """A key the upstream ClusterConfig schema does not know is a typo: refused before k0s sees it."""
    single_issue(at(static_baseline(), "k0s.config", fragment), key, "unknown ClusterConfig key", hint)


def test_k0s_config_value_of_the_wrong_type() -> None:
    fragment = {"spec": {"api": {"extraArgs": {"audit-log-maxage": 30}}}}
    single_issue(
        at(static_baseline(), "k0s.config", fragment),
        "k0s.config.spec.api.extraArgs.audit-log-maxage",
        "not of type 'string'",
    )


def test_k0s_config_key_of_a_newer_k0s_is_refused_for_the_k0s_in_use() -> None:
    """spec.metricsServer exists in k0s 1.36, not in 1.32 (MKE 4.1.5's): unknown for 1.32."""
    fragment = {"spec": {"metricsServer": {}}}
    single_issue(at(static_baseline(), "k0s.config", fragment), "k0s.config.spec.metricsServer", "v1.32.11")
    assert load(at(at(static_baseline(), "version", "4.2.0"), "k0s.config", fragment)).k0s.config == fragment


def test_k0s_newer_than_the_vendored_schemas_only_warns_about_unknown_keys() -> None:
    """k0s 1.37 may know keys no vendored schema has: a warning, not a refusal."""
    raw = at(static_baseline(), "k0s.version", "v1.37.1+k0s.0")
    raw = at(at(raw, "calico.version", "v3.33.0"), "allowUnlistedVersions", True)
    raw = at(raw, "k0s.config", {"spec": {"network": {"futureKnob": True}}})
    found = warnings_of(raw)
    assert "k0s.config.spec.network.futureKnob" in [w.key for w in found]


def test_k0s_own_calico_settings_are_a_warning() -> None:
    """With provider custom (Calico from the platform layer) k0s's calico block does nothing."""
    raw = at(static_baseline(), "k0s.config", {"spec": {"network": {"calico": {"mode": "vxlan"}}}})
    single_warning(raw, "k0s.config.spec.network.calico", "calico.values")


# ---------------------------------------------------------------- service CIDR and cluster domain


@pytest.mark.parametrize("cidr", ["172.0.0.0/8", "100.64.0.0/11"])
def test_service_cidr_larger_than_kube_apiserver_allows(cidr: str) -> None:
    single_issue(at(static_baseline(), "network.serviceCidr", cidr), "network.serviceCidr", "too large", "/12")


@pytest.mark.parametrize("cidr", ["10.96.0.0/31", "10.96.0.2/31", "10.96.0.7/32"])
def test_service_cidr_without_room_for_the_dns_address(cidr: str) -> None:
    """k0s gives the kubelet network+2 as cluster DNS from a /29: a /31 or /32 has no such address."""
    single_issue(at(static_baseline(), "network.serviceCidr", cidr), "network.serviceCidr", "cluster DNS address")


@pytest.mark.parametrize("cidr", ["10.112.0.0/12", "10.96.0.0/16", "10.96.0.0/24"])
def test_service_cidrs_in_range_are_accepted_quietly(cidr: str) -> None:
    raw = at(static_baseline(), "network.serviceCidr", cidr)
    assert load(raw).network.service_cidr == cidr
    assert [w.key for w in warnings_of(raw)] == []


@pytest.mark.parametrize("cidr", ["10.96.0.0/28", "10.96.0.248/29", "10.96.0.0/30"])
def test_small_service_cidr_is_a_warning(cidr: str) -> None:
    """Valid for kube-apiserver and k0s, but MKE's platform alone creates dozens of Services."""
    single_warning(at(static_baseline(), "network.serviceCidr", cidr), "network.serviceCidr", "dozens of Services")


@pytest.mark.parametrize("domain", ["Cluster.Local", "cluster.local.", ".cluster.local", "my_cluster.local", "a..b"])
def test_cluster_domain_is_a_lowercase_dns_domain(domain: str) -> None:
    single_issue(at(static_baseline(), "network.clusterDomain", domain), "network.clusterDomain", "not a DNS domain")


def test_custom_cluster_domain_is_accepted() -> None:
    assert load(at(static_baseline(), "network.clusterDomain", "k8s.internal")).network.cluster_domain == "k8s.internal"


# ---------------------------------------------------------------- kubelets for the platform


def test_aws_cluster_without_any_kubelet_is_refused_with_the_platform_on() -> None:
    raw = at(at(aws_baseline(), "hosts.aws.controllers.role", "controller"), "hosts.aws.workers.count", 0)
    single_issue(raw, "hosts.aws.workers.count", "no node runs a kubelet")


def test_static_cluster_of_plain_controllers_is_refused_with_the_platform_on() -> None:
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"] = [h for h in raw["hosts"]["static"]["hosts"] if h["role"] != "worker"]
    for host in raw["hosts"]["static"]["hosts"]:
        host["role"] = "controller"
    single_issue(raw, "hosts.static.hosts", "no node runs a kubelet")
    raw["layers"] = {"run": ["hosts", "k0s"]}
    assert load(raw).runs("platform") is False  # without the platform layer, a control plane alone is fine


def test_only_tainted_managers_is_a_warning() -> None:
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"] = [h for h in raw["hosts"]["static"]["hosts"] if h["role"] != "worker"]
    single_warning(raw, "k0s.noTaints", "Pending")
    assert warnings_of(at(raw, "k0s.noTaints", True)) == []


# ---------------------------------------------------------------- internal NLB vs the provider


def test_internal_nlb_with_the_provider_outside_the_vpc_is_refused() -> None:
    """The kubeconfig names the NLB; an internal NLB resolves only inside the VPC."""
    raw = at(aws_baseline(), "hosts.aws.loadBalancer.internal", True)
    single_issue(raw, "hosts.aws.loadBalancer.internal", "inside the VPC", "usePrivateAddresses")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("hosts.aws.usePrivateAddresses", True),  # the runner is inside the VPC
        ("layers.run", ["hosts", "k0s"]),  # no Kubernetes provider in this stack
        ("hosts.aws.controllers.count", 1),  # auto: no NLB with one controller
    ],
)
def test_internal_nlb_is_fine_when_nothing_outside_uses_it(key: str, value: Any) -> None:
    raw = at(at(aws_baseline(), "hosts.aws.loadBalancer.internal", True), key, value)
    assert load(raw).hosts.aws.load_balancer.internal is True


# ---------------------------------------------------------------- the NodePort range


def test_mkes_node_port_range_is_the_default() -> None:
    assert load(static_baseline()).network.node_port_range == MKE_NODE_PORT_RANGE


def test_kubernetes_default_range_would_refuse_mkes_ingress_node_ports() -> None:
    """33000/33001 (facts.md section 5) lie outside 30000-32767."""
    message = single_issue(at(static_baseline(), "network.nodePortRange", "30000-32767"), "network.nodePortRange")
    assert "33000" in message and "33001" in message


def test_range_is_free_when_nothing_needs_the_ingress_node_ports() -> None:
    raw = at(at(static_baseline(), "network.nodePortRange", "30000-32767"), "mkeOperator.enabled", False)
    assert load(raw).network.node_port_range == "30000-32767"


def test_nlb_ingress_listener_target_must_be_in_the_range() -> None:
    """The NLB forwards 443 to NodePort 33001: outside the range nothing would listen there."""
    raw = at(aws_baseline(), "hosts.aws.loadBalancer.ingress", True)
    raw = at(at(raw, "network.nodePortRange", "30000-32767"), "mkeOperator.enabled", False)
    single_issue(raw, "hosts.aws.loadBalancer.ingress", "33001", "30000-32767")


def test_ingress_node_ports_set_in_the_mke_config_are_checked_where_they_are_set() -> None:
    raw = at(static_baseline(), "mke", {"ingressController": {"nodePorts": {"http": 33000, "https": 40000}}})
    single_issue(raw, "mke.ingressController.nodePorts.https", "40000")


def test_https_node_port_must_be_the_one_the_nlb_forwards_to() -> None:
    raw = at(aws_baseline(), "hosts.aws.loadBalancer.ingress", True)
    raw = at(raw, "mke", {"ingressController": {"nodePorts": {"https": 34001}}})
    single_issue(raw, "mke.ingressController.nodePorts.https", "34001", "forwards 443 to 33001")


@pytest.mark.parametrize(("value", "clash"), [("10000-40000", "10250"), ("1-4000", "22"), ("6000-7000", "6443")])
def test_range_must_not_cover_ports_the_nodes_listen_on(value: str, clash: str) -> None:
    raw = at(at(static_baseline(), "network.nodePortRange", value), "mkeOperator.enabled", False)
    single_issue(raw, "network.nodePortRange", clash, "shadow")


def test_vxlan_port_inside_the_node_port_range_is_refused_at_the_vxlan_port() -> None:
    """A UDP NodePort on the VXLAN port would capture the overlay's traffic (static hosts: no SG rule)."""
    single_issue(at(static_baseline(), "network.vxlanPort", 33333), "network.vxlanPort", "inside the NodePort range")


def test_clashes_are_found_on_aws_without_an_nlb_too() -> None:
    """One controller (no NLB) with the ingress listener asked for: the range is still checked for clashes."""
    raw = at(at(aws_baseline(), "hosts.aws.controllers.count", 1), "hosts.aws.loadBalancer.ingress", True)
    raw = at(at(raw, "network.nodePortRange", "1-4000"), "mkeOperator.enabled", False)
    single_issue(raw, "network.nodePortRange", "22 (SSH)", "2380")


@pytest.mark.parametrize("value", ["33000", "35535-32768", "a-b", "0-100", "32768-70000", "32768:35535"])
def test_range_format(value: str) -> None:
    single_issue(at(static_baseline(), "network.nodePortRange", value), "network.nodePortRange", "not a port range")


def test_every_consistency_problem_is_reported_together() -> None:
    """VXLAN, k0s.config and the NodePort range at once: one run, three keys."""
    raw = at(aws_baseline(), "network.vxlanPort", 4790)
    raw = at(raw, "k0s.config", {"spec": {"api": {"port": 7443}}})
    raw = at(raw, "network.nodePortRange", "30000-32767")
    keys = {issue.key for issue in issues_of(raw)}
    assert keys == {"network.vxlanPort", "k0s.config.spec.api.port", "network.nodePortRange"}
