"""Parsing label amounts: units, and every kind of bad number."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgcalc import MgcalcError, parse_amount
from mgcalc.core.units import MAX_MG, MIN_MG, UNITS_MG

amounts = st.floats(min_value=0.001, max_value=MAX_MG, allow_nan=False, allow_infinity=False)


@given(amounts, st.sampled_from(sorted(UNITS_MG)), st.sampled_from(["", " "]))
def test_every_unit_scales_by_its_size(x: float, unit: str, space: str) -> None:
    mg = x * UNITS_MG[unit]
    if not MIN_MG <= mg <= MAX_MG:
        with pytest.raises(MgcalcError):
            parse_amount(f"{x!r}{space if unit else ''}{unit}")
        return
    assert math.isclose(parse_amount(f"{x!r}{space if unit else ''}{unit}"), mg, rel_tol=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "500",
        "500mg",
        "500 mg",
        "0.5g",
        "0.5 G",
        "500000mcg",
        "500000µg",
        "500000μg",
        "500000ug",
        "5e2",
    ],
)
def test_label_spellings_of_500_mg(text: str) -> None:
    assert math.isclose(parse_amount(text), 500.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("nan", "finite"),
        ("inf", "finite"),
        ("-inf", "finite"),
        ("1000001", "over the limit"),
        ("2kg", "unknown unit"),
        ("500 oz", "unknown unit"),
        ("", "cannot read"),
        ("lots", "unknown unit|cannot read"),
        ("5\x1b[2J", "cannot read"),
        ("1e999", "finite"),
    ],
)
def test_bad_amounts_are_errors(text: str, message: str) -> None:
    with pytest.raises(MgcalcError, match=message):
        parse_amount(text)


def test_below_the_smallest_amount_and_the_field_named() -> None:
    with pytest.raises(MgcalcError, match="smallest") as err:
        parse_amount(repr(MIN_MG / 10))
    assert err.value.field == "amount"
    with pytest.raises(MgcalcError, match="tablet") as err:
        parse_amount("0", "tablet")
    assert err.value.field == "tablet"


@given(st.text(max_size=30))
def test_arbitrary_text_never_escapes_as_another_exception(text: str) -> None:
    try:
        value = parse_amount(text)
    except MgcalcError:
        return
    assert MIN_MG <= value <= MAX_MG
