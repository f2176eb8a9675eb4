"""Container image references: their registry host, and where a mirror keeps them.

One rule for the whole program, the one k0s uses for ``spec.images.repository`` (and
the one the containerd mirror configuration of the nodes implements): a mirrored image
keeps its path and tag, and its registry host is replaced by the mirror prefix::

    quay.io/k0sproject/kube-proxy:v1.32.11  ->  registry.example.com/mke/k0sproject/kube-proxy:v1.32.11
    registry.k8s.io/pause:3.9                ->  registry.example.com/mke/pause:3.9

An image without a registry host (``calico/node``) is a Docker Hub image.
"""

from __future__ import annotations

DOCKER_HUB = "docker.io"

PUBLIC_REGISTRIES: tuple[str, ...] = (
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "quay.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "gcr.io",
    "ghcr.io",
    "registry.mirantis.com",
    "public.ecr.aws",
    "mcr.microsoft.com",
    "docs.tigera.io",
)
"""Public image registries and chart repositories (an airgapped site reaches none of them)."""


def split_host(image: str) -> tuple[str | None, str]:
    """``quay.io/k0sproject/coredns`` -> ``("quay.io", "k0sproject/coredns")``; no host -> ``(None, image)``.

    The first path segment is a registry host when it contains ``.`` or ``:`` or is
    ``localhost`` (Docker's and k0s's rule).
    """
    first, sep, rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, image


def registry_host_of(image: str) -> str:
    """The registry an image is pulled from (Docker Hub when it names none)."""
    host, _ = split_host(image)
    return host or DOCKER_HUB


def mirror_reference(image: str, mirror: str) -> str:
    """Where ``mirror`` (``host[:port][/path]``) keeps ``image``: its host replaced by the mirror.

    An image already under the mirror prefix is returned unchanged.
    """
    prefix = mirror.rstrip("/")
    if image.startswith(prefix + "/"):
        return image
    _, path = split_host(image)
    return f"{prefix}/{path}"


def names_public_registry(reference: str) -> bool:
    """True when ``reference`` starts with a public registry host.

    ``reference`` is an image (``quay.io/calico/node:v3.30.2``), a registry prefix
    (``quay.io``) or a chart location (``oci://ghcr.io/...``, ``https://docs.tigera.io/...``).
    A bare Docker Hub name (``calico/node``) has no host and is not recognised.
    """
    without_scheme = reference.split("://", 1)[-1]
    return without_scheme.split("/", 1)[0] in PUBLIC_REGISTRIES
