"""The core validation rules of the stack config, one test (or parametrised case) each.

Each case starts from a valid baseline (tests/support/settings_cases.py) and changes
exactly one thing, then checks that loading raises ``SettingsError`` with ONE issue that
names the offending ``mke4k:`` key and says what is wrong. Expected values (defaults,
ranges, the network profile) come from facts.md, not from the code under test. The
rules added for cross-layer consistency, addresses, keys and registries have their own
test files (test_settings_consistency.py, _addresses, _keys, _platform).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.settings import SettingsError
from tests.support.settings_cases import at, aws_baseline, load, single_issue, static_baseline

# facts.md section 2
POD_CIDR = ipaddress.IPv4Network("192.168.0.0/16")
SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/16")


# ---------------------------------------------------------------- baselines


def test_static_baseline_is_valid() -> None:
    """The baseline every static case mutates loads cleanly (so a failure below is the mutation's)."""
    settings = load(static_baseline())
    assert len(settings.hosts.static.hosts) == 5
    assert settings.network.pod_cidr == str(POD_CIDR)


def test_aws_baseline_is_valid() -> None:
    """The baseline every AWS case mutates loads cleanly."""
    assert load(aws_baseline()).hosts.aws.controllers.count == 3


# ---------------------------------------------------------------- unknown keys and types


@pytest.mark.parametrize(
    ("path", "wrong", "right"),
    [
        ("", "netwrok", "network"),
        ("network", "vxlanPrt", "vxlanPort"),
        ("hosts.aws.loadBalancer", "enabeld", "enabled"),
        ("k0s.upgrade", "drainTimout", "drainTimeout"),
    ],
)
def test_unknown_key_names_it_and_suggests_the_close_one(path: str, wrong: str, right: str) -> None:
    """A typo is rejected (never silently ignored) with a "did you mean" hint, at any depth."""
    raw = static_baseline()
    target = f"{path}.{wrong}" if path else wrong
    message = single_issue(at(raw, target, 1), target, "unknown key", f"did you mean '{right}'")
    assert f"'{wrong}'" in message


def test_unknown_key_inside_a_list_item_is_located_by_index() -> None:
    """An unknown key in a static host names the host's index and the known keys."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][1]["sshPrt"] = 2222
    single_issue(raw, "hosts.static.hosts[1].sshPrt", "unknown key", "did you mean 'sshPort'")


def test_unknown_key_without_close_match_lists_known_keys() -> None:
    """No hint when nothing is close, but the known keys are listed."""
    message = single_issue(at(static_baseline(), "network.zzzz", 1), "network.zzzz", "unknown key", "known keys")
    assert "did you mean" not in message
    assert "podCidr" in message and "serviceCidr" in message


@pytest.mark.parametrize(
    ("dotted", "value", "what"),
    [
        ("network.vxlanPort", "four", "expected a whole number, got a string"),
        ("hosts.aws.controllers.count", "three", "whole number"),
        ("k0s.noTaints", "maybe", "true or false"),
        ("ssh.user", 42, "expected a string, got a number"),
        ("k0s.apiSans", "a.example.com", "expected a list"),
        ("mke", ["not", "a", "mapping"], "expected a mapping (key: value), got a list"),
        ("cluster.tags", "environment=dev", "mapping"),
    ],
)
def test_wrong_type_names_the_key_and_the_expected_type(dotted: str, value: Any, what: str) -> None:
    """A value of the wrong type is refused with the expected type spelled out."""
    single_issue(at(aws_baseline(), dotted, value), dotted, what)


def test_wrong_literal_lists_allowed_values() -> None:
    """An enum-like key lists what it accepts."""
    single_issue(at(static_baseline(), "network.kubeProxyMode", "userspace"), "network.kubeProxyMode", "iptables")


def test_hosts_source_unknown_value() -> None:
    """hosts.source accepts only aws, static and stack."""
    single_issue(at(static_baseline(), "hosts.source", "gcp"), "hosts.source", "aws", "static", "stack")


# ---------------------------------------------------------------- controllers and hosts


@pytest.mark.parametrize("count", [2, 4])
def test_even_controller_count_aws(count: int) -> None:
    """etcd runs on every controller: an even AWS controller count is refused with the quorum reason."""
    raw = at(aws_baseline(), "hosts.aws.controllers.count", count)
    message = single_issue(raw, "hosts.aws.controllers.count", "etcd", "majority", "odd")
    assert str(count - 1) in message and str(count + 1) in message


def test_even_controller_count_static() -> None:
    """Two static controllers (plus workers) are refused with the quorum reason."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][2]["role"] = "worker"
    single_issue(raw, "hosts.static.hosts", "2 controllers", "etcd", "majority")


def test_even_controller_count_counts_plain_controllers_too() -> None:
    """``controller`` and ``controller+worker`` both run etcd."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][3]["role"] = "controller"
    single_issue(raw, "hosts.static.hosts", "4 controllers", "etcd")


def test_zero_controllers_aws() -> None:
    """An AWS cluster needs a controller."""
    single_issue(at(aws_baseline(), "hosts.aws.controllers.count", 0), "hosts.aws.controllers.count", "no controllers")


def test_zero_controllers_static() -> None:
    """A static list of only workers has no control plane."""
    raw = static_baseline()
    for host in raw["hosts"]["static"]["hosts"]:
        host["role"] = "worker"
    single_issue(raw, "hosts.static.hosts", "no controllers")


def test_empty_static_host_list() -> None:
    """source static with no hosts (and no mke4.yaml) says so."""
    single_issue(at(static_baseline(), "hosts.static.hosts", []), "hosts.static.hosts", "no hosts")


def test_duplicate_host_names() -> None:
    """Two hosts with one name would become one Kubernetes node."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][4]["name"] = "worker-1"
    single_issue(raw, "hosts.static.hosts", "'worker-1'", "2 times")


def test_duplicate_addresses() -> None:
    """Two hosts cannot share an address."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][4]["address"] = "10.40.0.21"
    single_issue(raw, "hosts.static.hosts", "10.40.0.21", "2 hosts")


def test_duplicate_private_address_counts_too() -> None:
    """A private address equal to another host's address is a duplicate as well."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][4]["privateAddress"] = "10.40.0.11"
    single_issue(raw, "hosts.static.hosts", "10.40.0.11")


def test_bootstrap_controller_must_be_a_controller() -> None:
    """The bootstrap controller initialises etcd: a worker cannot be it."""
    raw = at(static_baseline(), "k0s.bootstrapController", "worker-1")
    message = single_issue(raw, "k0s.bootstrapController", "'worker-1'", "not a controller")
    assert "manager-1" in message  # the fix lists the candidates


def test_bootstrap_controller_unknown_name() -> None:
    """A name that is not in the host list at all is refused the same way."""
    single_issue(at(static_baseline(), "k0s.bootstrapController", "manager-9"), "k0s.bootstrapController", "manager-9")


def test_bootstrap_controller_that_is_a_controller_is_accepted() -> None:
    """Naming a real controller is fine."""
    assert load(at(static_baseline(), "k0s.bootstrapController", "manager-2")).k0s.bootstrap_controller == "manager-2"


# ---------------------------------------------------------------- networks


@pytest.mark.parametrize(
    ("dotted", "value"),
    [
        ("network.podCidr", "192.168.0.0/33"),
        ("network.podCidr", "192.168.1.0/16"),  # host bits set
        ("network.podCidr", "fd00::/64"),  # IPv6: MKE 4k is IPv4 only
        ("network.serviceCidr", "10.96.0.0"),
        ("network.serviceCidr", "not-a-cidr"),
    ],
)
def test_invalid_pod_or_service_cidr(dotted: str, value: str) -> None:
    """Pod and service CIDRs must be IPv4 networks written with zero host bits."""
    single_issue(at(static_baseline(), dotted, value), dotted, value, "not a valid")


def test_invalid_vpc_cidr() -> None:
    """A malformed VPC CIDR is refused before any VPC is created."""
    single_issue(
        at(aws_baseline(), "hosts.aws.vpc.cidr", "10.20.0.0/99"), "hosts.aws.vpc.cidr", "10.20.0.0/99", "not a valid"
    )


@pytest.mark.parametrize("key", ["sshCidrs", "apiCidrs"])
@pytest.mark.parametrize("value", ["203.0.113.7/24", "everywhere"])
def test_invalid_ssh_or_api_cidr(key: str, value: str) -> None:
    """Security-group sources must be valid CIDRs (the issue names the list item)."""
    single_issue(at(aws_baseline(), f"hosts.aws.{key}", [value]), f"hosts.aws.{key}[0]", value, "not a valid CIDR")


@pytest.mark.parametrize("key", ["sshCidrs", "apiCidrs"])
def test_empty_ssh_or_api_cidrs(key: str) -> None:
    """Nothing is opened to the world implicitly: an empty source list is an error."""
    single_issue(at(aws_baseline(), f"hosts.aws.{key}", []), f"hosts.aws.{key}", "no sources")


@pytest.mark.parametrize("service", ["192.168.128.0/17", "192.160.0.0/12", "192.168.0.0/16"])
def test_pod_and_service_cidr_overlap(service: str) -> None:
    """Services inside (or around) the pod network would be unroutable."""
    single_issue(at(aws_baseline(), "network.serviceCidr", service), "network.serviceCidr", "overlaps", str(POD_CIDR))


@pytest.mark.parametrize(("index", "field"), [(0, "address"), (3, "privateAddress")])
def test_node_address_inside_pod_cidr(index: int, field: str) -> None:
    """facts.md: node addresses inside the pod CIDR break routing; refuse before anything is created."""
    raw = static_baseline()
    raw["hosts"]["static"]["hosts"][index][field] = "192.168.10.5"
    single_issue(raw, f"hosts.static.hosts[{index}].{field}", "192.168.10.5", "inside the pod CIDR")


def test_node_address_inside_service_cidr() -> None:
    """A node address inside the service CIDR collides with ClusterIPs."""
    raw = at(static_baseline(), "hosts.static.hosts.4.address", "10.96.3.4")
    single_issue(raw, "hosts.static.hosts[4].address", "10.96.3.4", "inside the service CIDR")


def test_node_with_dns_name_is_not_checked_against_cidrs() -> None:
    """Host names cannot be placed in a network; they are accepted."""
    assert load(at(static_baseline(), "hosts.static.hosts.4.address", "worker-2.lab.example")).hosts.source == "static"


@pytest.mark.parametrize(
    ("vpc", "label"),
    [("192.168.0.0/16", "pod"), ("192.168.64.0/18", "pod"), ("10.96.0.0/12", "service"), ("10.0.0.0/8", "service")],
)
def test_vpc_cidr_overlapping_pod_or_service(vpc: str, label: str) -> None:
    """A new VPC must not overlap the pod or service CIDR (its instances would sit inside them)."""
    single_issue(at(aws_baseline(), "hosts.aws.vpc.cidr", vpc), "hosts.aws.vpc.cidr", "overlaps", f"the {label} CIDR")


@pytest.mark.parametrize("port", [0, 65536, -1, 100000])
def test_vxlan_port_out_of_range(port: int) -> None:
    """VXLAN port is a UDP port: 1-65535 (facts.md default 4789)."""
    single_issue(at(static_baseline(), "network.vxlanPort", port), "network.vxlanPort", str(port), "1-65535")


@pytest.mark.parametrize("vni", [0, 16777216, -5])
def test_vxlan_vni_out_of_range(vni: int) -> None:
    """A VNI is 24 bits: 1-16777215 (facts.md default 4096)."""
    single_issue(at(static_baseline(), "network.vxlanVni", vni), "network.vxlanVni", str(vni), "1-16777215")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(port=st.integers(min_value=1, max_value=65535), vni=st.integers(min_value=1, max_value=16777215))
def test_any_vxlan_port_and_vni_in_range_validate(port: int, vni: int) -> None:
    """Every port in 1-65535 outside the NodePort range (MKE's 32768-35535) and every VNI in 1-16777215 is kept as given.

    Inside the NodePort range a UDP NodePort service could capture VXLAN traffic: refused at vxlanPort.
    """
    raw = static_baseline()
    raw["network"] = {"vxlanPort": port, "vxlanVni": vni}
    if 32768 <= port <= 35535:
        single_issue(raw, "network.vxlanPort", "inside the NodePort range")
        return
    network = load(raw).network
    assert (network.vxlan_port, network.vxlan_vni) == (port, vni)


@settings(max_examples=60, deadline=None)
@given(
    port=st.one_of(st.integers(max_value=0), st.integers(min_value=65536)),
)
def test_any_vxlan_port_out_of_range_fails(port: int) -> None:
    """Every port outside 1-65535 is refused at mke4k:network.vxlanPort."""
    with pytest.raises(SettingsError) as caught:
        load(at(static_baseline(), "network.vxlanPort", port))
    assert [i.key for i in caught.value.issues] == ["network.vxlanPort"]


@settings(max_examples=60, deadline=None)
@given(vni=st.one_of(st.integers(max_value=0), st.integers(min_value=16777216)))
def test_any_vxlan_vni_out_of_range_fails(vni: int) -> None:
    """Every VNI outside 1-16777215 is refused at mke4k:network.vxlanVni."""
    with pytest.raises(SettingsError) as caught:
        load(at(static_baseline(), "network.vxlanVni", vni))
    assert [i.key for i in caught.value.issues] == ["network.vxlanVni"]


def _slash16(first: int, second: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"{first}.{second}.0.0/16")


@settings(max_examples=80, deadline=None)
@given(
    pod=st.tuples(st.integers(1, 223), st.integers(0, 255)),
    service=st.tuples(st.integers(1, 223), st.integers(0, 255)),
)
def test_any_two_distinct_slash16_are_accepted_and_equal_ones_rejected(
    pod: tuple[int, int], service: tuple[int, int]
) -> None:
    """Two different /16s never overlap and validate; the same /16 twice is refused as an overlap.

    AWS source, so no static node address can fall inside the generated networks;
    the VPC is moved out of the way when it collides.
    """
    pod_net, service_net = _slash16(*pod), _slash16(*service)
    raw = aws_baseline()
    raw["network"] = {"podCidr": str(pod_net), "serviceCidr": str(service_net)}
    vpc = next(
        str(candidate)
        for candidate in (_slash16(10, 20), _slash16(172, 16), _slash16(172, 17))
        if not candidate.overlaps(pod_net) and not candidate.overlaps(service_net)
    )
    raw["hosts"]["aws"]["vpc"]["cidr"] = vpc
    if pod_net == service_net:
        with pytest.raises(SettingsError) as caught:
            load(raw)
        assert [i.key for i in caught.value.issues] == ["network.serviceCidr"]
    else:
        network = load(raw).network
        assert (network.pod_network, network.service_network) == (pod_net, service_net)


@settings(max_examples=60, deadline=None)
@given(host=st.integers(min_value=1, max_value=2**16 - 2))
def test_any_node_address_in_the_default_pod_cidr_is_refused(host: int) -> None:
    """Whatever address inside 192.168.0.0/16 a node has, it is refused at that node's key."""
    address = str(POD_CIDR.network_address + host)
    raw = at(static_baseline(), "hosts.static.hosts.3.address", address)
    with pytest.raises(SettingsError) as caught:
        load(raw)
    assert [i.key for i in caught.value.issues] == ["hosts.static.hosts[3].address"]
    assert address in str(caught.value)


# ---------------------------------------------------------------- versions


@pytest.mark.parametrize(
    "version",
    ["1.32.11", "v1.32", "v1.32.11-k0s.0", "v1.32.11+k0s", "1.32.11+k0s.0", "v1.32.11+k0s.0 ", "latest"],
)
def test_malformed_k0s_version(version: str) -> None:
    """k0s versions look like v1.32.11+k0s.0 (facts.md section 3)."""
    message = single_issue(at(static_baseline(), "k0s.version", version), "k0s.version", "not a k0s version")
    assert repr(version) in message or version in message


@pytest.mark.parametrize(
    "sha",
    ["abc", "g" * 64, "a" * 63, "a" * 65, "sha256:" + "a" * 64],
)
def test_sha256_must_be_64_hex_characters(sha: str) -> None:
    """A pinned checksum is exactly 64 hex digits."""
    single_issue(at(static_baseline(), "k0s.sha256", sha), "k0s.sha256", "64 hexadecimal")


def test_sha256_upper_case_is_accepted_and_normalised() -> None:
    """Upper-case hex is the same checksum."""
    assert load(at(static_baseline(), "k0s.sha256", "AB" * 32)).k0s.sha256 == "ab" * 32


def test_upload_binary_source_needs_sha256() -> None:
    """The runner uploads one binary to every node: it must be verified against a pinned checksum."""
    single_issue(at(static_baseline(), "k0s.binarySource", "upload"), "k0s.sha256", "upload", "checksum")


def test_upload_binary_source_with_sha256_is_accepted() -> None:
    """With the checksum pinned, upload is fine."""
    raw = at(at(static_baseline(), "k0s.binarySource", "upload"), "k0s.sha256", "0" * 64)
    assert load(raw).k0s.binary_source == "upload"


@pytest.mark.parametrize("k0s", ["v1.36.3+k0s.2", "v1.29.4+k0s.0", "v1.34.1+k0s.0"])
def test_kubernetes_minor_unsupported_by_default_calico(k0s: str) -> None:
    """Calico 3.30 (MKE 4.1.5's) does not support every Kubernetes minor: k0s 1.36 with it is refused."""
    minor = ".".join(k0s.removeprefix("v").split(".")[:2])
    single_issue(at(static_baseline(), "k0s.version", k0s), "k0s.version", f"Kubernetes {minor}", "Calico v3.30.2")


def test_kubernetes_minor_check_follows_the_chosen_calico() -> None:
    """k0s 1.36 with Calico 3.32 (newest upstream, facts.md section 3, pinned on purpose) is accepted."""
    raw = at(at(static_baseline(), "k0s.version", "v1.36.3+k0s.2"), "calico.version", "v3.32.1")
    raw["allowUnlistedVersions"] = True
    settings = load(raw)
    assert (settings.k0s.version, settings.calico.version) == ("v1.36.3+k0s.2", "v3.32.1")


def test_kubernetes_minor_not_checked_when_calico_is_disabled() -> None:
    """With Calico off, its support range does not constrain k0s."""
    raw = at(at(static_baseline(), "k0s.version", "v1.36.3+k0s.2"), "calico.enabled", False)
    assert load(raw).k0s.version == "v1.36.3+k0s.2"


@pytest.mark.parametrize("version", ["v3.30", "3.30.2", "v3.30.200-1", "latest"])
def test_malformed_calico_version(version: str) -> None:
    """Calico versions are tags like v3.30.2."""
    single_issue(at(static_baseline(), "calico.version", version), "calico.version", "not a Calico version")


@pytest.mark.parametrize("version", ["4.9.9", "4.1", "v9.0.0"])
def test_unknown_mke_version(version: str) -> None:
    """An MKE release not in the release matrix is refused, listing the known ones."""
    message = single_issue(at(static_baseline(), "version", version), "version", "unknown MKE release", version)
    assert "4.1.5" in message


def test_mke_version_with_v_prefix_is_accepted() -> None:
    """``v4.1.5`` (as in mke4.yaml) means 4.1.5."""
    assert load(at(static_baseline(), "version", "v4.1.5")).k0s.version == "v1.32.11+k0s.0"


# ---------------------------------------------------------------- layers


def test_layer_missing_without_from_stack() -> None:
    """[k0s, platform] needs the hosts from another stack; none named is an error."""
    raw = at(static_baseline(), "layers.run", ["k0s", "platform"])
    single_issue(raw, "layers.fromStack", "hosts", "names no stack")


def test_layer_missing_with_from_stack_is_accepted() -> None:
    """Naming the stack that runs the hosts layer makes [k0s, platform] valid (source becomes stack)."""
    raw = at(static_baseline(), "layers", {"run": ["k0s", "platform"], "fromStack": "acme/mke4k/machines"})
    del raw["hosts"]
    assert load(raw).hosts.source == "stack"


@pytest.mark.parametrize("run", [["hosts", "platform"]])
def test_non_contiguous_layers(run: list[str]) -> None:
    """Each layer needs the one below: skipping k0s is refused."""
    single_issue(at(static_baseline(), "layers.run", run), "layers.run", "skips a layer")


def test_duplicate_layer() -> None:
    """A layer listed twice is refused."""
    single_issue(at(static_baseline(), "layers.run", ["hosts", "k0s", "k0s"]), "layers.run", "twice")


def test_empty_layer_list() -> None:
    """A stack must run something."""
    single_issue(at(static_baseline(), "layers.run", []), "layers.run", "no layer")


def test_unknown_layer_name() -> None:
    """Only hosts, k0s and platform exist."""
    single_issue(at(static_baseline(), "layers.run", ["hosts", "k8s"]), "layers.run[1]", "hosts", "platform")


def test_stack_source_without_from_stack() -> None:
    """hosts.source stack reads another stack: it must be named."""
    single_issue(at(static_baseline(), "hosts.source", "stack"), "hosts.source", "none is named")


# ---------------------------------------------------------------- k0s config


@pytest.mark.parametrize(
    ("fragment", "path"),
    [
        ({"spec": {"network": {"provider": "calico"}}}, "spec.network.provider"),
        ({"spec": {"network": {"podCIDR": "10.244.0.0/16"}}}, "spec.network.podCIDR"),
        ({"spec": {"storage": {"type": "kine"}}}, "spec.storage.type"),
        ({"spec": {"network": {"kubeProxy": {"disabled": True}}}}, "spec.network.kubeProxy.disabled"),
    ],
)
def test_protected_k0s_config_fields(fragment: dict[str, Any], path: str) -> None:
    """Fields that carry the required network profile cannot be overridden through k0s.config."""
    single_issue(at(static_baseline(), "k0s.config", fragment), f"k0s.config.{path}", "cannot be overridden")


def test_unprotected_k0s_config_is_accepted() -> None:
    """Other ClusterConfig fields pass through (e.g. API server extra args)."""
    fragment = {"spec": {"api": {"extraArgs": {"audit-log-maxage": "30"}}}}
    assert load(at(static_baseline(), "k0s.config", fragment)).k0s.config == fragment


# ---------------------------------------------------------------- platform


def test_custom_mke_operator_chart_without_version() -> None:
    """A chart other than the default has no version in the release matrix."""
    raw = at(static_baseline(), "mkeOperator.chart", "oci://registry.example.com/charts/mke-operator")
    single_issue(raw, "mkeOperator.version", "custom chart", "version")


def test_custom_k0rdent_chart_without_version() -> None:
    """Same for k0rdent."""
    raw = at(static_baseline(), "k0rdent.chart", "oci://registry.example.com/charts/kcm")
    single_issue(raw, "k0rdent.version", "custom chart", "version")


@pytest.mark.parametrize("component", ["mkeOperator", "k0rdent"])
@pytest.mark.parametrize("version", ["", "   "])
def test_enabled_chart_with_empty_version(component: str, version: str) -> None:
    """An enabled chart with a blank version cannot be installed."""
    single_issue(at(static_baseline(), f"{component}.version", version), f"{component}.version", "empty")


def test_disabled_chart_needs_no_version() -> None:
    """A disabled custom chart is not checked."""
    raw = at(static_baseline(), "mkeOperator", {"enabled": False, "chart": "oci://registry.example.com/x"})
    assert load(raw).mke_operator.enabled is False


@pytest.mark.parametrize("given_key", ["username", "password"])
def test_registry_credentials_go_together(given_key: str) -> None:
    """A registry user without password (or the reverse) cannot log in."""
    raw = at(static_baseline(), "registry.imageRegistry", "registry.example.com/mke")
    single_issue(at(raw, f"registry.{given_key}", "x"), "registry.password", "username and password")


@pytest.mark.parametrize("url", ["oci://reg.local/charts", "http://127.0.0.1:8879", "https://charts.local/mke"])
def test_chart_registry_is_an_oci_registry_or_a_helm_repository(url: str) -> None:
    assert load(at(static_baseline(), "registry.chartRegistry", url)).registry.chart_registry == url


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("reg.local/charts", "neither an oci:// registry nor an http(s):// Helm repository"),
        ("ftp://reg.local", "neither an oci:// registry nor an http(s):// Helm repository"),
        ("oci://reg.local/charts/", "trailing '/'"),
        ("https://reg.local/charts/", "trailing '/'"),
    ],
)
def test_chart_registry_needs_a_scheme_and_no_trailing_slash(url: str, phrase: str) -> None:
    single_issue(at(static_baseline(), "registry.chartRegistry", url), "registry.chartRegistry", phrase)


def test_mke_config_with_operator_disabled() -> None:
    """An MkeConfig needs mke-operator to reconcile it."""
    raw = at(at(static_baseline(), "mke", {"monitoring": {}}), "mkeOperator.enabled", False)
    single_issue(raw, "mke", "mke-operator is disabled")


# ---------------------------------------------------------------- mke4.yaml as a source


@pytest.mark.parametrize(
    ("fixture", "phrase"),
    [
        ("unparsable.yaml", "not valid YAML"),
        ("not-mkeconfig.yaml", "not an MkeConfig"),
        ("no-hosts.yaml", "no hosts"),
        ("does-not-exist.yaml", "cannot read"),
    ],
)
def test_bad_mke4_config_file(fixture: str, phrase: str) -> None:
    """An mke4.yaml that cannot be used is refused at mke4k:mke4ConfigFile, naming the file."""
    raw = {"cluster": {"name": "unit"}, "mke4ConfigFile": fixture}
    single_issue(raw, "mke4ConfigFile", phrase, fixture)


def test_mke4_host_without_ssh_address(tmp_path: Path) -> None:
    """Each mke4.yaml host needs ssh.address."""
    (tmp_path / "mke4.yaml").write_text(
        "apiVersion: mke.mirantis.com/v1alpha1\nkind: MkeConfig\nspec:\n"
        "  hosts:\n    - role: controller+worker\n      ssh: {user: ubuntu}\n"
    )
    with pytest.raises(SettingsError) as caught:
        load({"mke4ConfigFile": "mke4.yaml"}, base_dir=tmp_path)
    assert [i.key for i in caught.value.issues] == ["mke4ConfigFile"]
    assert "spec.hosts[0]" in str(caught.value) and "ssh.address" in str(caught.value)


# ---------------------------------------------------------------- messages


def test_every_problem_is_reported_at_once() -> None:
    """Several independent mistakes come back together, each with its key and a fix."""
    raw = static_baseline()
    raw["network"] = {"vxlanPort": 0}
    raw["hosts"]["static"]["hosts"][3]["name"] = "worker-2"
    raw["registry"] = {"username": "robot"}  # no password, and no registry to use it for
    with pytest.raises(SettingsError) as caught:
        load(raw)
    keys = {issue.key for issue in caught.value.issues}
    # field errors stop before cross-field rules run, so fix the type error first
    assert keys == {"network.vxlanPort"}
    raw["network"] = {}
    with pytest.raises(SettingsError) as caught:
        load(raw)
    keys = {issue.key for issue in caught.value.issues}
    assert keys == {"hosts.static.hosts", "registry.password", "registry.username"}
    assert all(issue.fix for issue in caught.value.issues)


def test_message_format_names_key_problem_and_fix() -> None:
    """Rendered as ``mke4k:<key>: <problem> Fix: <fix>``."""
    message = single_issue(at(aws_baseline(), "hosts.aws.controllers.count", 2), "hosts.aws.controllers.count")
    line = next(line for line in message.splitlines() if "mke4k:hosts.aws.controllers.count" in line)
    assert line.strip().startswith("- mke4k:hosts.aws.controllers.count: ")
    assert " Fix: " in line
