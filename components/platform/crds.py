"""Keep only the CustomResourceDefinitions of a rendered chart, marked for a forced server-side apply.

Helm installs a chart's ``crds/`` once and never upgrades them; Calico's upgrade
guide therefore applies the new CRDs with ``kubectl apply --server-side
--force-conflicts`` before ``helm upgrade``. The program does the same as a
``helm.v4.Chart`` of the same chart and version whose post-renderer is this file:
the chart is fetched from the same repository (or airgap registry) as the
release, rendered, and only its CRDs are kept, each with the
``pulumi.com/patchForce: "true"`` annotation (the provider's ``--force-conflicts``:
Helm created the CRDs on the first install and owns their fields).

Run as a Helm post-renderer (manifest on stdin, CRDs on stdout); importable for
tests. Needs only the standard library and PyYAML (a dependency of the program).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

PATCH_FORCE = "pulumi.com/patchForce"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SCRIPT = Path(__file__).resolve()


def crd_documents(manifest: str) -> list[dict]:
    """The CRDs in a multi-document manifest, each annotated with ``pulumi.com/patchForce: "true"``."""
    crds = []
    for document in yaml.load_all(manifest, Loader=_Loader):
        if not isinstance(document, dict) or document.get("kind") != "CustomResourceDefinition":
            continue
        metadata = document.setdefault("metadata", {})
        metadata["annotations"] = {**(metadata.get("annotations") or {}), PATCH_FORCE: "true"}
        crds.append(document)
    return crds


def crds_only(manifest: str) -> str:
    """The post-renderer's output for ``manifest``: its CRDs as a multi-document YAML stream."""
    return yaml.dump_all(crd_documents(manifest), Dumper=_Dumper, sort_keys=True)


def main() -> int:
    """Helm post-renderer entry point: manifest on stdin, CRDs on stdout."""
    sys.stdout.write(crds_only(sys.stdin.read()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
