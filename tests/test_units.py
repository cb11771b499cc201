"""Parsing label amounts: units, and every kind of bad number."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgcalc import MgcalcError, parse_amount
from mgcalc.core.units import MAX_MG, MIN_MG, UNITS_MG, read_amount
from mgcalc.reference import packaged_reference

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


# ---------------------------------------------------------------- one grammar for every command


CONSTANTS = packaged_reference().catalogue.constants


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        ("1,000 mg", 1000.0),
        ("1,000mg", 1000.0),
        ("0,5 g", 500.0),
        ("1.000,5 mg", 1000.5),
        ("1 000 mg", 1000.0),
        ("500 milligrams", 500.0),
        ("0.5 grams", 500.0),
        ("7 Gram(s)", 7000.0),
        ("500000 micrograms", 500.0),
        ("\u0665\u0660\u0660 mg", 500.0),
        ("\uff15\uff10\uff10mg", 500.0),
    ],
)
def test_label_spellings_every_command_reads(text: str, mg: float) -> None:
    assert math.isclose(parse_amount(text), mg)


def test_mmol_and_meq_are_magnesium_and_need_the_constants() -> None:
    molar, charge = CONSTANTS.mg_molar_mass.value, CONSTANTS.mg_charge.value
    assert math.isclose(read_amount("4 mmol", constants=CONSTANTS).mg, 4 * molar)
    assert read_amount("4mmol", constants=CONSTANTS).molar
    assert math.isclose(read_amount("8 mEq", constants=CONSTANTS).mg, 8 / charge * molar)
    from mgcalc.core.units import parse_amount as core_parse_amount

    with pytest.raises(MgcalcError, match="molar mass"):
        core_parse_amount("4 mmol")  # the core is given the constants, never assumes them
    assert math.isclose(parse_amount("4 mmol"), 4 * molar)  # the library fills in the packaged ones


def test_the_commands_share_the_grammar() -> None:
    """label, dose and batch read "1,000 mg" and mmol as parse does (one grammar)."""
    from .conftest import run_cli

    glycero = run_cli("label", "4mmol", "--form", "glycerophosphate", "--elemental", "--plain")
    assert glycero.returncode == 0
    expected = (
        4 * CONSTANTS.mg_molar_mass.value / packaged_reference().catalogue.get("glycerophosphate").fraction
    )
    assert float(glycero.stdout) == round(expected, 1)
    needs = run_cli("label", "4mmol", "--form", "glycerophosphate")
    assert needs.returncode == 2 and "--elemental" in needs.stderr
    assert run_cli("label", "1,000 mg", "--form", "citrate", "--plain").returncode == 0
    assert run_cli("dose", "8 mEq", "--form", "citrate", "--plain").returncode == 0
    tablet = run_cli("dose", "300", "--form", "oxide", "--tablet", "4 mmol")
    assert tablet.returncode == 2 and "compound weight" in tablet.stderr
    batch = run_cli(
        "batch",
        "--input-format",
        "csv",
        input='id,amount,unit,form,basis\na,"1,000",mg,citrate,\nb,4,mmol,glycerophosphate,elemental\nc,4,mmol,glycerophosphate,\n',
    )
    rows = [json.loads(line) for line in batch.stdout.splitlines()]
    assert rows[0]["compound_mg"] == 1000 and math.isclose(
        rows[1]["elemental_mg"], 4 * CONSTANTS.mg_molar_mass.value
    )
    assert "elemental" in rows[2]["error"]


@given(
    space=st.sampled_from(["\u00a0", "\u2007", "\u2009", "\u202f", "\u2002", "\u3000"]),
    text=st.sampled_from(["500 mg", "0.5 g", "1 000 mg", "250 mcg", "4 mmol"]),
)
def test_a_space_of_another_width_reads_as_a_space(space: str, text: str) -> None:
    """A no-break or thin space (typed or pasted from a label) changes nothing, as in label text."""
    assert parse_amount(text.replace(" ", space)) == parse_amount(text)
