"""The one number formatter: every figure a person reads goes through here.

Messages built in the core and the views in the shell use the same functions,
so one screen never shows "80.8 mg" and "81 mg" for the same figure.
"""

from __future__ import annotations

import math


def round_half_up(x: float, decimals: int) -> float:
    """Round as people do (59.45 -> 59.5), not banker's or binary-float rounding.

    Binary noise (59.45 stored as 59.4499999...) is dropped first by rounding
    six places further.
    """
    scaled = round(abs(x) * 10**decimals, 6)
    return math.copysign(math.floor(scaled + 0.5) / 10**decimals, x)


def num(x: float, decimals: int = 1) -> str:
    """A number for people: half-up rounded, thousands separated."""
    return f"{round_half_up(x, decimals):,.{decimals}f}"


def mg(x: float, decimals: int = 1) -> str:
    """Milligrams for people: "500 mg", "80.8 mg" (a trailing .0 dropped)."""
    text = num(x, decimals)
    return f"{text.removesuffix('.' + '0' * decimals) if decimals else text} mg"


def hours(x: float) -> str:
    """Hours for people: "2 h", "0.5 h"."""
    text = num(x, 1).removesuffix(".0")
    return f"{text} h"


def plain(value: float) -> str:
    """The headline number alone, one decimal, for ``x=$(mgcalc ... --plain)``."""
    return f"{round_half_up(value, 1):.1f}"


#: Significant digits of every number in JSON output: a relative difference under 5e-13 (less than
#: a nanogram in a kilogram), so no reader can see it, while binary noise (147.62419200000002,
#: 0.30000000000000004) is gone. Significant digits, not decimals: 1e-6 mg stays 1e-6 mg.
JSON_DIGITS = 12


def json_float(x: float) -> float:
    """``x`` rounded to ``JSON_DIGITS`` significant digits (NaN and infinities unchanged): the one
    definition, batch records included."""
    return float("%.12g" % x)  # noqa: UP031 - the fastest form


def rounded(obj: object) -> object:
    """Plain JSON data (dicts, lists, scalars) with every float through ``json_float``."""
    if obj.__class__ is float:
        return json_float(obj)
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [rounded(v) for v in obj]
    return obj
