"""Start-up benchmark: `mgcalc label 500 --form citrate` against a bare typer app.

Both run as whole processes, alternating, stdout to a pipe; prints the median
of each and their ratio. Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = '''
import typer

app = typer.Typer()


@app.command()
def label(amount: str, form: str = typer.Option(...)) -> None:
    """Does nothing."""


app()
'''


# Bytecode caching on, as on a normal install: with PYTHONDONTWRITEBYTECODE set
# (some sandboxes set it) every run would recompile mgcalc's own modules.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, check=True, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    mgcalc = shutil.which("mgcalc") or sys.exit("mgcalc is not on PATH: pip install . first")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        cmds = {
            "bare typer app": [sys.executable, str(bare), "500", "--form", "citrate"],
            "mgcalc label": [mgcalc, "label", "500", "--form", "citrate"],
        }
        for cmd in cmds.values():  # warm the OS cache and mgcalc's catalogue cache
            _time(cmd)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(args.runs):
            for name, cmd in cmds.items():
                times[name].append(_time(cmd))
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:16s} median {v:6.1f} ms over {args.runs} runs")
    print(f"ratio mgcalc / bare typer: {med['mgcalc label'] / med['bare typer app']:.2f}x")


if __name__ == "__main__":
    main()
