"""What mgcalc will not guess (issue 19, item 2): letters inside numbers, a point that may group
thousands or mark decimals, a footnote mark run into the amount, and an amount of zero on a line
naming magnesium are refusals: one line naming the readings, exit 1, never a silent figure."""

from __future__ import annotations

import json

import pytest

from mgcalc import MgcalcError
from mgcalc.core.labels import parse_label
from mgcalc.errors import Refused
from mgcalc.reference import packaged_reference

from .conftest import run_cli

REF = packaged_reference()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Magnesium 2OO mg", "letters in its number.*200 mg"),
        ("Magnesium l00 mg", "letters in its number.*100 mg"),
        ("Magnesium 1O0 mg", "letters in its number.*100 mg"),
        ("Magnesium (as magnesium oxide) 2O0mg", "letters in its number"),
        ("Magnesium Citrate 1.000 mg", "1,000 \\(a thousands point\\) or as 1 \\(a decimal point\\)"),
        ("Magnesium 2.500 mg", "2,500 .* or as 2.5 "),
        ("Magnesium (as magnesium oxide)1 250 mg", "1,250 mg or as a mark 1 run into 250 mg"),
        ("Magnesium 0 mg", "reads as zero"),
        ("Magnesium (as magnesium citrate) 0.0 mg", "reads as zero"),
        ("Magnesium Citrate 000 mg", "reads as zero"),
    ],
)
def test_ambiguous_or_zero_amounts_are_refused(text: str, says: str) -> None:
    with pytest.raises(Refused, match=says):
        parse_label(REF, text)


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        ("Magnesium 1,000 mg", 1000.0),  # a US label's thousands comma
        ("Magnesium 1 000 mg", 1000.0),
        ("Magnesium (1 000 mg)", 1000.0),
        ("Magnesium 1.000,5 mg", 1000.5),  # both separators: one reading
        ("Magnesium 0.500 g", 500.0),  # a whole part of 0: a decimal point
        ("Magnesium 1.5 g", 1500.0),
        ("Magnesium 12.5 mg", 12.5),
    ],
)
def test_unambiguous_grouping_still_reads(text: str, mg: float) -> None:
    r = parse_label(REF, text)
    assert r.elemental_mg_min == r.elemental_mg_max == mg


def test_a_refusal_is_a_bad_input_error() -> None:
    assert issubclass(Refused, MgcalcError)
    assert Refused("x").exit_code == 1 and MgcalcError("x").exit_code == 2


def test_parse_refuses_with_exit_1_and_one_line() -> None:
    r = run_cli("parse", "Magnesium 2OO mg")
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "letters in its number" in r.stderr and "Traceback" not in r.stderr


def test_panel_with_an_unreadable_figure_is_exit_1_never_zero() -> None:
    r = run_cli("panel", "-", "--json", input="Supplement Facts\nMagnesium 2OO mg\n")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["elemental_mg_max"] is None
    assert [line["error"] is not None for line in out["lines"]] == [True]


def test_batch_text_row_refusal_is_an_error_record() -> None:
    r = run_cli("batch", "-", input='id,text\na,Magnesium 1.000 mg\nb,"Magnesium 1,000 mg"\n')
    assert r.returncode == 1, r.stderr
    records = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in records] == ["a", "b"]
    assert "thousands point" in records[0]["error"]
    assert records[1]["elemental_mg_max"] == 1000
