"""Pure renderers of the platform layer: the MKE 4k network profile (facts.md section 2) and friends.

The expected values below are written out from facts.md, not imported from the code.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.platform.values import (
    ProfileOverrideError,
    calico_installation_spec,
    calico_needs_crd_chart,
    chart_location,
    deep_merge,
    kcm_values_layouts,
    parse_version,
    registry_host,
    render_calico_values,
    render_dockerconfigjson,
    render_kcm_values,
    render_mke_config,
    render_mke_operator_values,
)

# facts.md section 2, "Required network profile".
POD_CIDR = "192.168.0.0/16"
VXLAN_PORT = 4789
VXLAN_VNI = 4096
K0S_FLEXVOLUME = "/usr/libexec/k0s/kubelet-plugins/volume/exec/"
CALICO_VERSIONS = ("v3.30.2", "v3.31.7", "v3.32.1")


def calico(version: str = "v3.30.2", user_values: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Render Calico values with the facts.md defaults."""
    return render_calico_values(
        version=version,
        pod_cidr=POD_CIDR,
        vxlan_port=VXLAN_PORT,
        vxlan_vni=VXLAN_VNI,
        user_values=user_values,
        **kwargs,
    )


# --------------------------------------------------------------------------- profile fields


@pytest.mark.parametrize("version", CALICO_VERSIONS)
class TestProfileFields:
    """Each row of the facts.md profile table, asserted on its own."""

    def test_bgp_disabled(self, version: str) -> None:
        assert calico(version)["installation"]["calicoNetwork"]["bgp"] == "Disabled"

    def test_iptables_dataplane(self, version: str) -> None:
        assert calico(version)["installation"]["calicoNetwork"]["linuxDataplane"] == "Iptables"

    def test_single_ipv4_pool_equal_to_pod_cidr(self, version: str) -> None:
        pools = calico(version)["installation"]["calicoNetwork"]["ipPools"]
        assert len(pools) == 1
        assert pools[0]["cidr"] == "192.168.0.0/16"
        assert ipaddress.ip_network(pools[0]["cidr"]).version == 4

    def test_pool_encapsulation_vxlan_spelled_out(self, version: str) -> None:
        # The operator's default is IPIP: VXLAN must be explicit.
        assert calico(version)["installation"]["calicoNetwork"]["ipPools"][0]["encapsulation"] == "VXLAN"

    def test_pool_nat_outgoing(self, version: str) -> None:
        assert calico(version)["installation"]["calicoNetwork"]["ipPools"][0]["natOutgoing"] == "Enabled"

    def test_kubernetes_provider_empty(self, version: str) -> None:
        # Never DockerEnterprise (the operator would default the VNI to 10000).
        assert calico(version)["installation"]["kubernetesProvider"] == ""

    def test_flexvolume_path_for_k0s(self, version: str) -> None:
        assert calico(version)["installation"]["flexVolumePath"] == "/usr/libexec/k0s/kubelet-plugins/volume/exec/"

    def test_kubelet_volume_plugin_path_none_in_rendered_installation(self, version: str) -> None:
        assert calico_installation_spec(calico(version))["kubeletVolumePluginPath"] == "None"

    def test_felix_vxlan_port_and_vni_are_integers(self, version: str) -> None:
        felix = calico(version)["defaultFelixConfiguration"]
        assert felix == {"enabled": True, "vxlanPort": 4789, "vxlanVNI": 4096}
        assert type(felix["vxlanPort"]) is int and type(felix["vxlanVNI"]) is int


def test_kubelet_volume_plugin_path_key_follows_the_chart_version() -> None:
    # Calico 3.30's chart copies the TOP-LEVEL key into Installation.spec; 3.31+ reads installation.*.
    assert calico("v3.30.2")["kubeletVolumePluginPath"] == "None"
    assert "kubeletVolumePluginPath" not in calico("v3.30.2")["installation"]
    assert calico("v3.31.7")["installation"]["kubeletVolumePluginPath"] == "None"
    assert "kubeletVolumePluginPath" not in calico("v3.31.7")


def test_pod_cidr_is_taken_from_the_argument() -> None:
    values = render_calico_values(version="v3.30.2", pod_cidr="10.244.0.0/16", vxlan_port=4789, vxlan_vni=4096)
    assert values["installation"]["calicoNetwork"]["ipPools"][0]["cidr"] == "10.244.0.0/16"


# --------------------------------------------------------------------------- overrides rejected

OVERRIDES = [
    (
        {"installation": {"calicoNetwork": {"bgp": "Enabled"}}},
        "installation.calicoNetwork.bgp",
        "Enabled",
    ),
    (
        {"installation": {"calicoNetwork": {"linuxDataplane": "BPF"}}},
        "installation.calicoNetwork.linuxDataplane",
        "BPF",
    ),
    (
        {"installation": {"kubernetesProvider": "DockerEnterprise"}},
        "installation.kubernetesProvider",
        "DockerEnterprise",
    ),
    (
        {"installation": {"flexVolumePath": "/var/lib/kubelet"}},
        "installation.flexVolumePath",
        "/var/lib/kubelet",
    ),
    (
        {"installation": {"kubeletVolumePluginPath": "/var/lib/kubelet"}},
        "installation.kubeletVolumePluginPath",
        "/var/lib/kubelet",
    ),
    (
        {"kubeletVolumePluginPath": "/var/lib/kubelet"},
        "kubeletVolumePluginPath",
        "/var/lib/kubelet",
    ),
    ({"installation": {"enabled": False}}, "installation.enabled", "False"),
    (
        {"defaultFelixConfiguration": {"enabled": False}},
        "defaultFelixConfiguration.enabled",
        "False",
    ),
    (
        {"defaultFelixConfiguration": {"vxlanVNI": 10000}},
        "defaultFelixConfiguration.vxlanVNI",
        "10000",
    ),
    (
        {"defaultFelixConfiguration": {"vxlanPort": 8472}},
        "defaultFelixConfiguration.vxlanPort",
        "8472",
    ),
    (
        {"installation": {"calicoNetwork": {"ipPools": [{"cidr": POD_CIDR, "encapsulation": "IPIP"}]}}},
        "installation.calicoNetwork.ipPools[0].encapsulation",
        "IPIP",
    ),
    (
        {"installation": {"calicoNetwork": {"ipPools": [{"cidr": POD_CIDR, "natOutgoing": "Disabled"}]}}},
        "installation.calicoNetwork.ipPools[0].natOutgoing",
        "Disabled",
    ),
    (
        {"installation": {"calicoNetwork": {"ipPools": [{"cidr": "10.0.0.0/16"}]}}},
        "installation.calicoNetwork.ipPools[0].cidr",
        "10.0.0.0/16",
    ),
    (
        {"installation": {"calicoNetwork": {"ipPools": [{"cidr": "fd00::/48"}]}}},
        "installation.calicoNetwork.ipPools[0].cidr",
        "fd00::/48",
    ),
    (
        {"installation": {"calicoNetwork": {"ipPools": [{"cidr": POD_CIDR}, {"cidr": "fd00::/48"}]}}},
        "installation.calicoNetwork.ipPools",
        "fd00::/48",
    ),
    (
        {"installation": {"calicoNetwork": {"ipPools": []}}},
        "installation.calicoNetwork.ipPools",
        "[]",
    ),
]


@pytest.mark.parametrize(
    ("user_values", "key", "given_text"),
    OVERRIDES,
    ids=[o[1] + "=" + o[2] for o in OVERRIDES],
)
def test_profile_override_rejected_with_key_in_message(user_values: dict[str, Any], key: str, given_text: str) -> None:
    with pytest.raises(ProfileOverrideError) as caught:
        calico(user_values=user_values)
    message = str(caught.value)
    assert f"mke4k:calico.values.{key}:" in message
    assert given_text in message
    assert "required" in message
    assert caught.value.key == f"mke4k:calico.values.{key}"
    assert isinstance(caught.value, ValueError)


def test_override_message_explains_why() -> None:
    with pytest.raises(ProfileOverrideError, match="VNI to 10000"):
        calico(user_values={"installation": {"kubernetesProvider": "DockerEnterprise"}})
    with pytest.raises(ProfileOverrideError, match="IPv4 only"):
        calico(user_values={"installation": {"calicoNetwork": {"ipPools": [{"cidr": "fd00::/48"}]}}})


def test_same_value_repeats_are_allowed() -> None:
    repeated = {
        "installation": {
            "kubernetesProvider": "",
            "calicoNetwork": {
                "bgp": "Disabled",
                "ipPools": [
                    {
                        "cidr": POD_CIDR,
                        "encapsulation": "VXLAN",
                        "natOutgoing": "Enabled",
                    }
                ],
            },
        },
        "defaultFelixConfiguration": {
            "enabled": True,
            "vxlanPort": 4789,
            "vxlanVNI": 4096,
        },
    }
    assert calico(user_values=repeated) == calico()


def test_non_profile_pool_fields_merge_onto_the_profile_pool() -> None:
    values = calico(user_values={"installation": {"calicoNetwork": {"ipPools": [{"blockSize": 24}]}}})
    pool = values["installation"]["calicoNetwork"]["ipPools"][0]
    assert pool["blockSize"] == 24
    assert (pool["cidr"], pool["encapsulation"], pool["natOutgoing"]) == (
        POD_CIDR,
        "VXLAN",
        "Enabled",
    )


def test_user_values_outside_the_profile_are_merged() -> None:
    values = calico(
        user_values={
            "installation": {"calicoNetwork": {"mtu": 1400}, "controlPlaneReplicas": 3},
            "apiServer": {"enabled": False},
            "resources": {"limits": {"cpu": "1"}},
        }
    )
    assert values["installation"]["calicoNetwork"]["mtu"] == 1400
    assert values["installation"]["controlPlaneReplicas"] == 3
    assert values["apiServer"] == {"enabled": False}
    assert values["resources"] == {"limits": {"cpu": "1"}}
    assert values["installation"]["calicoNetwork"]["bgp"] == "Disabled"


def test_rendering_is_deterministic_and_does_not_mutate_inputs() -> None:
    user = {"b": {"y": 1, "x": 2}, "a": [3, 1]}
    first = calico(user_values=user)
    second = calico(user_values={"a": [3, 1], "b": {"x": 2, "y": 1}})
    assert json.dumps(first) == json.dumps(second)
    assert list(first) == sorted(first)
    assert user == {"b": {"y": 1, "x": 2}, "a": [3, 1]}


def test_registry_and_pull_secrets_for_calico() -> None:
    values = calico(image_registry="registry.local/mke/", pull_secret_names=["b", "a", "a"])
    assert values["installation"]["registry"] == "registry.local/mke/"  # Installation API: must end with "/"
    assert values["tigeraOperator"]["registry"] == "registry.local/mke"
    assert values["installation"]["imagePullSecrets"] == [{"name": "a"}, {"name": "b"}]


# --------------------------------------------------------------------------- property


PROFILE_TOP_KEYS = {
    "installation",
    "defaultFelixConfiguration",
    "kubeletVolumePluginPath",
}
_scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text(max_size=5), st.none())
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=6), children, max_size=3),
    ),
    max_leaves=8,
)
_user_values = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k not in PROFILE_TOP_KEYS),
    _values,
    max_size=4,
)
_installation_extras = st.dictionaries(
    st.sampled_from(
        [
            "controlPlaneReplicas",
            "nodeMetricsPort",
            "typhaMetricsPort",
            "variant",
            "imagePath",
        ]
    ),
    _values,
    max_size=3,
)


def _profile(values: dict[str, Any]) -> dict[str, Any]:
    network = values["installation"]["calicoNetwork"]
    return {
        "bgp": network["bgp"],
        "linuxDataplane": network["linuxDataplane"],
        "ipPools": network["ipPools"],
        "kubernetesProvider": values["installation"]["kubernetesProvider"],
        "flexVolumePath": values["installation"]["flexVolumePath"],
        "kubeletVolumePluginPath": calico_installation_spec(values)["kubeletVolumePluginPath"],
        "felix": values["defaultFelixConfiguration"],
    }


@settings(max_examples=150, deadline=None)
@given(
    user=_user_values,
    extras=_installation_extras,
    version=st.sampled_from(CALICO_VERSIONS),
)
def test_profile_unchanged_by_any_user_values_not_touching_it(
    user: dict[str, Any], extras: dict[str, Any], version: str
) -> None:
    merged_user = {**user, "installation": dict(extras)}
    assert _profile(calico(version, merged_user)) == _profile(calico(version))


# --------------------------------------------------------------------------- helpers and other charts


def test_crd_chart_needed_from_calico_3_32() -> None:
    assert not calico_needs_crd_chart("v3.30.2")
    assert not calico_needs_crd_chart("v3.31.7")
    assert calico_needs_crd_chart("v3.32.1")
    assert calico_needs_crd_chart("v3.33.0")


def test_parse_version_and_hosts() -> None:
    assert parse_version("v3.30.200") == (3, 30, 200)
    assert parse_version("1.2.3-rc1") == (1, 2, 3)
    with pytest.raises(ValueError, match="not a version"):
        parse_version("latest")
    assert registry_host("oci://reg.local:5000/mke") == "reg.local:5000"
    assert registry_host("registry.mirantis.com/mke") == "registry.mirantis.com"


def test_chart_location_airgap_override() -> None:
    upstream = chart_location("tigera-operator", "https://docs.tigera.io/calico/charts", None)
    assert (upstream.chart, upstream.repo) == (
        "tigera-operator",
        "https://docs.tigera.io/calico/charts",
    )
    mirrored = chart_location("oci://ghcr.io/k0rdent/kcm/charts/kcm", None, "oci://reg.local/charts/")
    assert (mirrored.chart, mirrored.repo) == ("oci://reg.local/charts/kcm", None)


def test_chart_location_from_a_helm_repository_mirror() -> None:
    # An http(s) chart registry is a Helm repository: charts by name, the repo replaced.
    kcm = chart_location("oci://ghcr.io/k0rdent/kcm/charts/kcm", None, "http://127.0.0.1:8879/charts")
    assert (kcm.chart, kcm.repo) == ("kcm", "http://127.0.0.1:8879/charts")
    calico = chart_location("tigera-operator", "https://docs.tigera.io/calico/charts", "https://mirror.local")
    assert (calico.chart, calico.repo) == ("tigera-operator", "https://mirror.local")


def test_deep_merge_replaces_lists_and_merges_maps() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}}, {"a": {"c": [2], "d": 3}}) == {"a": {"b": 1, "c": [2], "d": 3}}


@pytest.mark.parametrize(
    ("flavor", "version", "layouts"),
    [
        ("oss", "1.2.0", ("legacy",)),
        ("oss", "1.3.0", ("telemetry-block",)),
        ("oss", "1.4.2", ("telemetry-block",)),
        ("oss", "1.5.0", ("regional",)),
        ("oss", "1.11.4", ("regional",)),
        ("enterprise", "1.2.3", ("legacy", "telemetry-block", "regional")),
        ("enterprise", "1.3.2", ("legacy", "telemetry-block", "regional")),
        ("enterprise", "1.5.0", ("regional",)),
    ],
)
def test_kcm_layouts(flavor: str, version: str, layouts: tuple[str, ...]) -> None:
    assert kcm_values_layouts(flavor, version) == layouts


def test_kcm_telemetry_off_in_every_form_the_chart_version_reads() -> None:
    assert render_kcm_values(flavor="oss", version="1.2.0") == {"controller": {"enableTelemetry": False}}
    assert render_kcm_values(flavor="oss", version="1.3.0") == {
        "controller": {"enableTelemetry": False},
        "telemetry": {"mode": "disabled"},
    }
    assert render_kcm_values(flavor="oss", version="1.11.4") == {"regional": {"telemetry": {"mode": "disabled"}}}
    assert render_kcm_values(flavor="enterprise", version="1.2.3") == {
        "controller": {"enableTelemetry": False},
        "regional": {"telemetry": {"mode": "disabled"}},
        "telemetry": {"mode": "disabled"},
    }


def test_kcm_user_values_win() -> None:
    values = render_kcm_values(
        flavor="oss",
        version="1.2.0",
        user_values={"controller": {"enableTelemetry": True}},
    )
    assert values["controller"]["enableTelemetry"] is True


def test_kcm_airgap_values() -> None:
    values = render_kcm_values(
        flavor="enterprise",
        version="1.2.3",
        image_registry="reg.local/k0rdent-enterprise/",
        chart_registry="oci://reg.local/k0rdent-enterprise/charts",
        pull_secret_name="creds",
        ca_secret_name="ca",
    )
    assert values["controller"]["globalRegistry"] == "reg.local/k0rdent-enterprise"
    assert values["image"]["repository"] == "reg.local/k0rdent-enterprise/kcm-controller"
    assert values["controller"]["templatesRepoURL"] == "oci://reg.local/k0rdent-enterprise/charts"
    assert values["controller"]["registryCredsSecret"] == "creds"
    assert values["controller"]["registryCertSecret"] == "ca"
    assert values["imagePullSecrets"] == [{"name": "creds"}]
    legacy = render_kcm_values(
        flavor="oss",
        version="1.2.0",
        image_registry="reg.local/k0rdent",
        pull_secret_name="c",
    )
    assert "global" not in legacy and "imagePullSecrets" not in legacy
    assert legacy["image"]["repository"] == "reg.local/k0rdent/kcm/controller"
    regional = render_kcm_values(
        flavor="oss", version="1.11.4", image_registry="reg.local/k0rdent", pull_secret_name="c"
    )
    assert "image" not in regional, "from 1.5 controller.globalRegistry names the controller image"
    assert regional["imagePullSecrets"] == [{"name": "c"}] and "global" not in regional


def test_mke_operator_values_keys_are_configurable() -> None:
    assert render_mke_operator_values() == {}
    values = render_mke_operator_values(
        image_registry="reg.local/mke/",
        registry_values_key="global.imageRegistry",
        pull_secret_name="creds",
    )
    assert values == {
        "global": {"imageRegistry": "reg.local/mke"},
        "imagePullSecrets": [{"name": "creds"}],
    }
    assert render_mke_operator_values(user_values={"image": {"registry": "x"}}, image_registry="y") == {
        "image": {"registry": "x"}
    }


def test_mke_config_object() -> None:
    document = render_mke_config({"b": 1, "a": {"d": 2, "c": 3}})
    assert document["apiVersion"] == "mke.mirantis.com/v1alpha1"
    assert document["kind"] == "MkeConfig"
    assert document["metadata"] == {"name": "mke", "namespace": "mke"}
    assert json.dumps(document["spec"]) == '{"a": {"c": 3, "d": 2}, "b": 1}'


def test_dockerconfigjson() -> None:
    payload = render_dockerconfigjson("oci://registry.local:5000/mke", "user", "p@ss:word")
    document = json.loads(payload)
    entry = document["auths"]["registry.local:5000"]
    assert entry["username"] == "user" and entry["password"] == "p@ss:word"
    assert base64.b64decode(entry["auth"]).decode() == "user:p@ss:word"
    assert payload == render_dockerconfigjson("oci://registry.local:5000/mke", "user", "p@ss:word")


# --------------------------------------------------------------------------- readiness gate script


def _run_gate(tmp_path: Any, fake_k0s: str, **overrides: Any) -> Any:
    """Run the rendered gate script with a fake ``k0s`` first on PATH."""
    import os
    import subprocess

    from components.platform.readiness import Condition, render_wait_script

    fake = tmp_path / "k0s"
    fake.write_text("#!/usr/bin/env bash\n" + fake_k0s)
    fake.chmod(0o755)
    fields = {
        "what": "Calico",
        "resource": "tigerastatus/calico",
        "condition": "Available",
        "timeout_seconds": 2,
        "hint": "Look at 'pods'; $(touch /tmp/pwned) `id`",
    } | overrides
    script = render_wait_script(Condition(**fields))
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-s"],
        input=script,
        text=True,
        capture_output=True,
        env=env,
        check=False,
        timeout=30,
    )


def test_gate_script_succeeds_when_condition_met(tmp_path: Any) -> None:
    result = _run_gate(tmp_path, 'echo "$@" >> "$(dirname "$0")/calls"\n')
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text()
    assert "kubectl get tigerastatus/calico" in calls
    assert "kubectl wait --for=condition=Available tigerastatus/calico --timeout=" in calls


def test_gate_script_fails_with_a_useful_message_and_quotes_inputs(
    tmp_path: Any,
) -> None:
    result = _run_gate(
        tmp_path,
        'for a in "$@"; do [ "$a" = wait ] && exit 1; done\nexit 0\n',
        namespace="mke",
    )
    assert result.returncode == 1
    assert "mke4k: Calico not ready: tigerastatus/calico did not reach condition Available" in result.stderr
    assert "Look at 'pods'; $(touch /tmp/pwned) `id`" in result.stderr  # printed, never executed


def test_gate_script_times_out_when_object_never_appears(tmp_path: Any) -> None:
    result = _run_gate(tmp_path, "exit 1\n", timeout_seconds=1)
    assert result.returncode == 1
    assert "was not created within 1s" in result.stderr
