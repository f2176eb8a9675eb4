"""Programs that run on the machine running Pulumi (``local.Command``), never on a node.

Each is handed to its interpreter on stdin (``bash -s`` / ``python3 -``), so the command
text is the same on every runner's checkout and a change to the program shows in
``pulumi preview`` as the lines that change.
"""

from pathlib import Path

RUNNER_DIR = Path(__file__).parent
SSH_PROBE = RUNNER_DIR / "ssh_probe.py"
"""Waits for a host to answer SSH (TCP and banner), bounded; names the host when it does not."""
FETCH_K0S = RUNNER_DIR / "fetch_k0s.sh"
"""Downloads and verifies the k0s binary once for ``binarySource: upload``."""
