"""label and dose: arithmetic checked against molmass and the catalogue's constants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from molmass import Formula

from mgcalc import MgcalcError
from mgcalc.core.dosing import dose, label
from mgcalc.core.stoichiometry import meq, mmol, spread, variants
from mgcalc.reference import packaged_reference

REF = packaged_reference()
CAT = REF.catalogue
ids = st.sampled_from(CAT.ids)
mgs = st.floats(min_value=1, max_value=100_000, allow_nan=False)


@given(mgs, ids, st.integers(1, 10))
def test_label_elemental_is_compound_times_fraction(amount: float, form_id: str, count: int) -> None:
    r = label(REF, amount, form_id, count=count)
    f = CAT.get(form_id)
    assert math.isclose(r.elemental_mg, amount * count * f.elemental_pct / 100)
    c = CAT.constants
    assert math.isclose(r.elemental_mmol, r.elemental_mg / c.mg_molar_mass.value)
    assert math.isclose(r.elemental_meq, r.elemental_mmol * c.mg_charge.value)
    assert math.isclose(mmol(CAT, r.elemental_mg), r.elemental_mmol)
    assert math.isclose(meq(CAT, r.elemental_mg), r.elemental_meq)
    assert r.elemental_mg < r.compound_mg


@given(st.floats(min_value=1, max_value=40_000), ids)
def test_elemental_flag_inverts_label(amount: float, form_id: str) -> None:
    back = label(REF, amount, form_id, elemental=True)
    assert math.isclose(label(REF, back.compound_mg, form_id).elemental_mg, amount)


@given(mgs, ids)
def test_variants_cover_the_rest_of_the_family(amount: float, form_id: str) -> None:
    r = label(REF, amount, form_id)
    fam = {f.id for f in CAT.forms if f.family == CAT.get(form_id).family}
    assert {v.form for v in r.variants} == fam - {form_id}
    for v in r.variants:
        assert math.isclose(v.elemental_mg, amount * CAT.get(v.form).elemental_pct / 100)
    f = CAT.get(form_id)
    assert [v["form"] for v in variants(CAT, f, r.elemental_mg, amount)] == [v.form for v in r.variants]


@given(mgs, ids)
def test_spread_brackets_the_family(amount: float, form_id: str) -> None:
    f = CAT.get(form_id)
    # every member counts with its own range (a pharmacopoeial or manufacturer's figure)
    pcts = [p for g in CAT.forms if g.family == f.family for p in g.pct_range]
    sp = spread(CAT, f, amount * f.fraction, amount)
    if min(pcts) == max(pcts):
        assert sp is None
        return
    assert sp is not None and sp["used"] == form_id
    assert math.isclose(sp["elemental_mg_min"], amount * min(pcts) / 100)
    assert math.isclose(sp["elemental_mg_max"], amount * max(pcts) / 100)


@given(st.floats(min_value=1, max_value=40_000), ids, st.floats(min_value=10, max_value=5_000))
def test_dose_tablets_bracket_the_target(target: float, form_id: str, tablet: float) -> None:
    r = dose(REF, target, form_id, tablet_mg=tablet)
    assert math.isclose(label(REF, r.compound_mg, form_id).elemental_mg, target)
    assert r.tablets_below is not None and r.tablets_above is not None
    assert r.elemental_mg_below is not None and r.elemental_mg_above is not None
    assert 0 <= r.tablets_above - r.tablets_below <= 1
    assert r.elemental_mg_below <= target * (1 + 1e-9)
    assert r.elemental_mg_above >= target * (1 - 1e-9)


def test_oxide_350_mg_is_not_the_rounded_ratio() -> None:
    # App::MineralUtils rounds the ratio to 3 decimals before multiplying
    fraction = Formula("MgO").composition()["Mg"].fraction
    got = round(label(REF, 350, "oxide").elemental_mg, 2)
    assert got == round(350 * fraction, 2)
    assert got != round(350 * round(fraction, 3), 2)


def test_hexahydrate_trap_is_in_the_variants() -> None:
    # "magnesium chloride" reads the hexahydrate; the anhydrous salt, 2.1 times as much, is a variant
    r = label(REF, 1000, "magnesium chloride")
    assert r.form == "chloride-hexahydrate"
    anhydrous = next(v for v in r.variants if v.form == "chloride-anhydrous")
    assert anhydrous.elemental_mg > 2 * r.elemental_mg


def test_count_and_totals_are_bounded() -> None:
    with pytest.raises(MgcalcError) as err:
        label(REF, 500, "citrate", count=0)
    assert err.value.field == "count"
    with pytest.raises(MgcalcError, match="over the limit"):
        label(REF, 900_000, "citrate", count=2)
