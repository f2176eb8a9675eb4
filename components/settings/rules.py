"""Cross-field rules: what no single field can check on its own.

Each rule returns Issues naming the config key, the problem and the fix; they are
all collected so a user sees every problem in one run, before any resource exists.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable

from components.release_matrix import load_matrix

from .errors import Issue
from .hosts import CONTROLLER_ROLES
from .k0s import PROTECTED_K0S_CONFIG_PATHS, kubernetes_minor, protected_paths_in
from .network import parse_ipv4_network
from .platform import MKE_OPERATOR_CHART
from .registry_rules import registry_issues
from .root import LAYER_ORDER, Settings

Rule = Callable[[Settings], Iterable[Issue]]


def check_all(settings: Settings) -> list[Issue]:
    """Run every rule; return all issues found (empty when the config is valid)."""
    issues: list[Issue] = []
    for rule in RULES:
        issues.extend(rule(settings))
    return issues


def _mke_version(s: Settings) -> Iterable[Issue]:
    matrix = load_matrix()
    try:
        matrix.release(s.version)
    except KeyError:
        known = ", ".join(sorted(matrix.releases))
        yield Issue("version", f"unknown MKE release '{s.version}'.", f"use one of: {known}.")


def _layers(s: Settings) -> Iterable[Issue]:
    run = s.layers.run
    if not run:
        yield Issue("layers.run", "no layer to run.", "list at least one of hosts, k0s, platform.")
        return
    if len(set(run)) != len(run):
        yield Issue("layers.run", f"{run} lists a layer twice.", "list each layer once.")
    indexes = sorted(LAYER_ORDER.index(layer) for layer in set(run))
    if indexes != list(range(indexes[0], indexes[-1] + 1)):
        yield Issue(
            "layers.run",
            f"{run} skips a layer in between.",
            "run a contiguous set (e.g. [hosts, k0s] or [k0s, platform]); each layer needs the one below.",
        )
    lowest = LAYER_ORDER[indexes[0]]
    if lowest != "hosts" and not s.layers.from_stack:
        missing = ", ".join(LAYER_ORDER[: indexes[0]])
        yield Issue(
            "layers.fromStack",
            f"this stack does not run the {missing} layer(s) and names no stack to read them from.",
            "set mke4k:layers.fromStack to the stack that runs them (org/project/stack), or add them to layers.run.",
        )
    if s.runs("hosts") and s.hosts.source == "stack" and not s.layers.from_stack:
        yield Issue(
            "hosts.source",
            "source 'stack' reads the machines from another stack, but none is named.",
            "set mke4k:layers.fromStack.",
        )
    if s.runs("hosts") and s.hosts.source is None and not s.mke4_config_file:
        yield Issue("hosts.source", "no source for the machines.", "set it to aws, static or stack.")


def _controllers(s: Settings) -> Iterable[Issue]:
    source = s.hosts.source
    if not s.runs("hosts") or source not in ("aws", "static"):
        return
    if source == "aws":
        count, key = s.hosts.aws.controllers.count, "hosts.aws.controllers.count"
    else:
        count = sum(1 for h in s.hosts.static.hosts if h.role in CONTROLLER_ROLES)
        key = "hosts.static.hosts"
        if not s.hosts.static.hosts:
            yield Issue(key, "no hosts listed.", "list the machines (name, role, address) or use mke4ConfigFile.")
            return
    if count == 0:
        yield Issue(key, "there are no controllers.", "add a controller or controller+worker (1, 3 or 5).")
    elif count % 2 == 0:
        yield Issue(
            key,
            f"{count} controllers: etcd runs on every controller and needs a majority, so an even "
            "count tolerates no more failures than one fewer and risks split votes.",
            f"use an odd number ({count - 1} or {count + 1}).",
        )


def _static_hosts(s: Settings) -> Iterable[Issue]:
    if s.hosts.source != "static":
        return
    hosts = s.hosts.static.hosts
    names = Counter(h.name for h in hosts)
    for name, n in names.items():
        if n > 1:
            yield Issue("hosts.static.hosts", f"host name '{name}' is used {n} times.", "give every host its own name.")
    addresses = Counter(a for h in hosts for a in {h.address, h.private_address or h.address})
    for address, n in addresses.items():
        if n > 1:
            yield Issue(
                "hosts.static.hosts", f"address '{address}' is used by {n} hosts.", "every host needs its own address."
            )
    boot = s.k0s.bootstrap_controller
    controllers = [h.name for h in hosts if h.role in CONTROLLER_ROLES]
    if boot is not None and boot not in controllers:
        yield Issue(
            "k0s.bootstrapController",
            f"'{boot}' is not a controller of this cluster.",
            f"name one of: {', '.join(controllers) or '(no controllers)'}.",
        )


def _networks(s: Settings) -> Iterable[Issue]:
    pod, service = s.network.pod_network, s.network.service_network
    if pod.overlaps(service):
        yield Issue(
            "network.serviceCidr",
            f"service CIDR {service} overlaps the pod CIDR {pod}.",
            "choose non-overlapping networks (MKE defaults: pods 192.168.0.0/16, services 10.96.0.0/16).",
        )
    for key, address in _node_addresses(s):
        for label, net in (("pod", pod), ("service", service)):
            if ipaddress.IPv4Address(address) in net:
                yield Issue(
                    key,
                    f"node address {address} is inside the {label} CIDR {net}; routing to the node would break.",
                    f"move the node, or change mke4k:network.{label}Cidr.",
                )
    if s.runs("hosts") and s.hosts.source == "aws" and not s.hosts.aws.vpc.id:
        try:
            vpc = parse_ipv4_network(s.hosts.aws.vpc.cidr)
        except ValueError as error:
            yield Issue(
                "hosts.aws.vpc.cidr", f"'{s.hosts.aws.vpc.cidr}' is not a valid CIDR ({error}).", "e.g. 10.0.0.0/16."
            )
            return
        for label, net in (("pod", pod), ("service", service)):
            if vpc.overlaps(net):
                yield Issue(
                    "hosts.aws.vpc.cidr",
                    f"VPC CIDR {vpc} overlaps the {label} CIDR {net}; node addresses would fall inside it.",
                    "choose a VPC CIDR outside both, e.g. 10.0.0.0/16.",
                )


def _node_addresses(s: Settings) -> Iterable[tuple[str, str]]:
    if s.hosts.source != "static":
        return
    for i, host in enumerate(s.hosts.static.hosts):
        for field, value in (("address", host.address), ("privateAddress", host.private_address)):
            if value and _is_ipv4(value):
                yield f"hosts.static.hosts[{i}].{field}", value


def _is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _aws(s: Settings) -> Iterable[Issue]:
    if not s.runs("hosts") or s.hosts.source != "aws":
        return
    aws = s.hosts.aws
    for key, cidrs in (("hosts.aws.sshCidrs", aws.ssh_cidrs), ("hosts.aws.apiCidrs", aws.api_cidrs)):
        if not cidrs:
            yield Issue(
                key, "no sources allowed.", "list the CIDRs of your operators/CI (0.0.0.0/0 only if you mean it)."
            )
        for cidr in cidrs:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as error:
                yield Issue(key, f"'{cidr}' is not a valid CIDR ({error}).", "write it like 203.0.113.0/24.")
    if aws.vpc.subnet_ids and not aws.vpc.id:
        yield Issue("hosts.aws.vpc.subnetIds", "subnets given without their VPC.", "set mke4k:hosts.aws.vpc.id too.")
    if aws.vpc.id and not aws.vpc.subnet_ids:
        yield Issue(
            "hosts.aws.vpc.id", "an existing VPC needs the subnets to use.", "set mke4k:hosts.aws.vpc.subnetIds."
        )


def _k0s(s: Settings) -> Iterable[Issue]:
    if s.k0s.binary_source == "upload" and not s.k0s.sha256:
        yield Issue(
            "k0s.sha256",
            "binarySource upload needs a pinned checksum to verify the uploaded binary.",
            "set mke4k:k0s.sha256 to the sha256 of k0s-<version>-<arch> from the release's sha256sums.txt.",
        )
    for path in protected_paths_in(s.k0s.config):
        yield Issue(
            f"k0s.config.{path}",
            "this ClusterConfig field carries the required network profile or per-node wiring "
            "and cannot be overridden.",
            PROTECTED_K0S_CONFIG_PATHS[path] + ".",
        )
    version = resolved_k0s_version(s)
    calico = resolved_calico_version(s)
    if version and calico and s.calico.enabled:
        minor = kubernetes_minor(version)
        supported = load_matrix().calico_supports(calico, minor)
        if supported is False:
            low, high = load_matrix().calicoKubernetes[".".join(calico.lstrip("v").split(".")[:2])]
            yield Issue(
                "k0s.version",
                f"Kubernetes {minor} (k0s {version}) is not supported by Calico {calico} (tested on {low}-{high}).",
                "pick a k0s version in that range or a Calico version that supports it (mke4k:calico.version).",
            )


def _platform(s: Settings) -> Iterable[Issue]:
    if s.mke_operator.enabled and s.mke_operator.version is None and s.mke_operator.chart != MKE_OPERATOR_CHART:
        yield Issue("mkeOperator.version", "a custom chart needs its version.", "set mke4k:mkeOperator.version.")
    if s.k0rdent.enabled and s.k0rdent.version is None and s.k0rdent.chart is not None:
        yield Issue("k0rdent.version", "a custom chart needs its version.", "set mke4k:k0rdent.version.")
    for key, component in (("calico", s.calico), ("k0rdent", s.k0rdent), ("mkeOperator", s.mke_operator)):
        if component.enabled and component.version is not None and not component.version.strip():
            yield Issue(
                f"{key}.version", "the chart is enabled but its version is empty.", "set a version or disable it."
            )
    registry = s.registry
    if (registry.username is None) != (registry.password is None):
        yield Issue("registry.password", "username and password go together.", "set both or neither.")
    if s.mke is not None and not s.mke_operator.enabled:
        yield Issue(
            "mke", "an MkeConfig is given but mke-operator is disabled.", "enable mke4k:mkeOperator or drop mke4k:mke."
        )


def resolved_k0s_version(s: Settings) -> str | None:
    """The k0s version in effect: the stack's, else the MKE release's (None if unknown)."""
    if s.k0s.version:
        return s.k0s.version
    release = load_matrix().releases.get(s.version.removeprefix("v"))
    return release.k0s if release else None


def resolved_calico_version(s: Settings) -> str | None:
    """The Calico version in effect: the stack's, else the MKE release's (None if unknown)."""
    if s.calico.version:
        return s.calico.version
    release = load_matrix().releases.get(s.version.removeprefix("v"))
    return release.calico if release else None


RULES: tuple[Rule, ...] = (
    _mke_version,
    _layers,
    _controllers,
    _static_hosts,
    _networks,
    _aws,
    _k0s,
    _platform,
    registry_issues,
)
