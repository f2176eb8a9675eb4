"""The host scripts as one content-addressed bundle (pure: no Pulumi).

Every file of ``scripts/`` is installed on each node as ``<name>-<sha256[:12]>.sh`` under
:data:`HOST_SCRIPTS_DIR`, so a step's command names the exact version of the script it
runs: a change to one script changes only the steps that run it (and the install step),
while a change to ``lib.sh`` or ``run.sh`` changes every step. Old versions stay on the
host, so a delete command recorded in the state by an earlier ``pulumi up`` still finds
its script.

The bundle is plain text sent on the host-ready step's stdin: each file as a
``=== file <installed name>`` line followed by its lines, then a ``bundle-<hash>.sha256``
manifest the installer checks with ``sha256sum -c``. Being text, a script change shows
in ``pulumi preview`` as exactly the lines that change. It is byte-identical for
identical scripts (sorted, no timestamps).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

SCRIPTS_DIR = Path(__file__).with_name("scripts")
HOST_SCRIPTS_DIR = "/var/lib/mke4k/scripts"
FILE_MARKER = "=== file "
LIBRARY = "lib"
RUNNER = "run"
_HASH_CHARS = 12


@dataclass(frozen=True)
class ScriptBundle:
    """The installed names of every script and the bundle that installs them."""

    files: dict[str, str]
    """Script name (``stage_k0s``) -> installed file name (``stage_k0s-1a2b3c4d5e6f.sh``)."""
    digest: str
    """Short hash of the whole bundle (names its manifest)."""
    payload: str
    """Every file and the manifest, each after a ``=== file <name>`` line (the installer's stdin)."""

    def file(self, name: str) -> str:
        """The installed file name of script ``name`` (KeyError names the known scripts)."""
        try:
            return self.files[name]
        except KeyError:
            raise KeyError(f"no host script {name!r}; known: {', '.join(sorted(self.files))}") from None

    @property
    def manifest(self) -> str:
        """File name of the checksum manifest inside the bundle."""
        return f"bundle-{self.digest}.sha256"


def _short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:_HASH_CHARS]


@functools.cache
def script_bundle() -> ScriptBundle:
    """The bundle of this program's host scripts (read once per run)."""
    return build_bundle(SCRIPTS_DIR)


def build_bundle(directory: Path) -> ScriptBundle:
    """Build the bundle of every host script (``*.sh``) in ``directory``."""
    contents = {path.stem: path.read_text() for path in sorted(directory.glob("*.sh"))}
    for name, text in contents.items():
        # The installer splits the text at marker lines and writes each line back with a newline.
        if not text.endswith("\n") or any(line.startswith(FILE_MARKER) for line in text.splitlines()):
            raise ValueError(f"{name}.sh must end with a newline and have no line starting {FILE_MARKER!r}")
    files = {name: f"{name}-{_short(text.encode())}.sh" for name, text in contents.items()}
    manifest = "".join(
        f"{hashlib.sha256(contents[name].encode()).hexdigest()}  {files[name]}\n" for name in sorted(contents)
    )
    digest = _short(manifest.encode())
    members = {files[name]: contents[name] for name in sorted(contents)}
    members[f"bundle-{digest}.sha256"] = manifest
    payload = "".join(f"{FILE_MARKER}{name}\n{text}" for name, text in members.items())
    return ScriptBundle(files=files, digest=digest, payload=payload)
