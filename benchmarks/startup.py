"""Start-up benchmark: `mgcalc label 500 --form citrate` against a bare typer app with the same parameters.

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
import enum
from pathlib import Path
from typing import Annotated

import typer


class Sex(str, enum.Enum):
    female = "female"
    male = "male"


class Standard(str, enum.Enum):
    us = "us"
    eu = "eu"


class FailOn(str, enum.Enum):
    caution = "caution"
    avoid = "avoid"


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(context_settings={"ignore_unknown_options": True})
def label(
    amount: Annotated[str, typer.Argument(metavar="AMOUNT")],
    form: Annotated[str, typer.Option("--form", "-f")],
    count: Annotated[int, typer.Option("--count", "-n")] = 1,
    elemental: Annotated[bool, typer.Option("--elemental")] = False,
    json_: Annotated[bool, typer.Option("--json")] = False,
    plain: Annotated[bool, typer.Option("--plain")] = False,
    catalogue: Annotated[Path | None, typer.Option("--catalogue")] = None,
    age: Annotated[float | None, typer.Option("--age")] = None,
    sex: Annotated[Sex | None, typer.Option("--sex")] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant")] = False,
    lactating: Annotated[bool, typer.Option("--lactating")] = False,
    egfr: Annotated[float | None, typer.Option("--egfr")] = None,
    ckd_stage: Annotated[str | None, typer.Option("--ckd-stage")] = None,
    drug: Annotated[list[str] | None, typer.Option("--drug")] = None,
    condition: Annotated[list[str] | None, typer.Option("--condition")] = None,
    per_day: Annotated[int, typer.Option("--per-day")] = 1,
    standard: Annotated[Standard, typer.Option("--standard")] = Standard.us,
    fail_on: Annotated[FailOn | None, typer.Option("--fail-on")] = None,
) -> None:
    """Does nothing, with the same parameters as mgcalc label."""


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
