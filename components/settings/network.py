"""Cluster network settings: the MKE 4k required profile, with its sourced defaults."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from .base import SettingsModel

# facts.md section 2 (MKE 4k architecture: fixed Pod CIDR, VXLAN on 4789 with VNI 4096).
DEFAULT_POD_CIDR = "192.168.0.0/16"
DEFAULT_SERVICE_CIDR = "10.96.0.0/16"
DEFAULT_VXLAN_PORT = 4789
DEFAULT_VXLAN_VNI = 4096


def parse_ipv4_network(value: str) -> ipaddress.IPv4Network:
    """Parse an IPv4 CIDR strictly (host bits must be zero); ValueError with the reason."""
    if "/" not in value:
        # ip_network would read a bare address as a /32: a one-address pod or service network.
        raise ValueError("no prefix length")
    network = ipaddress.ip_network(value, strict=True)
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError("only IPv4 is supported (MKE 4k networking is IPv4 only)")
    return network


class NetworkSettings(SettingsModel):
    """Pod and service networks, kube-proxy mode and Calico VXLAN parameters."""

    pod_cidr: str = Field(
        DEFAULT_POD_CIDR,
        description="Pod network (k0s spec.network.podCIDR and the single Calico IP pool). "
        "MKE 4k fixes it to 192.168.0.0/16; no node address may fall inside it. "
        "Immutable once the cluster exists.",
    )
    service_cidr: str = Field(
        DEFAULT_SERVICE_CIDR,
        description="Service network (k0s spec.network.serviceCIDR). Immutable once the cluster exists.",
    )
    kube_proxy_mode: Literal["iptables", "ipvs", "nftables"] = Field(
        "iptables",
        description="kube-proxy mode (k0s spec.network.kubeProxy.mode). MKE 4k uses iptables.",
    )
    vxlan_port: int = Field(
        DEFAULT_VXLAN_PORT,
        description="Calico VXLAN UDP port (FelixConfiguration vxlanPort), 1-65535.",
    )
    vxlan_vni: int = Field(
        DEFAULT_VXLAN_VNI,
        description="Calico VXLAN network identifier (FelixConfiguration vxlanVNI), 1-16777215.",
    )
    cluster_domain: str = Field(
        "cluster.local",
        description="Cluster DNS domain (k0s spec.network.clusterDomain).",
    )

    @field_validator("pod_cidr", "service_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            parse_ipv4_network(value)
        except ValueError as error:
            raise ValueError(f"'{value}' is not a valid IPv4 CIDR ({error}); write it like 10.96.0.0/16") from None
        return value

    @field_validator("vxlan_port")
    @classmethod
    def _valid_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"VXLAN port {value} is outside 1-65535 (the MKE 4k default is 4789)")
        return value

    @field_validator("vxlan_vni")
    @classmethod
    def _valid_vni(cls, value: int) -> int:
        if not 1 <= value <= 16777215:
            raise ValueError(f"VXLAN VNI {value} is outside 1-16777215 (the MKE 4k default is 4096)")
        return value

    @property
    def pod_network(self) -> ipaddress.IPv4Network:
        """The pod CIDR as a network object."""
        return parse_ipv4_network(self.pod_cidr)

    @property
    def service_network(self) -> ipaddress.IPv4Network:
        """The service CIDR as a network object."""
        return parse_ipv4_network(self.service_cidr)
