"""``mgcalc label``: elemental magnesium in a label amount of a compound."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.options import (
    NUMBER_ARGS,
    CatalogueOpt,
    FormOpt,
    JsonOpt,
    PlainOpt,
    checked,
    command,
    mode,
    reference,
    to_mg,
    with_profile,
)
from mgcalc.cli.output import FailOn, finish
from mgcalc.cli.terminal import current
from mgcalc.cli.views import label_plain_note, label_view
from mgcalc.core.dosing import label as label_calc
from mgcalc.core.volumes import dose_from_volume
from mgcalc.errors import literal
from mgcalc.schema.inputs import Profile


@command(
    footnotes=True,
    examples=[
        "mgcalc label 500 --form citrate",
        'mgcalc label "500 mg" --form "Epsom salt" --count 2',
        "mgcalc label 200 --form glycinate --elemental --drug levothyroxine --age 70",
        "mgcalc label 500 --form citrate --plain",
    ],
    context_settings=NUMBER_ARGS,
)
@with_profile()
def label(
    amount: Annotated[
        str,
        typer.Argument(
            metavar="AMOUNT", help="Weight on the label, per tablet or serving: 500, 500mg, 0.5g, 500000mcg."
        ),
    ],
    form: FormOpt,
    count: Annotated[
        int, typer.Option("--count", "-n", metavar="N", help="Number of tablets or servings.")
    ] = 1,
    elemental: Annotated[
        bool,
        typer.Option("--elemental", help="AMOUNT is already elemental Mg (a Supplement Facts line)."),
    ] = False,
    concentration: Annotated[
        str | None,
        typer.Option(
            "--concentration",
            metavar="CONC",
            help="For a volume AMOUNT (5 mL, 1 teaspoon, 1 fl oz): the mass in a measure, '290 mg per 30 mL'.",
        ),
    ] = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Elemental magnesium, mmol and mEq in a label amount of a compound, with cautions."""

    m = mode(json_, plain)
    ref = reference(catalogue)
    amount_mg: float | None = None
    by_volume: tuple[float, str] | None = None
    if concentration is not None or not amount.replace(".", "", 1).isdigit():
        by_volume = dose_from_volume(ref, amount, concentration, elemental=elemental)
        if by_volume is not None:
            amount_mg = by_volume[0]
    r = label_calc(
        ref,
        amount_mg if amount_mg is not None else to_mg(ref, amount, elemental=elemental),
        form,
        count=count,
        elemental=elemental,
        profile=checked(ref, profile),
    )
    status = finish(
        r,
        mode=m,
        view=lambda: label_view(r),
        plain=lambda: r.compound_mg if elemental else r.elemental_mg,
        cautions=r.cautions,
        fail_on=fail_on,
        note=lambda: label_plain_note(r),
    )
    if by_volume is not None:  # what the volume was read as, and what was assumed
        current().err.write(f"mgcalc: read {literal(by_volume[1])}\n")
    return status
