"""Write components/platform/calico_fields/v<minor>.json from the upstream Calico CRDs.

Reads ``<schemas>/calico/<version>/operator.tigera.io_installations.yaml`` and
``crd.projectcalico.org_felixconfigurations.yaml`` for every version folder
(``<schemas>`` = ``$MKE4K_SCHEMAS_DIR`` or ``<repo>/../shared/schemas``); one file
per minor, from the newest patch present. ``--check`` exits 1 when a committed file
differs (tests/unit/test_calico_schema.py runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from components.platform.calico_schema import FIELDS_DIR, crd_spec_tree  # noqa: E402
from components.platform.values import parse_version  # noqa: E402

CRD_FILES = {
    "Installation": "operator.tigera.io_installations.yaml",
    "FelixConfiguration": "crd.projectcalico.org_felixconfigurations.yaml",
}


def default_schemas_dir() -> Path:
    """``$MKE4K_SCHEMAS_DIR`` or ``<repo>/../shared/schemas``."""
    configured = os.environ.get("MKE4K_SCHEMAS_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "schemas"


def generate(schemas: Path) -> dict[str, str]:
    """``{file name: JSON text}`` for every Calico minor under ``schemas/calico``."""
    newest: dict[str, Path] = {}
    for folder in sorted((schemas / "calico").iterdir(), key=lambda p: parse_version(p.name)):
        minor = ".".join(str(part) for part in parse_version(folder.name)[:2])
        newest[minor] = folder  # sorted ascending: the last one of a minor wins
    files = {}
    for minor, folder in newest.items():
        trees = {"source": f"calico {folder.name}"}
        for kind, name in CRD_FILES.items():
            trees[kind] = crd_spec_tree(yaml.load((folder / name).read_text(), Loader=yaml.CSafeLoader))
        files[f"v{minor}.json"] = json.dumps(trees, sort_keys=True, separators=(",", ":")) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    """Generate (or with ``--check`` verify) the field trees; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schemas", type=Path, default=default_schemas_dir(), help="upstream schemas folder")
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file is stale")
    args = parser.parse_args(argv)
    files = generate(args.schemas)
    if args.check:
        stale = [
            n for n, text in files.items() if not (FIELDS_DIR / n).exists() or (FIELDS_DIR / n).read_text() != text
        ]
        for name in stale:
            print(f"{FIELDS_DIR / name} is stale: run python tools/gen_calico_fields.py", file=sys.stderr)
        return 1 if stale else 0
    FIELDS_DIR.mkdir(exist_ok=True)
    for name, text in files.items():
        (FIELDS_DIR / name).write_text(text)
        print(f"wrote {FIELDS_DIR / name} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
