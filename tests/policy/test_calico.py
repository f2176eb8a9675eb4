"""The tigera-operator release keeps MKE 4k's required network profile."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from mke4k_policy import CALICO_NETWORK_PROFILE
from policy_harness import check

RELEASE = "kubernetes:helm.sh/v3:Release"

GOOD_VALUES: dict[str, Any] = {
    "installation": {
        "enabled": True,
        "kubernetesProvider": "",
        "calicoNetwork": {
            "bgp": "Disabled",
            "ipPools": [
                {
                    "cidr": "192.168.0.0/16",
                    "encapsulation": "VXLAN",
                    "natOutgoing": "Enabled",
                    "nodeSelector": "all()",
                }
            ],
        },
        "flexVolumePath": "/usr/libexec/k0s/kubelet-plugins/volume/exec/",
    },
    "defaultFelixConfiguration": {"enabled": True, "vxlanPort": 4789, "vxlanVNI": 4096},
}


def release(values: dict[str, Any] | None, chart: str = "tigera-operator") -> dict[str, Any]:
    """Return Release inputs for the tigera-operator chart."""
    props: dict[str, Any] = {
        "chart": chart,
        "version": "v3.30.2",
        "namespace": "tigera-operator",
        "repositoryOpts": {"repo": "https://docs.tigera.io/calico/charts"},
    }
    if values is not None:
        props["values"] = values
    return props


def values_with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """Return a copy of the good values with one nested key replaced (or removed for ``...``)."""
    values = copy.deepcopy(GOOD_VALUES)
    node = values
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return values


@pytest.mark.parametrize(
    "chart",
    [
        "tigera-operator",
        "projectcalico/tigera-operator",
        "oci://registry.example/charts/tigera-operator",
    ],
)
def test_required_profile_passes(chart: str) -> None:
    assert (
        check(
            CALICO_NETWORK_PROFILE,
            RELEASE,
            release(GOOD_VALUES, chart),
            name="dev-calico",
        )
        == []
    )


def test_other_charts_are_ignored() -> None:
    assert check(CALICO_NETWORK_PROFILE, RELEASE, release({}, chart="k0rdent-enterprise")) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("installation", "calicoNetwork", "bgp"),
            "Enabled",
            "calicoNetwork.bgp is 'Enabled'",
        ),
        (("installation", "calicoNetwork", "bgp"), ..., "calicoNetwork.bgp is <unset>"),
        (("installation", "kubernetesProvider"), "DockerEnterprise", "10000"),
        (
            ("defaultFelixConfiguration", "vxlanVNI"),
            10000,
            "vxlanVNI is 10000; set the integer 4096",
        ),
        (
            ("defaultFelixConfiguration", "vxlanVNI"),
            "4096",
            "vxlanVNI is '4096'; set the integer 4096",
        ),
        (
            ("defaultFelixConfiguration", "vxlanPort"),
            8472,
            "vxlanPort is 8472; set the integer 4789",
        ),
        (
            ("defaultFelixConfiguration", "enabled"),
            False,
            "defaultFelixConfiguration.enabled is False",
        ),
        (("installation", "calicoNetwork", "ipPools"), [], "has 0 IPv4 pools"),
    ],
)
def test_profile_deviation_is_reported(path: tuple[str, ...], value: Any, expected: str) -> None:
    [message] = check(
        CALICO_NETWORK_PROFILE,
        RELEASE,
        release(values_with(path, value)),
        name="dev-calico",
    )
    assert "'dev-calico'" in message and expected in message
    assert "Fix:" in message


def test_pool_deviations_are_reported() -> None:
    pools = [
        {"cidr": "10.244.0.0/16", "encapsulation": "IPIP"},
        {"cidr": "192.168.0.0/16", "encapsulation": "VXLAN"},
        {"cidr": "fd00:10::/64", "encapsulation": "VXLAN"},
    ]
    values = values_with(("installation", "calicoNetwork", "ipPools"), pools)
    [message] = check(CALICO_NETWORK_PROFILE, RELEASE, release(values))
    assert "has 2 IPv4 pools" in message
    assert "IP pool cidr is '10.244.0.0/16'; it must equal the pod CIDR '192.168.0.0/16'" in message
    assert "encapsulation is 'IPIP'" in message
    assert "IPv6 pools 'fd00:10::/64'" in message


def test_missing_values_are_reported() -> None:
    [message] = check(CALICO_NETWORK_PROFILE, RELEASE, release(None))
    assert "has 0 IPv4 pools" in message and "bgp is <unset>" in message


def test_config_overrides_pod_cidr_vni_and_port() -> None:
    values = copy.deepcopy(GOOD_VALUES)
    values["installation"]["calicoNetwork"]["ipPools"][0]["cidr"] = "172.30.0.0/16"
    values["defaultFelixConfiguration"].update({"vxlanVNI": 4097, "vxlanPort": 4790})
    config = {"podCIDR": "172.30.0.0/16", "vxlanVNI": 4097, "vxlanPort": 4790}
    assert check(CALICO_NETWORK_PROFILE, RELEASE, release(values), config=config) == []
    # ...and the defaults then reject those values.
    assert len(check(CALICO_NETWORK_PROFILE, RELEASE, release(values))) == 1
