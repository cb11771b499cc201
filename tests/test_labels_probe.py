"""Label lines one step off the documented path (labels probe findings 2, 3, 9, 11; batch
findings 12 and 15): an amount the line states is read or the line is refused with its reason,
never dropped to "present, amount not stated"; an amount mgcalc cannot read one way is refused.

The figures expected come from the catalogue's stoichiometry, not restated by hand.
"""

from __future__ import annotations

import json

import pytest

from mgcalc import MgcalcError
from mgcalc.core.labels import parse_label
from mgcalc.core.units import read_amount
from mgcalc.errors import Refused, literal
from mgcalc.reference import packaged_reference

from .conftest import run_cli

REF = packaged_reference()
CAT = REF.catalogue


def span(form_id: str, compound_mg: float) -> tuple[float, float]:
    """The elemental range of ``compound_mg`` of a form named by its family (all its salts)."""
    form = CAT.find(form_id)
    assert form is not None
    family = CAT.family_of(form)
    return min(compound_mg * f.fraction for f in family), max(compound_mg * f.fraction for f in family)


# ---------------------------------------------------------------- finding 2: an amount inside parentheses


def test_a_compound_weight_in_parentheses_is_read_as_the_compound() -> None:
    """ "Magnesium Citrate (500 mg)" was "present, amount not stated" (0 mg on a panel)."""
    inside = parse_label(REF, "Magnesium Citrate (500 mg)")
    outside = parse_label(REF, "Magnesium Citrate 500 mg")
    assert inside.role == "source" and inside.basis == "compound"
    assert (inside.elemental_mg_min, inside.elemental_mg_max) == (
        outside.elemental_mg_min,
        outside.elemental_mg_max,
    )


@pytest.mark.parametrize(
    ("text", "form", "compound_mg"),
    [
        ("Magnesium (from 520 mg Magnesium Chloride)", "magnesium chloride", 520.0),
        ("Magnesium (as Magnesium Glycinate 1,000 mg)", "magnesium glycinate", 1000.0),
    ],
)
def test_a_compound_weight_in_a_from_clause_is_read(text: str, form: str, compound_mg: float) -> None:
    r = parse_label(REF, text)
    lo, hi = span(form, compound_mg)
    assert (r.role, r.basis, r.stated_mg) == ("source", "compound", compound_mg)
    assert r.elemental_mg_min == pytest.approx(lo) and r.elemental_mg_max == pytest.approx(hi)


def test_an_elemental_figure_in_parentheses_is_magnesium_itself() -> None:
    r = parse_label(REF, "Magnesium Citrate (providing 80 mg magnesium)")
    assert (r.role, r.basis, r.elemental_mg_min, r.elemental_mg_max) == ("source", "elemental", 80.0, 80.0)


def test_an_amount_in_parentheses_of_something_else_is_refused() -> None:
    with pytest.raises(Refused, match="inside parentheses"):
        parse_label(REF, "Magnesium Citrate (in 500 mg of rice flour)")


def test_an_unknown_salt_with_its_weight_in_a_from_clause_is_refused() -> None:
    with pytest.raises(MgcalcError, match="cannot read the form"):
        parse_label(REF, "Magnesium (from 520 mg Magnesium Unobtainate)")


# ---------------------------------------------------------------- finding 3: an unclosed parenthesis


@pytest.mark.parametrize(
    "text",
    [
        "Magnesium (as Magnesium Oxide 250 mg   60%",
        "Magnesium (as magnesium citrate 200 mg",
        "Magnesium (from Magnesium Citrate 210 mg 50% DV",
        "Magnesium (as Magnesium Oxide, Magnesium Citrate 250 mg 60%",
        "Magnesium Citrate (500 mg",
    ],
)
def test_an_amount_in_an_unclosed_parenthesis_is_refused(text: str) -> None:
    """Inside it, the compound's weight; after a lost ")", magnesium itself: two readings."""
    with pytest.raises(Refused, match="not closed"):
        parse_label(REF, text)


def test_an_unclosed_parenthesis_after_the_amount_still_reads() -> None:
    assert parse_label(REF, "Magnesium 250 mg (as magnesium oxide").elemental_mg_max == 250.0


# ---------------------------------------------------------------- finding 9: bounds


@pytest.mark.parametrize(
    "text",
    [
        "Magnesium (as magnesium oxide) <250 mg",
        "Magnesium (as magnesium oxide) < 250 mg",
        "Magnesium (as magnesium oxide) \u2264 250 mg",
        "Magnesium (as magnesium oxide) ~250 mg",
        "Magnesium (as magnesium oxide) >250 mg",
        "Magnesium (as magnesium oxide) <=250 mg",
        "Magnesium less than 250 mg",
        "Magnesium up to 250 mg",
        "Magnesium Citrate approx. 500 mg",
    ],
)
def test_an_amount_after_an_operator_is_a_bound_not_the_amount(text: str) -> None:
    with pytest.raises(Refused, match="is a bound, not an amount"):
        parse_label(REF, text)


def test_a_bound_on_a_line_without_magnesium_is_not_a_magnesium_line() -> None:
    """DSLD prints "Protein < 1 Gram(s)": not a magnesium line, so a panel skips it."""
    with pytest.raises(MgcalcError, match="no magnesium on this label line"):
        parse_label(REF, "Protein < 1 Gram(s)")


def test_a_bound_is_refused_on_the_command_line() -> None:
    r = run_cli("parse", "Magnesium (as magnesium oxide) <250 mg")
    assert r.returncode == 1 and "is a bound, not an amount" in r.stderr and r.stdout == ""


# ---------------------------------------------------------------- finding 11: malformed groups


@pytest.mark.parametrize("number", ["1,000,5", "1.000.5", "1,00,000", "1,000.000,5"])
def test_a_number_with_no_one_reading_is_refused_on_a_label_line(number: str) -> None:
    with pytest.raises(Refused, match=r"no one reading|cannot read the amount"):
        parse_label(REF, f"Magnesium Citrate {number} mg")


@pytest.mark.parametrize("number", ["1,000,5", "1.000.5"])
def test_a_number_with_no_one_reading_is_refused_as_an_amount(number: str) -> None:
    with pytest.raises(MgcalcError, match="no one reading"):
        read_amount(f"{number} mg")
    r = run_cli("label", f"{number} mg", "--form", "oxide", "--plain")
    assert r.returncode == 2 and "no one reading" in r.stderr


@pytest.mark.parametrize(
    ("text", "mg"), [("1,000,000 mcg", 1000.0), ("1.000,5 mg", 1000.5), ("1 000 mg", 1000.0)]
)
def test_well_grouped_numbers_still_read(text: str, mg: float) -> None:
    assert read_amount(text).mg == pytest.approx(mg)


# ---------------------------------------------------------------- a number run into the text


@pytest.mark.parametrize("text", ["Magnesium 2x250 mg", "Magnesium25 mg", "Magnesium Citrate500 mg"])
def test_an_amount_run_into_a_word_is_refused_not_dropped(text: str) -> None:
    with pytest.raises(Refused, match="cannot read the amount"):
        parse_label(REF, text)


# ---------------------------------------------------------------- batch findings 12 and 15


def test_an_ansi_escape_in_a_line_does_not_drop_the_amount() -> None:
    """A terminal shows "\\x1b[0m" as nothing: the line is read as it is seen."""
    plain = parse_label(REF, "Magnesium (as magnesium oxide) 250 mg")
    coloured = parse_label(REF, "Magnesium (as magnesium oxide\x1b[0m) 250 mg")
    assert (
        (coloured.role, coloured.elemental_mg_max)
        == (plain.role, plain.elemental_mg_max)
        == ("source", 250.0)
    )


def test_an_ansi_escape_in_a_batch_text_row_is_read() -> None:
    r = run_cli(
        "batch",
        "-",
        "--fields",
        "role,elemental_mg_max",
        input="id,text\ne1,Magnesium (as magnesium oxide\x1b[0m) 250 mg\n",
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0])["elemental_mg_max"] == 250.0


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\u00ad", "\u2060", "\ufeff", "\u200d"])
def test_an_invisible_character_inside_a_number_is_refused(hidden: str) -> None:
    """ "1\\u202e2 mg" shows as "1gm 2": never 12 mg. The error shows the text as typed (escaped)."""
    text = f"Magnesium Citrate 1{hidden}2 mg"
    with pytest.raises(Refused, match="invisible character") as e:
        parse_label(REF, text)
    assert f"'{literal('1' + hidden + '2')}'" in str(e.value)


def test_an_invisible_character_inside_a_number_is_refused_by_every_command() -> None:
    for args in (
        ["convert", "1\u202e2 mg"],
        ["label", "1\u202e2 mg", "--form", "oxide"],
        ["parse", "Magnesium 1\u202e2 mg"],
    ):
        r = run_cli(*args)
        assert r.returncode != 0 and r.stdout == "", args
        assert "12" not in r.stdout and ("1\\u202e2" in r.stderr), (args, r.stderr)


def test_an_invisible_character_inside_a_word_is_still_dropped() -> None:
    assert parse_label(REF, "Magne\u00adsium 250 mg").elemental_mg_max == 250.0
    assert parse_label(REF, "Magnesium 250\u200b mg").elemental_mg_max == 250.0
