"""Names as real labels print them (issue 19, item 4): DSLD's braces, "Magnesium Complex", and
supplier names before or inside a form name resolving to the supplier's grade in the catalogue."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mgcalc import MgcalcError
from mgcalc.core.dsld import read_label
from mgcalc.core.labels import parse_label
from mgcalc.reference import packaged_reference

REF = packaged_reference()
CAT = REF.catalogue
DSLD = Path(__file__).resolve().parent / "data" / "dsld" / "labels"


def _range(f_id: str, amount: float) -> tuple[float, float]:
    lo, hi = CAT.get(f_id).pct_range
    return amount * lo / 100, amount * hi / 100


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("Magnesium {Complex} 100 mg", []),
        ("Magnesium Complex (as magnesium oxide) 500 mg 125% DV", ["oxide"]),
        ("Magnesium Complex (as Magnesium Oxide, Magnesium Citrate) 400 mg", ["oxide", "citrate"]),
        ("Magnesium {Complex} (as magnesium citrate) 100 mg", ["citrate"]),
        ("Magnesium (as Magtein magnesium L-threonate) 144 mg", ["threonate-magtein"]),
        ("Magnesium (as Chelazome magnesium glycinate) 100 mg", ["glycinate"]),
        ("Magnesium (as Sucrosomial Magnesium Oxide) 100 mg", ["sucrosomial"]),
        ("Magnesium (as Albion DiMagnesium Malate) 280 mg", ["dimagnesium-malate"]),
    ],
)
def test_magnesium_lines_with_complex_braces_and_suppliers_are_elemental(text: str, forms: list[str]) -> None:
    r = parse_label(REF, text)
    stated = r.stated_mg
    assert r.role == "source" and r.basis == "elemental" and r.forms == forms
    assert r.elemental_mg_min == r.elemental_mg_max == stated and r.unknown_forms == []


@pytest.mark.parametrize(
    ("text", "form", "amount"),
    [
        ("Magtein Magnesium L-Threonate 2085 mg", "threonate-magtein", 2085),
        ("Magnesium L-Threonate (Magtein) 2000 mg", "threonate-magtein", 2000),
        ("Magtein 2000 mg", "threonate-magtein", 2000),
        ("Sucrosomial Magnesium Oxide 300 mg", "sucrosomial", 300),
    ],
)
def test_a_supplier_named_with_its_salt_is_the_suppliers_grade(text: str, form: str, amount: float) -> None:
    r = parse_label(REF, text)
    assert r.basis == "compound" and r.forms == [form]
    assert (r.elemental_mg_min, r.elemental_mg_max) == pytest.approx(_range(form, amount))


def test_a_brand_of_chelates_names_the_salt_after_it() -> None:
    r = parse_label(REF, "Chelazome Magnesium Glycinate 500 mg")
    plain = parse_label(REF, "Magnesium Glycinate 500 mg")
    assert r.forms == plain.forms and (r.elemental_mg_min, r.elemental_mg_max) == (
        plain.elemental_mg_min,
        plain.elemental_mg_max,
    )
    assert r.trade_words == ["Chelazome"]


def test_complex_alone_names_no_magnesium() -> None:
    with pytest.raises(MgcalcError, match="no magnesium"):
        parse_label(REF, "B Complex 50 mg")


def test_a_dsld_record_with_braces_counts_its_magnesium() -> None:
    record = json.loads((DSLD / "77165.json").read_text(encoding="utf-8"))
    row = copy.deepcopy(record["ingredientRows"][0])
    row["name"] = "Magnesium {Complex}"
    row["notes"] = None
    row["forms"] = [
        {"name": "Magnesium Oxide", "prefix": "as"},
        {"name": "Magnesium Citrate", "prefix": None},
    ]
    record["ingredientRows"] = [row]
    result = read_label(REF, record)
    q = row["quantity"][0]["quantity"]
    assert result.elemental_mg_min == result.elemental_mg_max == q
    assert [line.error for line in result.lines] == [None]


def test_magnesium_beta_hydroxybutyrate_is_in_the_catalogue() -> None:
    """The corpus row DSLD 269726 printed: the salt was missing, so the line was refused."""
    f = CAT.resolve("magnesium beta-hydroxybutyrate")
    r = parse_label(REF, "Magnesium Beta-Hydroxybutyrate (as goBHB) 7 Gram(s)")
    assert r.basis == "compound" and r.forms == [f.id] and r.trade_words == ["goBHB"]
    assert r.elemental_mg_min == r.elemental_mg_max == pytest.approx(7000 * f.fraction)
