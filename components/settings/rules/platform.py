"""The platform layer's values and registries, checked before any chart is registered.

This is the one place the platform layer's pure value checks are called from: each is
a function of the settings that raises or returns problems, turned into issues here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import Issue
from ..root import Settings
from .base import Context

CALICO_VALUES = "calico.values"
_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


def calico_profile_values(s: Settings, _: Context) -> Iterable[Issue]:
    """calico.values leave the MKE 4k network profile alone (VXLAN, BGP off, one IPv4 pool = pod CIDR, the VXLAN port/VNI)."""
    if not (s.runs("platform") and s.calico.enabled and s.calico.values):
        return
    # Imported here: the platform package is heavy to import and only the platform rules need it.
    from components.platform.values import ProfileOverrideError, check_calico_profile

    network = s.network
    try:
        check_calico_profile(
            s.calico.values,
            pod_cidr=network.pod_cidr,
            vxlan_port=network.vxlan_port,
            vxlan_vni=network.vxlan_vni,
            key_prefix=CALICO_VALUES,
        )
    except ProfileOverrideError as error:
        yield Issue(
            error.key,
            f"got {error.given!r}, required {error.required!r}. {error.why}",
            f"remove it from mke4k:{CALICO_VALUES} (or set it to {error.required!r}); the network profile is "
            "set from mke4k:network.",
        )


def mke_config_needs_operator(s: Settings, _: Context) -> Iterable[Issue]:
    """An MkeConfig (mke) is only given when mke-operator is enabled to reconcile it."""
    if s.mke is not None and not s.mke_operator.enabled:
        yield Issue(
            "mke", "an MkeConfig is given but mke-operator is disabled.", "enable mke4k:mkeOperator or drop mke4k:mke."
        )


def registry_credentials(s: Settings, _: Context) -> Iterable[Issue]:
    """Registry username and password come together, and only with a registry to use them for."""
    registry = s.registry
    if (registry.username is None) != (registry.password is None):
        yield Issue("registry.password", "username and password go together.", "set both or neither.")
    if registry.username is not None and not (registry.image_registry or registry.chart_registry):
        yield Issue(
            "registry.username",
            "credentials are given but no registry to use them for (they would be silently unused).",
            "set mke4k:registry.imageRegistry and/or mke4k:registry.chartRegistry, or drop the credentials.",
        )


def registry_ca_file(s: Settings, context: Context) -> Iterable[Issue]:
    """registry.caFile is a readable PEM file of certificates."""
    if s.registry.ca_file is None:
        return
    path = s.registry.ca_file
    try:
        text = context.read(path)
    except OSError as error:
        yield Issue(
            "registry.caFile",
            f"cannot read '{path}': {error.strerror}.",
            "check the path on the runner (relative to the project directory, ~ expanded).",
        )
        return
    if "PRIVATE KEY" in text:
        yield Issue(
            "registry.caFile",
            f"'{path}' contains a private key; a CA bundle holds only certificates.",
            "give the registry's CA certificate(s) only (-----BEGIN CERTIFICATE----- blocks).",
        )
    elif not _PEM_CERTIFICATE.search(text):
        yield Issue(
            "registry.caFile",
            f"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).",
            "give the registry's CA in PEM; convert DER with `openssl x509 -inform der -in ca.der -out ca.pem`.",
        )


RULES = (calico_profile_values, mke_config_needs_operator, registry_credentials, registry_ca_file)
