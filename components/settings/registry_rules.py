"""Cross-field rules for the registry (airgap) settings: ``mke4k:registry.*``.

Kept apart from :mod:`rules` so the airgap rules can change without touching the others;
:data:`rules.RULES` runs :func:`registry_issues` like any other rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from components.release_matrix import load_matrix

from .errors import Issue
from .root import Settings

_IMAGE_REGISTRY = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
_PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


def registry_issues(s: Settings) -> Iterable[Issue]:
    """Every problem with ``mke4k:registry.*`` (and the versions an image mirror must know)."""
    registry = s.registry
    image_registry = registry.image_registry
    if image_registry is not None and not _IMAGE_REGISTRY.fullmatch(image_registry):
        yield Issue(
            "registry.imageRegistry",
            f"'{image_registry}' is not a registry prefix (host[:port][/path], no scheme, no trailing '/').",
            "write it like registry.example.com/mke or registry.example.com:5000/mke.",
        )
    if registry.mirrored_registries is not None and not image_registry:
        yield Issue(
            "registry.mirroredRegistries",
            "names registries to pull from the mirror, but there is no mirror.",
            "set mke4k:registry.imageRegistry, or remove mirroredRegistries.",
        )
    has_registry = bool(image_registry or registry.chart_registry)
    for key, value in (("caData", registry.ca_data), ("caFile", registry.ca_file)):
        if value is not None and not has_registry:
            yield Issue(
                f"registry.{key}",
                "is set, but there is no registry to use it with.",
                "set mke4k:registry.imageRegistry and/or mke4k:registry.chartRegistry, or remove it.",
            )
    yield from _ca_file_issues(registry.ca_file, registry.ca_data)
    if image_registry:
        yield from _mirror_needs_known_images(s)


def _ca_file_issues(ca_file: str | None, ca_data: str | None) -> Iterable[Issue]:
    if ca_file is None:
        return
    path = Path(ca_file).expanduser()
    try:
        text = path.read_text()
    except OSError as error:
        yield Issue("registry.caFile", f"cannot read '{path}': {error.strerror}.", "check the path (on the runner).")
        return
    if _PEM_CERTIFICATE not in text:
        yield Issue("registry.caFile", f"'{path}' holds no PEM certificate.", "point it at the registry's CA bundle.")
    elif ca_data is not None and ca_data.strip() != text.strip():
        yield Issue(
            "registry.caData",
            f"differs from the contents of caFile '{path}': the runner and the nodes would trust different CAs.",
            "set one of them, or make both the same bundle.",
        )


def _mirror_needs_known_images(s: Settings) -> Iterable[Issue]:
    """With an image mirror, every image must be known to list, render and check it."""
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
