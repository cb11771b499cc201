"""The absorption model: published points, ranges, the meal, and the rules a saturable channel obeys."""

from __future__ import annotations

import itertools
import math

import yaml
from hypothesis import given
from hypothesis import strategies as st

from mgcalc.core.absorption import (
    Bounds,
    absorbed,
    dose_absorbed,
    km_range,
    relative_bioavailability,
    relative_range,
)
from mgcalc.core.dosing import label
from mgcalc.core.estimates import absorb, compare, curve
from mgcalc.reference import packaged_reference

from .conftest import REPO

REF = packaged_reference()
CAT = REF.catalogue
MODEL = REF.absorption
ids = st.sampled_from(CAT.ids)
doses = st.floats(min_value=0.1, max_value=5000, allow_nan=False)
fed = st.booleans()


def _rel(form_id: str) -> Bounds:
    return relative_range(CAT.get(form_id), MODEL, CAT)[0]


def _fine_points_hold(meal: float) -> None:
    for p in MODEL.published_points:
        intake = meal + p.supplement_mg
        assert abs(MODEL.reference_absorbed(intake, meal) / intake - p.fraction) <= 0.01, (meal, p)


def test_reference_salt_reproduces_published_points_for_every_assumed_meal() -> None:
    # Fine measured a standard meal plus 0..80 mEq acetate; the fit holds whatever the meal's own Mg
    m = MODEL.fit_meal_mg
    for meal in (m.low, m.value, m.high, (m.low + m.high) / 2):
        _fine_points_hold(meal)


def test_supplement_share_is_the_difference_of_fines_curve() -> None:
    m = MODEL.fit_meal_mg
    for meal in (m.low, m.value, m.high):
        for d in (50.0, 400.0, 972.2):
            total = MODEL.reference_absorbed(meal + d, meal) - MODEL.reference_absorbed(meal, meal)
            assert math.isclose(MODEL.supplement_absorbed(d, meal), total, rel_tol=1e-9)


def test_vmax_and_half_saturation_follow_from_the_two_points() -> None:
    # independent arithmetic: A/I - k = Vmax/(K + supplement) at 0.65 and 0.11
    lo, hi = sorted(MODEL.published_points, key=lambda p: p.supplement_mg)
    k = MODEL.linear_fraction.value
    ratio = (lo.fraction - k) / (hi.fraction - k)  # (K + 972.2) / K
    half = hi.supplement_mg / (ratio - 1)
    assert math.isclose(MODEL.half_saturation_mg.value, half, abs_tol=0.01)
    assert math.isclose(MODEL.vmax_mg.value, (lo.fraction - k) * half, abs_tol=0.01)
    assert math.isclose(MODEL.km_mg.value + MODEL.fit_meal_mg.value, half, abs_tol=0.02)


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


def test_uncertain_parameters_are_ranges_with_their_provenance() -> None:
    for p in (MODEL.fit_meal_mg, MODEL.fasting_factor):
        assert p.low < p.high and (p.assumed or p.derived)
    # the fasting factor is Sabatier's ratio of means, quoted
    ff = MODEL.fasting_factor
    assert ff.quote is not None and "45.7" in ff.quote and "52.3" in ff.quote
    assert math.isclose(ff.value, 45.7 / 52.3, abs_tol=0.001) and ff.high == 1.0


@given(doses, ids, fed)
def test_absorbed_is_ordered_and_never_exceeds_elemental(dose: float, form_id: str, with_meal: bool) -> None:
    b = absorbed(dose, _rel(form_id), with_meal, MODEL)
    assert 0 < b.low <= b.central <= b.high <= dose


@given(doses, doses, ids, fed)
def test_absorbed_rises_and_fraction_falls_with_dose(
    a: float, b: float, form_id: str, with_meal: bool
) -> None:
    lo, hi = sorted((a, b))
    r = _rel(form_id)
    for end in range(3):
        small, big = absorbed(lo, r, with_meal, MODEL)[end], absorbed(hi, r, with_meal, MODEL)[end]
        assert small <= big + 1e-12
        assert big / hi <= small / lo + 1e-12


@given(doses, ids)
def test_a_meal_never_lowers_the_share(dose: float, form_id: str) -> None:
    r = _rel(form_id)
    fasting, fed_ = absorbed(dose, r, False, MODEL), absorbed(dose, r, True, MODEL)
    assert all(f >= g - 1e-12 for f, g in zip(fed_, fasting, strict=True))


@given(st.floats(min_value=1, max_value=20_000), ids, st.booleans(), st.integers(1, 12))
def test_splitting_never_lowers_the_total(amount: float, form_id: str, meal: bool, n: int) -> None:
    rows = absorb(REF, amount, form_id, elemental=True, with_meal=meal, splits=n).splits
    for attr in ("absorbed_mg", "absorbed_mg_min", "absorbed_mg_max"):
        totals = [getattr(row, attr) for row in rows]
        assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(totals))
    assert all(math.isclose(row.per_dose_mg * row.doses, amount) for row in rows)


def test_two_doses_of_200_beat_one_of_400() -> None:
    r = absorb(REF, 400, "citrate", elemental=True)
    assert r.splits[1].absorbed_mg > r.splits[0].absorbed_mg


def test_citrate_with_a_meal_absorbs_no_less_than_without() -> None:
    fasting = absorb(REF, 400, "citrate", elemental=True)
    fed_ = absorb(REF, 400, "citrate", elemental=True, with_meal=True)
    assert fed_.absorbed_mg >= fasting.absorbed_mg
    assert fed_.absorbed_mg_min is not None and fasting.absorbed_mg_min is not None
    assert fed_.absorbed_mg_min >= fasting.absorbed_mg_min
    # the fed central figure is Fine's curve on the dose alone; fasting is that times the factor, once
    assert math.isclose(fed_.absorbed_mg, dose_absorbed(MODEL, 400))
    assert math.isclose(fasting.absorbed_mg, dose_absorbed(MODEL, 400) * MODEL.fasting_factor.value)
    assert fed_.model.fed is True and fasting.model.fed is False


def test_meal_mg_is_recorded_not_computed_with() -> None:
    a = absorb(REF, 200, "acetate", elemental=True, with_meal=True)
    b = absorb(REF, 200, "acetate", elemental=True, with_meal=True, meal_mg=400)
    assert a.absorbed_mg == b.absorbed_mg and b.model.meal_mg == 400
    assert a.model.meal_mg == MODEL.default_meal_mg.value


def test_oxide_range_is_wide_and_traces_to_its_comparisons() -> None:
    oxide = CAT.get("oxide")
    a = oxide.absorption
    assert a is not None and a.relative_min is not None and a.relative_max is not None
    r, basis = relative_range(oxide, MODEL, CAT)
    assert basis == "measured" and (r.low, r.high) == (a.relative_min, a.relative_max)
    # central is the geometric middle of the range (derived, as the data says)
    assert math.isclose(r.central, math.sqrt(r.low * r.high), abs_tol=0.001)
    res = label(REF, 500, "oxide")
    assert res.absorbed_mg_min is not None and res.absorbed_mg_max is not None
    assert res.absorbed_mg_max > 2 * res.absorbed_mg_min
    assert res.absorbed_mg_min <= res.absorbed_mg <= res.absorbed_mg_max
    # Schuette's within-study comparison is the top of the range: as much as a soluble salt
    assert r.high == 1.0
    quotes = " ".join(q.quote for q in a.evidence)
    assert "22.8%" in quotes and "4 per cent" in quotes


def test_poorly_soluble_forms_take_the_oxide_range_and_say_assumed() -> None:
    ox = _rel("oxide")
    for form_id in ("hydroxide", "basic-carbonate", "trisilicate", "chloride-enteric-coated", "hydrotalcite"):
        r, basis = relative_range(CAT.get(form_id), MODEL, CAT)
        assert r == ox and basis == "assumed"


def test_forms_with_no_comparison_are_assumed_like_the_soluble_reference() -> None:
    r, basis = relative_range(CAT.get("taurate"), MODEL, CAT)
    assert basis == "assumed" and r == Bounds(1.0, 1.0, 1.0)
    res = label(REF, 500, "taurate")
    assert res.absorption_model.basis_note is not None and "assumed" in res.absorption_model.basis_note
    # their range is the model's own: meal Mg and fasting factor
    assert res.absorbed_mg_min is not None and res.absorbed_mg_max is not None
    assert res.absorbed_mg_min < res.absorbed_mg < res.absorbed_mg_max


def test_acetate_is_the_reference() -> None:
    for form_id in ("acetate-tetrahydrate", "acetate-anhydrous"):
        assert relative_bioavailability(CAT.get(form_id), MODEL, CAT) == (1.0, "reference")


def test_compare_sorts_all_forms_by_central_and_prices() -> None:
    rows = compare(REF, 500).rows
    assert len(rows) == len(CAT.forms)
    assert all(a.absorbed_mg >= b.absorbed_mg for a, b in itertools.pairwise(rows))
    assert all(r.absorbed_mg_min is not None and r.absorbed_mg_min <= r.absorbed_mg for r in rows)
    priced = compare(REF, 500, ["oxide", "citrate"], prices={"oxide": 5.0}).rows
    assert priced[0].cost_per_100mg_absorbed is not None
    assert math.isclose(priced[0].cost_per_100mg_absorbed, 500 / priced[0].absorbed_mg)
    assert priced[0].cost_per_100mg_absorbed_max is not None and priced[0].absorbed_mg_min is not None
    assert math.isclose(priced[0].cost_per_100mg_absorbed_max, 500 / priced[0].absorbed_mg_min)
    assert priced[1].cost_per_100mg_absorbed is None


def test_curve_has_each_form_and_a_band() -> None:
    c = curve(REF, ["oxide", "citrate"], max_mg=600, points=10)
    assert [s.form for s in c.series] == ["oxide", "citrate"]
    assert c.series[0].points[-1].dose_mg == 600
    for s in c.series:
        for p in s.points:
            assert p.absorbed_mg_min is not None and p.absorbed_mg_max is not None
            assert p.absorbed_mg_min <= p.absorbed_mg <= p.absorbed_mg_max
            assert p.fraction_min is not None and math.isclose(p.fraction_min, p.absorbed_mg_min / p.dose_mg)


def test_a_fasting_dose_is_penalised_once() -> None:
    """Issue 21: no meal's Mg in the channel and the fasting factor applied once (12 mg and 81 mg)."""
    vmax, k, km = MODEL.vmax_mg.value, MODEL.linear_fraction.value, km_range(MODEL).central
    for dose in (12.0, 81.0):
        r = absorb(REF, dose, "acetate", elemental=True, splits=1)
        empty = vmax * dose / (km + dose) + k * dose
        assert math.isclose(r.absorbed_mg, empty * MODEL.fasting_factor.value)
        assert r.absorbed_mg > MODEL.supplement_absorbed(dose) * MODEL.fasting_factor.value


def test_the_high_end_never_absorbs_more_than_is_eaten() -> None:
    km = km_range(MODEL)
    assert km.high <= km.central <= km.low
    assert MODEL.vmax_mg.value / km.high + MODEL.linear_fraction.value <= 1 + 1e-12


def test_every_absorbed_figure_names_its_quantity() -> None:
    r = absorb(REF, 200, "citrate", elemental=True)
    assert r.model.quantity is not None and r.model.quantity.startswith("apparent absorption")
    assert r.model.absorption_model
