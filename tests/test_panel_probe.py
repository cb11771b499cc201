"""Whole panels one step off the documented path (labels probe findings 1, 5, 6, 7, 8, 10): a
panel whose magnesium line cannot be read is never "0 mg" with exit 0; two Drug Facts actives
on one line are both read; a Drug Facts amount keeps its own measure; an "Amount Per Tablet"
heading is respected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mgcalc.core.dsld import record_panel
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.reference import packaged_reference
from mgcalc.schema.records import PanelResult

from .conftest import run_cli

REF = packaged_reference()
CAT = REF.catalogue


def read(text: str) -> PanelResult:
    return panel(REF, read_panel_text(text))


def fraction(name: str) -> float:
    form = CAT.find(name)
    assert form is not None
    return form.fraction


# ---------------------------------------------------------------- finding 1 and 6


@pytest.mark.parametrize("mark", ["\u207d\u00b9\u207e", "[1]", "(1)", "(a)", "(\u2020)", "\u1d43", "\u2460"])
def test_a_footnote_after_the_amount_does_not_make_the_panel_zero(mark: str) -> None:
    r = read(
        "Supplement Facts\nServing Size 1 Capsule\n"
        f"Magnesium (as Magnesium Citrate, Magnesium Malate) 150 mg{mark}   38%\n"
    )
    assert (r.elemental_mg_min, r.elemental_mg_max) == (150.0, 150.0)


@pytest.mark.parametrize("name", ["Magnesium2", "Magnesium\u1d43", "Magnesium\u00aa", "Magnesium\u00b2"])
def test_a_mark_run_into_magnesium_is_still_the_magnesium_line(name: str) -> None:
    r = read(f"Supplement Facts\nServing Size 1 Tablet\n{name} 250 mg   60%\nOther ingredients: cellulose\n")
    assert (r.elemental_mg_min, r.elemental_mg_max) == (250.0, 250.0)


def test_a_line_that_says_magnesium_but_cannot_be_read_is_an_error_not_skipped() -> None:
    r = read("Supplement Facts\nServing Size 1 Tablet\nMagnesiumxyz 250 mg   60%\n")
    assert r.elemental_mg_max is None
    assert [x.text for x in r.lines if x.error] == ["Magnesiumxyz 250 mg   60%"]


def test_the_panel_command_exits_1_not_0_mg(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "f7.txt"  # type: ignore[operator]
    path.write_text("Supplement Facts\nServing Size 1 Tablet\nMagnesium (as Magnesium Oxide 250 mg   60%\n")
    r = run_cli("panel", str(path), "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["elemental_mg_max"] is None and "not closed" in out["lines"][0]["error"]


def test_an_amount_inside_parentheses_is_counted_on_a_panel() -> None:
    r = read("Supplement Facts\nServing Size 2 Capsules\nMagnesium Citrate (500 mg)\n")
    alone = read("Supplement Facts\nServing Size 2 Capsules\nMagnesium Citrate 500 mg\n")
    assert r.elemental_mg_max is not None and r.elemental_mg_max > 0
    assert (r.elemental_mg_min, r.elemental_mg_max) == (alone.elemental_mg_min, alone.elemental_mg_max)


# ---------------------------------------------------------------- finding 5: two actives on one line


@pytest.mark.parametrize(
    "line",
    [
        "Active ingredients (in each tablet): Calcium carbonate USP 550 mg; Magnesium hydroxide USP 110 mg",
        "Calcium carbonate USP 550 mg  Magnesium hydroxide USP 110 mg   Antacid",
        "Calcium carbonate USP 550 mg, Magnesium hydroxide USP 110 mg",
    ],
)
def test_two_drug_facts_actives_on_one_line_are_both_read(line: str) -> None:
    text = "Drug Facts\n" + (
        line if line.startswith("Active") else "Active ingredients (in each tablet)\n" + line
    )
    r = read(text + "\nPurpose: Antacid\n")
    expected = 110 * fraction("magnesium hydroxide")
    assert r.elemental_mg_max == pytest.approx(expected) and r.elemental_mg_min == pytest.approx(expected)
    assert r.per == "tablet"


# ---------------------------------------------------------------- finding 7: blends


BLEND = "Supplement Facts\nServing Size 2 Capsules\nProprietary Blend 500 mg\n   Magnesium Citrate\n   Magnesium Glycinate\n   Ashwagandha root\n"


def test_a_blend_naming_magnesium_salts_is_an_unknown_amount_not_zero() -> None:
    r = read(BLEND)
    assert r.elemental_mg_max is None
    assert any(x.error and "not 0 mg" in x.error for x in r.lines)
    assert run_cli("panel", "-", input=BLEND).returncode == 1


def test_a_blend_beside_a_compound_line_is_a_lower_bound() -> None:
    r = read(
        "Supplement Facts\nMagnesium Citrate 500 mg\nProprietary Blend 200 mg\n  Magnesium Oxide\n  Bromelain\n"
    )
    assert r.elemental_mg_max is None


def test_a_blend_beside_the_magnesium_line_is_inside_its_declared_total() -> None:
    """21 CFR 101.36(b)(2): the Magnesium line declares all the magnesium of a serving."""
    r = read("Supplement Facts\nMagnesium 100 mg 24%\nEnzyme Blend 50 mg\n  Magnesium Citrate\n  Bromelain\n")
    assert (r.elemental_mg_min, r.elemental_mg_max) == (100.0, 100.0)
    assert any("101.36(b)(2)" in c for c in r.checks)


# ---------------------------------------------------------------- finding 8: measures


def test_a_drug_facts_amount_keeps_its_own_measure() -> None:
    r = read(
        "Drug Facts\nActive ingredient (in each 15 mL)\nMagnesium hydroxide 400 mg/5 mL\nPurpose\nSaline laxative\n"
    )
    assert r.per.replace(" ", "").casefold() == "5ml"
    assert r.elemental_mg_max == pytest.approx(400 * fraction("magnesium hydroxide"))
    assert any("in each 15 mL" in c for c in r.checks)


def test_a_drug_facts_amount_per_measure_without_a_heading() -> None:
    r = read("Drug Facts\nActive ingredient\nMagnesium hydroxide 400 mg/5 mL\nPurpose\nSaline laxative\n")
    assert r.per.replace(" ", "").casefold() == "5ml"


def test_each_level_teaspoon_contains_is_per_teaspoon() -> None:
    r = read(
        "Drug Facts\nActive ingredient\tPurpose\nMagnesium sulfate USP (heptahydrate) 100%\tSaline laxative\n"
        "Other information\n\u2022 each level teaspoon contains: magnesium 495 mg\n"
    )
    assert (r.per, r.elemental_mg_max) == ("teaspoon", 495.0)


# ---------------------------------------------------------------- finding 10: Amount Per Tablet


def test_amount_per_tablet_over_a_serving_of_two() -> None:
    r = read(
        "Supplement Facts\nServing Size 2 Tablets\nAmount Per Tablet   % Daily Value\n"
        "Magnesium (as magnesium oxide) 250 mg   60%\n"
    )
    assert (r.per, r.elemental_mg_min, r.elemental_mg_max) == ("serving", 500.0, 500.0)
    out = run_cli(
        "panel",
        "-",
        "--brief",
        input="Supplement Facts\nServing Size 2 Tablets\nAmount Per Tablet\nMagnesium 250 mg\n",
    )
    assert "per tablet" in out.stdout and "250 mg (derived" in out.stdout


def test_amount_per_two_tablets_over_a_serving_of_one() -> None:
    r = read(
        "Supplement Facts\nServing Size 1 Tablet\nAmount Per 2 Tablets\nMagnesium (as magnesium oxide) 250 mg   60%\n"
    )
    assert (r.elemental_mg_min, r.elemental_mg_max) == (125.0, 125.0)


def test_amount_per_tablet_without_a_serving_size_is_per_tablet() -> None:
    r = read("Supplement Facts\nAmount Per Tablet\nMagnesium 250 mg\n")
    assert (r.per, r.elemental_mg_max) == ("tablet", 250.0)


def test_amount_per_serving_changes_nothing() -> None:
    r = read("Supplement Facts\nServing Size 2 Tablets\nAmount Per Serving\nMagnesium 250 mg\n")
    assert (r.per, r.elemental_mg_max) == ("serving", 250.0)


# ---------------------------------------------------------------- DSLD records


def _record(**changes: object) -> dict[str, object]:
    record = json.loads(
        (Path(__file__).resolve().parent / "data" / "dsld" / "labels" / "205710.json").read_text()
    )
    row = record["ingredientRows"][0]
    for key, value in changes.items():
        if key == "operator":
            row["quantity"][0]["operator"] = value
        else:
            row[key] = value
    return record


def test_a_dsld_row_named_magnesium1_is_still_the_magnesium_row() -> None:
    """Its nested Oxide row is not counted in its place."""
    plain = panel(REF, record_panel(_record()))
    marked = panel(REF, record_panel(_record(name="Magnesium1")))
    assert (marked.elemental_mg_min, marked.elemental_mg_max) == (
        plain.elemental_mg_min,
        plain.elemental_mg_max,
    )


@pytest.mark.parametrize("operator", ["<", "<=", ">"])
def test_a_dsld_bound_is_not_the_amount(operator: str) -> None:
    r = panel(REF, record_panel(_record(operator=operator)))
    assert r.elemental_mg_max is None
