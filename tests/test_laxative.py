"""The laxative caution: by the evidence in data/forms.yaml and by the dose taken at once.

Every figure here comes from the data (``laxative_evidence`` of each form, the class default
its ``like`` names), never restated: the tests hold whatever the data says.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import Profile, dose
from mgcalc.core.safety import laxative_basis, laxative_floor, laxative_near, laxative_quiet_below
from mgcalc.reference import packaged_reference
from mgcalc.schema.data import Form, severity

REF = packaged_reference()
FORMS = list(REF.catalogue.forms)
form_ids = st.sampled_from([f.id for f in FORMS])
doses = st.floats(min_value=1.0, max_value=5000.0, allow_nan=False, allow_infinity=False)


def laxative_rank(form_id: str, per_intake_mg: float, per_day: int = 1) -> int:
    """-1 without a laxative caution, else the caution's severity, through the public API."""
    result = dose(per_intake_mg, form_id, profile=Profile(per_day=per_day))
    levels = [severity(c.level) for c in result.cautions if c.code == "laxative"]
    assert len(levels) <= 1
    return levels[0] if levels else -1


# ---- the data: every form rests on a quoted source or says "no data"


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_every_form_has_evidence_or_says_no_data(form: Form) -> None:
    ev = form.laxative_evidence
    assert ev.read in ("abstract", "full text", "no data")
    if ev.read == "no data":
        assert ev.quote is None and ev.source is None and ev.own_dose_mg is None
        assert ev.like is not None and ev.note, "a 'no data' form names its class default and why"
    else:
        assert ev.quote and ev.where and ev.source
        assert REF.source(ev.source) is not None, ev.source


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_the_class_default_is_a_form_whose_source_states_a_dose(form: Form) -> None:
    dose_mg, ev = laxative_basis(REF, form)
    assert dose_mg > 0 and ev.describes and ev.source and ev.quote
    assert ev.read != "no data"
    if form.laxative_evidence.own_dose_mg is None:
        target = REF.catalogue.get(form.laxative_evidence.like or "")
        assert laxative_basis(REF, target) == (dose_mg, ev)


@pytest.mark.parametrize(
    "form", [f for f in FORMS if f.laxative_evidence.own_dose_mg is not None], ids=lambda f: f.id
)
def test_a_stated_dose_is_in_the_sentence_or_its_derivation(form: Form) -> None:
    ev = form.laxative_evidence
    text = f"{ev.quote} {ev.where}"
    for figure in (ev.dose_mg, ev.daily_mg):
        if figure is not None:
            assert f"{figure:g} mg" in text or f"{figure:,.0f} mg" in text, (form.id, figure)


def test_the_class_default_is_the_lowest_dose_any_source_states() -> None:
    floor, _ = laxative_floor(REF)
    stated = [d for f in FORMS if (d := f.laxative_evidence.own_dose_mg) is not None]
    assert floor == min(stated)


# ---- the caution: by the dose taken at once


@settings(max_examples=150, deadline=None)
@given(form_ids, doses, doses)
def test_the_caution_is_monotone_in_the_dose_taken_at_once(form_id: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert laxative_rank(form_id, lo) <= laxative_rank(form_id, hi)


@settings(max_examples=150, deadline=None)
@given(form_ids, doses, st.integers(1, 12), st.integers(1, 12))
def test_splitting_a_dose_never_raises_the_level(form_id: str, daily: float, n1: int, n2: int) -> None:
    fewer, more = sorted((n1, n2))
    assert laxative_rank(form_id, daily / more, more) <= laxative_rank(form_id, daily / fewer, fewer)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_the_form_s_own_dose_is_where_the_caution_starts(form: Form) -> None:
    dose_mg, _ = laxative_basis(REF, form)
    assert laxative_rank(form.id, dose_mg) == severity("caution")
    assert laxative_rank(form.id, dose_mg * 0.999) < severity("caution")
    near = laxative_near(REF) * min(dose_mg, laxative_floor(REF)[0])
    assert laxative_rank(form.id, near * 0.999) == -1
    assert laxative_rank(form.id, near) == severity("info")


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_the_same_day_split_is_quieter(form: Form) -> None:
    dose_mg, _ = laxative_basis(REF, form)
    assert laxative_rank(form.id, dose_mg) == severity("caution")
    assert laxative_rank(form.id, dose_mg / 4, per_day=4) < severity("caution")  # the same day in four


def test_the_message_speaks_of_the_dose_at_once_and_the_evidence() -> None:
    for form in FORMS:
        dose_mg, ev = laxative_basis(REF, form)
        cautions = [c for c in dose(dose_mg, form.id).cautions if c.code == "laxative"]
        assert len(cautions) == 1
        c = cautions[0]
        assert "at once" in c.message and form.name in c.message and str(ev.describes) in c.message
        assert c.quote is not None and str(ev.quote) in c.quote
        assert REF.cite([str(ev.source)]) in c.source
        if form.laxative_evidence.own_dose_mg is None:
            assert "no laxative dose is known for this form" in c.message


@settings(max_examples=100, deadline=None)
@given(form_ids, st.floats(min_value=1.0, max_value=1000.0))
def test_nothing_below_the_quiet_dose(form_id: str, fraction: float) -> None:
    per_intake = laxative_quiet_below(REF) * fraction / 1000.0
    if per_intake < laxative_quiet_below(REF):
        assert laxative_rank(form_id, per_intake) == -1


def test_chronic_diarrhoea_still_cautions_at_any_dose() -> None:
    prof = Profile(conditions=["chronic diarrhea"])
    small = min(laxative_basis(REF, f)[0] for f in FORMS) / 10
    for form in FORMS:
        if form.laxative == "none":
            continue
        cautions = [c for c in dose(small, form.id, profile=prof).cautions if c.code == "laxative"]
        assert [c.level for c in cautions] == ["caution"], form.id
