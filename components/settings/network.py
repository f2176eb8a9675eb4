"""Cluster network settings: the MKE 4k required profile, with its sourced defaults."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from .base import SettingsModel
from .errors import FieldProblem
from .formats import check_dns_subdomain

# facts.md section 2 (MKE 4k architecture: fixed Pod CIDR, VXLAN on 4789 with VNI 4096).
DEFAULT_POD_CIDR = "192.168.0.0/16"
DEFAULT_SERVICE_CIDR = "10.96.0.0/16"
DEFAULT_VXLAN_PORT = 4789
DEFAULT_VXLAN_VNI = 4096
# MKE 4k docs, "Port ranges" and "Network options": mke4.yaml spec.network.nodePortRange defaults
# to 32768-35535, with 33000/33001 reserved for the ingress controller (HTTP/HTTPS).
DEFAULT_NODE_PORT_RANGE = "32768-35535"
MKE_INGRESS_NODE_PORTS = {"http": 33000, "https": 33001}


def parse_port_range(value: str) -> tuple[int, int]:
    """``"32768-35535"`` -> ``(32768, 35535)``; ValueError when it is not ``low-high`` within 1-65535."""
    low, sep, high = value.partition("-")
    if not sep or not low.strip().isdigit() or not high.strip().isdigit():
        raise ValueError("write it as low-high")
    first, last = int(low), int(high)
    if not 1 <= first <= last <= 65535:
        raise ValueError("needs 1 <= low <= high <= 65535")
    return first, last


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
        description="Cluster DNS domain (k0s spec.network.clusterDomain): a lowercase DNS domain.",
    )
    node_port_range: str = Field(
        DEFAULT_NODE_PORT_RANGE,
        description="Ports Kubernetes may give NodePort services, low-high (kube-apiserver "
        "--service-node-port-range, rendered into k0s spec.api.extraArgs). MKE 4k uses 32768-35535 so that "
        "its ingress NodePorts 33000/33001 fit; Kubernetes' own default is 30000-32767. Imported from "
        "mke4.yaml spec.network.nodePortRange.",
    )

    @field_validator("pod_cidr", "service_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            parse_ipv4_network(value)
        except ValueError as error:
            raise FieldProblem(
                f"'{value}' is not a valid IPv4 CIDR ({error})", "write it like 10.96.0.0/16 (host bits zero)."
            ) from None
        return value

    @field_validator("vxlan_port")
    @classmethod
    def _valid_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise FieldProblem(
                f"VXLAN port {value} is outside 1-65535", "use the MKE 4k default 4789 (or another UDP port)."
            )
        return value

    @field_validator("vxlan_vni")
    @classmethod
    def _valid_vni(cls, value: int) -> int:
        if not 1 <= value <= 16777215:
            raise FieldProblem(f"VXLAN VNI {value} is outside 1-16777215", "use the MKE 4k default 4096.")
        return value

    @field_validator("cluster_domain")
    @classmethod
    def _valid_domain(cls, value: str) -> str:
        return check_dns_subdomain(value)

    @field_validator("node_port_range")
    @classmethod
    def _valid_node_port_range(cls, value: str) -> str:
        try:
            parse_port_range(value)
        except ValueError as error:
            raise FieldProblem(
                f"'{value}' is not a port range ({error})", f"write it like {DEFAULT_NODE_PORT_RANGE} (MKE's default)."
            ) from None
        return value

    @property
    def node_ports(self) -> tuple[int, int]:
        """The NodePort range as ``(low, high)``, both included."""
        return parse_port_range(self.node_port_range)

    @property
    def pod_network(self) -> ipaddress.IPv4Network:
        """The pod CIDR as a network object."""
        return parse_ipv4_network(self.pod_cidr)

    @property
    def service_network(self) -> ipaddress.IPv4Network:
        """The service CIDR as a network object."""
        return parse_ipv4_network(self.service_cidr)
