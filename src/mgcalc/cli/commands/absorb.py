"""``mgcalc absorb``: estimated absorbed magnesium, and the gain from splitting the amount."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.options import (
    NUMBER_ARGS,
    CatalogueOpt,
    ElementalOpt,
    FormOpt,
    JsonOpt,
    MealOpt,
    PlainOpt,
    WithMealOpt,
    checked,
    command,
    mode,
    reference,
    to_mg,
    with_profile,
)
from mgcalc.cli.output import FailOn, finish
from mgcalc.cli.views import absorb_view
from mgcalc.core.estimates import absorb as absorb_calc
from mgcalc.schema.inputs import Profile


@command(
    footnotes=True,
    examples=[
        "mgcalc absorb 400 --form citrate --elemental",
        "mgcalc absorb 1000 --form glycinate --with-meal --splits 3",
    ],
    context_settings=NUMBER_ARGS,
)
@with_profile(per_day=False)
def absorb(
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Compound weight per day (or elemental with --elemental).")
    ],
    form: FormOpt,
    elemental: ElementalOpt = False,
    splits: Annotated[int, typer.Option("--splits", metavar="N", help="Compare 1..N equal doses a day.")] = 4,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Estimated absorbed magnesium, and the gain from splitting the daily amount.

    Estimates for a healthy adult: the saturable + linear model of Fine et al. 1991,
    scaled by each form's relative bioavailability.
    """

    m = mode(json_, plain)
    ref = reference(catalogue)
    r = absorb_calc(
        ref,
        to_mg(ref, amount, elemental=elemental),
        form,
        elemental=elemental,
        splits=splits,
        with_meal=with_meal,
        meal_mg=meal_mg,
        profile=checked(ref, profile),
    )
    return finish(
        r,
        mode=m,
        view=lambda: absorb_view(r),
        plain=lambda: r.absorbed_mg,
        cautions=r.cautions,
        fail_on=fail_on,
    )
