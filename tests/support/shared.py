"""Find the project's shared test data (``../shared``, handed to every checkout; see its READMEs)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_folder(env_var: str, name: str) -> Path | None:
    """``$<env_var>`` if set, else ``<repo>/../shared/<name>``; None when that folder does not exist."""
    configured = os.environ.get(env_var)
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / name
    return path if path.is_dir() else None
