"""Label throughput on real DSLD data: `parse` in lines/s and `panel` in labels/s.

The corpus is NIH DSLD data (see its README for provenance): 274 magnesium
ingredient rows printed as label lines (`rows.tsv`) and 50 whole labels, both as
DSLD records (`labels/*.json`) and as reconstructed Supplement Facts panels
(`labels/*.txt`). It is read from /work/shared/data/dsld when present (or
--corpus), else from the copy in tests/data/dsld.

Measured:
- in process, best of --runs: `parse_label` over every row (`--repeat` passes),
  and `panel(read_panel_text(...))` over every panel, after one warm-up pass
  (the label vocabulary is compiled once per process and reused);
- whole processes, median of --runs: `mgcalc parse --json` and `mgcalc parse`
  (text) with the rows repeated --repeat times on stdin (parse reads one line
  per result from stdin), `mgcalc batch --input-format dsld` over the records
  repeated, and `mgcalc panel FILE.txt`, one process per label.

The processes run the `mgcalc` that `python -m mgcalc` imports (so
PYTHONPATH=src measures a checkout). Rows that mgcalc refuses (160 of every
10,960 lines: magnesium named with letters in an amount, and so on) count as
lines read: their error is the result.
Usage: python benchmarks/labels.py [--repeat N] [--runs N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labels_corpus import corpus_dir, records, rows

from mgcalc.core.labels import parse_label
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.errors import MgcalcError
from mgcalc.reference import packaged_reference

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
MGCALC = [sys.executable, "-m", "mgcalc"]


def _time(cmd: list[str], stdin: Path | None) -> float:
    with stdin.open("rb") if stdin else open(os.devnull, "rb") as fh:
        start = time.perf_counter()
        subprocess.run(
            cmd, stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=False
        )
        return time.perf_counter() - start


def in_process(lines: list[str], panels: list[str], repeat: int, runs: int) -> list[tuple[str, int, float]]:
    """(what, items, best seconds) of parse_label and panel in this process."""
    ref = packaged_reference()

    def parse_all() -> None:
        for _ in range(repeat):
            for line in lines:
                with contextlib.suppress(MgcalcError):
                    parse_label(ref, line)

    def panel_all() -> None:
        for _ in range(repeat):
            for text in panels:
                panel(ref, read_panel_text(text))

    def best(fn: Callable[[], None]) -> float:
        fn()  # warm: vocabulary and catalogue memos
        out = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
        return min(out)

    return [
        ("parse_label (rows)", len(lines) * repeat, best(parse_all)),
        ("panel(read_panel_text) (labels)", len(panels) * repeat, best(panel_all)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=40, help="copies of the corpus per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=None, help="a DSLD corpus folder (rows.tsv, labels/)")
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)
    lines = rows(corpus)
    txt = sorted((corpus / "labels").glob("*.txt"))
    panels = [p.read_text(encoding="utf-8") for p in txt]
    recs = records(corpus)
    print(f"corpus: {corpus} ({len(lines)} rows, {len(panels)} panels, {len(recs)} records)")
    print(f"{'in process':42s} {'items':>7s} {'best s':>9s} {'items/s':>9s}")
    for name, n, t in in_process(lines, panels, max(1, args.repeat // 4), args.runs):
        print(f"{name:42s} {n:7d} {t:9.3f} {n / t:9.0f}")
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.txt"
        rows_file.write_text("\n".join(lines * args.repeat) + "\n", encoding="utf-8")
        labels_file = Path(tmp) / "labels.ndjson"
        labels_file.write_text("".join(json.dumps(r) + "\n" for r in recs * args.repeat), encoding="utf-8")
        n_lines, n_labels = len(lines) * args.repeat, len(recs) * args.repeat
        cases = {
            "mgcalc parse --json < rows": ([*MGCALC, "parse", "--json"], rows_file, n_lines),
            "mgcalc parse < rows (text)": ([*MGCALC, "parse"], rows_file, n_lines),
            "mgcalc batch --input-format dsld < records": (
                [*MGCALC, "batch", "--input-format", "dsld"],
                labels_file,
                n_labels,
            ),
        }
        start_up = statistics.median(_time([*MGCALC, "parse", "--json"], None) for _ in range(args.runs))
        print(
            f"\n{'whole process':42s} {'items':>7s} {'median s':>9s} {'items/s':>9s} {'less start-up':>14s}"
        )
        for name, (cmd, stdin, n) in cases.items():
            _time(cmd, stdin)  # warm the file cache
            t = statistics.median(_time(cmd, stdin) for _ in range(args.runs))
            print(f"{name:42s} {n:7d} {t:9.2f} {n / t:9.0f} {n / max(t - start_up, 1e-9):14.0f}")
        per_label = [
            statistics.median(_time([*MGCALC, "panel", str(p)], None) for _ in range(3)) for p in txt
        ]
        total = sum(per_label)
        print(
            f"{'mgcalc panel FILE.txt (a process each)':42s} {len(txt):7d} {total:9.2f} {len(txt) / total:9.1f}"
        )
    print(f"start-up of an empty `parse --json` {start_up * 1000:.0f} ms; medians of {args.runs} runs")


if __name__ == "__main__":
    main()
