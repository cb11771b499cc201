"""``mgcalc panel``: read a whole Supplement Facts or Drug Facts panel, or a DSLD record."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.fields import chosen_fields, pick
from mgcalc.cli.options import (
    CatalogueOpt,
    FieldsOpt,
    JsonOpt,
    checked,
    command,
    mode,
    reference,
    with_profile,
)
from mgcalc.cli.output import ExitStatus, FailOn, finish
from mgcalc.cli.panel_io import read_panel_file
from mgcalc.cli.panel_view import panel_view
from mgcalc.core.panel import panel as panel_calc
from mgcalc.schema.inputs import Profile
from mgcalc.schema.records import PanelResult


@command(
    footnotes=True,
    examples=[
        "mgcalc panel label.txt --age 70",
        "mgcalc panel record.json --json",
        "pbpaste | mgcalc panel -",
    ],
)
@with_profile()
def panel(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="A Supplement Facts or Drug Facts panel as text, or a DSLD label record (.json); - for stdin.",
        ),
    ] = "-",
    dsld: Annotated[
        bool, typer.Option("--dsld", help="FILE is a DSLD label record (JSON), whatever its name.")
    ] = False,
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Read a whole panel: each magnesium line and its role, elemental Mg per serving, checks, cautions.

    Nested per-form rows are counted once with their parent; Drug Facts actives
    are per their measure ("in each 15 mL"); --per-day is servings a day (a DSLD
    record's maxDailyServings otherwise). Exit 1 if a line naming magnesium
    could not be read. Example: mgcalc panel label.txt --age 70
    """

    chosen = chosen_fields(fields, tuple(PanelResult.model_fields))
    m = mode(json_ or chosen is not None)
    ref = reference(catalogue)
    prof = checked(ref, profile)
    r = panel_calc(ref, read_panel_file(ref, file, dsld=dsld), prof)
    shown = r if chosen is None else pick(r, chosen)
    status = finish(shown, mode=m, view=lambda: panel_view(r), cautions=r.cautions, fail_on=fail_on)
    if status == ExitStatus.OK and any(x.error for x in r.lines):
        return ExitStatus.RECORDS_FAILED
    return status
