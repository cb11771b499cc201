"""``mgcalc convert``: elemental magnesium mg, mmol, mEq; serum mg/dL, mmol/L, mEq/L."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.options import NUMBER_ARGS, CatalogueOpt, JsonOpt, command, mode, reference
from mgcalc.cli.output import finish
from mgcalc.cli.views import convert_view
from mgcalc.core.convert import convert as convert_calc


@command(
    footnotes=True,
    examples=["mgcalc convert 400 mg", "mgcalc convert 4 mmol", "mgcalc convert 2.1 mg/dL"],
    context_settings=NUMBER_ARGS,
)
def convert(
    value: Annotated[
        str, typer.Argument(metavar="VALUE", help="A number, with its unit or followed by it: 400, 4mmol.")
    ],
    unit: Annotated[
        str | None,
        typer.Argument(
            metavar="UNIT",
            help="mg, g, mcg, mmol, mEq (elemental magnesium) or mg/dL, mmol/L, mEq/L (serum).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """Convert elemental magnesium mg <-> mmol <-> mEq, or serum magnesium mg/dL <-> mmol/L <-> mEq/L.

    A serum value is placed against the reference range (IOM 1997).
    Example: mgcalc convert 2.1 mg/dL
    """

    m = mode(json_)
    ref = reference(catalogue)
    r = convert_calc(ref, value, unit)
    return finish(r, mode=m, view=lambda: convert_view(r))
