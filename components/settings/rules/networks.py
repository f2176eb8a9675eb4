"""The cluster networks: pod/service CIDRs, the VPC, the NodePort range and the VXLAN port.

Values several layers must agree on are checked here once: the VXLAN port the nodes use
against what the security groups open, the NodePort range the API server is given against
the ingress NodePorts the load balancer and MKE use, the service CIDR against what
kube-apiserver and the kubelet's DNS address need.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Issue
from ..formats import as_ip
from ..network import (
    DEFAULT_POD_CIDR,
    DEFAULT_VXLAN_PORT,
    DEFAULT_VXLAN_VNI,
    MKE_INGRESS_NODE_PORTS,
    parse_ipv4_network,
)
from ..root import Settings
from .base import Context, hosts_source, machines_here

POLICY = "the policy pack's mke4k-calico-network-profile config"
MAX_SERVICE_PREFIX_BITS = 20
"""kube-apiserver refuses a --service-cluster-ip-range with more than 20 host bits (IPv4: /12 or smaller)."""
FEW_SERVICES = 256


def pod_service_overlap(s: Settings, _: Context) -> Iterable[Issue]:
    """The pod and service CIDRs do not overlap."""
    pod, service = s.network.pod_network, s.network.service_network
    if pod.overlaps(service):
        yield Issue(
            "network.serviceCidr",
            f"service CIDR {service} overlaps the pod CIDR {pod}.",
            f"choose a service CIDR outside {pod} (MKE's default is 10.96.0.0/16)."
            if str(pod) == DEFAULT_POD_CIDR
            else "choose non-overlapping networks (MKE defaults: pods 192.168.0.0/16, services 10.96.0.0/16).",
        )


def node_addresses_outside_cluster_networks(s: Settings, _: Context) -> Iterable[Issue]:
    """No static node address lies inside the pod or service CIDR (routing to the node would break)."""
    if hosts_source(s) != "static":
        return
    pod, service = s.network.pod_network, s.network.service_network
    for i, host in enumerate(s.hosts.static.hosts):
        for field, value in (("address", host.address), ("privateAddress", host.private_address)):
            address = as_ip(value)
            if address is None:
                continue
            if address in pod:
                fix = (
                    "move the node to another network: MKE 4k's network profile fixes the pod CIDR to "
                    f"{DEFAULT_POD_CIDR}."
                    if str(pod) == DEFAULT_POD_CIDR
                    else f"move the node out of {pod}, or go back to MKE's pod CIDR {DEFAULT_POD_CIDR}."
                )
                yield Issue(
                    f"hosts.static.hosts[{i}].{field}",
                    f"node address {address} is inside the pod CIDR {pod}; routing to the node would break.",
                    fix,
                )
            if address in service:
                yield Issue(
                    f"hosts.static.hosts[{i}].{field}",
                    f"node address {address} is inside the service CIDR {service}; it would collide with ClusterIPs.",
                    "move the node, or choose another mke4k:network.serviceCidr.",
                )


def vpc_cidr(s: Settings, _: Context) -> Iterable[Issue]:
    """A new VPC's CIDR is valid, outside the pod and service CIDRs, and large enough for its subnets."""
    if not machines_here(s, "aws") or s.hosts.aws.vpc.id:
        return
    aws = s.hosts.aws
    try:
        vpc = parse_ipv4_network(aws.vpc.cidr)
    except ValueError as error:
        yield Issue("hosts.aws.vpc.cidr", f"'{aws.vpc.cidr}' is not a valid CIDR ({error}).", "e.g. 10.0.0.0/16.")
        return
    for label, net in (("pod", s.network.pod_network), ("service", s.network.service_network)):
        if vpc.overlaps(net):
            yield Issue(
                "hosts.aws.vpc.cidr",
                f"VPC CIDR {vpc} overlaps the {label} CIDR {net}; node addresses would fall inside it.",
                "choose a VPC CIDR outside both, e.g. 10.0.0.0/16.",
            )
    # Imported here: components.hosts imports this package (its subnet plan is pure).
    from components.hosts.naming import MAX_VPC_PREFIX, subnet_cidrs

    for private in (False, True):
        try:
            subnet_cidrs(str(vpc), aws.vpc.availability_zones, private=private)
        except ValueError as error:
            yield Issue(
                "hosts.aws.vpc.cidr",
                f"{error}: the VPC is cut into 16 subnets of equal size, one per zone (public and private).",
                f"use a /{MAX_VPC_PREFIX} or a larger network (a smaller prefix length), e.g. 10.0.0.0/16.",
            )
            return


def service_cidr_size(s: Settings, _: Context) -> Iterable[Issue]:
    """The service CIDR is at most a /12 (kube-apiserver's limit) and has room for the cluster DNS address k0s gives the kubelet."""
    service = s.network.service_network
    host_bits = service.max_prefixlen - service.prefixlen
    if host_bits > MAX_SERVICE_PREFIX_BITS:
        yield Issue(
            "network.serviceCidr",
            f"{service} is too large: kube-apiserver refuses a service range with more than "
            f"{MAX_SERVICE_PREFIX_BITS} host bits (IPv4: /12 or smaller).",
            "use a /12 to /24, e.g. MKE's default 10.96.0.0/16.",
        )
        return
    dns = cluster_dns_address(service)
    if dns is None:
        yield Issue(
            "network.serviceCidr",
            f"{service} has no room for the cluster DNS address (k0s gives the kubelet the 10th address of "
            "the range, the 2nd for a /29 or smaller).",
            "use a /24 or larger, e.g. MKE's default 10.96.0.0/16.",
        )
    elif service.num_addresses < FEW_SERVICES:
        yield Issue(
            "network.serviceCidr",
            f"{service} leaves {service.num_addresses - 2} ClusterIPs; Calico, k0rdent, mke-operator and MKE's "
            "system services create dozens of Services.",
            "use a /24 or larger, e.g. MKE's default 10.96.0.0/16.",
            severity="warning",
        )


def cluster_dns_address(service: ipaddress.IPv4Network) -> ipaddress.IPv4Address | None:
    """The CoreDNS ClusterIP k0s derives: network + 10 (network + 2 from /29), or None when it does not fit.

    k0s adds to the last octet only (``Network.DNSAddress``), so the result must stay in the range.
    """
    offset = 10 if service.prefixlen < 29 else 2
    base = service.network_address.packed
    if base[3] + offset > 255:
        return None
    address = ipaddress.IPv4Address(base[:3] + bytes([base[3] + offset]))
    return address if address in service and address != service.broadcast_address else None


def ingress_node_ports(s: Settings) -> dict[str, tuple[int, str]]:
    """MKE's ingress NodePorts (http, https) with the key that sets them: mke.ingressController.nodePorts or MKE's defaults."""
    given: Any = (s.mke or {}).get("ingressController")
    node_ports = given.get("nodePorts") if isinstance(given, Mapping) else None
    result = {}
    for name, default in MKE_INGRESS_NODE_PORTS.items():
        value = node_ports.get(name) if isinstance(node_ports, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool):
            result[name] = (value, f"mke.ingressController.nodePorts.{name}")
        else:
            result[name] = (default, "network.nodePortRange")
    return result


def node_port_range(s: Settings, _: Context) -> Iterable[Issue]:
    """The NodePort range holds MKE's ingress NodePorts (and the one the NLB forwards 443 to) and no port the nodes listen on."""
    if s.runs("platform") and s.mke_operator.enabled:
        yield from _ingress_outside_range(s)
    if machines_here(s, "aws") and s.hosts.aws.load_balancer.ingress:
        yield from _nlb_ingress_target(s)
    yield from _ports_the_nodes_use(s)


def _ingress_outside_range(s: Settings) -> Iterable[Issue]:
    low, high = s.network.node_ports
    outside: dict[str, list[str]] = {}
    for name, (port, key) in ingress_node_ports(s).items():
        if not low <= port <= high:
            outside.setdefault(key, []).append(f"{port} ({name})")
    for key, ports in outside.items():
        yield Issue(
            key,
            f"MKE's ingress NodePort(s) {', '.join(ports)} lie outside the NodePort range "
            f"{s.network.node_port_range}; the API server would refuse the ingress Service.",
            "use MKE's range 32768-35535 (mke4k:network.nodePortRange), or NodePorts inside the range.",
        )


def _nlb_ingress_target(s: Settings) -> Iterable[Issue]:
    # Imported here: components.hosts imports this package (the port table and LB rule are pure).
    from components.hosts.aws import needs_load_balancer
    from components.hosts.aws_security import INGRESS_NODE_PORT

    if not needs_load_balancer(s.hosts.aws):
        return
    low, high = s.network.node_ports
    if not low <= INGRESS_NODE_PORT <= high:
        yield Issue(
            "hosts.aws.loadBalancer.ingress",
            f"the NLB forwards 443 to NodePort {INGRESS_NODE_PORT}, outside the NodePort range "
            f"{s.network.node_port_range}.",
            "use MKE's range 32768-35535 (mke4k:network.nodePortRange), or turn the ingress listener off.",
        )
    https, key = ingress_node_ports(s)["https"]
    if s.runs("platform") and s.mke_operator.enabled and https != INGRESS_NODE_PORT:
        yield Issue(
            key,
            f"MKE's ingress https NodePort is {https}, but the NLB forwards 443 to {INGRESS_NODE_PORT}.",
            f"keep MKE's https NodePort {INGRESS_NODE_PORT}, or turn hosts.aws.loadBalancer.ingress off.",
        )


def _ports_the_nodes_use(s: Settings) -> Iterable[Issue]:
    low, high = s.network.node_ports
    clashes = [f"{port} ({what})" for port, what in sorted(node_tcp_ports().items()) if low <= port <= high]
    if clashes:
        yield Issue(
            "network.nodePortRange",
            f"{s.network.node_port_range} includes ports the nodes listen on: {', '.join(clashes)}; a NodePort "
            "there would shadow them.",
            "use a range above 30000 that avoids them, e.g. MKE's 32768-35535.",
        )
    if low <= s.network.vxlan_port <= high:
        yield Issue(
            "network.vxlanPort",
            f"UDP {s.network.vxlan_port} lies inside the NodePort range {s.network.node_port_range}: a UDP "
            "NodePort service on it would capture the nodes' VXLAN traffic.",
            f"choose a VXLAN port outside {s.network.node_port_range} (MKE's is {DEFAULT_VXLAN_PORT}).",
        )


def node_tcp_ports() -> dict[int, str]:
    """TCP ports the nodes listen on (the security-group port table); a NodePort there would shadow them."""
    # Imported here: components.hosts imports this package (the port table is pure).
    from components.hosts import aws_security as ports

    return {
        ports.SSH_PORT: "SSH",
        ports.ETCD_PEER_PORT: "etcd peers",
        ports.TYPHA_PORT: "Calico Typha",
        ports.API_PORT: "the Kubernetes API",
        ports.KONNECTIVITY_PORT: "konnectivity",
        ports.JOIN_API_PORT: "the k0s join API",
        ports.KUBELET_PORT: "the kubelet",
    }


def vxlan_consistency(s: Settings, _: Context) -> Iterable[Issue]:
    """The VXLAN port the nodes use is the one the AWS security groups open; other non-default VXLAN or pod values are warnings (firewalls, policy pack)."""
    network = s.network
    if network.vxlan_port != DEFAULT_VXLAN_PORT:
        if machines_here(s, "aws"):
            # Imported here: components.hosts imports this package (the port table is pure).
            from components.hosts.aws_security import VXLAN_PORT

            if network.vxlan_port != VXLAN_PORT:
                yield Issue(
                    "network.vxlanPort",
                    f"Calico would send VXLAN on UDP {network.vxlan_port}, but the security groups open only "
                    f"UDP {VXLAN_PORT} between nodes: the pod network would silently break.",
                    f"keep MKE's VXLAN port {VXLAN_PORT}.",
                )
                return
        yield Issue(
            "network.vxlanPort",
            f"Calico will use UDP {network.vxlan_port} for VXLAN instead of MKE's {DEFAULT_VXLAN_PORT}.",
            f"open UDP {network.vxlan_port} between all nodes in your firewalls, and set vxlanPort in {POLICY}.",
            severity="warning",
        )
    if network.vxlan_vni != DEFAULT_VXLAN_VNI:
        yield Issue(
            "network.vxlanVni",
            f"VNI {network.vxlan_vni} differs from MKE's {DEFAULT_VXLAN_VNI}.",
            f"set vxlanVNI in {POLICY} to match, or keep {DEFAULT_VXLAN_VNI}.",
            severity="warning",
        )
    if network.pod_cidr != DEFAULT_POD_CIDR:
        yield Issue(
            "network.podCidr",
            f"{network.pod_cidr} is not MKE 4k's fixed pod CIDR {DEFAULT_POD_CIDR}.",
            f"keep {DEFAULT_POD_CIDR} unless you must; then set podCIDR in {POLICY} to match.",
            severity="warning",
        )


RULES = (
    pod_service_overlap,
    node_addresses_outside_cluster_networks,
    vpc_cidr,
    service_cidr_size,
    node_port_range,
    vxlan_consistency,
)
