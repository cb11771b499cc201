"""Label throughput: `mgcalc parse` over the real DSLD rows and `mgcalc batch --input-format dsld`
over the real DSLD label records, as whole processes.

The corpus (tests/data/dsld: 274 magnesium rows, 50 whole labels) is repeated
to make a run long enough to time; each figure is the median of --runs runs.
Usage: python benchmarks/labels.py [--repeat N] [--runs N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DSLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "dsld"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str], stdin: Path) -> float:
    with stdin.open("rb") as fh:
        start = time.perf_counter()
        subprocess.run(cmd, stdin=fh, stdout=subprocess.DEVNULL, env=ENV, check=False)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40, help="copies of the corpus per run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    mgcalc = shutil.which("mgcalc") or sys.exit("mgcalc is not on PATH: pip install . first")
    with (DSLD / "rows.tsv").open(encoding="utf-8", newline="") as fh:
        lines = [row["text"] for row in csv.DictReader(fh, delimiter="\t") if row["text"].strip()]
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((DSLD / "labels").glob("*.json"))]
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.txt"
        rows_file.write_text("\n".join(lines * args.repeat) + "\n", encoding="utf-8")
        labels_file = Path(tmp) / "labels.ndjson"
        labels_file.write_text("".join(json.dumps(r) + "\n" for r in records * args.repeat), encoding="utf-8")
        empty = Path(tmp) / "empty.txt"
        empty.write_text("", encoding="utf-8")
        cases = {
            "parse (DSLD rows)": ([mgcalc, "parse", "--json"], rows_file, len(lines) * args.repeat),
            "panel (DSLD records, batch)": (
                [mgcalc, "batch", "--input-format", "dsld"],
                labels_file,
                len(records) * args.repeat,
            ),
        }
        start_up = statistics.median(_time([mgcalc, "parse", "--json"], empty) for _ in range(args.runs))
        print(f"{'':30s} {'items':>7s} {'median s':>9s} {'items/s':>9s} {'items/s less start-up':>22s}")
        for name, (cmd, stdin, n) in cases.items():
            _time(cmd, stdin)  # warm
            t = statistics.median(_time(cmd, stdin) for _ in range(args.runs))
            print(f"{name:30s} {n:7d} {t:9.2f} {n / t:9.0f} {n / max(t - start_up, 1e-9):22.0f}")
    print(f"start-up of an empty run {start_up * 1000:.0f} ms; medians of {args.runs} runs")


if __name__ == "__main__":
    main()
