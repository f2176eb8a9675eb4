"""``make airgap-list STACK=<stack>``: what a stack's release needs from its mirror.

The equivalent of ``mkectl airgap list-images|list-charts`` for this program, computed
by the same code that renders the cluster (components/airgap.py), from
``Pulumi.<stack>.yaml``. Data on stdout, one item per line, for copy loops; notes on
stderr::

    image <source> <target>                       skopeo copy --all docker://<source> docker://<target>
    chart <source> <name> <version> <target repo>  helm pull ...; helm push <name>-<version>.tgz <target repo>
    file  <source URL> <target URL>               curl -fLO <source>; upload to <target>

``<source>`` of a chart is an ``oci://`` reference, or the HTTP repository holding
``<name>``. ``--format json`` prints the same as one JSON document. Secret config values
(``secure:``) are not needed and not read; neither is the SSH key.

"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from components.airgap import (  # noqa: E402
    AirgapError,
    MirrorManifest,
    mirror_manifest,
)
from components.settings import SettingsError, validate_mapping  # noqa: E402

WHAT = ("all", "images", "charts", "files")
_SECRET_PLACEHOLDER = "<secret: not needed for the list>"


def stack_settings_input(stack_file: Path) -> dict[str, Any]:
    """The ``mke4k:*`` keys of a stack file, secrets replaced by a placeholder, without SSH keys."""
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    raw = {key.split(":", 1)[1]: _without_secrets(value) for key, value in config.items() if key.startswith("mke4k:")}
    ssh = raw.get("ssh")
    if isinstance(ssh, dict):
        raw["ssh"] = {k: v for k, v in ssh.items() if k not in ("privateKey", "privateKeyFile")}
    return raw


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return _SECRET_PLACEHOLDER
        return {k: _without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def lines(manifest: MirrorManifest, what: str) -> list[str]:
    """The data lines of ``manifest`` (``what``: all, images, charts or files)."""
    out: list[str] = []
    if what in ("all", "images"):
        out += [f"image {i.source} {i.target}" for i in dict.fromkeys(manifest.images)]
    if what in ("all", "charts"):
        out += [f"chart {c.source} {c.name} {c.version} {c.target_repository}" for c in manifest.charts]
    if what in ("all", "files"):
        out += [f"file {f.source} {f.target}" for f in manifest.files]
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the mirror list of ``--stack``; exit 1 with the problem when there is none."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--what", choices=WHAT, default="all")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    stack_file = REPO / f"Pulumi.{args.stack}.yaml"
    if not stack_file.is_file():
        print(
            f"airgap-list: {stack_file.name} not found. Fix: pass STACK=<name> of a Pulumi.<name>.yaml.",
            file=sys.stderr,
        )
        return 1
    try:
        settings = validate_mapping(
            stack_settings_input(stack_file), stack=args.stack, base_dir=REPO, connects=False
        ).settings
        manifest = mirror_manifest(settings)
    except (SettingsError, AirgapError) as error:
        print(f"airgap-list: {error}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(asdict(manifest), indent=2, sort_keys=True))
        return 0
    print(
        f"# {args.stack}: MKE {settings.version}, k0s {settings.k0s.version}, Calico {settings.calico.version}",
        file=sys.stderr,
    )
    for note in manifest.notes:
        print(f"# not listed: {note}", file=sys.stderr)
    print("\n".join(lines(manifest, args.what)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
