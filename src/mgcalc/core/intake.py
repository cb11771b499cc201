"""Reference intakes (RDA/AI) and upper levels by life stage, from the intake data."""

from __future__ import annotations

import math

from mgcalc.errors import MgcalcError
from mgcalc.schema.base import Sex, Standard, State
from mgcalc.schema.data import Reference
from mgcalc.schema.intake import IntakeData
from mgcalc.schema.results import IntakeReference

STANDARDS: tuple[Standard, ...] = ("us", "eu")
#: Age assumed for the upper level when none is given.
ADULT_AGE = 30.0


def check_age(age: float) -> float:
    """An age in years, 0-130; MgcalcError otherwise."""
    if not math.isfinite(age) or not 0 <= age <= 130:
        raise MgcalcError(f"age must be between 0 and 130 years, got {age:g}", field="age")
    return age


def life_state(pregnant: bool, lactating: bool, sex: Sex | None) -> State:
    """The state for pregnancy/lactation flags; MgcalcError for impossible combinations."""
    if pregnant and lactating:
        raise MgcalcError("pregnant and lactating are exclusive: choose one", field="pregnant")
    if (pregnant or lactating) and sex == "male":
        raise MgcalcError("pregnancy and lactation need sex female (or no sex given)", field="sex")
    return "pregnant" if pregnant else "lactating" if lactating else "none"


def reference(
    ref: Reference, age: float, sex: Sex | None = None, state: State = "none", standard: Standard = "us"
) -> IntakeReference:
    """Reference intake and supplemental UL for a person.

    Without ``sex``, only life stages where values do not depend on sex
    resolve; pregnancy and lactation imply female.
    """
    key = ("reference", age, sex, state, standard)
    hit = ref.memo.get(key)
    if hit is None:
        hit = ref.memo[key] = _reference(age, sex, state, standard, ref.intake)
    assert isinstance(hit, IntakeReference)
    return hit


def _reference(
    age: float, sex: Sex | None, state: State, standard: Standard, d: IntakeData
) -> IntakeReference:
    check_age(age)
    if state != "none":
        sex = "female"
    found = [b for b in d.bands if b.standard == standard and b.covers(age, sex, state)]
    if not found and state != "none" and any(b.standard == standard and b.state == state for b in d.bands):
        return _outside_state_bands(age, state, standard, d)
    if not found:
        if sex is None and any(b.standard == standard and b.covers(age, "female", state) for b in d.bands):
            raise MgcalcError(
                f"the reference intake at age {age:g} depends on sex: give the sex (female or male)",
                field="sex",
            )
        what = {"none": "", "pregnant": " in pregnancy", "lactating": " in lactation"}[state]
        raise MgcalcError(f"no {standard.upper()} reference intake{what} at age {age:g}", field="age")
    b = found[0]
    info = d.standards[standard]
    ul, ul_note, ul_std, ul_sources = b.ul_supplemental_mg, b.ul_note or info.ul_note, None, []
    if ul is None and b.ul_fallback is not None:
        fb = d.standards[b.ul_fallback]
        fb_band = next(
            (
                x
                for x in d.bands
                if x.standard == b.ul_fallback and x.state == "none" and x.covers(age, None, "none")
            ),
            None,
        )
        if fb_band is not None and fb_band.ul_supplemental_mg is not None:
            ul, ul_std, ul_sources = fb_band.ul_supplemental_mg, fb.name, fb_band.sources
    return IntakeReference.model_construct(
        standard=standard,
        standard_name=info.name,
        life_stage=b.life_stage,
        age=age,
        sex=sex,
        state=state,
        rda_mg=b.mg if b.kind == "rda" else None,
        ai_mg=b.mg if b.kind == "ai" else None,
        ul_supplemental_mg=ul,
        ul_note=ul_note,
        note=b.note,
        sources=list(dict.fromkeys([*b.sources, *info.sources, *ul_sources])),
        ul_standard=ul_std,
    )


def _outside_state_bands(age: float, state: State, standard: Standard, d: IntakeData) -> IntakeReference:
    """Pregnancy or lactation at an age no such band covers (US: 14-50): the age band's values
    (female), with the lower of its UL and the nearest pregnancy/lactation band's UL: a wrongly
    set flag can only lower the UL (a child's stays the child's), never raise it."""
    own = _reference(age, "female", "none", standard, d)
    bands = [b for b in d.bands if b.standard == standard and b.state == state]
    near = min(bands, key=lambda b: b.age_min - age if age < b.age_min else age - b.age_max)
    ul, ul_std, sources = own.ul_supplemental_mg, own.ul_standard, list(own.sources)
    if ul is not None and near.ul_supplemental_mg is not None and near.ul_supplemental_mg < ul:
        ul, ul_std, sources = near.ul_supplemental_mg, None, [*sources, *near.sources]
    word = {"pregnant": "pregnancy", "lactating": "lactation"}[state]
    note = (
        f"{standard.upper()} {word} bands cover ages {min(b.age_min for b in bands):g} to under "
        f"{max(b.age_max for b in bands):g}: at age {age:g} the values of the age band apply, "
        f"with the lower of its UL and that of {near.life_stage}"
    )
    return IntakeReference.model_construct(
        **{
            **own.model_dump(),
            "life_stage": f"{own.life_stage}, {state} (no {word} band at this age)",
            "state": state,
            "ul_supplemental_mg": ul,
            "ul_standard": ul_std,
            "note": f"{own.note}; {note}" if own.note else note,
            "sources": list(dict.fromkeys(sources)),
        }
    )


def upper_level(
    ref: Reference, age: float | None, state: State = "none", standard: Standard = "us"
) -> IntakeReference:
    """The band giving the supplemental UL, which does not depend on sex (adult if no age)."""
    a = ADULT_AGE if age is None else check_age(age)
    for sex in (None, "female", "male"):
        if any(b.standard == standard and b.covers(a, sex, state) for b in ref.intake.bands):
            return reference(ref, a, sex, state, standard)
    return reference(ref, a, None, state, standard)  # raises with the reason
