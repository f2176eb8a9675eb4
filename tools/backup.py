"""``make backup STACK=<stack>``: back up the control plane now, as the automatic backup does.

Replaces the stack's ``<cluster>-<bootstrap controller>-backup`` step and runs only it
(``pulumi up --target <it> --replace <it>``): the bootstrap controller streams
``k0s backup`` to the machine running Pulumi, into ``mke4k:backup.directory`` (0600,
``<stack>-<UTC time>-<k0s version>.tar.gz``), the oldest beyond ``mke4k:backup.keep`` are
removed and the S3 copy is made. Nothing else of the stack changes. Prints the archive's path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack_cli import REPO, StackError, fail, pulumi, resources

BACKUP_TYPE = "command:local:Command"


def backup_urn(stack: str, cwd: Path) -> str:
    """The URN of the stack's backup step (StackError when there is none)."""
    found = [r["urn"] for r in resources(stack, cwd) if r["type"] == BACKUP_TYPE and r["urn"].endswith("-backup")]
    if not found:
        raise StackError(
            f"stack '{stack}' has no backup step: it is not deployed yet, does not run the k0s layer, or "
            "mke4k:backup.beforeChanges is false"
        )
    return found[0]


def main(argv: list[str] | None = None) -> int:
    """Run the backup step of ``--stack`` once; print where the archive went."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--cwd", type=Path, default=REPO, help="the Pulumi project directory")
    args = parser.parse_args(argv)
    try:
        urn = backup_urn(args.stack, args.cwd)
        pulumi(
            args.stack, "up", "--yes", "--skip-preview", "--target", urn, "--replace", urn, cwd=args.cwd, capture=False
        )
        step = next(r for r in resources(args.stack, args.cwd) if r["urn"] == urn)
    except StackError as error:
        fail("make backup", str(error))
    stdout = (step.get("outputs") or {}).get("stdout", "")
    archive = next((line.split("=", 1)[1] for line in stdout.splitlines() if line.startswith("archive=")), "")
    print(f"make backup: {archive or 'nothing saved (no cluster running yet)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
