"""Conversions pharmacists do by hand: elemental mg <-> mmol <-> mEq, and serum magnesium
mg/dL <-> mmol/L <-> mEq/L placed against the reference range.

Pure: the molar mass and charge are the catalogue's constants; the serum range is
data/intake.yaml's, with the sentence it rests on.
"""

from __future__ import annotations

import re
from typing import Literal

from mgcalc.core.units import NUMBER, UNITS_TEXT, normalise, read_amount, read_number
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import num, round_half_up
from mgcalc.schema.data import Reference
from mgcalc.schema.records import ConvertResult, SerumRangeUsed

#: Concentration units of serum magnesium, and the canonical spelling of each.
SERUM_UNITS = {
    "mg/dl": "mg/dL",
    "mg/100ml": "mg/dL",
    "mg%": "mg/dL",
    "mmol/l": "mmol/L",
    "meq/l": "mEq/L",
}
_VALUE = re.compile(rf"^\s*(?P<num>{NUMBER})\s*(?P<unit>.*?)\s*$")
#: Decimals ``convert`` prints a serum value in, by unit (the view's), and a range end in
#: (mg/dL 1.82-2.31, mmol/L 0.75-0.95; mEq/L 1.5-1.9 is exact).
SERUM_VALUE_DECIMALS = {"mg/dL": 2, "mmol/L": 3, "mEq/L": 3}
SERUM_RANGE_DECIMALS = {"mg/dL": 2, "mmol/L": 2, "mEq/L": 3}
#: Highest serum value read, mmol/L (ten times the upper normal: anything above is a typo).
MAX_SERUM_MMOL_L = 10.0


def convert(ref: Reference, value_text: str, unit: str | None = None) -> ConvertResult:
    """``value_text`` (with ``unit`` or a unit of its own) in every unit of its kind.

    An amount (mg, g, mcg, mmol, mEq) is of elemental magnesium; a concentration
    (mg/dL, mmol/L, mEq/L) is of serum magnesium, placed against the reference range.
    """
    given = f"{literal(value_text)}{' ' + literal(unit) if unit else ''}"  # as typed, in every message
    text = normalise(f"{value_text} {unit or ''}").strip()
    m = _VALUE.match(text)
    if m is None:
        raise MgcalcError(
            f"cannot read '{given}': give a number and a unit, e.g. 400 mg, 16 mmol, 2.1 mg/dL, 0.85 mmol/L",
            field="value",
        )
    u = m["unit"].replace(" ", "")
    consts = ref.catalogue.constants
    molar_mass, charge = consts.mg_molar_mass.value, consts.mg_charge.value
    if u in SERUM_UNITS:
        return _serum(ref, read_number(m["num"]), SERUM_UNITS[u], molar_mass, charge)
    if not u:
        raise MgcalcError(
            f"'{literal(value_text)}' has no unit: give one of {UNITS_TEXT} (an amount of magnesium) "
            "or mg/dL, mmol/L, mEq/L (serum magnesium)",
            field="value",
        )
    try:
        amount = read_amount(f"{m['num']} {u}", "value", consts)
    except MgcalcError as e:
        if "unknown unit" in str(e):
            repr_unit = f"'{literal(unit)}'" if unit else f"in '{given}'"  # as typed
            raise MgcalcError(
                f"unknown unit {repr_unit}: use {UNITS_TEXT} (an amount of magnesium) "
                "or mg/dL, mmol/L, mEq/L (serum magnesium)",
                field="value",
            ) from None
        # the reading's own reason, about the text as typed (not as normalised for reading)
        reason = str(e).split("': ", 1)[-1]
        raise MgcalcError(f"cannot read '{given}': {reason}", field="value") from None
    mmol = amount.mg / molar_mass
    return ConvertResult.model_construct(
        quantity="amount",
        value=read_number(m["num"]),
        unit=u,
        elemental_mg=amount.mg,
        mmol=mmol,
        meq=mmol * charge,
        note=(
            f"an amount of magnesium itself (elemental): 1 mmol = {num(molar_mass, 3)} mg, 1 mmol = {charge:g} mEq "
            "(Mg2+); for the weight of a compound use 'mgcalc label'"
        ),
    )


def _position(
    value: float, unit: str, rr: SerumRangeUsed, charge: float
) -> Literal["below", "within", "above"]:
    """Where ``value`` (in ``unit``, as given) lies against the range, in that unit, as both are
    printed: a value that prints equal to a range end ("1.82 mg/dL" against "1.82-2.31 mg/dL")
    is within, never below or above it."""
    ends = {
        "mg/dL": (rr.low_mg_dl, rr.high_mg_dl),
        "mmol/L": (rr.low_mmol_l, rr.high_mmol_l),
        "mEq/L": (rr.low_mmol_l * charge, rr.high_mmol_l * charge),
    }[unit]
    v = round_half_up(value, SERUM_VALUE_DECIMALS[unit])
    low, high = (round_half_up(e, SERUM_RANGE_DECIMALS[unit]) for e in ends)
    return "below" if v < low else "above" if v > high else "within"


def _serum(ref: Reference, value: float, unit: str, molar_mass: float, charge: float) -> ConvertResult:
    if not value > 0:
        raise MgcalcError(f"a serum magnesium must be above 0, got {value:g}", field="value")
    mmol_l = {"mg/dL": value * 10 / molar_mass, "mmol/L": value, "mEq/L": value / charge}[unit]
    if mmol_l > MAX_SERUM_MMOL_L:
        raise MgcalcError(
            f"{value:g} {unit} is {num(mmol_l, 2)} mmol/L: over {MAX_SERUM_MMOL_L:g} mmol/L, not a serum value",
            field="value",
        )
    serum = ref.intake.serum
    used = None
    position: Literal["below", "within", "above"] | None = None
    if serum is not None:
        used = SerumRangeUsed.model_construct(
            low_mmol_l=serum.low_mmol_l,
            high_mmol_l=serum.high_mmol_l,
            low_mg_dl=serum.low_mmol_l * molar_mass / 10,
            high_mg_dl=serum.high_mmol_l * molar_mass / 10,
            source=ref.cite(serum.sources) + f", {serum.where}",
            quote=f'"{serum.quote}"',
        )
        position = _position(value, unit, used, charge)
    return ConvertResult.model_construct(
        quantity="serum",
        value=value,
        unit=unit,
        mg_dl=mmol_l * molar_mass / 10,
        mmol_l=mmol_l,
        meq_l=mmol_l * charge,
        position=position,
        reference_range=used,
        note=(
            f"serum magnesium: 1 mmol/L = {num(molar_mass / 10, 4)} mg/dL = {charge:g} mEq/L; "
            "a reference range for adults, not a diagnosis"
        ),
    )
