"""The Python API: the core functions with the packaged data filled in.

Each function takes an optional ``reference`` (a bundle from
``mgcalc.load_reference``); without one, the packaged data is read once per
process. Nothing here writes anything anywhere or reads the environment.
"""

from __future__ import annotations

from typing import Any

from mgcalc.core import convert as convert_core
from mgcalc.core import dosing, dsld, estimates, labels, panel, safety, units
from mgcalc.core import intake as intake_core
from mgcalc.reference import packaged_reference
from mgcalc.schema.data import Form, Reference, Sex, Standard
from mgcalc.schema.estimates import AbsorbResult, CompareResult, CurveResult
from mgcalc.schema.inputs import Profile
from mgcalc.schema.records import ConvertResult, PanelResult, ParseResult
from mgcalc.schema.results import Assessment, DoseResult, IntakeReference, LabelResult


def _ref(reference: Reference | None) -> Reference:
    return reference if reference is not None else packaged_reference()


def label(
    amount_mg: float,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    profile: Profile | None = None,
    reference: Reference | None = None,
) -> LabelResult:
    """Elemental Mg in ``count`` x ``amount_mg`` of ``form`` (see ``mgcalc.core.dosing.label``)."""
    ref = _ref(reference)
    prof = safety.check_profile(ref, profile) if profile is not None else None
    return dosing.label(ref, amount_mg, form, count=count, elemental=elemental, profile=prof)


def dose(
    target_mg: float,
    form: str | Form,
    *,
    tablet_mg: float | None = None,
    profile: Profile | None = None,
    reference: Reference | None = None,
) -> DoseResult:
    """Compound weight of ``form`` that delivers ``target_mg`` elemental Mg."""
    ref = _ref(reference)
    prof = safety.check_profile(ref, profile) if profile is not None else None
    return dosing.dose(ref, target_mg, form, tablet_mg=tablet_mg, profile=prof)


def absorb(
    amount_mg: float,
    form: str | Form,
    *,
    elemental: bool = False,
    splits: int = 4,
    with_meal: bool = False,
    meal_mg: float | None = None,
    profile: Profile | None = None,
    reference: Reference | None = None,
) -> AbsorbResult:
    """Absorbed Mg from one intake, and split into 1..``splits`` doses (estimates)."""
    return estimates.absorb(
        _ref(reference),
        amount_mg,
        form,
        elemental=elemental,
        splits=splits,
        with_meal=with_meal,
        meal_mg=meal_mg,
        profile=profile,
    )


def compare(
    amount_mg: float,
    forms: list[str] | None = None,
    *,
    prices: dict[str, float] | None = None,
    elemental: bool = False,
    with_meal: bool = False,
    meal_mg: float | None = None,
    profile: Profile | None = None,
    reference: Reference | None = None,
) -> CompareResult:
    """The same amount across forms."""
    return estimates.compare(
        _ref(reference),
        amount_mg,
        forms,
        prices=prices,
        elemental=elemental,
        with_meal=with_meal,
        meal_mg=meal_mg,
        profile=profile,
    )


def curve(
    forms: list[str],
    *,
    max_mg: float = 1000.0,
    points: int = 50,
    with_meal: bool = False,
    meal_mg: float | None = None,
    reference: Reference | None = None,
) -> CurveResult:
    """Absorbed mg and fraction absorbed against elemental dose."""
    return estimates.curve(
        _ref(reference), forms, max_mg=max_mg, points=points, with_meal=with_meal, meal_mg=meal_mg
    )


def parse_label(text: str, *, reference: Reference | None = None) -> ParseResult:
    """Read one label line."""
    return labels.parse_label(_ref(reference), text)


def read_panel(
    text_or_record: str | dict[str, Any],
    *,
    profile: Profile | None = None,
    reference: Reference | None = None,
) -> PanelResult:
    """A whole panel: pasted Supplement Facts or Drug Facts text, or a DSLD label record (a dict)."""
    ref = _ref(reference)
    prof = safety.check_profile(ref, profile) if profile is not None else None
    if isinstance(text_or_record, dict):
        return dsld.read_label(ref, text_or_record, prof)
    return panel.panel(ref, panel.read_panel_text(text_or_record), prof)


def convert(value: str, unit: str | None = None, *, reference: Reference | None = None) -> ConvertResult:
    """Elemental magnesium mg <-> mmol <-> mEq, or serum mg/dL <-> mmol/L <-> mEq/L with the range."""
    return convert_core.convert(_ref(reference), value, unit)


def parse_amount(
    text: str | float | int, what: str = "amount", *, reference: Reference | None = None
) -> float:
    """An amount in mg by the one amount grammar, mmol and mEq of magnesium included."""
    return units.parse_amount(text, what, _ref(reference).catalogue.constants)


def check(profile: Profile, *, reference: Reference | None = None) -> Assessment:
    """The cautions for a person (kidneys, drugs, conditions, age)."""
    ref = _ref(reference)
    return safety.assess(ref, safety.check_profile(ref, profile))


def intake(
    age: float,
    sex: Sex | None = None,
    *,
    pregnant: bool = False,
    lactating: bool = False,
    standard: Standard = "us",
    reference: Reference | None = None,
) -> IntakeReference:
    """Reference intake and supplemental UL for a person."""
    state = intake_core.life_state(pregnant, lactating, sex)
    return intake_core.reference(_ref(reference), age, sex, state, standard)
