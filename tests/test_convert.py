"""``mgcalc convert``: elemental mg <-> mmol <-> mEq, serum mg/dL <-> mmol/L <-> mEq/L and the range.

Expected figures come from the catalogue's constants and the serum range in
data/intake.yaml (IOM 1997), never restated by hand.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.core.convert import convert
from mgcalc.reference import packaged_reference

from .conftest import run_cli

REF = packaged_reference()
MOLAR = REF.catalogue.constants.mg_molar_mass.value
CHARGE = REF.catalogue.constants.mg_charge.value
SERUM = REF.intake.serum


@pytest.mark.parametrize(
    ("value", "unit", "mg"),
    [
        ("400", "mg", 400.0),
        ("0.4", "g", 400.0),
        ("4", "mmol", 4 * MOLAR),
        ("8", "mEq", 8 / CHARGE * MOLAR),
        ("4mmol", None, 4 * MOLAR),
        ("1,000", "mg", 1000.0),
        ("400000", "µg", 400.0),
    ],
)
def test_amounts_of_magnesium(value: str, unit: str | None, mg: float) -> None:
    r = convert(REF, value, unit)
    assert r.quantity == "amount" and r.elemental_mg == pytest.approx(mg)
    assert r.mmol == pytest.approx(mg / MOLAR) and r.meq == pytest.approx(mg / MOLAR * CHARGE)


def test_the_serum_range_rests_on_its_source() -> None:
    assert SERUM is not None
    assert SERUM.quote.startswith("The normal serum magnesium concentration is 0.75 to 0.95 mmol/liter")
    low = convert(REF, str(SERUM.low_mmol_l), "mmol/L")
    assert low.reference_range is not None
    # the quote's own mg/dL figures are the range converted with the catalogue's molar mass
    assert round(low.reference_range.low_mg_dl, 1) == 1.8 and round(low.reference_range.high_mg_dl, 1) == 2.3


@pytest.mark.parametrize(
    ("value", "unit", "position"),
    [
        ("2.1", "mg/dL", "within"),
        ("1.2", "mg/dl", "below"),
        ("0.5", "mmol/L", "below"),
        ("2.4", "mEq/L", "above"),
        ("1.8", "mEq/L", "within"),
    ],
)
def test_serum_values_are_placed_against_the_range(value: str, unit: str, position: str) -> None:
    assert SERUM is not None
    r = convert(REF, value, unit)
    assert r.quantity == "serum" and r.position == position
    assert r.mmol_l is not None and r.mg_dl is not None and r.meq_l is not None
    assert r.mg_dl == pytest.approx(r.mmol_l * MOLAR / 10) and r.meq_l == pytest.approx(r.mmol_l * CHARGE)
    inside = SERUM.low_mmol_l <= r.mmol_l <= SERUM.high_mmol_l
    assert (position == "within") == inside


@pytest.mark.parametrize(
    ("value", "unit", "says"),
    [
        ("400", None, "no unit"),
        ("400", "oz", "unknown unit"),
        ("lots", "mg", "cannot read"),
        ("0", "mg/dL", "above 0"),
        ("90", "mmol/L", "not a serum value"),
        ("-4", "mmol", "cannot read"),
    ],
)
def test_bad_conversions(value: str, unit: str | None, says: str) -> None:
    with pytest.raises(MgcalcError, match=says):
        convert(REF, value, unit)


def test_convert_cli() -> None:
    r = run_cli("convert", "2.1", "mg/dL", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["position"] == "within"
    human = run_cli("convert", "4mmol")
    assert human.returncode == 0 and "mEq" in human.stdout
    bad = run_cli("convert", "400", "furlongs")
    assert bad.returncode == 2 and bad.stderr.startswith("mgcalc: error: ") and bad.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        ("1", "\x1b[31mRED", "'\\x1b[31mRED'"),
        ("1 \x1b[31mRED", None, "'1 \\x1b[31mRED'"),
        ("1\a2 mg", None, "'1\\x072 mg'"),
        ("1 1 MG", None, "'1 1 MG'"),
    ],
)
def test_an_unreadable_value_is_echoed_as_typed(value: str, unit: str | None, shown: str) -> None:
    """The message shows the text as typed (control characters escaped, case kept), not as
    normalised for reading."""
    with pytest.raises(MgcalcError) as e:
        convert(packaged_reference(), value, unit)
    assert (
        f"cannot read {shown}:" in str(e.value)
        or f"unknown unit {shown}:" in str(e.value)
        or f"unknown unit in {shown}:" in str(e.value)
    )


@given(
    whole=st.integers(min_value=0, max_value=9),
    decimals=st.text(alphabet="0123456789", min_size=4, max_size=8),
    unit=st.sampled_from(["mmol/L", "mg/dL", "mg", "mmol"]),
)
def test_four_or_more_decimals_are_read_as_written(whole: int, decimals: str, unit: str) -> None:
    """ "0.7499" is 0.7499, not the thousands group "0.749" and a stray "9" read into the unit."""
    value = float(f"{whole}.{decimals}")
    try:
        r = convert(packaged_reference(), f"{whole}.{decimals}", unit)
    except MgcalcError as e:  # only a documented limit (zero, a serum value too high), never unread
        assert "cannot read" not in str(e)
        return
    assert r.value == value
