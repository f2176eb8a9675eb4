"""Calico policy: the tigera-operator release keeps MKE 4k's required network profile.

The profile (facts §2): one IPv4 pool equal to the pod CIDR, VXLAN encapsulation with BGP
off, FelixConfiguration ``vxlanVNI`` 4096 / ``vxlanPort`` 4789, and never
``kubernetesProvider: DockerEnterprise`` (the operator then defaults the VNI to 10000).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ._props import HELM_RELEASE, as_int, as_list, config_value, describe, get, label

DEFAULT_POD_CIDR = "192.168.0.0/16"
DEFAULT_VXLAN_VNI = 4096
DEFAULT_VXLAN_PORT = 4789


def is_tigera_operator(resource_type: str, props: Any) -> bool:
    """Tell whether a resource is a Helm release of the tigera-operator chart."""
    chart = get(props, "chart")
    return resource_type == HELM_RELEASE and isinstance(chart, str) and chart.rstrip("/").endswith("tigera-operator")


def _network(cidr: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """Parse a CIDR string; ``None`` when it is not one."""
    if not isinstance(cidr, str):
        return None
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def profile_problems(values: Any, pod_cidr: str, vni: int, port: int) -> list[str]:
    """Return one line per deviation of chart ``values`` from the network profile."""
    problems: list[str] = []
    pools = as_list(get(values, "installation", "calicoNetwork", "ipPools"))
    v4_pools = [pool for pool in pools if getattr(_network(get(pool, "cidr")), "version", 4) == 4]
    v6_pools = [pool for pool in pools if getattr(_network(get(pool, "cidr")), "version", 4) == 6]
    want = _network(pod_cidr)
    if len(v4_pools) != 1:
        problems.append(
            f"installation.calicoNetwork.ipPools has {len(v4_pools)} IPv4 pools; set exactly one with cidr {pod_cidr!r}"
        )
    for pool in v4_pools:
        cidr = get(pool, "cidr")
        if want is None or _network(cidr) != want:
            problems.append(f"IP pool cidr is {describe(cidr)}; it must equal the pod CIDR {pod_cidr!r}")
        encapsulation = get(pool, "encapsulation")
        if encapsulation != "VXLAN":
            problems.append(
                f"IP pool {describe(cidr)} encapsulation is {describe(encapsulation)}; set 'VXLAN' "
                "(the operator's default is IPIP)"
            )
    if v6_pools:
        cidrs = ", ".join(describe(get(pool, "cidr")) for pool in v6_pools)
        problems.append(f"IPv6 pools {cidrs} are set; MKE 4k is IPv4 only: remove them")
    bgp = get(values, "installation", "calicoNetwork", "bgp")
    if bgp != "Disabled":
        problems.append(f"installation.calicoNetwork.bgp is {describe(bgp)}; set 'Disabled'")
    provider = get(values, "installation", "kubernetesProvider")
    if provider == "DockerEnterprise":
        problems.append(
            "installation.kubernetesProvider is 'DockerEnterprise', which makes the operator "
            "default the VXLAN VNI to 10000; leave it ''"
        )
    felix = get(values, "defaultFelixConfiguration")
    if get(felix, "enabled") is not True:
        problems.append(
            f"defaultFelixConfiguration.enabled is {describe(get(felix, 'enabled'))}; set true so "
            "the VXLAN VNI and port below are applied"
        )
    for key, expected in (("vxlanVNI", vni), ("vxlanPort", port)):
        actual = get(felix, key)
        if as_int(actual) != expected:
            problems.append(f"defaultFelixConfiguration.{key} is {describe(actual)}; set the integer {expected}")
    return problems


def validate_network_profile(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report a tigera-operator release whose values break the required network profile."""
    if not is_tigera_operator(args.resource_type, args.props):
        return
    config = args.get_config()
    pod_cidr = str(config_value(config, "podCIDR", DEFAULT_POD_CIDR))
    vni = as_int(config_value(config, "vxlanVNI", DEFAULT_VXLAN_VNI)) or DEFAULT_VXLAN_VNI
    port = as_int(config_value(config, "vxlanPort", DEFAULT_VXLAN_PORT)) or DEFAULT_VXLAN_PORT
    problems = profile_problems(get(args.props, "values"), pod_cidr, vni, port)
    if problems:
        report_violation(
            f"{label(args.resource_type, args.name)} (chart {describe(get(args.props, 'chart'))}) "
            "breaks the MKE 4k network profile:\n  - "
            + "\n  - ".join(problems)
            + "\nFix: render the values with the program's Calico values function instead of "
            "overriding them.",
            None,
        )


CALICO_NETWORK_PROFILE = ResourceValidationPolicy(
    name="mke4k-calico-network-profile",
    description=(
        "The tigera-operator release keeps the network profile: one IPv4 pool = pod CIDR, "
        "VXLAN, BGP Disabled, vxlanVNI 4096, vxlanPort 4789, no DockerEnterprise provider."
    ),
    validate=validate_network_profile,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "podCIDR": {
                "type": "string",
                "default": DEFAULT_POD_CIDR,
                "description": "Pod CIDR the single IPv4 pool must equal.",
            },
            "vxlanVNI": {
                "type": "integer",
                "default": DEFAULT_VXLAN_VNI,
                "description": "Required FelixConfiguration vxlanVNI.",
            },
            "vxlanPort": {
                "type": "integer",
                "default": DEFAULT_VXLAN_PORT,
                "description": "Required FelixConfiguration vxlanPort.",
            },
        }
    ),
)
