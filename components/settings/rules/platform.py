"""The platform layer's values and registries, checked before any chart is registered.

This is the one place the platform layer's pure value checks are called from: each is
a function of the settings that raises or returns problems, turned into issues here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from components.release_matrix import load_matrix

from ..errors import Issue
from ..root import Settings
from .base import Context
from .versions import resolved_calico_version

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


def calico_values_schema(s: Settings, _: Context) -> Iterable[Issue]:
    """calico.values installation/defaultFelixConfiguration hold only fields the Calico CRDs of that version know."""
    version = resolved_calico_version(s)
    if not (s.runs("platform") and s.calico.enabled and s.calico.values and version):
        return
    # Imported here: the platform package is heavy to import and only the platform rules need it.
    from components.platform.calico_schema import calico_values_problems

    for problem in calico_values_problems(s.calico.values, version, key_prefix=CALICO_VALUES):
        text, _, fix = problem.problem.partition(" Fix: ")
        yield Issue(problem.key, text if text.endswith(".") else f"{text}.", fix or "remove it or correct its name.")


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


def registry_mirror_settings(s: Settings, _: Context) -> Iterable[Issue]:
    """mirroredRegistries, caData and caFile are only given with a registry to use them for."""
    registry = s.registry
    if registry.mirrored_registries is not None and not registry.image_registry:
        yield Issue(
            "registry.mirroredRegistries",
            "names registries to pull from the mirror, but there is no mirror.",
            "set mke4k:registry.imageRegistry, or remove mirroredRegistries.",
        )
    if registry.image_registry or registry.chart_registry:
        return
    for key, value in (("caData", registry.ca_data), ("caFile", registry.ca_file)):
        if value is not None:
            yield Issue(
                f"registry.{key}",
                "is set, but there is no registry to use it with.",
                "set mke4k:registry.imageRegistry and/or mke4k:registry.chartRegistry, or remove it.",
            )


def registry_one_ca(s: Settings, context: Context) -> Iterable[Issue]:
    """caData and caFile, when both are given, are the same bundle (the runner and the nodes trust one CA)."""
    registry = s.registry
    if registry.ca_file is None or registry.ca_data is None:
        return
    try:
        text = context.read(registry.ca_file)
    except OSError:
        return  # registry_ca_file reports it
    if registry.ca_data.strip() != text.strip():
        yield Issue(
            "registry.caData",
            f"differs from the contents of caFile '{registry.ca_file}': the runner and the nodes would trust "
            "different CAs.",
            "set one of them, or make both the same bundle.",
        )


def mirror_knows_every_image(s: Settings, _: Context) -> Iterable[Issue]:
    """With an image mirror, the release matrix lists the images of the k0s and Calico versions in use."""
    if not s.registry.image_registry:
        return
    matrix = load_matrix()
    release = matrix.releases.get(s.version.removeprefix("v"))
    k0s_version = s.k0s.version or (release.k0s if release else None)
    if (s.runs("k0s") or s.runs("hosts")) and k0s_version and k0s_version not in matrix.k0sImages:
        yield Issue(
            "k0s.version",
            f"with mke4k:registry.imageRegistry set, k0s's system images come from the mirror, but the release "
            f"matrix lists no images for k0s {k0s_version}.",
            f"use one of {', '.join(sorted(matrix.k0sImages))}, or add its images under k0sImages in "
            "components/release_matrix.yaml (from `k0s airgap list-images --all`).",
        )
    calico_version = s.calico.version or (release.calico if release else None)
    if s.runs("platform") and s.calico.enabled and calico_version and calico_version not in matrix.calicoImages:
        yield Issue(
            "calico.version",
            f"with mke4k:registry.imageRegistry set, Calico's images come from the mirror, but the release matrix "
            f"lists no images for Calico {calico_version}.",
            f"use one of {', '.join(sorted(matrix.calicoImages))}, or add it under calicoImages in "
            "components/release_matrix.yaml.",
        )


RULES = (
    calico_profile_values,
    calico_values_schema,
    mke_config_needs_operator,
    registry_credentials,
    registry_ca_file,
    registry_mirror_settings,
    registry_one_ca,
    mirror_knows_every_image,
)
