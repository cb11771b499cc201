"""Volumes: a liquid (or measured powder) dose, and the concentration that turns it into mg.

Pure. The measures and their size in mL are data (``labels.yaml`` ``volumes``, with sources):
mL, teaspoon (5 mL), tablespoon (15 mL), fl oz (29.57 mL). A volume alone is no amount: it
needs a concentration ("290 mg per 30 mL", "500 mg/mL", "495 mg per teaspoon"), and every
reading says what it assumed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from mgcalc.core.units import NUMBER, normalise, read_amount, read_number
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import mg as _mg
from mgcalc.numbers import num
from mgcalc.schema.data import Constants, Reference
from mgcalc.schema.labels import LabelData


class Measure(NamedTuple):
    """A volume as written, in mL, and what was assumed to get there ("" when it was mL)."""

    ml: float
    text: str
    assumed: str


def _table(data: LabelData) -> dict[str, tuple[str, float]]:
    return {w.casefold(): (v.id, v.ml) for v in data.volumes for w in v.words}


def volume_words(data: LabelData) -> str:
    """A regex alternation of every measure's spellings, longest first."""
    words = sorted(_table(data), key=len, reverse=True)
    return "|".join(re.escape(w).replace("\\ ", r"\s*") for w in words)


def _whole(data: LabelData) -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<num>{NUMBER})?\s*(?P<unit>{volume_words(data)})(?![a-z])"
        rf"(?:\s*\(\s*(?P<num2>{NUMBER})\s*(?P<unit2>{volume_words(data)})\s*\))?\s*$"
    )


def _size(data: LabelData, unit: str) -> tuple[str, float]:
    """The measure a matched spelling names (spaces ignored: "fl oz", "fl  oz", "floz")."""
    flat = re.sub(r"\s+", "", unit)
    return next(v for w, v in _table(data).items() if w.replace(" ", "") == flat)


def read_volume(data: LabelData, text: str) -> Measure | None:
    """A whole string as a volume ("2 mL", "1 teaspoon", "tbsp", "1 fl oz (30 mL)"), or None.

    A measure printed with its mL ("1 fl oz (30 mL)") is read by the mL, as the label states it.
    """
    if not data.volumes:
        return None
    t = normalise(text).strip()
    m = _whole(data).match(t)
    if m is None:
        return None
    if m["num2"] is not None:
        _, size = _size(data, m["unit2"])
        value = read_number(m["num2"]) * size
        return Measure(value, text.strip(), f"read as the {num(value, 2).removesuffix('.00')} mL printed")
    vid, size = _size(data, m["unit"])
    count = read_number(m["num"]) if m["num"] else 1.0
    if count <= 0:
        raise MgcalcError(f"volume '{literal(text)}' must be greater than 0")
    value = count * size
    assumed = "" if size == 1 else f"1 {vid} taken as {num(size, 2).removesuffix('.00')} mL"
    return Measure(value, text.strip(), assumed)


_PER = re.compile(r"\s*(?:/|\bper\b|\bin\b|\bin\s+each\b|\beach\b)\s*")


def read_concentration(
    data: LabelData, text: str, constants: Constants | None, *, elemental: bool = False
) -> tuple[float, Measure]:
    """A concentration ("290 mg per 30 mL", "500 mg/mL", "495 mg per teaspoon"): mg and the measure.

    Raises MgcalcError when it is not a mass per volume, and when it is in mmol or mEq without
    ``elemental``: those are of magnesium itself, never a compound weight (as AMOUNT "4 mmol")."""
    parts = _PER.split(normalise(text).strip(), maxsplit=1)
    volume = read_volume(data, parts[1]) if len(parts) == 2 else None
    if volume is None:
        raise MgcalcError(
            f"cannot read concentration '{literal(text)}': expected a mass per volume, "
            "e.g. '290 mg per 30 mL', '500 mg/mL', '495 mg per teaspoon'",
            field="concentration",
        )
    amount = read_amount(parts[0], "concentration", constants)
    if amount.molar and not elemental:
        raise MgcalcError(
            f"concentration '{literal(text)}' is of magnesium itself (mmol/mEq), not a compound weight: "
            "add --elemental",
            field="concentration",
        )
    return amount.mg, volume


def dose_from_volume(
    ref: Reference, amount: str, concentration: str | None, *, elemental: bool = False
) -> tuple[float, str] | None:
    """mg in a volume AMOUNT at ``concentration``, and a sentence saying what was assumed; None
    when AMOUNT is not a volume. A volume without a concentration is an error, and so is a
    concentration in mmol or mEq (magnesium itself) unless the reading is ``elemental``."""
    data = ref.labels
    volume = read_volume(data, amount)
    if volume is None:
        if concentration is not None:
            raise MgcalcError(
                f"--concentration is for a volume AMOUNT (mL, teaspoon, tablespoon, fl oz), not '{literal(amount)}'",
                field="concentration",
            )
        return None
    if concentration is None:
        raise MgcalcError(
            f"AMOUNT '{literal(amount)}' is a volume: give --concentration, the mass in a measure "
            "('290 mg per 30 mL', '500 mg/mL', '495 mg per teaspoon')",
            field="amount",
        )
    mg_in, per = read_concentration(data, concentration, ref.catalogue.constants, elemental=elemental)
    value = volume.ml * mg_in / per.ml
    assumed = [a for a in (volume.assumed, per.assumed) if a]
    return value, (
        f"{volume.text} at {concentration.strip()} = {_mg(value)}"
        + (f" ({'; '.join(dict.fromkeys(assumed))})" if assumed else "")
    )
