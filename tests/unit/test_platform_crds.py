"""The CRD post-renderer (components/platform/crds.py) on the real tigera-operator charts."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from components.platform.crds import PATCH_FORCE, SCRIPT, crd_documents, crds_only
from tests.support.charts import chart_dir

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tigera-operator\n"


def chart_manifest(version: str) -> tuple[str, int]:
    """All files of the chart's crds/ as one manifest (as `helm template --include-crds` emits
    them), with a Deployment in between, and the number of CRD files."""
    files = sorted((chart_dir(f"tigera-operator-{version}") / "crds").rglob("*.yaml"))
    parts = [f"---\n# Source: {f.name}\n{f.read_text()}" for f in files] + [f"---\n{DEPLOYMENT}"]
    return "\n".join(parts), len(files)


@pytest.mark.parametrize("version", ["v3.30.2", "v3.31.5"])
def test_keeps_exactly_the_chart_s_crds_each_forced(version: str) -> None:
    manifest, count = chart_manifest(version)
    crds = crd_documents(manifest)
    assert len(crds) == count and count >= 30
    assert {c["kind"] for c in crds} == {"CustomResourceDefinition"}
    assert all(c["metadata"]["annotations"][PATCH_FORCE] == "true" for c in crds)
    names = {c["metadata"]["name"] for c in crds}
    assert {"installations.operator.tigera.io", "felixconfigurations.crd.projectcalico.org"} <= names


def test_the_3_31_installation_crd_has_fields_3_30_lacks() -> None:
    """What the upgrade must bring into the cluster (the stale-CRD defect)."""

    def installation(version: str) -> str:
        crds = crd_documents(chart_manifest(version)[0])
        return yaml.safe_dump(next(c for c in crds if c["metadata"]["name"] == "installations.operator.tigera.io"))

    assert "kubeProxyManagement" not in installation("v3.30.2")
    assert "kubeProxyManagement" in installation("v3.31.5")


def test_runs_as_a_helm_post_renderer() -> None:
    existing = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\n  annotations: {x: y}\n"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], input=f"---\n{DEPLOYMENT}---\n{existing}", capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    [crd] = list(yaml.safe_load_all(proc.stdout))
    assert crd["metadata"] == {"name": "a.b", "annotations": {"x": "y", PATCH_FORCE: "true"}}
    assert crds_only(DEPLOYMENT) == ""
