"""Absorbed magnesium: Fine et al. 1991's saturable + linear curve applied to the dose, as a range.

Fine fitted A(I) = Vmax I/(Km + I) + k I to the net absorption of a total
intake I in one sitting. A dose d of the soluble reference salt absorbs
r * f * A(d): the dose meets the saturable channel by itself (no meal's own Mg
counted against it, so a fasting dose is penalised once, by f, not twice);
r is the form's bioavailability relative to the soluble salt, f = 1 with a
meal and the fasting factor without one (Sabatier 2002: a meal raised
absorption), and the ends of the range take Km from the meal Mg Fine's fit
may have held and the between-study spread of the human isotope studies.
The figure is "apparent absorption" in the sense of the isotope studies: the
share of the dose not recovered in stool (Fine's net absorption is the same
curve; see data/absorption.yaml, ``quantity``). Every comparable study in
data/absorption_studies.yaml lies inside the range (tests/test_absorption_calibration.py).
Estimates for a healthy adult.
"""

from __future__ import annotations

from typing import NamedTuple

from mgcalc.errors import MgcalcError
from mgcalc.schema.absorption import AbsorptionModel
from mgcalc.schema.data import Catalogue, Form
from mgcalc.schema.results import ModelUsed, RelativeBasis

#: Largest number of equal doses a day that splits accepts.
MAX_SPLITS = 12


class Bounds(NamedTuple):
    """A central estimate and its low and high ends."""

    central: float
    low: float
    high: float

    def scaled(self, factor: float) -> Bounds:
        """Every end times ``factor``."""
        return Bounds(self.central * factor, self.low * factor, self.high * factor)


def relative_range(form: Form, model: AbsorptionModel, catalogue: Catalogue) -> tuple[Bounds, RelativeBasis]:
    """A form's bioavailability relative to the soluble reference salt, as a range, and its basis.

    ``like`` another form: that form's range (assumed). The reference salt: 1.
    A relative range in the catalogue (within-study comparisons): measured. A
    fractional absorption at a dose only: measured over predicted, capped at 1.
    Otherwise the assumed default ("like the soluble reference"). Memoised
    (data objects are frozen).
    """
    key = (id(form), id(model), id(catalogue))
    hit = _RELATIVE.get(key)
    if hit is None or hit[0] is not form or hit[1] is not model or hit[2] is not catalogue:
        if len(_RELATIVE) > 4096:
            _RELATIVE.clear()
        hit = _RELATIVE[key] = (form, model, catalogue, _relative_range(form, model, catalogue))
    return hit[3]


_RELATIVE: dict[
    tuple[int, int, int], tuple[Form, AbsorptionModel, Catalogue, tuple[Bounds, RelativeBasis]]
] = {}


def _relative_range(form: Form, model: AbsorptionModel, catalogue: Catalogue) -> tuple[Bounds, RelativeBasis]:
    a = form.absorption
    if a is not None and a.like is not None:
        return relative_range(catalogue.get(a.like), model, catalogue)[0], "assumed"
    if form.family == model.reference_form.id or form.id == model.reference_form.id:
        return Bounds(1.0, 1.0, 1.0), "reference"
    if a is not None and a.relative is not None:
        lo = a.relative if a.relative_min is None else a.relative_min
        hi = a.relative if a.relative_max is None else a.relative_max
        return Bounds(a.relative, lo, hi), "measured"
    if a is not None and a.pct is not None and a.dose_mg is not None:
        predicted = dose_absorbed(model, a.dose_mg) * model.fasting_factor.value / a.dose_mg
        r = min(1.0, a.pct / 100 / predicted)
        return Bounds(r, r, r), "measured"
    u = model.relative_bioavailability.unmeasured
    return Bounds(
        u.value, u.value if u.min is None else u.min, u.value if u.max is None else u.max
    ), "assumed"


def relative_bioavailability(
    form: Form, model: AbsorptionModel, catalogue: Catalogue
) -> tuple[float, RelativeBasis]:
    """The central relative bioavailability and its basis (see ``relative_range``)."""
    r, basis = relative_range(form, model, catalogue)
    return r.central, basis


def meal_factor(model: AbsorptionModel, fed: bool) -> Bounds:
    """1 with a meal (Fine's fed state); the fasting factor's range without one."""
    if fed:
        return Bounds(1.0, 1.0, 1.0)
    f = model.fasting_factor
    return Bounds(f.value, f.low, f.high)


def km_range(model: AbsorptionModel) -> Bounds:
    """Km of Fine's total-intake curve: K less the meal Mg the fit may have held, as a range.

    Central: the assumed meal; the low end of absorption takes the least meal
    Mg (the largest Km), the high end the most, but never so much that the
    curve's first slope Vmax/Km + k exceeds 1 (more absorbed than eaten).
    """
    half, m = model.half_saturation_mg.value, model.fit_meal_mg
    floor = model.vmax_mg.value / (1 - model.linear_fraction.value)
    return Bounds(half - m.value, half - m.low, max(half - m.high, floor))


def study_spread(model: AbsorptionModel) -> Bounds:
    """The between-study factor on the ends of the range (1 where the data give none)."""
    s = model.study_spread
    if s is None:
        return Bounds(1.0, 1.0, 1.0)
    return Bounds(s.value, s.low, s.high)


def dose_absorbed(model: AbsorptionModel, dose_mg: float) -> float:
    """A(d): Fine's curve on the dose alone, central parameters (mg absorbed, with a meal)."""
    if dose_mg <= 0:
        return 0.0
    km = km_range(model).central
    return model.vmax_mg.value * dose_mg / (km + dose_mg) + model.linear_fraction.value * dose_mg


#: The constants of one form's absorbed range (see ``absorbed``): r * f * spread at the central,
#: low and high ends; Km at those ends; Vmax; the linear fraction. (A plain tuple: a NamedTuple
#: class costs start-up time.)
Curve = tuple[Bounds, Bounds, float, float]


def curve(relative: Bounds, fed: bool, model: AbsorptionModel) -> Curve:
    """The constants ``absorbed`` evaluates for a form's relative bioavailability (memoised)."""
    key = (id(model), relative, fed)
    hit = _CURVES.get(key)
    if hit is None or hit[0] is not model:
        if len(_CURVES) > 1024:
            _CURVES.clear()
        f = meal_factor(model, fed)
        s = study_spread(model)
        c = (
            Bounds(
                relative.central * f.central * s.central,
                relative.low * f.low * s.low,
                relative.high * f.high * s.high,
            ),
            km_range(model),
            model.vmax_mg.value,
            model.linear_fraction.value,
        )
        hit = _CURVES[key] = (model, c)
    return hit[1]


_CURVES: dict[tuple[int, Bounds, bool], tuple[AbsorptionModel, Curve]] = {}


def absorbed(dose_mg: float, relative: Bounds, fed: bool, model: AbsorptionModel) -> Bounds:
    """Mg absorbed from one intake of ``dose_mg`` elemental: central, low and high.

    The low end takes every uncertain quantity at its low end (relative
    bioavailability, fasting factor, between-study spread, the largest Km),
    the high end at its high end; never more than the dose.
    """
    return absorbed_on(curve(relative, fed, model), dose_mg)


def absorbed_on(c: Curve, dose_mg: float) -> Bounds:
    """``absorbed`` for a curve worked out already (``curve``): what a batch computes per record."""
    if dose_mg <= 0:
        return Bounds(0.0, 0.0, 0.0)
    (sc, sl, sh), (kc, kl, kh), vmax, k = c
    # r * f * spread * A(d), A(d) = vmax * d / (Km + d) + k * d (Fine's curve on the dose alone)
    linear = k * dose_mg
    central = sc * (vmax * dose_mg / (kc + dose_mg) + linear)
    low = sl * (vmax * dose_mg / (kl + dose_mg) + linear)
    high = sh * (vmax * dose_mg / (kh + dose_mg) + linear)
    return Bounds(min(central, dose_mg), min(low, dose_mg), min(high, dose_mg))


def absorbed_mg(dose_mg: float, relative: float, model: AbsorptionModel, *, fed: bool = False) -> float:
    """The central absorbed estimate for a relative bioavailability known exactly."""
    return absorbed(dose_mg, Bounds(relative, relative, relative), fed, model).central


def percent(part: Bounds, whole: float) -> Bounds:
    """``part`` as a percentage of ``whole`` (0 for nothing)."""
    if whole <= 0:
        return Bounds(0.0, 0.0, 0.0)
    return Bounds(100 * part.central / whole, 100 * part.low / whole, 100 * part.high / whole)


def model_used(
    m: AbsorptionModel, r: Bounds, basis: RelativeBasis, meal: float, fed: bool = False
) -> ModelUsed:
    """The parameters behind a figure, for output (shared between results: do not modify)."""
    key = (id(m), r, basis, meal, fed)
    hit = _MODELS.get(key)
    if hit is None or hit[0] is not m:
        if len(_MODELS) > 1024:
            _MODELS.clear()
        hit = _MODELS[key] = (m, _model_used(m, r, basis, meal, fed))
    return hit[1]


_MODELS: dict[tuple[int, Bounds, str, float, bool], tuple[AbsorptionModel, ModelUsed]] = {}


BASIS_NOTES: dict[RelativeBasis, str] = {
    "reference": "the soluble reference salt of Fine 1991",
    "measured": "relative bioavailability from human comparisons (a range)",
    "assumed": "assumed: no human comparison with a soluble salt",
}


#: Which quantity every absorbed figure is, where the data file does not say.
QUANTITY = (
    "apparent absorption: the share of the dose not recovered in stool (healthy adult; Fine's net "
    "absorption curve, held against isotope studies of the labelled dose)"
)

#: The model's name in output: the curve and what its range contains.
MODEL_ID = "fine1991-dose-alone+calibrated-range"


def quantity(m: AbsorptionModel) -> str:
    """Which quantity every absorbed figure is (the data file's words, else mgcalc's)."""
    return m.quantity or QUANTITY


def _model_used(m: AbsorptionModel, r: Bounds, basis: RelativeBasis, meal: float, fed: bool) -> ModelUsed:
    f = meal_factor(m, fed)
    fit = m.fit_meal_mg
    km = km_range(m)
    s = study_spread(m)
    return ModelUsed.model_construct(
        equation="A(d) = r*f*(vmax_mg*d/(km_mg+d) + linear_fraction*d)",
        vmax_mg=m.vmax_mg.value,
        km_mg=km.central,
        km_mg_min=km.high,
        km_mg_max=km.low,
        linear_fraction=m.linear_fraction.value,
        reference_form=m.reference_form.id,
        relative_bioavailability=r.central,
        relative_bioavailability_min=r.low,
        relative_bioavailability_max=r.high,
        relative_basis=basis,
        basis_note=BASIS_NOTES[basis],
        meal_mg=meal,
        fed=fed,
        meal_factor=f.central,
        meal_factor_min=f.low,
        meal_factor_max=f.high,
        fit_meal_mg=fit.value,
        fit_meal_mg_min=fit.low,
        fit_meal_mg_max=fit.high,
        study_spread=s.central,
        study_spread_min=s.low,
        study_spread_max=s.high,
        absorption_model=MODEL_ID,
        quantity=quantity(m),
    )


def meal_mg_for(with_meal: bool, meal_mg: float | None, model: AbsorptionModel) -> float:
    """The meal Mg to report: 0 without a meal, else ``meal_mg`` or the model's default.

    Reported, not computed with: the estimate with a meal is Fine's fed state.
    """
    if not with_meal:
        if meal_mg is not None:
            raise MgcalcError(
                "a meal's magnesium needs the dose taken with a meal (with_meal)", field="meal_mg"
            )
        return 0.0
    if meal_mg is None:
        return model.default_meal_mg.value
    if not 0 <= meal_mg <= 2000:
        raise MgcalcError(f"meal Mg must be between 0 and 2000 mg, got {meal_mg:g}", field="meal_mg")
    return meal_mg
