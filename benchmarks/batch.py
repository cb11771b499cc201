"""Batch benchmark: `mgcalc batch` against a plain Python loop writing the same records.

For each case (a corpus, an input format, a record kind) it writes the input file
(benchmarks/batch_corpus.py: the README's corpus, or the realistic one: decimal and whole
amounts, forms by id, name and alias, text-label rows, bad rows), checks on a small file that
`mgcalc batch` and benchmarks/batch_baseline.py write the same records, then runs both as whole
processes (output to /dev/null), alternating, and reports:

- CPU time (user + system of the process, from getrusage), best of N and median, as rows per
  second, and their ratio (>= 1.0: mgcalc is at least as fast);
- instructions per record, counted by valgrind's callgrind (the same whatever the load): a run
  over ``--count-rows`` records less a run over none (start-up), over the records;
- mgcalc's peak RSS.

Usage: python benchmarks/batch.py [--rows 200000] [--runs 5] [--cases realistic-csv-six,...]
       [--mgcalc "python -m mgcalc"]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import batch_corpus

HERE = Path(__file__).resolve().parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

SIX = "form,compound_mg,elemental_pct,elemental_mg,elemental_mmol,elemental_meq"
#: record kind: (mgcalc batch options, baseline mode)
KINDS = {
    "six": (["--fields", SIX], "six"),
    "default": ([], "default"),
    "full": (["--full"], "full"),
}
#: case name: (corpus, input format, record kind); the default and full baselines need the README corpus
CASES = {
    "realistic-csv-six": ("realistic", "csv", "six"),
    "realistic-ndjson-six": ("realistic", "ndjson", "six"),
    "readme-csv-six": ("readme", "csv", "six"),
    "readme-ndjson-six": ("readme", "ndjson", "six"),
    "readme-csv-default": ("readme", "csv", "default"),
    "readme-csv-full": ("readme", "csv", "full"),
}


def timed(cmd: list[str]) -> tuple[float, int, int]:
    """CPU seconds (user + system), peak RSS (KiB) and exit status of one whole process."""
    probe = (
        "import resource, subprocess, sys;"
        f"rc = subprocess.run({cmd!r}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode;"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(u.ru_utime + u.ru_stime, u.ru_maxrss, rc)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, check=True
    ).stdout
    seconds, rss, rc = out.split()
    return float(seconds), int(rss), int(rc)


def instructions(cmd: list[str]) -> int | None:
    """Instructions one whole process executes, counted by valgrind (the same every run)."""
    if shutil.which("valgrind") is None:
        return None
    r = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    found = re.search(r"Collected : (\d+)", r.stderr)
    return int(found[1]) if found else None


def same_records(mine: list[str], base: list[str], n: int) -> None:
    """Both commands write the same ``n`` records (an error record: an error in both)."""
    a = subprocess.run(mine, capture_output=True, text=True, env=ENV).stdout.splitlines()
    b = subprocess.run(base, capture_output=True, text=True, env=ENV, check=True).stdout.splitlines()
    assert len(a) == len(b) == n, (len(a), len(b), n)
    for x, y in zip(a, b, strict=True):
        rx, ry = json.loads(x), json.loads(y)
        if "error" in rx or "error" in ry:
            assert "error" in rx and "error" in ry and rx["line"] == ry["line"], (x, y)
            continue
        assert rx == ry, (x, y)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--count-rows", type=int, default=20_000, help="records for callgrind (0: no count)")
    parser.add_argument("--mgcalc", default=None, help="the mgcalc command (default: mgcalc on PATH)")
    args = parser.parse_args()
    mgcalc = shlex.split(args.mgcalc) if args.mgcalc else [shutil.which("mgcalc") or sys.exit("no mgcalc")]
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            corpus, fmt, kind = CASES[case.strip()]
            options, mode = KINDS[kind]
            files = {}
            for name, rows in (
                ("small", args.small),
                ("big", args.rows),
                ("empty", 0),
                ("count", args.count_rows),
            ):
                files[name] = Path(tmp) / f"{corpus}-{name}.{fmt}"
                if not files[name].exists():
                    batch_corpus.make(files[name], corpus, rows, fmt)

            def mine(path: Path) -> list[str]:
                return [*mgcalc, "batch", str(path), *options]  # noqa: B023

            def base(path: Path) -> list[str]:
                return [sys.executable, str(HERE / "batch_baseline.py"), str(path), mode]  # noqa: B023

            same_records(mine(files["small"]), base(files["small"]), args.small)
            per: dict[str, float | None] = {"mine": None, "base": None}
            if args.count_rows:
                for who, cmd in (("mine", mine), ("base", base)):
                    a, b = instructions(cmd(files["count"])), instructions(cmd(files["empty"]))
                    per[who] = None if a is None or b is None else (a - b) / args.count_rows
            t_mine, t_base, rss = [], [], 0
            for _ in range(args.runs):
                s, peak, _rc = timed(mine(files["big"]))
                t_mine.append(s)
                rss = max(rss, peak)
                t_base.append(timed(base(files["big"]))[0])
            row = (case, " ".join(["mgcalc batch FILE", *options]), t_base, t_mine, per, rss)
            table.append(row)
            print(
                f"{case}: best CPU plain loop {min(t_base):.2f}s, mgcalc {min(t_mine):.2f}s, "
                f"ratio {min(t_base) / min(t_mine):.2f}x; instructions/record plain loop {per['base']}, "
                f"mgcalc {per['mine']}; peak RSS {rss / 1024:.1f} MiB",
                flush=True,
            )
    print()
    print(
        f"| case ({args.rows:,} rows; instructions: {args.count_rows:,}) | plain loop rows/s (CPU, best; median) "
        "| mgcalc rows/s | ratio CPU best (median) | instructions/record plain loop | mgcalc | ratio | mgcalc peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for case, _cmd, tb, tm, per, rss in table:
        tb.sort()
        tm.sort()
        mb, mm = tb[len(tb) // 2], tm[len(tm) // 2]
        ib, im = per["base"], per["mine"]
        ratio = f"{ib / im:.2f}x" if ib and im else "-"
        print(
            f"| {case} | {args.rows / tb[0]:,.0f} ({args.rows / mb:,.0f}) | {args.rows / tm[0]:,.0f} "
            f"({args.rows / mm:,.0f}) | {tb[0] / tm[0]:.2f}x ({mb / mm:.2f}x) | "
            f"{ib or 0:,.0f} | {im or 0:,.0f} | {ratio} | {rss / 1024:.1f} MiB |"
        )
    print(
        f"CPU time of whole processes (start-up included), best and median of {args.runs}, output to /dev/null"
    )


if __name__ == "__main__":
    main()
