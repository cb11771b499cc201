"""Instructions per real DSLD label line (`parse_label`) and per whole label (`panel`), by callgrind.

CPU time on a shared machine is noisy; instruction counts are not. Each case
runs a fresh interpreter under `valgrind --tool=callgrind` twice: with one pass
and with 1 + --passes passes over the corpus (rows.tsv lines, or the
labels/*.txt panels); the difference divided by the extra items is the cost of
one item with the process's one-off work (imports, data, vocabulary) taken out.
Reads the corpus as benchmarks/labels.py does. Needs valgrind.
Usage: PYTHONPATH=src python benchmarks/labels_instructions.py [--passes N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labels_corpus import corpus_dir, rows

DRIVER = r"""
import sys
from pathlib import Path
from mgcalc.core.labels import parse_label
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.errors import MgcalcError
from mgcalc.reference import packaged_reference
what, passes, corpus = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
ref = packaged_reference()
if what == "parse":
    items = Path(corpus).read_text(encoding="utf-8").split("\n")
    for _ in range(passes):
        for line in items:
            try:
                parse_label(ref, line)
            except MgcalcError:
                pass
else:
    items = [p.read_text(encoding="utf-8") for p in sorted(Path(corpus).glob("*.txt"))]
    for _ in range(passes):
        for text in items:
            panel(ref, read_panel_text(text))
"""


def instructions(what: str, passes: int, corpus: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                DRIVER,
                what,
                str(passes),
                str(corpus),
            ],
            capture_output=True,
            check=True,
            env=os.environ,
        )
        m = re.search(r"^(?:summary|totals):\s*(\d+)", out.read_text(), re.MULTILINE)
        assert m is not None
        return int(m.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passes", type=int, default=2, help="extra passes over the corpus")
    parser.add_argument("--corpus", type=Path, default=None)
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)
    lines = rows(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        lines_file = Path(tmp) / "rows.txt"
        lines_file.write_text("\n".join(lines), encoding="utf-8")
        n_panels = len(list((corpus / "labels").glob("*.txt")))
        for what, source, n in (("parse", lines_file, len(lines)), ("panel", corpus / "labels", n_panels)):
            one = instructions(what, 1, source)
            more = instructions(what, 1 + args.passes, source)
            per = (more - one) / (n * args.passes)
            print(
                f"{what}: {per:,.0f} instructions per item ({n} items x {args.passes} passes; one pass {one:,})"
            )


if __name__ == "__main__":
    main()
