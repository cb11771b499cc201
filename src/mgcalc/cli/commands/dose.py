"""``mgcalc dose``: the compound weight that delivers an amount of elemental magnesium."""

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
from mgcalc.cli.views import dose_view
from mgcalc.core.dosing import dose as dose_calc
from mgcalc.schema.inputs import Profile


@command(
    footnotes=True,
    examples=[
        "mgcalc dose 300 --form glycinate --tablet 1000",
        "mgcalc dose 300 --form oxide --egfr 45 --json",
    ],
    context_settings=NUMBER_ARGS,
)
@with_profile()
def dose(
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="Elemental magnesium wanted: 300, 300mg, 0.3g.")
    ],
    form: FormOpt,
    tablet: Annotated[
        str | None,
        typer.Option(
            "--tablet", metavar="AMOUNT", help="Compound weight of one tablet: gives whole tablet counts."
        ),
    ] = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Compound weight that delivers TARGET mg of elemental magnesium, with cautions."""

    m = mode(json_, plain)
    ref = reference(catalogue)
    tablet_mg = to_mg(ref, tablet, "tablet", elemental=False, flag="") if tablet is not None else None
    r = dose_calc(ref, to_mg(ref, target, "target"), form, tablet_mg=tablet_mg, profile=checked(ref, profile))
    return finish(
        r,
        mode=m,
        view=lambda: dose_view(r),
        plain=lambda: r.compound_mg,
        cautions=r.cautions,
        fail_on=fail_on,
    )
