"""Amounts and units: parsing "500 mg", "0.5g", "500000µg" into milligrams."""

from __future__ import annotations

import math
import re

from mgcalc.errors import MgcalcError, literal

#: Largest amount accepted, in mg (1 kg): anything above is a typo, not a dose.
MAX_MG = 1_000_000.0
#: Smallest amount accepted, in mg (1 ng): below it arithmetic underflows, and no label says so little.
MIN_MG = 1e-6

#: Units accepted after a number, and their size in mg.
UNITS_MG: dict[str, float] = {
    "": 1.0,
    "mg": 1.0,
    "milligram": 1.0,
    "milligrams": 1.0,
    "g": 1000.0,
    "gram": 1000.0,
    "grams": 1000.0,
    "mcg": 0.001,
    "ug": 0.001,
    "µg": 0.001,  # micro sign U+00B5
    "μg": 0.001,  # Greek mu U+03BC
    "microgram": 0.001,
    "micrograms": 0.001,
}

_AMOUNT = re.compile(
    r"""^\s*
    (?P<num>[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|nan|inf(?:inity)?))
    \s*(?P<unit>[^\d\s.+-]*)\s*$""",
    re.IGNORECASE | re.VERBOSE | re.ASCII,
)


def check_mg(value: float, what: str = "amount") -> float:
    """Check that ``value`` mg is a usable amount: finite, above 0, at most MAX_MG."""
    field = what.replace(" ", "_")
    if math.isnan(value) or math.isinf(value):
        raise MgcalcError(f"{what} must be a finite number, not {value}", field=field)
    if value <= 0:
        raise MgcalcError(f"{what} must be greater than 0 mg, got {value:g}", field=field)
    if value < MIN_MG:
        raise MgcalcError(
            f"{what} {value:g} mg is below the smallest amount read, {MIN_MG:g} mg", field=field
        )
    if value > MAX_MG:
        raise MgcalcError(f"{what} {value:g} mg is over the limit of {MAX_MG:,.0f} mg (1 kg)", field=field)
    return value


def parse_amount(text: str | float | int, what: str = "amount") -> float:
    """Parse an amount such as ``500``, ``500 mg``, ``0.5g`` or ``500000µg`` into mg.

    Raises MgcalcError for garbage, unknown units, zero, negative, NaN,
    infinity or more than MAX_MG.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        return check_mg(float(text), what)
    raw = str(text)
    if raw.isascii() and raw.replace(".", "", 1).isdigit():  # the common plain number: no regex
        return check_mg(float(raw), what)
    m = _AMOUNT.match(raw.strip().replace("\u00a0", " ")) if raw.isprintable() else None
    if m is None:
        raise MgcalcError(
            f"cannot read {what} '{literal(raw)}': expected a number with an optional unit "
            "(mg, g, mcg, µg), e.g. 500, 500mg, 0.5 g",
            field=what.replace(" ", "_"),
        )
    unit = m["unit"].lower()
    if unit not in UNITS_MG:
        raise MgcalcError(
            f"unknown unit '{literal(m['unit'])}' in {what} '{literal(raw)}': use mg, g, mcg or µg",
            field=what.replace(" ", "_"),
        )
    return check_mg(float(m["num"]) * UNITS_MG[unit], what)
