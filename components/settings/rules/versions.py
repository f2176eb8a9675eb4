"""Component versions: known to the release matrix (or pinned on purpose), parseable, mutually supported."""

from __future__ import annotations

from collections.abc import Iterable

from components.release_matrix import Release, load_matrix

from ..errors import Issue
from ..k0s import K0S_VERSION_PATTERN
from ..platform import MKE_OPERATOR_CHART, ComponentSettings
from ..root import Settings
from .base import Context


def k0s_minor(version: str) -> tuple[int, int] | None:
    """``v1.32.11+k0s.0`` -> ``(1, 32)``; None when it is not a k0s version."""
    match = K0S_VERSION_PATTERN.match(version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def release_of(s: Settings) -> Release | None:
    """The release matrix row of ``mke4k:version`` (None when the matrix does not know it)."""
    return load_matrix().releases.get(s.version.removeprefix("v"))


def resolved_k0s_version(s: Settings) -> str | None:
    """The k0s version in effect: the stack's, else the MKE release's (None if unknown)."""
    if s.k0s.version:
        return s.k0s.version
    release = release_of(s)
    return release.k0s if release else None


def resolved_calico_version(s: Settings) -> str | None:
    """The Calico version in effect: the stack's, else the MKE release's (None if unknown)."""
    if s.calico.version:
        return s.calico.version
    release = release_of(s)
    return release.calico if release else None


def _components(s: Settings) -> list[tuple[str, ComponentSettings, str]]:
    """``(key, settings, name)`` of the platform charts this stack installs."""
    if not s.runs("platform"):
        return []
    pieces: list[tuple[str, ComponentSettings, str]] = [
        ("calico", s.calico, "Calico"),
        ("k0rdent", s.k0rdent, "k0rdent"),
        ("mkeOperator", s.mke_operator, "mke-operator"),
    ]
    return [piece for piece in pieces if piece[1].enabled]


def parses(version: str) -> bool:
    """Whether the platform layer's chart version parser reads ``version``."""
    # Imported here: the platform package is heavy to import and only the version rules need its parser.
    from components.platform.values import parse_version

    try:
        parse_version(version)
    except ValueError:
        return False
    return True


def chart_versions(s: Settings, _: Context) -> Iterable[Issue]:
    """Each enabled chart's version is a version number the platform layer can parse; a custom chart names its version."""
    operator, k0rdent = s.mke_operator, s.k0rdent
    if s.runs("platform") and operator.enabled and operator.version is None and operator.chart != MKE_OPERATOR_CHART:
        yield Issue("mkeOperator.version", "a custom chart needs its version.", "set mke4k:mkeOperator.version.")
    if s.runs("platform") and k0rdent.enabled and k0rdent.version is None and k0rdent.chart is not None:
        yield Issue("k0rdent.version", "a custom chart needs its version.", "set mke4k:k0rdent.version.")
    for key, component, _name in _components(s):
        version = component.version
        if version is None:
            continue
        if not version.strip():
            yield Issue(
                f"{key}.version", "the chart is enabled but its version is empty.", "set a version or disable it."
            )
            continue
        if not parses(version):
            yield Issue(
                f"{key}.version",
                f"'{version}' is not a chart version number.",
                "write it like 1.2.3 (k0rdent, mke-operator) or v3.30.2 (Calico).",
            )


def listed_versions(s: Settings, _: Context) -> Iterable[Issue]:
    """A pinned Calico, k0rdent or mke-operator version is one the release matrix lists, unless allowUnlistedVersions (then a warning)."""
    matrix, release = load_matrix(), release_of(s)
    if release is None:
        return
    flavor_field = "k0rdentOss" if s.k0rdent.flavor == "oss" else "k0rdent"
    fields = {"calico": "calico", "k0rdent": flavor_field, "mkeOperator": "mkeOperatorChart"}
    for key, component, name in _components(s):
        version = component.version
        if not version or not version.strip() or not parses(version):
            continue  # reported by chart_versions
        field = fields[key]
        shipped = getattr(release, field)
        if version == shipped:
            continue
        listed = sorted({getattr(r, field) for r in matrix.releases.values()})
        if version in listed:
            yield Issue(
                f"{key}.version",
                f"{name} {version} is listed for another MKE release, not for MKE {s.version} (which ships {shipped}).",
                f"remove the pin to get {shipped}, or choose the MKE release that ships {version}.",
                severity="warning",
            )
        elif s.allow_unlisted_versions:
            yield Issue(
                f"{key}.version",
                f"{name} {version} is not in the release matrix (MKE {s.version} ships {shipped}); pinned on purpose "
                "(allowUnlistedVersions), so it is used untested.",
                f"remove the pin to get {shipped} once you no longer need {version}.",
                severity="warning",
            )
        else:
            yield Issue(
                f"{key}.version",
                f"{name} {version} is not in the release matrix (known: {', '.join(listed)}; MKE {s.version} "
                f"ships {shipped}).",
                f"remove the pin to get {shipped}, or set mke4k:allowUnlistedVersions: true if you pin {version} on "
                "purpose.",
            )


def calico_kubernetes_support(s: Settings, _: Context) -> Iterable[Issue]:
    """The chosen Calico is tested against the chosen k0s's Kubernetes minor (ranges in the release matrix)."""
    version, calico = resolved_k0s_version(s), resolved_calico_version(s)
    if not (version and calico and s.calico.enabled):
        return
    minor = k0s_minor(version)
    if minor is None:
        return
    matrix = load_matrix()
    calico_minor = ".".join(calico.removeprefix("v").split(".")[:2])
    supported = matrix.calico_supports(calico, f"{minor[0]}.{minor[1]}")
    if supported is None:
        known = ", ".join(sorted(matrix.calicoKubernetes, key=lambda v: tuple(map(int, v.split(".")))))
        yield Issue(
            "calico.version",
            f"the release matrix has no Kubernetes support range for Calico {calico_minor}, so it cannot be "
            f"checked against k0s {version}.",
            f"use a Calico minor the matrix knows ({known}).",
        )
    elif supported is False:
        low, high = matrix.calicoKubernetes[calico_minor]
        yield Issue(
            "k0s.version",
            f"Kubernetes {minor[0]}.{minor[1]} (k0s {version}) is not supported by Calico {calico} "
            f"(tested on {low}-{high}).",
            "pick a k0s version in that range or a Calico version that supports it (mke4k:calico.version).",
        )


RULES = (chart_versions, listed_versions, calico_kubernetes_support)
