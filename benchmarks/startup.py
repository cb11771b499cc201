"""Start-up benchmark: mgcalc's commands against a bare typer app given the same process tricks.

Every figure is a whole process of the installed ``mgcalc`` (a wheel, not an
editable install: the wheel carries the data as JSON), stdout to a pipe, with
the baseline beside it:

- the baseline is a typer app with the parameters of ``mgcalc label`` that does
  nothing, run in mgcalc's own process layer (``mgcalc.cli.process``), so it gets
  every process trick mgcalc keeps (listed in the output), and the
  ratio is the price of what mgcalc does and the bare app does not;
- ``--help`` is set against the bare app's ``--help``; every other command
  against the bare app running its command;
- instructions are counted by valgrind (callgrind, the whole process: the same
  count on every run, whatever the load); wall time is the best of N
  alternating runs.

Usage: python benchmarks/startup.py [--runs N] [--no-valgrind] [--mgcalc PATH] [--python PATH]
(``--python``: the interpreter that has typer, for the bare app; default this one.)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The baseline: a typer app with the parameters of ``mgcalc label`` that does nothing. It runs in
#: mgcalc's own process layer (RUNNER), so it gets every trick mgcalc plays on the process. (typer
#: itself imports pydantic to convert a command's parameters, so the pydantic tricks apply to it.)
BARE_APP = """
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
    no_pager: Annotated[bool, typer.Option("--no-pager")] = False,
    sources: Annotated[bool, typer.Option("--sources")] = False,
    brief: Annotated[bool, typer.Option("--brief")] = False,
) -> None:
    \"\"\"Does nothing, with the same parameters as mgcalc label.\"\"\"


def main(argv):
    app(args=argv)
"""

#: The bare app's process: the console script's, with the bare app in place of mgcalc's.
RUNNER = """
from mgcalc.cli import process

process.run(None, entry="bare_app")
"""

PANEL = """Supplement Facts
Amount Per Serving   % Daily Value
Magnesium 300 mg   75%
  Magnesium Oxide 500 mg
Other Ingredients: Cellulose, Gelatin, Vegetable Stearate, Titanium Dioxide.
"""

REGIMEN = """person:
  age: 58
  sex: female
day:
  wake: "07:00"
  sleep: "23:00"
  meals: ["07:30", "12:30", "19:00"]
medicines:
  - name: levothyroxine 100 mcg
    times: ["06:30"]
  - name: ciprofloxacin 500 mg
    times: ["08:00", "20:00"]
magnesium:
  - label: "Magnesium (as magnesium glycinate) 200 mg"
    servings: 2
diet_mg: 250
"""

#: name -> (mgcalc arguments, the bare app's arguments it is set against, target ratio).
COMMANDS: dict[str, tuple[list[str], list[str], float]] = {
    "label": (["label", "500", "--form", "citrate"], ["500", "--form", "citrate"], 1.0),
    "label --json": (["label", "500", "--form", "citrate", "--json"], ["500", "--form", "citrate"], 1.0),
    "check": (["check", "--drug", "levothyroxine", "--egfr", "45"], ["500", "--form", "citrate"], 1.2),
    "panel": (["panel", "panel.txt", "--age", "70"], ["500", "--form", "citrate"], 1.2),
    "plan": (["plan", "regimen.yaml"], ["500", "--form", "citrate"], 1.2),
    "--version": (["--version"], ["500", "--form", "citrate"], 0.5),
    "--help": (["--help"], ["--help"], 1.2),
}

# Bytecode caching on, as on a normal install: with PYTHONDONTWRITEBYTECODE set
# (some sandboxes set it) every run would recompile mgcalc's own modules.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}


def _time(cmd: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env=ENV, check=False)
    return time.perf_counter() - start


def instructions(cmd: list[str], cwd: str) -> int | None:
    """Instructions the whole process executed, counted by valgrind; None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    r = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
    )
    found = re.search(r"Collected : (\d+)", r.stderr)
    return int(found[1]) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="alternating runs for the best wall time")
    parser.add_argument("--no-valgrind", action="store_true", help="skip the instruction counts")
    parser.add_argument("--mgcalc", default=shutil.which("mgcalc"), help="the installed mgcalc script")
    parser.add_argument("--python", default=sys.executable, help="the interpreter for the bare app")
    args = parser.parse_args()
    if not args.mgcalc:
        sys.exit("mgcalc is not on PATH: pip install . (not -e) first")
    kept = subprocess.run(
        [args.python, "-c", "from mgcalc.cli.process import TRICKS; print(', '.join(TRICKS))"],
        capture_output=True,
        text=True,
        env=ENV,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "panel.txt").write_text(PANEL, encoding="utf-8")
        Path(tmp, "regimen.yaml").write_text(REGIMEN, encoding="utf-8")
        Path(tmp, "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        bare = Path(tmp, "bare.py")
        bare.write_text(RUNNER, encoding="utf-8")
        cmds: dict[str, list[str]] = {}
        for name, (argv, bare_argv, _) in COMMANDS.items():
            cmds[f"mgcalc {name}"] = [args.mgcalc, *argv]
            cmds[_bare(bare_argv)] = [args.python, str(bare), *bare_argv]
        for cmd in cmds.values():  # warm the OS cache and write the bytecode
            _time(cmd, tmp)
        best = {k: min(_time(c, tmp) for _ in range(1)) for k, c in cmds.items()}
        for _ in range(args.runs - 1):
            for k, c in cmds.items():
                best[k] = min(best[k], _time(c, tmp))
        counts = {} if args.no_valgrind else {k: instructions(c, tmp) for k, c in cmds.items()}
    print(f"baseline: a bare typer app with mgcalc label's parameters, in mgcalc's process layer ({kept})")
    head = f"{'command':18s} {'Minstr':>8s} {'baseline':>8s} {'ratio':>6s} {'target':>6s}"
    print(f"{head} {'wall ms':>8s} {'baseline':>8s} {'ratio':>6s}")
    for name, (_, bare_argv, target) in COMMANDS.items():
        mine, base = f"mgcalc {name}", _bare(bare_argv)
        n, n0 = counts.get(mine), counts.get(base)
        instr = (
            f"{n / 1e6:8.1f} {n0 / 1e6:8.1f} {n / n0:5.2f}x" if n and n0 else f"{'-':>8s} {'-':>8s} {'-':>6s}"
        )
        w, w0 = best[mine], best[base]
        print(f"{name:18s} {instr} {target:5.1f}x {w * 1000:8.1f} {w0 * 1000:8.1f} {w / w0:5.2f}x")
    print(
        f"instructions: valgrind --tool=callgrind, whole process; wall: best of {args.runs} alternating runs"
    )


def _bare(argv: list[str]) -> str:
    return "bare " + " ".join(argv)


if __name__ == "__main__":
    main()
