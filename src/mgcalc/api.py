"""The Python API: the core functions with the packaged data filled in.

Each function takes an optional ``reference`` (a bundle from
``mgcalc.load_reference``); without one, the packaged data is read once per
process. Nothing here writes anything anywhere or reads the environment.
"""

from __future__ import annotations

import math
from typing import Any

from mgcalc.core import convert as convert_core
from mgcalc.core import dosing, dsld, estimates, labels, panel, safety, units
from mgcalc.core import intake as intake_core
from mgcalc.errors import MgcalcError
from mgcalc.reference import packaged_reference
from mgcalc.schema.data import Form, Reference, Sex, Standard
from mgcalc.schema.estimates import AbsorbResult, CompareResult, CurveResult
from mgcalc.schema.inputs import Profile
from mgcalc.schema.records import ConvertResult, PanelResult, ParseResult
from mgcalc.schema.results import Assessment, DoseResult, IntakeReference, LabelResult


def _ref(reference: Reference | None) -> Reference:
    if reference is not None and not isinstance(reference, Reference):
        raise MgcalcError("reference must be a bundle from mgcalc.load_reference", field="reference")
    return reference if reference is not None else packaged_reference()


# Bad input raises MgcalcError with its ``field`` (python-api.md), never TypeError from deep inside:
# the types are checked here, the values by the core.


def _number(value: object, field: str) -> float:
    """``value`` as a float: an int or float (not a bool, not text: ``parse_amount`` reads text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = "; for text such as '500 mg' use mgcalc.parse_amount" if isinstance(value, str) else ""
        raise MgcalcError(f"{field} must be a number, got {type(value).__name__}{hint}", field=field)
    return float(value)


def _maybe_number(value: object, field: str) -> float | None:
    return None if value is None else _number(value, field)


def _whole(value: object, field: str) -> int:
    """``value`` as an int: a whole number (not a bool, not 2.5)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
    ):
        raise MgcalcError(f"{field} must be a whole number, got {value!r}"[:200], field=field)
    return int(value)


def _form(value: object) -> str | Form:
    if not isinstance(value, str | Form):
        raise MgcalcError(f"form must be a form name or a Form, got {type(value).__name__}", field="form")
    return value


def _profile(value: object) -> Profile | None:
    if value is not None and not isinstance(value, Profile):
        raise MgcalcError(f"profile must be a Profile, got {type(value).__name__}", field="profile")
    return value


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise MgcalcError(f"{field} must be text, got {type(value).__name__}", field=field)
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise MgcalcError(f"{field} must be True or False, got {type(value).__name__}", field=field)
    return value


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
    amount, f, n = _number(amount_mg, "amount"), _form(form), _whole(count, "count")
    prof = _profile(profile)
    prof = safety.check_profile(ref, prof) if prof is not None else None
    return dosing.label(ref, amount, f, count=n, elemental=_flag(elemental, "elemental"), profile=prof)


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
    target, f, tablet = _number(target_mg, "target"), _form(form), _maybe_number(tablet_mg, "tablet")
    prof = _profile(profile)
    prof = safety.check_profile(ref, prof) if prof is not None else None
    return dosing.dose(ref, target, f, tablet_mg=tablet, profile=prof)


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
        _number(amount_mg, "amount"),
        _form(form),
        elemental=_flag(elemental, "elemental"),
        splits=_whole(splits, "splits"),
        with_meal=_flag(with_meal, "with_meal"),
        meal_mg=_maybe_number(meal_mg, "meal_mg"),
        profile=_profile(profile),
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
    if forms is not None and (
        not isinstance(forms, list | tuple) or not all(isinstance(f, str) for f in forms)
    ):
        raise MgcalcError("forms must be a list of form names", field="forms")
    if prices is not None and (not isinstance(prices, dict) or not all(isinstance(k, str) for k in prices)):
        raise MgcalcError("prices must be a dict of form name -> price", field="price")
    return estimates.compare(
        _ref(reference),
        _number(amount_mg, "amount"),
        forms,
        prices=None if prices is None else {k: _number(v, "price") for k, v in prices.items()},
        elemental=_flag(elemental, "elemental"),
        with_meal=_flag(with_meal, "with_meal"),
        meal_mg=_maybe_number(meal_mg, "meal_mg"),
        profile=_profile(profile),
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
    if not isinstance(forms, list | tuple) or not all(isinstance(f, str) for f in forms):
        raise MgcalcError("forms must be a list of form names", field="forms")
    return estimates.curve(
        _ref(reference),
        list(forms),
        max_mg=_number(max_mg, "max_mg"),
        points=_whole(points, "points"),
        with_meal=_flag(with_meal, "with_meal"),
        meal_mg=_maybe_number(meal_mg, "meal_mg"),
    )


def parse_label(text: str, *, reference: Reference | None = None) -> ParseResult:
    """Read one label line."""
    return labels.parse_label(_ref(reference), _text(text, "text"))


def read_panel(
    text_or_record: str | dict[str, Any],
    *,
    profile: Profile | None = None,
    reference: Reference | None = None,
) -> PanelResult:
    """A whole panel: pasted Supplement Facts or Drug Facts text, or a DSLD label record (a dict)."""
    ref = _ref(reference)
    if not isinstance(text_or_record, str | dict):
        raise MgcalcError("a panel is text or a DSLD record (a dict)", field="text")
    prof = _profile(profile)
    prof = safety.check_profile(ref, prof) if prof is not None else None
    if isinstance(text_or_record, dict):
        return dsld.read_label(ref, text_or_record, prof)
    return panel.panel(ref, panel.read_panel_text(text_or_record), prof)


def convert(value: str, unit: str | None = None, *, reference: Reference | None = None) -> ConvertResult:
    """Elemental magnesium mg <-> mmol <-> mEq, or serum mg/dL <-> mmol/L <-> mEq/L with the range."""
    if unit is not None:
        _text(unit, "unit")
    return convert_core.convert(
        _ref(reference), value if isinstance(value, str) else str(_number(value, "value")), unit
    )


def parse_amount(
    text: str | float | int, what: str = "amount", *, reference: Reference | None = None
) -> float:
    """An amount in mg by the one amount grammar, mmol and mEq of magnesium included."""
    return units.parse_amount(text, what, _ref(reference).catalogue.constants)


def check(profile: Profile, *, reference: Reference | None = None) -> Assessment:
    """The cautions for a person (kidneys, drugs, conditions, age)."""
    ref = _ref(reference)
    if not isinstance(profile, Profile):
        raise MgcalcError(f"profile must be a Profile, got {type(profile).__name__}", field="profile")
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
    if sex not in (None, "female", "male"):
        raise MgcalcError(f"sex must be 'female' or 'male', got {sex!r}"[:200], field="sex")
    if standard not in intake_core.STANDARDS:
        raise MgcalcError(f"standard must be 'us' or 'eu', got {standard!r}"[:200], field="standard")
    state = intake_core.life_state(_flag(pregnant, "pregnant"), _flag(lactating, "lactating"), sex)
    return intake_core.reference(_ref(reference), _number(age, "age"), sex, state, standard)
