"""``mgcalc compare``: the same amount across forms, with the cost per 100 mg absorbed."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.options import (
    NUMBER_ARGS,
    CatalogueOpt,
    ElementalOpt,
    JsonOpt,
    MealOpt,
    WithMealOpt,
    checked,
    command,
    complete_form,
    mode,
    reference,
    to_mg,
    with_profile,
)
from mgcalc.cli.output import FailOn, finish
from mgcalc.cli.views import compare_view
from mgcalc.core.estimates import compare as compare_calc
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.inputs import Profile


def _prices(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        try:
            price = float(value)
        except ValueError:
            price = float("nan")
        if not sep or not name.strip() or not (0 <= price <= 1e9):
            raise MgcalcError(
                f"--price takes FORM=PRICE with a price from 0 to 1e9, e.g. citrate=12.50, not '{literal(item)}'"
            )
        out[name.strip()] = price
    return out


@command(
    footnotes=True,
    examples=[
        "mgcalc compare 500 --form citrate --form oxide --price citrate=9 --price oxide=4",
        "mgcalc compare 200 --elemental --json",
    ],
    context_settings=NUMBER_ARGS,
)
@with_profile()
def compare(
    amount: Annotated[
        str,
        typer.Argument(
            metavar="AMOUNT",
            help="The label amount to compare: compound weight, or elemental with --elemental.",
        ),
    ],
    form: Annotated[
        list[str] | None,
        typer.Option(
            "--form",
            "-f",
            metavar="FORM",
            help="A form to compare (repeat); default: all.",
            autocompletion=complete_form,
        ),
    ] = None,
    price: Annotated[
        list[str] | None,
        typer.Option("--price", metavar="FORM=PRICE", help="The price of AMOUNT of that form (repeat)."),
    ] = None,
    elemental: ElementalOpt = False,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """The same amount across forms: elemental, absorbed (estimate), laxative, cost per 100 mg absorbed."""

    m = mode(json_)
    ref = reference(catalogue)
    r = compare_calc(
        ref,
        to_mg(ref, amount, elemental=elemental),
        form or None,
        prices=_prices(price or []),
        elemental=elemental,
        with_meal=with_meal,
        meal_mg=meal_mg,
        profile=checked(ref, profile),
    )
    return finish(
        r,
        mode=m,
        view=lambda: compare_view(r),
        cautions=[*r.cautions, *(c for row in r.rows for c in row.cautions)],
        fail_on=fail_on,
    )
