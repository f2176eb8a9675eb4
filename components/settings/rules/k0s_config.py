"""mke4k:k0s.config, the extra ClusterConfig: nothing in it may contradict what other layers assume.

Refused: the fields that carry the network profile or the per-node wiring, values other
layers depend on (the API port the security groups, NLB and kubeconfig use; dual stack
while the profile is IPv4 only), and any key the upstream k0s ClusterConfig schema does
not know (a typo under ``spec`` would otherwise pass silently until ``k0s config
validate`` fails on the first controller).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema

from components.upstream_schema import k0s_clusterconfig_validator, vendored_k0s_tags

from ..errors import Issue, dotted_path, unknown_key_hint
from ..root import Settings
from .base import Context
from .versions import k0s_minor, resolved_k0s_version

KEY = "k0s.config"

# Fields that carry the MKE 4k network profile or the layer's own wiring: set the matching key instead.
PROTECTED_PATHS: dict[str, str] = {
    "spec.network.provider": "Calico is installed by the platform layer; k0s must install no CNI (custom)",
    "spec.network.podCIDR": "set mke4k:network.podCidr (it must equal the Calico pool)",
    "spec.network.serviceCIDR": "set mke4k:network.serviceCidr",
    "spec.network.kubeProxy.mode": "set mke4k:network.kubeProxyMode",
    "spec.network.kubeProxy.disabled": "MKE 4k requires kube-proxy",
    "spec.network.clusterDomain": "set mke4k:network.clusterDomain",
    "spec.storage.type": "k0rdent needs etcd; kine is not supported",
    "spec.storage.etcd.externalCluster": "mke4k manages etcd membership on the controllers (k0s etcd leave)",
    "spec.api.address": "set per controller from its private address",
    "spec.api.externalAddress": "comes from the hosts layer (load balancer) or mke4k:apiExternalAddress",
    "spec.api.sans": "set mke4k:k0s.apiSans",
    "spec.storage.etcd.peerAddress": "set per controller from its private address",
    "spec.api.extraArgs.service-node-port-range": "set mke4k:network.nodePortRange",
    "spec.api.extraArgs.service-cluster-ip-range": "set mke4k:network.serviceCidr",
    "spec.api.extraArgs.secure-port": "the API port is 6443 for every layer (security groups, NLB, kubeconfig)",
}

# Values other layers assume: giving the same value is fine, another one is refused.
PINNED_VALUES: dict[str, tuple[Any, str]] = {
    "apiVersion": ("k0s.k0sproject.io/v1beta1", "the rendered k0s.yaml is a k0s v1beta1 ClusterConfig"),
    "kind": ("ClusterConfig", "the rendered k0s.yaml is a k0s v1beta1 ClusterConfig"),
    "spec.api.port": (6443, "the security groups, the NLB listeners and the kubeconfig all use 6443"),
    "spec.api.k0sApiPort": (9443, "the security groups and the NLB forward the k0s join API on 9443"),
    "spec.konnectivity.agentPort": (8132, "the security groups and the NLB forward konnectivity on 8132"),
    "spec.network.dualStack.enabled": (False, "the MKE 4k network profile is IPv4 only (one IPv4 pool, no IPv6)"),
    "spec.network.primaryAddressFamily": ("IPv4", "the MKE 4k network profile is IPv4 only"),
}

# Set but without effect under the profile (provider custom): worth a warning.
INEFFECTIVE_PATHS: dict[str, str] = {
    "spec.network.calico": "k0s's own Calico settings do nothing with provider custom; use mke4k:calico.values",
    "spec.network.kuberouter": "kube-router is not installed with provider custom",
}


def leaves(config: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Every ``(dotted path, value)`` of a nested mapping, parents before children."""
    for key, value in config.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        yield path, value
        if isinstance(value, Mapping):
            yield from leaves(value, path)


def k0s_config_profile(s: Settings, _: Context) -> Iterable[Issue]:
    """k0s.config sets none of the fields carrying the network profile, the per-node wiring or the ports and address family other layers assume."""
    if not s.runs("k0s"):
        return
    for path, value in leaves(s.k0s.config):
        if path in PROTECTED_PATHS:
            yield Issue(
                f"{KEY}.{path}",
                "this ClusterConfig field carries the required network profile or per-node wiring "
                "and cannot be overridden.",
                PROTECTED_PATHS[path] + ".",
            )
        elif path in PINNED_VALUES and value != PINNED_VALUES[path][0]:
            required, why = PINNED_VALUES[path]
            yield Issue(f"{KEY}.{path}", f"is {value!r}, but {why}.", f"remove it (or set {required!r}).")
        elif path in INEFFECTIVE_PATHS:
            yield Issue(f"{KEY}.{path}", INEFFECTIVE_PATHS[path] + ".", "remove it.", severity="warning")
        elif path.startswith("spec.api.extraArgs.") and path.split(".")[-1].startswith("-"):
            flag = path.split("extraArgs.", 1)[1]
            yield Issue(
                f"{KEY}.{path}",
                f"'{flag}': k0s passes extraArgs as --<name>=<value>, so the name must not start with '-'.",
                f"write it as '{flag.lstrip('-')}'.",
            )


def schema_tag(k0s_version: str | None) -> tuple[str, bool]:
    """The vendored schema to check k0s.config against, and whether unknown keys are only warnings.

    k0s up to 1.32 uses the v1.32.11 schema; newer k0s the newest vendored one (a superset).
    A k0s newer than that may know keys the schema does not: then unknown keys only warn.
    """
    tags = vendored_k0s_tags()
    minor = k0s_minor(k0s_version) if k0s_version else None
    if minor is None:
        return tags[-1], False
    fitting = [tag for tag in tags if k0s_minor(tag) is not None and k0s_minor(tag) >= minor]  # type: ignore[operator]
    if fitting:
        return fitting[0], False
    return tags[-1], True


def k0s_config_schema(s: Settings, _: Context) -> Iterable[Issue]:
    """k0s.config is a valid fragment of the upstream k0s ClusterConfig: no unknown key, no value of the wrong type."""
    if not s.runs("k0s") or not s.k0s.config:
        return
    tag, lenient = schema_tag(resolved_k0s_version(s))
    validator = k0s_clusterconfig_validator(tag)
    for error in sorted(validator.iter_errors(dict(s.k0s.config)), key=lambda e: [str(p) for p in e.absolute_path]):
        yield from _schema_issues(error, tag, lenient)


def _schema_issues(error: jsonschema.ValidationError, tag: str, lenient: bool) -> Iterable[Issue]:
    path = dotted_path(list(error.absolute_path))
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = sorted(error.schema.get("properties", {}))
        for unknown in sorted(set(map(str, error.instance)) - set(known)):
            yield Issue(
                f"{KEY}.{path}.{unknown}" if path else f"{KEY}.{unknown}",
                f"unknown ClusterConfig key '{unknown}' (k0s {tag} schema).",
                f"{unknown_key_hint(unknown, known)}Known keys here: {', '.join(known)}.",
                severity="warning" if lenient else "error",
            )
        return
    yield Issue(
        f"{KEY}.{path}" if path else KEY,
        f"{error.message} (k0s {tag} ClusterConfig schema).",
        "give a value of the type the schema expects, or remove it.",
    )


def k0s_binary_source(s: Settings, _: Context) -> Iterable[Issue]:
    """binarySource upload comes with a pinned sha256 to verify the uploaded binary."""
    if s.runs("k0s") and s.k0s.binary_source == "upload" and not s.k0s.sha256:
        yield Issue(
            "k0s.sha256",
            "binarySource upload needs a pinned checksum to verify the uploaded binary.",
            "set mke4k:k0s.sha256 to the sha256 of k0s-<version>-<arch> from the release's sha256sums.txt.",
        )


RULES = (k0s_config_profile, k0s_config_schema, k0s_binary_source)
