"""``mgcalc curve``: absorbed magnesium against the dose, as a chart (and an SVG file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mgcalc.cli.files import check_outputs, streamed, write_file
from mgcalc.cli.options import (
    CatalogueOpt,
    JsonOpt,
    MealOpt,
    WithMealOpt,
    catalogue_path,
    command,
    complete_form,
    mode,
    reference,
    to_mg,
)
from mgcalc.cli.output import Mode, finish
from mgcalc.cli.views import curve_svg, curve_view
from mgcalc.core.estimates import curve as curve_calc
from mgcalc.errors import literal


@command(examples=["mgcalc curve --form citrate --form oxide --svg chart.svg"])
def curve(
    form: Annotated[
        list[str],
        typer.Option(
            "--form", "-f", metavar="FORM", help="A form to plot (repeat).", autocompletion=complete_form
        ),
    ],
    max_: Annotated[
        str, typer.Option("--max", metavar="AMOUNT", help="Largest elemental dose on the chart.")
    ] = "1000",
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg", metavar="FILE", help="Also save the chart as an SVG picture.", show_default=False
        ),
    ] = None,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """Chart of absorbed mg and fraction absorbed against elemental dose (estimates).

    The SVG is written whole or not at all (exit 4), never over the catalogue it reads.
    """

    m = mode(json_)
    source = catalogue_path(catalogue)
    check_outputs({"--svg": svg}, [source] if source is not None else [])
    ref = reference(catalogue)
    r = curve_calc(ref, form, max_mg=to_mg(ref, max_, "max"), with_meal=with_meal, meal_mg=meal_mg)
    if svg is not None:
        write_file("--svg", svg, curve_svg(r).encode("utf-8"))
    status = finish(r, mode=m, view=lambda: curve_view(r))
    if svg is not None and m is Mode.HUMAN:
        print(f"chart {'written' if streamed(svg) else 'saved'} to {literal(svg)}", file=sys.stderr)
    return status
