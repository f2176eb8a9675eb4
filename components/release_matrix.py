"""The MKE 4k release matrix: which component versions each MKE release ships.

The data lives in ``release_matrix.yaml`` beside this module (with its sources);
this module only loads and queries it. Settings use it to fill version defaults
and to check that the chosen Calico supports the chosen Kubernetes minor.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

MATRIX_FILE = Path(__file__).with_name("release_matrix.yaml")


class Release(BaseModel):
    """Component versions of one MKE 4k release."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["ga", "rc"]
    k0s: str
    calico: str
    k0rdent: str
    k0rdentOss: str
    mkeOperatorChart: str


class Image(BaseModel):
    """One container image: repository (with its registry host) and tag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image: str
    version: str

    @property
    def reference(self) -> str:
        """``<image>:<version>``."""
        return f"{self.image}:{self.version}"


class K0sCalicoImages(BaseModel):
    """k0s's own Calico images (used only with k0s network provider ``calico``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cni: Image
    node: Image
    kubecontrollers: Image


class K0sKubeRouterImages(BaseModel):
    """k0s's kube-router images (used only with k0s network provider ``kuberouter``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cni: Image
    cniInstaller: Image


class K0sImages(BaseModel):
    """Every image one k0s version knows (its ``Image Constants``), keyed like ``spec.images``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    konnectivity: Image
    pushgateway: Image
    metricsserver: Image
    kubeproxy: Image
    coredns: Image
    pause: Image
    envoy: Image
    calico: K0sCalicoImages
    kuberouter: K0sKubeRouterImages


class CalicoImages(BaseModel):
    """What the tigera-operator chart of one Calico version pulls for the MKE 4k profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operator: Image
    repository: str
    """Upstream repository of the components (``<repository>/<component>:<calico version>``)."""
    components: tuple[str, ...]


class ReleaseMatrix(BaseModel):
    """All known releases, the latest GA one, Calico's Kubernetes support ranges and image lists."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latestGA: str
    releases: dict[str, Release]
    calicoKubernetes: dict[str, tuple[str, str]]
    k0sImages: dict[str, K0sImages]
    calicoImages: dict[str, CalicoImages]

    def release(self, version: str) -> Release:
        """Return the release ``version`` (``4.1.5`` or ``v4.1.5``); KeyError if unknown."""
        return self.releases[version.removeprefix("v")]

    def calico_supports(self, calico_version: str, kubernetes_minor: str) -> bool | None:
        """Whether Calico ``calico_version`` is tested against ``kubernetes_minor`` (``1.32``).

        Returns None when the matrix has no range for that Calico minor.
        """
        calico_minor = ".".join(calico_version.removeprefix("v").split(".")[:2])
        supported = self.calicoKubernetes.get(calico_minor)
        if supported is None:
            return None
        low, high = (_minor_key(v) for v in supported)
        return low <= _minor_key(kubernetes_minor) <= high


def _minor_key(minor: str) -> tuple[int, int]:
    major, _, rest = minor.partition(".")
    return int(major), int(rest)


@functools.cache
def load_matrix(path: Path = MATRIX_FILE) -> ReleaseMatrix:
    """Load (once) and validate the release matrix file."""
    return ReleaseMatrix.model_validate(yaml.safe_load(path.read_text()))
