"""Locate the upstream Helm charts kept for tests (``../shared/charts``, see its README).

``charts_dir() -> Path | None``: ``$MKE4K_CHARTS_DIR`` if set, else ``<repo>/../shared/charts``.
``chart_values(name) -> dict``: a chart folder's ``values.yaml`` (skips when absent).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.shared import shared_folder

ENV_VAR = "MKE4K_CHARTS_DIR"


def charts_dir() -> Path | None:
    """The charts directory, or None when it does not exist."""
    return shared_folder(ENV_VAR, "charts")


def chart_values(folder: str) -> dict[str, Any]:
    """``values.yaml`` of chart folder ``folder`` (e.g. ``tigera-operator-v3.30.2``); skips when absent."""
    base = charts_dir()
    if base is None:
        pytest.skip(f"upstream charts not found: set {ENV_VAR} or provide <repo>/../shared/charts")
    path = base / folder / "values.yaml"
    if not path.is_file():
        pytest.skip(f"chart values missing: {path}")
    return yaml.safe_load(path.read_text())
