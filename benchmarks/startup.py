"""Start-up benchmark: `mgcalc label 500 --form citrate` against a bare typer app with the same parameters.

Both run as whole processes, alternating, stdout to a pipe; prints the median
of each and their ratio. Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import re
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


class Color(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]})
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
    color: Annotated[Color, typer.Option("--color")] = Color.auto,
    sources: Annotated[bool, typer.Option("--sources")] = False,
    brief: Annotated[bool, typer.Option("--brief")] = False,
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


def _cpu(cmd: list[str]) -> float:
    """User + system CPU seconds of one whole process (less sensitive to other load than wall time)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=ENV)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def _instructions(cmd: list[str]) -> int | None:
    """Instructions executed, counted by valgrind (the same count every run); None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    r = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        env=ENV,
    )
    found = re.search(r"Collected : (\d+)", r.stderr)
    return int(found[1]) if found else None


COMMANDS = {
    "label": ["label", "500", "--form", "citrate"],
    "label --plain": ["label", "500", "--form", "citrate", "--plain"],
    "label --json": ["label", "500", "--form", "citrate", "--json"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-valgrind", action="store_true", help="skip the instruction counts")
    args = parser.parse_args()
    mgcalc = shutil.which("mgcalc") or sys.exit("mgcalc is not on PATH: pip install . first")
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        cmds = {"bare typer app": [sys.executable, str(bare), "500", "--form", "citrate"]}
        cmds |= {f"mgcalc {k}": [mgcalc, *v] for k, v in COMMANDS.items()}
        for cmd in cmds.values():  # warm the OS cache and the bytecode
            _time(cmd)
        wall: dict[str, list[float]] = {k: [] for k in cmds}
        cpu: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(args.runs):
            for name, cmd in cmds.items():
                wall[name].append(_time(cmd))
                cpu[name].append(_cpu(cmd))
        counts = {} if args.no_valgrind else {k: _instructions(c) for k, c in cmds.items()}
    base = "bare typer app"
    print(f"{'':22s} {'wall ms':>8s} {'ratio':>6s} {'cpu ms':>8s} {'ratio':>6s} {'Minstr':>8s} {'ratio':>6s}")
    for name in cmds:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        n, n0 = counts.get(name), counts.get(base)
        instr = f"{n / 1e6:8.1f} {n / n0:6.2f}x" if n and n0 else f"{'-':>8s} {'-':>7s}"
        print(
            f"{name:22s} {w * 1000:8.1f} {w / statistics.median(wall[base]):5.2f}x "
            f"{c * 1000:8.1f} {c / statistics.median(cpu[base]):5.2f}x {instr}"
        )
    print(f"medians over {args.runs} alternating runs; instructions counted once by valgrind (deterministic)")


if __name__ == "__main__":
    main()
