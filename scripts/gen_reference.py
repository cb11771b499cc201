"""Write docs/reference.md, the command reference, from the typer app and the result models.

Usage: python scripts/gen_reference.py [--check]

With --check, write nothing and exit 1 if the committed page is stale (as
tests/test_command_reference.py does).
"""

from __future__ import annotations

import sys
from pathlib import Path

from mgcalc.cli.reference_doc import build

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        stale = not PAGE.exists() or PAGE.read_text(encoding="utf-8") != text
        print(f"{PAGE.name}: {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
