"""Batch benchmark: `mgcalc batch` throughput against a plain Python loop writing the same records.

Writes a CSV file of N label records and, for each record kind (six fields,
the default record, --full), runs `mgcalc batch FILE ...` and
benchmarks/batch_baseline.py on it as whole processes (output to /dev/null),
alternating, after checking on a small file that both write the same records.
Reports median rows per second and their ratio (>= 1.0: mgcalc is at least as
fast), and mgcalc's peak memory (max RSS). Peak memory on hostile input is
benchmarks/memory.py. Usage: python benchmarks/batch.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# forms with their largest amount that keeps a day's elemental Mg under the UL
FORMS = [
    "citrate",
    "oxide",
    "glycinate",
    "chloride-hexahydrate",
    "malate",
    "sulfate-heptahydrate",
    "threonate",
    "lactate-dihydrate",
]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,amount,form\n")
        for i in range(rows):
            fh.write(f"r{i},{100 + i % 300},{FORMS[i % len(FORMS)]}\n")


def timed(cmd: list[str], stdout: object = subprocess.DEVNULL) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one whole process."""
    probe = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        f"rc = subprocess.run({cmd!r}, stdout=subprocess.DEVNULL).returncode;"
        "dt = time.perf_counter() - t;"
        "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, check=True
    ).stdout
    seconds, rss, rc = out.split()
    if rc != "0":
        sys.exit(f"{cmd} exited {rc}")
    return float(seconds), int(rss)


SIX = "form,compound_mg,elemental_pct,elemental_mg,elemental_mmol,elemental_meq"
#: record kind: (mgcalc batch options, baseline mode)
KINDS = {
    "six fields": (["--fields", SIX], "six"),
    "default record": ([], "default"),
    "full record (--full)": (["--full"], "full"),
}


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


def per_record(cmd: Callable[[Path], list[str]], empty: Path, full: Path, n: int) -> float | None:
    """Instructions per record: a run over ``n`` records less a run over none (start-up), over n."""
    a, b = instructions(cmd(full)), instructions(cmd(empty))
    return None if a is None or b is None else (a - b) / n


def _mgcalc_cmd(mgcalc: str, options: list[str], path: Path) -> list[str]:
    return [mgcalc, "batch", str(path), *options]


def _baseline_cmd(mode: str, path: Path) -> list[str]:
    return [sys.executable, str(HERE / "batch_baseline.py"), str(path), mode]


def same_records(mgcalc: str, path: Path, n: int, options: list[str], mode: str) -> None:
    a = subprocess.run(
        [mgcalc, "batch", str(path), *options], capture_output=True, text=True, env=ENV, check=True
    ).stdout
    b = subprocess.run(
        [sys.executable, str(HERE / "batch_baseline.py"), str(path), mode],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    ).stdout
    la, lb = a.splitlines(), b.splitlines()
    assert len(la) == len(lb) == n, (len(la), len(lb))
    for x, y in zip(la, lb, strict=True):
        assert json.loads(x) == json.loads(y), (x, y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated record kinds to run")
    parser.add_argument(
        "--count-rows", type=int, default=20_000, help="records for the valgrind instruction count (0: none)"
    )
    args = parser.parse_args()
    mgcalc = shutil.which("mgcalc") or sys.exit("mgcalc is not on PATH: pip install . first")
    kinds = [k.strip() for k in args.kinds.split(",")]
    rows = []
    counts: dict[str, tuple[float | None, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "small.csv", Path(tmp) / "big.csv"
        empty, counted = Path(tmp) / "empty.csv", Path(tmp) / "counted.csv"
        write_csv(small, args.small)
        write_csv(big, args.rows)
        write_csv(empty, 0)
        write_csv(counted, args.count_rows)
        for kind in kinds:
            options, mode = KINDS[kind]
            same_records(mgcalc, small, args.small, options, mode)
            if args.count_rows and kind != "full record (--full)":
                counts[kind] = (
                    per_record(
                        functools.partial(_mgcalc_cmd, mgcalc, options), empty, counted, args.count_rows
                    ),
                    per_record(functools.partial(_baseline_cmd, mode), empty, counted, args.count_rows),
                )
            t_mg: list[float] = []
            t_base: list[float] = []
            rss = 0
            for _ in range(args.runs):
                seconds, peak = timed([mgcalc, "batch", str(big), *options])
                t_mg.append(seconds)
                rss = max(rss, peak)
                t_base.append(timed([sys.executable, str(HERE / "batch_baseline.py"), str(big), mode])[0])
            m, b = statistics.median(t_mg), statistics.median(t_base)
            rows.append((kind, " ".join(["mgcalc batch FILE", *options]), b, m, rss))
            print(
                f"{kind}: same {args.small:,} records; plain loop {args.rows / b:,.0f} rows/s, "
                f"mgcalc {args.rows / m:,.0f} rows/s, ratio {b / m:.2f}x, peak RSS {rss / 1024:.1f} MiB",
                flush=True,
            )
    print()
    print(f"| record ({args.rows:,} rows) | plain loop | mgcalc | ratio (target >= 1.0x) | mgcalc peak RSS |")
    print("|---|---|---|---|---|")
    for kind, cmd, b, m, rss in rows:
        print(
            f"| {kind}: `{cmd}` | {args.rows / b:,.0f} rows/s | {args.rows / m:,.0f} rows/s | "
            f"{b / m:.2f}x | {rss / 1024:.1f} MiB |"
        )
    print(f"medians of {args.runs} alternating runs, output to /dev/null")
    if counts:
        print()
        print(
            f"| record | plain loop | mgcalc | ratio | (instructions per record, valgrind, {args.count_rows:,} records less an empty run) |"
        )
        print("|---|---|---|---|---|")
        for kind, (mine, base) in counts.items():
            if mine is None or base is None:
                print(f"| {kind} | - | - | - | valgrind not found |")
                continue
            print(f"| {kind} | {base:,.0f} | {mine:,.0f} | {base / mine:.2f}x | |")


if __name__ == "__main__":
    main()
