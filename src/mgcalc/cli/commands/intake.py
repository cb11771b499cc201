"""``mgcalc intake``: the reference intake and the upper level for supplemental magnesium."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.options import JsonOpt, Sex, Standard, command, mode, reference
from mgcalc.cli.output import finish
from mgcalc.cli.views import intake_view
from mgcalc.core.intake import life_state
from mgcalc.core.intake import reference as intake_reference


@command(
    footnotes=True,
    examples=["mgcalc intake --age 40 --sex female", "mgcalc intake --age 2 --standard eu --json"],
)
def intake(
    age: Annotated[float, typer.Option("--age", metavar="YEARS", help="Age in years (0.5 = 6 months).")],
    sex: Annotated[Sex | None, typer.Option("--sex", help="Sex.", show_default=False)] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="Pregnant.")] = False,
    lactating: Annotated[bool, typer.Option("--lactating", help="Breastfeeding.")] = False,
    standard: Annotated[
        Standard, typer.Option("--standard", help="us (IOM 1997) or eu (EFSA 2015, SCF 2001).")
    ] = Standard.us,
    json_: JsonOpt = False,
) -> int:
    """Reference intake (RDA or AI) and the upper level for supplemental magnesium."""

    m = mode(json_)
    ref = reference(None)
    sex_ = sex.value if sex is not None else None
    state = life_state(pregnant, lactating, sex_)  # type: ignore[arg-type]
    r = intake_reference(ref, age, sex_, state, standard.value)  # type: ignore[arg-type]
    return finish(r, mode=m, view=lambda: intake_view(r, ref))
