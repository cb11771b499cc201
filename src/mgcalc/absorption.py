"""Absorbed magnesium: the saturable + linear model of Fine et al. 1991, scaled by form.

A(I) = Vmax * I / (Km + I) + k * I for the soluble reference salt, I the Mg in
one intake. A form absorbs r * A, r its relative bioavailability. With a meal
of m mg Mg, the supplement's share of one intake of d mg is r * (A(m + d) - A(m)).
All figures are estimates for a healthy adult; parameters live in
data/absorption.yaml with their sources.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mgcalc.catalogue import Catalogue, DataModel, Form, Source, SourceKeys, load_packaged, packaged_catalogue
from mgcalc.errors import MgcalcError

Fraction = Annotated[float, Field(gt=0, le=1)]
RelativeBasis = Literal["reference", "measured", "assumed"]

#: Largest number of equal doses a day that --splits accepts.
MAX_SPLITS = 12


class Param(DataModel):
    """A model parameter with its provenance."""

    value: float = Field(ge=0)
    note: str = Field(min_length=1)
    derived: bool = False
    assumed: bool = False
    sources: SourceKeys


class PublishedPoint(DataModel):
    """A fraction absorbed that a study published, for checking the model."""

    supplement_mg: float = Field(ge=0)
    fraction: Fraction
    note: str
    sources: SourceKeys


class ReferenceForm(DataModel):
    """The salt the curve was measured with."""

    id: str
    note: str
    sources: SourceKeys


class Unmeasured(DataModel):
    """Relative bioavailability assumed for forms with no figure."""

    value: Fraction
    note: str = Field(min_length=1)
    assumed: bool
    sources: SourceKeys


class RelativeRule(DataModel):
    """How forms scale the reference curve."""

    measured_rule: str
    unmeasured: Unmeasured


class AbsorptionModel(DataModel):
    """data/absorption.yaml."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    linear_fraction: Param
    fit_meal_mg: Param
    vmax_mg: Param
    km_mg: Param
    published_points: list[PublishedPoint] = Field(min_length=1)
    default_meal_mg: Param
    reference_form: ReferenceForm
    relative_bioavailability: RelativeRule
    sources: dict[str, Source]

    @model_validator(mode="after")
    def _bounded(self) -> AbsorptionModel:
        # the steepest slope of A is at zero intake; above 1 more would be
        # absorbed than eaten
        if self.vmax_mg.value / self.km_mg.value + self.linear_fraction.value > 1:
            raise ValueError("vmax_mg/km_mg + linear_fraction must not exceed 1 (absorbed <= eaten)")
        if self.linear_fraction.value >= 1:
            raise ValueError("linear_fraction must be below 1")
        return self

    def reference_absorbed(self, intake_mg: float) -> float:
        """A(I): mg absorbed from ``intake_mg`` of the soluble reference salt in one sitting."""
        if intake_mg <= 0:
            return 0.0
        vmax, km, k = self.vmax_mg.value, self.km_mg.value, self.linear_fraction.value
        return vmax * intake_mg / (km + intake_mg) + k * intake_mg


class ModelUsed(BaseModel):
    """The parameters behind an absorbed figure (part of --json)."""

    model_config = ConfigDict(defer_build=True)

    equation: str = "A(I) = vmax_mg*I/(km_mg+I) + linear_fraction*I"
    vmax_mg: float
    km_mg: float
    linear_fraction: float
    reference_form: str
    relative_bioavailability: float
    relative_basis: RelativeBasis
    meal_mg: float
    note: str = "estimate for a healthy adult"


@lru_cache(maxsize=1)
def packaged_model() -> AbsorptionModel:
    """The packaged absorption model (data/absorption.yaml)."""
    return load_packaged("absorption.yaml", AbsorptionModel)


def relative_bioavailability(
    form: Form, model: AbsorptionModel | None = None, catalogue: Catalogue | None = None
) -> tuple[float, RelativeBasis]:
    """A form's bioavailability relative to the reference salt, and where it comes from.

    Measured where the catalogue has a fractional absorption at a dose (capped at
    1: this model has nothing above the soluble reference); the same as another
    form where the catalogue says ``like`` (an assumption); otherwise the
    assumed default.
    """
    m = model or packaged_model()
    if form.absorption is not None and form.absorption.like is not None:
        cat = catalogue or packaged_catalogue()
        return relative_bioavailability(cat.get(form.absorption.like), m, cat)[0], "assumed"
    if form.family == m.reference_form.id or form.id == m.reference_form.id:
        return 1.0, "reference"
    a = form.absorption
    if a is not None and a.pct is not None and a.dose_mg is not None:
        predicted = m.reference_absorbed(a.dose_mg) / a.dose_mg
        return min(1.0, a.pct / 100 / predicted), "measured"
    return m.relative_bioavailability.unmeasured.value, "assumed"


def absorbed_mg(
    dose_mg: float, relative: float, meal_mg: float = 0.0, model: AbsorptionModel | None = None
) -> float:
    """Mg absorbed from one intake of ``dose_mg`` elemental (taken with ``meal_mg`` of food Mg)."""
    m = model or packaged_model()
    return relative * (m.reference_absorbed(meal_mg + dose_mg) - m.reference_absorbed(meal_mg))


def model_used(m: AbsorptionModel, r: float, basis: RelativeBasis, meal: float) -> ModelUsed:
    """The parameters behind a figure, for output (shared: do not modify)."""
    return _model_used(
        m.vmax_mg.value, m.km_mg.value, m.linear_fraction.value, m.reference_form.id, r, basis, meal
    )


@lru_cache(maxsize=1024)
def _model_used(
    vmax: float, km: float, k: float, reference: str, r: float, basis: RelativeBasis, meal: float
) -> ModelUsed:
    return ModelUsed(
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
            raise MgcalcError("--meal-mg needs --with-meal")
        return 0.0
    if meal_mg is None:
        return model.default_meal_mg.value
    if not 0 <= meal_mg <= 2000:
        raise MgcalcError(f"meal Mg must be between 0 and 2000 mg, got {meal_mg:g}")
    return meal_mg
