"""Batch benchmark: `mgcalc batch` throughput against a plain Python loop, and its memory.

Writes CSV files of N label records, runs `mgcalc batch FILE` and
benchmarks/batch_baseline.py on them as whole processes (output to
/dev/null), checks that both wrote the same records, and reports rows per
second, their ratio, and mgcalc's peak memory (max RSS) for a small and a
large file. Usage: python benchmarks/batch.py [--rows 1000000] [--small 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


def same_records(mgcalc: str, path: Path, n: int) -> None:
    a = subprocess.run(
        [mgcalc, "batch", str(path)], capture_output=True, text=True, env=ENV, check=True
    ).stdout
    b = subprocess.run(
        [sys.executable, str(HERE / "batch_baseline.py"), str(path)],
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
    args = parser.parse_args()
    mgcalc = shutil.which("mgcalc") or sys.exit("mgcalc is not on PATH: pip install . first")
    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "small.csv", Path(tmp) / "big.csv"
        write_csv(small, args.small)
        write_csv(big, args.rows)
        same_records(mgcalc, small, args.small)
        print(f"baseline and mgcalc wrote the same {args.small:,} records")
        t_mg, rss_big = timed([mgcalc, "batch", str(big)])
        t_base, _ = timed([sys.executable, str(HERE / "batch_baseline.py"), str(big)])
        _, rss_small = timed([mgcalc, "batch", str(small)])
    print(f"mgcalc batch   {args.rows:,} rows in {t_mg:6.1f} s = {args.rows / t_mg:9,.0f} rows/s")
    print(f"plain loop     {args.rows:,} rows in {t_base:6.1f} s = {args.rows / t_base:9,.0f} rows/s")
    print(f"throughput ratio mgcalc / plain loop: {t_base / t_mg:.2f}x")
    print(
        f"peak RSS: {rss_small / 1024:.1f} MiB for {args.small:,} rows, {rss_big / 1024:.1f} MiB for {args.rows:,} rows"
    )
    print(f"memory ratio: {rss_big / rss_small:.2f}x")


if __name__ == "__main__":
    main()
