"""Render the real upstream charts (../shared/charts) with Helm, for tests.

API
---
``charts_dir() -> Path | None``
    ``$MKE4K_CHARTS_DIR`` if set, else ``<repo>/../shared/charts``; None if absent.
``chart_dir(name) -> Path``
    ``<charts>/<name>`` (e.g. ``tigera-operator-v3.30.2``); skips when absent.
``chart_values(name) -> dict``
    A chart folder's ``values.yaml`` (skips when absent).
``helm() -> Path``
    The Helm binary built by ``make cluster-api``; skips when not built.
``helm_template(chart, values, *, include_crds=False, namespace="tigera-operator") -> str``
    ``helm template`` of a chart folder with ``values`` (written to a 0600 temp file).
``documents(manifest) -> list[dict]``
    The objects of a rendered manifest.
``unread_keys(chart, values) -> list[str]``
    Dotted leaf keys of ``values`` whose value no template reads: changing the value
    (strings get a suffix, booleans flip, numbers grow, lists are emptied or filled)
    leaves the rendered manifest byte-identical. A change the chart refuses (its
    values schema) counts as read.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.shared import shared_folder

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "MKE4K_CHARTS_DIR"
HELM = Path(os.environ.get("MKE4K_CLUSTER_API_CACHE", REPO_ROOT / ".cache" / "cluster-api")) / "bin" / "helm"


def charts_dir() -> Path | None:
    """The upstream charts folder, or None when absent."""
    return shared_folder(ENV_VAR, "charts")


def chart_dir(name: str) -> Path:
    """One upstream chart folder; skips the test when it is missing."""
    base = charts_dir()
    if base is None:
        pytest.skip(f"upstream charts not found: set {ENV_VAR} or provide <repo>/../shared/charts")
    path = base / name
    if not (path / "Chart.yaml").is_file():
        pytest.skip(f"chart missing: {path}")
    return path


def chart_values(folder: str) -> dict[str, Any]:
    """``values.yaml`` of chart folder ``folder`` (e.g. ``tigera-operator-v3.30.2``); skips when absent."""
    return yaml.safe_load((chart_dir(folder) / "values.yaml").read_text())


def helm() -> Path:
    """The Helm binary of the cluster-api toolchain; skips when not built."""
    if not HELM.exists():
        pytest.skip(f"helm not built: run `make cluster-api` ({HELM})")
    return HELM


class HelmError(RuntimeError):
    """``helm template`` refused the chart or the values."""


def helm_template(
    chart: Path,
    values: Mapping[str, Any],
    *,
    include_crds: bool = False,
    namespace: str = "mke4k-test",
    release: str = "mke4k",
) -> str:
    """The manifest ``helm template`` renders for ``chart`` with ``values``."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(dict(values), handle)
        values_file = handle.name
    try:
        args = [str(helm()), "template", release, str(chart), "--namespace", namespace, "--values", values_file]
        if include_crds:
            args.append("--include-crds")
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    finally:
        os.unlink(values_file)
    if proc.returncode != 0:
        raise HelmError(proc.stderr.strip())
    return proc.stdout


def documents(manifest: str) -> list[dict[str, Any]]:
    """The Kubernetes objects of a rendered manifest (empty documents dropped)."""
    return [doc for doc in yaml.safe_load_all(manifest) if isinstance(doc, dict)]


def leaf_paths(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    """``(dotted key, path)`` of every leaf (non-mapping value, lists included) of ``values``."""
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            for child, path in leaf_paths(value, f"{dotted}."):
                yield child, (key, *path)
        else:
            yield dotted, (key,)


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return f"{value}-mke4k-probe"
    if isinstance(value, list):
        return [] if value else [{"name": "mke4k-probe"}]
    return "mke4k-probe"


def _with(values: Mapping[str, Any], path: tuple[str, ...], new: Any) -> dict[str, Any]:
    head, *rest = path
    copy = dict(values)
    copy[head] = _with(values[head], tuple(rest), new) if rest else new
    return copy


def unread_keys(chart: Path, values: Mapping[str, Any]) -> list[str]:
    """Leaf keys of ``values`` that no template of ``chart`` reads (see the module doc)."""
    baseline = helm_template(chart, values)
    unread = []
    for dotted, path in leaf_paths(values):
        node: Any = values
        for part in path:
            node = node[part]
        try:
            probe = helm_template(chart, _with(values, path, _changed(node)))
        except HelmError:
            continue  # the chart validates it: it matters to the chart
        if probe == baseline:
            unread.append(dotted)
    return unread
