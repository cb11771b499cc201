"""The absorption model: published points, and the rules a saturable channel obeys."""

from __future__ import annotations

import itertools
import math

import yaml
from hypothesis import given
from hypothesis import strategies as st

from mgcalc.core.absorption import absorbed_mg, relative_bioavailability
from mgcalc.core.estimates import absorb, compare, curve
from mgcalc.reference import packaged_reference

from .conftest import REPO

REF = packaged_reference()
CAT = REF.catalogue
MODEL = REF.absorption
ids = st.sampled_from(CAT.ids)
doses = st.floats(min_value=0.1, max_value=5000, allow_nan=False)
meals = st.sampled_from([0.0, 50.0, MODEL.default_meal_mg.value, 400.0])


def _rel(form_id: str) -> float:
    return relative_bioavailability(CAT.get(form_id), MODEL, CAT)[0]


def test_reference_salt_reproduces_published_points() -> None:
    meal = MODEL.fit_meal_mg.value
    for p in MODEL.published_points:
        intake = meal + p.supplement_mg
        assert abs(MODEL.reference_absorbed(intake) / intake - p.fraction) <= 0.01


def test_every_source_key_is_known() -> None:
    raw = yaml.safe_load((REPO / "data" / "absorption.yaml").read_text(encoding="utf-8"))
    cited = yaml.safe_load((REPO / "data" / "sources.yaml").read_text(encoding="utf-8"))
    known = set(cited["sources"]) | set(CAT.sources)

    def keys(node: object) -> list[str]:
        if isinstance(node, dict):
            return [
                k
                for key, v in node.items()
                for k in (v if key == "sources" and isinstance(v, list) else keys(v))
            ]
        if isinstance(node, list):
            return [k for v in node for k in keys(v)]
        return []

    assert "sources" not in raw  # citations live in sources.yaml only
    found = keys(raw)
    assert found and set(found) <= known
    assert set(MODEL.source_keys()) == set(found)


@given(doses, ids, meals)
def test_absorbed_never_exceeds_elemental(dose: float, form_id: str, meal: float) -> None:
    assert 0 < absorbed_mg(dose, _rel(form_id), meal, MODEL) <= dose


@given(doses, doses, ids, meals)
def test_absorbed_rises_and_fraction_falls_with_dose(a: float, b: float, form_id: str, meal: float) -> None:
    lo, hi = sorted((a, b))
    r = _rel(form_id)
    assert absorbed_mg(lo, r, meal, MODEL) <= absorbed_mg(hi, r, meal, MODEL) + 1e-12
    assert absorbed_mg(hi, r, meal, MODEL) / hi <= absorbed_mg(lo, r, meal, MODEL) / lo + 1e-12


@given(st.floats(min_value=1, max_value=20_000), ids, st.booleans(), st.integers(1, 12))
def test_splitting_never_lowers_the_total(amount: float, form_id: str, meal: bool, n: int) -> None:
    rows = absorb(REF, amount, form_id, elemental=True, with_meal=meal, splits=n).splits
    totals = [row.absorbed_mg for row in rows]
    assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(totals))
    assert all(math.isclose(row.per_dose_mg * row.doses, amount) for row in rows)


def test_two_doses_of_200_beat_one_of_400() -> None:
    r = absorb(REF, 400, "citrate", elemental=True)
    assert r.splits[1].absorbed_mg > r.splits[0].absorbed_mg


def test_oxide_matches_firoz_graber_and_trails_citrate() -> None:
    oxide = CAT.get("oxide")
    assert (
        oxide.absorption is not None
        and oxide.absorption.pct is not None
        and oxide.absorption.dose_mg is not None
    )
    r, basis = relative_bioavailability(oxide, MODEL, CAT)
    got = absorbed_mg(oxide.absorption.dose_mg, r, 0.0, MODEL) / oxide.absorption.dose_mg * 100
    assert basis == "measured" and abs(got - oxide.absorption.pct) < 0.01
    same = (
        absorb(REF, 300, "oxide", elemental=True).absorbed_mg,
        absorb(REF, 300, "citrate", elemental=True).absorbed_mg,
    )
    assert same[0] < same[1] / 3


def test_meal_share_is_the_difference_of_the_curve() -> None:
    meal = MODEL.default_meal_mg.value
    r = absorb(REF, 200, "acetate", elemental=True, with_meal=True)
    assert math.isclose(r.absorbed_mg, MODEL.reference_absorbed(meal + 200) - MODEL.reference_absorbed(meal))
    assert r.model.meal_mg == meal


def test_compare_sorts_all_forms_and_prices() -> None:
    rows = compare(REF, 500).rows
    assert [r.form for r in rows] != [] and len(rows) == len(CAT.forms)
    assert all(a.absorbed_mg >= b.absorbed_mg for a, b in itertools.pairwise(rows))
    priced = compare(REF, 500, ["oxide", "citrate"], prices={"oxide": 5.0}).rows
    assert priced[0].cost_per_100mg_absorbed is not None
    assert math.isclose(priced[0].cost_per_100mg_absorbed, 500 / priced[0].absorbed_mg)
    assert priced[1].cost_per_100mg_absorbed is None


def test_curve_has_each_form() -> None:
    c = curve(REF, ["oxide", "citrate"], max_mg=600, points=10)
    assert [s.form for s in c.series] == ["oxide", "citrate"]
    assert c.series[0].points[-1].dose_mg == 600
