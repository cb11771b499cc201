"""Drug Facts and liquids (issue 19, item 5): doses per teaspoon, per fl oz, per 5 mL; volumes in
``label`` with a concentration, saying what was assumed; and a panel whose only magnesium figure
cannot be counted is never 0 mg with exit 0. Measures come from the data (``labels.yaml``)."""

from __future__ import annotations

import json

import pytest

from mgcalc.core.labels import parse_label
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.core.volumes import read_concentration, read_volume
from mgcalc.reference import packaged_reference

from .conftest import run_cli

REF = packaged_reference()
ML = {v.id: v.ml for v in REF.labels.volumes}

#: The Epsom salt Drug Facts panel of the issue: the active ingredient is the pure substance.
EPSOM = """Drug Facts
Active ingredient
Magnesium sulfate USP (heptahydrate) 100%
Purpose
Saline laxative
Directions
dissolve 2 to 4 level teaspoons in 8 ounces of water
Other information
\u2022 each teaspoon contains: magnesium 495 mg \u2022 store at room temperature
"""

#: A magnesium citrate oral solution as the issue quotes it.
CITRATE_SOLUTION = """Drug Facts
Active ingredient (in each fl oz)
Magnesium citrate 1.745 g
Purpose
Saline laxative
Other information
\u2022 magnesium content 290 mg per 1 fl oz (30 mL)
"""


def test_the_measures_are_the_documented_ones() -> None:
    assert ML == {"mL": 1, "teaspoon": 5, "tablespoon": 15, "fl oz": 29.57}


@pytest.mark.parametrize(
    ("text", "ml"),
    [
        ("2 mL", 2 * ML["mL"]),
        ("1 teaspoon", ML["teaspoon"]),
        ("2 tsp", 2 * ML["teaspoon"]),
        ("1 tablespoon", ML["tablespoon"]),
        ("tbsp", ML["tablespoon"]),
        ("1 fl oz", ML["fl oz"]),
        ("2 fl. oz.", 2 * ML["fl oz"]),
        ("1 fl oz (30 mL)", 30 * ML["mL"]),  # the mL the label prints wins
    ],
)
def test_volumes(text: str, ml: float) -> None:
    v = read_volume(REF.labels, text)
    assert v is not None and v.ml == pytest.approx(ml)
    assert (v.assumed == "") == (text.endswith("mL") and "(" not in text)


def test_a_mass_is_not_a_volume() -> None:
    assert read_volume(REF.labels, "500 mg") is None


@pytest.mark.parametrize(
    ("text", "mg", "ml"),
    [
        ("290 mg per 30 mL", 290, 30),
        ("500 mg/mL", 500, 1),
        ("495 mg per teaspoon", 495, ML["teaspoon"]),
        ("1.745 g per 1 fl oz (30 mL)", 1745, 30),
    ],
)
def test_concentrations(text: str, mg: float, ml: float) -> None:
    got_mg, per = read_concentration(REF.labels, text, REF.catalogue.constants)
    assert got_mg == pytest.approx(mg) and per.ml == pytest.approx(ml)


def test_label_refuses_a_volume_without_a_concentration() -> None:
    r = run_cli("label", "2 mL", "--form", "sulfate-heptahydrate")
    assert r.returncode == 2 and "is a volume: give --concentration" in r.stderr and r.stderr.count("\n") == 1


def test_label_reads_a_volume_at_a_concentration_and_says_what_it_assumed() -> None:
    r = run_cli("label", "1 teaspoon", "--form", "citrate", "--concentration", "290 mg per 1 fl oz", "--json")
    assert r.returncode == 0, r.stderr
    compound = ML["teaspoon"] * 290 / ML["fl oz"]
    assert json.loads(r.stdout)["compound_mg"] == pytest.approx(compound, rel=1e-11)
    assert "1 teaspoon taken as 5 mL" in r.stderr and "1 fl oz taken as 29.57 mL" in r.stderr


def test_concentration_needs_a_volume() -> None:
    r = run_cli("label", "500", "--form", "citrate", "--concentration", "5 mg/mL")
    assert r.returncode == 2 and "--concentration is for a volume AMOUNT" in r.stderr


@pytest.mark.parametrize(
    ("text", "mg", "per"),
    [
        ("each teaspoon contains: magnesium 495 mg", 495, "per teaspoon"),
        ("magnesium content 290 mg per 1 fl oz (30 mL)", 290, "per 1 fl oz"),
        ("each 5 mL contains: magnesium 83 mg", 83, "per 5 ml"),
        ("each 15 mL tablespoonful contains: magnesium 500 mg", 500, "per 15 ml"),
    ],
)
def test_content_statements_per_dose_are_elemental(text: str, mg: float, per: str) -> None:
    r = parse_label(REF, text)
    assert r.basis == "elemental" and r.elemental_mg_min == r.elemental_mg_max == mg
    assert any(per in c for c in r.checks), r.checks


def test_a_compound_per_volume_reads_the_compound() -> None:
    r = parse_label(REF, "Magnesium hydroxide 400 mg/5 mL")
    assert r.basis == "compound" and r.forms == ["hydroxide"] and r.stated_mg == 400


def test_a_gram_figure_with_three_decimals_has_one_reading() -> None:
    """1,745 g is over the largest amount read, so "1.745 g" is 1,745 mg (not refused)."""
    r = parse_label(REF, "Magnesium citrate 1.745 g")
    assert r.stated_mg == pytest.approx(1745)


def test_epsom_salt_panel_counts_the_magnesium_per_teaspoon() -> None:
    p = panel(REF, read_panel_text(EPSOM))
    assert p.elemental_mg_min == p.elemental_mg_max == 495
    assert p.per == "teaspoon"
    assert {c.code for c in p.cautions} >= {"upper-limit", "laxative"}
    assert not any(line.error for line in p.lines)


def test_citrate_solution_reads_both_figures_not_a_lower_bound() -> None:
    p = panel(REF, read_panel_text(CITRATE_SOLUTION))
    assert p.elemental_mg_max == 290
    assert p.elemental_mg_min == pytest.approx(1745 * REF.catalogue.get("hydrogen-citrate").fraction)


def test_a_panel_whose_only_magnesium_figure_cannot_be_counted_is_exit_1() -> None:
    r = run_cli("panel", "-", "--json", input="Supplement Facts\nVitamin C (as Magnesium Ascorbate) 300 mg\n")
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout)["elemental_mg_max"] is None


def test_epsom_panel_as_a_process() -> None:
    r = run_cli("panel", "-", "--json", input=EPSOM)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["elemental_mg_max"] == 495 and out["per"] == "teaspoon"
