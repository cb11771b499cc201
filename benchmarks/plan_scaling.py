"""Plan benchmark: time and peak RSS of whole `mgcalc plan` processes as products and servings grow.

Each regimen is a realistic day (wake 07:00, sleep 23:00, three meals) with
five medicines whose rules close parts of the day: levothyroxine at 06:30,
ciprofloxacin at 08:00 and 20:00, atazanavir at 09:00 (an antacid-only rule,
so antacid and non-antacid products get different allowed times: the
solver's two groups) and metformin (a medicine mgcalc cannot identify, kept
at the unknown-medicine gap) at 13:00. Products alternate between a
non-antacid form (glycinate) and an antacid form (oxide), P products with S
servings each. The baseline is the one-product, one-serving plan of the same
day. Each case runs `mgcalc plan FILE --json` REPEAT times (median wall time)
in a fresh interpreter and takes its max RSS from getrusage(RUSAGE_CHILDREN).
Exit 1 if a case fails its target: at most 5x the baseline's time and under
64 MiB.

Usage: python benchmarks/plan_scaling.py [--repeat 5] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

CASES = [(1, 1), (4, 6), (10, 2), (10, 6)]
LIMIT_MIB = 64
RATIO = 5.0

PROBE = """
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(r.returncode, wall, rss, r.stderr.decode()[-200:].replace(chr(10), " "))
"""


def regimen(products: int, servings: int) -> dict[str, object]:
    """A realistic day with ``products`` products of ``servings`` servings each."""
    forms = ["glycinate", "oxide"]
    return {
        "person": {"age": 58, "sex": "female"},
        "day": {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]},
        "medicines": [
            {"name": "levothyroxine 100 mcg", "times": ["06:30"]},
            {"name": "ciprofloxacin 500 mg", "times": ["08:00"]},
            {"name": "atazanavir 300 mg", "times": ["21:00"]},
            {"name": "metformin 500 mg", "times": ["13:00"], "cleared": True},
        ],
        "magnesium": [
            {"form": forms[i % 2], "amount": f"{20 + i} mg", "elemental": True, "servings": servings}
            for i in range(products)
        ],
    }


def run(path: Path, repeat: int) -> tuple[float, float, int, str]:
    """(median wall s, peak RSS MiB, exit code, stderr tail) of `mgcalc plan path --json`."""
    walls, peaks, code, err = [], [], 0, ""
    cmd = [sys.executable, "-m", "mgcalc", "plan", str(path), "--json"]
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True, check=True)
        rc, wall, rss, *rest = out.stdout.split(" ", 3)
        code, err = int(rc), (rest[0].strip() if rest else "")
        walls.append(float(wall))
        peaks.append(int(rss) / 1024)
    return statistics.median(walls), max(peaks), code, err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows, failed = [], False
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for products, servings in CASES:
            path = Path(tmp) / f"r{products}x{servings}.yaml"
            path.write_text(yaml.safe_dump(regimen(products, servings)), encoding="utf-8")
            wall, peak, code, err = run(path, args.repeat)
            base = wall if base is None else base
            ratio = wall / base
            ok = code == 0 and peak < LIMIT_MIB and ratio <= RATIO
            failed |= not ok
            rows.append(
                (f"{products} x {servings}", wall * 1000, ratio, peak, code, "ok" if ok else f"FAIL {err}")
            )
    if args.markdown:
        print("| products x servings | wall (median) | vs 1 x 1 | peak RSS | exit |")
        print("|---|---|---|---|---|")
        for name, ms, ratio, peak, code, _ in rows:
            print(f"| {name} | {ms:.0f} ms | {ratio:.2f}x | {peak:.1f} MiB | {code} |")
    else:
        for name, ms, ratio, peak, code, verdict in rows:
            print(f"{name:>8}  {ms:8.0f} ms  {ratio:5.2f}x  {peak:6.1f} MiB  exit {code}  {verdict}")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {time.strftime('%Y-%m-%d')}",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
