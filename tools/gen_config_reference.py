"""Write docs/configuration.md from the settings models (``make docs``); ``--check`` fails when it is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from components.settings.reference import render_reference  # noqa: E402

DEFAULT_OUTPUT = REPO / "docs" / "configuration.md"


def main(argv: list[str] | None = None) -> int:
    """Generate (or with ``--check`` verify) the configuration reference; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="file to write (default: docs/configuration.md)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from the generated text")
    args = parser.parse_args(argv)
    text = render_reference()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run `make docs`.", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date.")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
