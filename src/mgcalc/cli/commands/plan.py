"""``mgcalc plan``: the plan of a day from a regimen file, and its handout, calendar and FHIR files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from mgcalc import __version__
from mgcalc.cli.files import STDOUT, check_outputs, streamed, write_file
from mgcalc.cli.options import CatalogueOpt, JsonOpt, catalogue_path, command, mode, reference
from mgcalc.cli.output import ExitStatus, FailOn, Mode, finish
from mgcalc.cli.plan_io import (
    fhir_bytes,
    handout_html,
    ics_bytes,
    panel_paths,
    read_panels,
    read_regimen_lines,
    regimen_error,
)
from mgcalc.cli.plan_view import plan_view
from mgcalc.cli.terminal import Environment, current
from mgcalc.core.plan import RegimenError
from mgcalc.core.plan import plan as plan_calc
from mgcalc.errors import MgcalcError, literal


@command(
    footnotes=True,
    examples=[
        "mgcalc plan regimen.yaml",
        "mgcalc plan regimen.yaml --html plan.html --ics plan.ics",
        "mgcalc plan regimen.yaml --ics - --ics-medicines > reminders.ics",
        "mgcalc plan regimen.yaml --fhir plan.fhir.json",
        "mgcalc plan regimen.yaml --json",
    ],
)
def plan(
    regimen: Annotated[
        Path, typer.Argument(metavar="REGIMEN", help="A regimen YAML file (see docs/guide/plan-a-day.md).")
    ],
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write a printable handout for the patient ('-': to stdout, the report to stderr).",
            show_default=False,
        ),
    ] = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            metavar="FILE",
            help="Also write the magnesium times as calendar reminders that ring "
            "('-': to stdout, the report to stderr).",
            show_default=False,
        ),
    ] = None,
    ics_medicines: Annotated[
        bool, typer.Option("--ics-medicines", help="Put the medicine times in the --ics calendar too.")
    ] = False,
    fhir: Annotated[
        Path | None,
        typer.Option(
            "--fhir",
            metavar="FILE",
            help="Also write the plan as a FHIR R4 Bundle of MedicationStatements, with their codes "
            "('-': to stdout, the report to stderr).",
            show_default=False,
        ),
    ] = None,
    allow_outside_panels: Annotated[
        bool,
        typer.Option(
            "--allow-outside-panels",
            help="Let the regimen's panel: files be outside its folder (absolute, '..', symlinks).",
        ),
    ] = False,
    json_: JsonOpt = False,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on", help="Exit 3 if a caution of this level or above applies.", show_default=False
        ),
    ] = None,
    catalogue: CatalogueOpt = None,
) -> int:
    """A day's plan: every product and medicine together, the daily total, and a timetable.

    Every magnesium time keeps every separation rule against every medicine time,
    in the direction each rule states. Files are written whole or not at all (exit 4),
    never over the regimen or a panel it reads. Example: mgcalc plan regimen.yaml --html plan.html
    """

    m = mode(json_)
    if ics_medicines and ics is None:
        raise MgcalcError("--ics-medicines needs --ics FILE")
    outputs = {"--html": html, "--ics": ics, "--fhir": fhir}
    to_stdout = [flag for flag, p in outputs.items() if p is not None and str(p) == STDOUT]
    if to_stdout and m is Mode.JSON:
        raise MgcalcError(f"{to_stdout[0]} - and --json both write to standard output: choose one")
    ref = reference(catalogue)
    reg, lines = read_regimen_lines(regimen)
    try:
        paths = panel_paths(reg, regimen.parent, allow_outside=allow_outside_panels)
        inputs = [regimen, *paths.values()]
        source = catalogue_path(catalogue)
        if source is not None:
            inputs.append(source)
        check_outputs(outputs, inputs)
        panels = read_panels(ref, reg, regimen.parent, allow_outside=allow_outside_panels)
        r = plan_calc(ref, reg, panels)
    except RegimenError as e:
        raise regimen_error(regimen, lines, e) from None
    files: list[tuple[str, Path, Callable[[], bytes]]] = []
    if html is not None:
        files.append(("--html", html, lambda: handout_html(r, reg, __version__).encode("utf-8")))
    if ics is not None:
        files.append(("--ics", ics, lambda: ics_bytes(r, medicines=ics_medicines, regimen=reg)[0]))
    if fhir is not None:
        files.append(("--fhir", fhir, lambda: fhir_bytes(r, ref.catalogue, reg)))
    for flag, path, data in files:
        write_file(flag, path, data())
    env = current()
    if to_stdout:  # stdout holds the file: the report goes to stderr, where a person still sees it
        env = Environment(
            stdout=env.err,
            stderr=env.err,
            stdout_isatty=env.err_is_terminal(),
            stderr_isatty=env.err_is_terminal(),
            color=env.color,
            width=env.width,
            environ=env.environ,
            sources=env.sources,
        )
    status = finish(r, mode=m, view=lambda: plan_view(r), cautions=r.cautions, fail_on=fail_on, env=env)
    if m is Mode.HUMAN:
        for flag, path, _ in files:
            if str(path) != STDOUT:
                what = {"--html": "handout", "--ics": "reminders", "--fhir": "FHIR bundle"}[flag]
                done = "written" if streamed(path) else "saved"  # a pipe or device holds nothing
                print(f"{what} {done} to {literal(path)}", file=sys.stderr)
    blocked = any(t.no_timetable_reason or t.unsatisfied for t in r.timetables)
    if (r.no_timetable_reason or r.conflicts or blocked) and status == ExitStatus.OK:
        status = ExitStatus.RECORDS_FAILED
    return status
