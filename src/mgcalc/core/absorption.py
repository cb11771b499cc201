"""Absorbed magnesium: the saturable + linear model of Fine et al. 1991, scaled by form.

A(I) = Vmax * I / (Km + I) + k * I for the soluble reference salt, I the Mg in
one intake. A form absorbs r * A, r its relative bioavailability. With a meal
of m mg Mg, the supplement's share of one intake of d mg is r * (A(m + d) - A(m)).
All figures are estimates for a healthy adult; parameters live in
data/absorption.yaml with their sources.
"""

from __future__ import annotations

from functools import lru_cache

from mgcalc.errors import MgcalcError
from mgcalc.schema.build import make
from mgcalc.schema.data import AbsorptionModel, Catalogue, Form
from mgcalc.schema.results import ModelUsed, RelativeBasis

#: Largest number of equal doses a day that splits accepts.
MAX_SPLITS = 12


def relative_bioavailability(
    form: Form, model: AbsorptionModel, catalogue: Catalogue
) -> tuple[float, RelativeBasis]:
    """A form's bioavailability relative to the reference salt, and where it comes from.

    Measured where the catalogue has a fractional absorption at a dose (capped at
    1: this model has nothing above the soluble reference); the same as another
    form where the catalogue says ``like`` (an assumption); otherwise the
    assumed default.
    """
    if form.absorption is not None and form.absorption.like is not None:
        return relative_bioavailability(catalogue.get(form.absorption.like), model, catalogue)[0], "assumed"
    if form.family == model.reference_form.id or form.id == model.reference_form.id:
        return 1.0, "reference"
    a = form.absorption
    if a is not None and a.pct is not None and a.dose_mg is not None:
        predicted = model.reference_absorbed(a.dose_mg) / a.dose_mg
        return min(1.0, a.pct / 100 / predicted), "measured"
    return model.relative_bioavailability.unmeasured.value, "assumed"


def absorbed_mg(dose_mg: float, relative: float, meal_mg: float, model: AbsorptionModel) -> float:
    """Mg absorbed from one intake of ``dose_mg`` elemental (taken with ``meal_mg`` of food Mg)."""
    return relative * (model.reference_absorbed(meal_mg + dose_mg) - model.reference_absorbed(meal_mg))


def model_used(m: AbsorptionModel, r: float, basis: RelativeBasis, meal: float) -> ModelUsed:
    """The parameters behind a figure, for output (shared between results: do not modify)."""
    return _model_used(
        m.vmax_mg.value, m.km_mg.value, m.linear_fraction.value, m.reference_form.id, r, basis, meal
    )


@lru_cache(maxsize=1024)
def _model_used(
    vmax: float, km: float, k: float, reference: str, r: float, basis: RelativeBasis, meal: float
) -> ModelUsed:
    return make(
        ModelUsed,
        vmax_mg=vmax,
        km_mg=km,
        linear_fraction=k,
        reference_form=reference,
        relative_bioavailability=r,
        relative_basis=basis,
        meal_mg=meal,
    )


def meal_mg_for(with_meal: bool, meal_mg: float | None, model: AbsorptionModel) -> float:
    """The meal Mg to use: 0 without a meal, else ``meal_mg`` or the model's default."""
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
