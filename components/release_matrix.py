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


class ReleaseMatrix(BaseModel):
    """All known releases, the latest GA one, and Calico's Kubernetes support ranges."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latestGA: str
    releases: dict[str, Release]
    calicoKubernetes: dict[str, tuple[str, str]]

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
