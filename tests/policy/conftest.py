"""Make the policy pack's rules package (``policy/mke4k_policy``) and the harness importable.

Works with pytest's default and ``importlib`` import modes: both directories are put on
``sys.path`` explicitly instead of relying on rootdir insertion.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLICY_DIR = HERE.parents[1] / "policy"

for path in (POLICY_DIR, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
