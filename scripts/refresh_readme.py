"""Re-run the console examples of README.md and docs/**/*.md and write their real output under each command.

Usage: python scripts/refresh_readme.py [PAGE ...]   (mgcalc on PATH; jq for the jq examples)

With no PAGE, every page holding a ```console block is refreshed. Each block
is run in a scratch folder (one per page) in order, `$ cat FILE` lines first
recreating FILE from the lines that follow them, so the examples are always
what mgcalc prints. tests/test_readme_console.py checks them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def pages() -> list[Path]:
    """README.md and every page of docs/ (the pages tests/test_readme_console.py runs)."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def main(argv: list[str]) -> None:
    chosen = [Path(a).resolve() for a in argv] or pages()
    for page in chosen:
        if "```console" in page.read_text(encoding="utf-8"):
            refresh(page)
            print(f"refreshed {page.relative_to(REPO)}")


def refresh(page: Path) -> None:
    """Run the page's console examples and write it back with their output."""
    lines = page.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    with tempfile.TemporaryDirectory() as tmp:
        i = 0
        while i < len(lines):
            line = lines[i]
            out.append(line)
            i += 1
            if line.strip() != "```console":
                continue
            while i < len(lines) and lines[i].strip() != "```":
                cmd = lines[i]
                out.append(cmd)
                i += 1
                body = []
                while i < len(lines) and lines[i].strip() != "```" and not lines[i].startswith("$ "):
                    body.append(lines[i])
                    i += 1
                if not cmd.startswith("$ "):
                    continue
                if m := re.fullmatch(r"\$ cat (\S+)", cmd):
                    Path(tmp, m[1]).write_text("\n".join(body) + "\n", encoding="utf-8")
                    out.extend(body)
                    continue
                r = subprocess.run(cmd[2:], shell=True, cwd=tmp, env=env, capture_output=True, text=True)
                text = (r.stdout + r.stderr).rstrip("\n")
                out.extend(text.split("\n") if text else [])
    page.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
