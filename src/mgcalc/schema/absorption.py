"""data/absorption.yaml: the absorbed-share model and its uncertainty."""

from typing import Annotated

from pydantic import Field, model_validator

from mgcalc.schema.base import DataModel, SourceKeys

Fraction = Annotated[float, Field(gt=0, le=1)]


class Param(DataModel):
    """A model parameter with its provenance; ``min``/``max`` where it is uncertain."""

    value: float = Field(ge=0)
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    note: str = Field(min_length=1)
    derived: bool = False
    assumed: bool = False
    sources: SourceKeys
    quote: str | None = Field(default=None, description="the sentence the value rests on, verbatim")
    where: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Param":
        if not self.low <= self.value <= self.high:
            raise ValueError("value must lie within min..max")
        return self

    @property
    def low(self) -> float:
        """The low end (the value itself where it is not uncertain)."""
        return self.value if self.min is None else self.min

    @property
    def high(self) -> float:
        """The high end (the value itself where it is not uncertain)."""
        return self.value if self.max is None else self.max


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
    """Relative bioavailability assumed for forms with no human comparison."""

    value: Fraction
    min: Fraction | None = None
    max: Fraction | None = None
    note: str = Field(min_length=1)
    assumed: bool
    sources: SourceKeys


class RelativeRule(DataModel):
    """How forms scale the reference curve."""

    measured_rule: str
    unmeasured: Unmeasured


class AbsorptionModel(DataModel):
    """data/absorption.yaml: the supplement's absorbed share in Fine's fed state, and its uncertainty.

    S(d) = vmax * (1 - m/K) * d / (K + d) + k * d for d mg of the soluble
    reference salt taken with Fine's standard meal of m mg Mg, where K = Km + m
    (``half_saturation_mg``) and vmax follow from the two published points
    whatever m is. m (``fit_meal_mg``) is assumed, with a range; without a meal
    the share is scaled by ``fasting_factor``.
    """

    schema_version: int = Field(alias="schema", ge=1, le=1)
    linear_fraction: Param
    fit_meal_mg: Param
    vmax_mg: Param
    km_mg: Param
    half_saturation_mg: Param
    fasting_factor: Param
    published_points: list[PublishedPoint] = Field(min_length=1)
    default_meal_mg: Param
    reference_form: ReferenceForm
    relative_bioavailability: RelativeRule
    study_spread: Param | None = None
    quantity: str | None = Field(default=None, description="which quantity the absorbed figures are")

    @model_validator(mode="after")
    def _bounded(self) -> "AbsorptionModel":
        k, vmax, half = self.linear_fraction.value, self.vmax_mg.value, self.half_saturation_mg.value
        if k >= 1:
            raise ValueError("linear_fraction must be below 1")
        if half <= 0 or self.km_mg.value <= 0:
            raise ValueError("km_mg and half_saturation_mg must be above 0")
        # the steepest slope of the total curve is at zero intake; above 1 more would be absorbed than eaten
        if vmax / half + k > 1 or vmax / self.km_mg.value + k > 1:
            raise ValueError("vmax_mg/km_mg + linear_fraction must not exceed 1 (absorbed <= eaten)")
        if not self.fit_meal_mg.high < half:
            raise ValueError("fit_meal_mg must stay below half_saturation_mg (Km = K - meal > 0)")
        if abs(self.km_mg.value + self.fit_meal_mg.value - half) > 0.05:
            raise ValueError("km_mg + fit_meal_mg must equal half_saturation_mg")
        if not 0 < self.fasting_factor.low <= self.fasting_factor.high <= 1:
            raise ValueError(
                "fasting_factor must be within (0, 1]: a meal never lowers the supplement's share"
            )
        return self

    def source_keys(self) -> list[str]:
        """Every source key the model refers to."""
        keys: list[str] = []
        for p in (
            self.linear_fraction,
            self.fit_meal_mg,
            self.vmax_mg,
            self.km_mg,
            self.half_saturation_mg,
            self.fasting_factor,
            self.default_meal_mg,
            *([self.study_spread] if self.study_spread is not None else []),
        ):
            keys += p.sources
        for pt in self.published_points:
            keys += pt.sources
        keys += self.reference_form.sources + self.relative_bioavailability.unmeasured.sources
        return list(dict.fromkeys(keys))

    def reference_absorbed(self, intake_mg: float, meal_mg: float | None = None) -> float:
        """A(I): mg absorbed from a total intake (meal + soluble salt) in one sitting, Fine's curve.

        ``meal_mg`` is the meal Mg the fit assumes (the central one by default):
        Km = K - meal.
        """
        if intake_mg <= 0:
            return 0.0
        m = self.fit_meal_mg.value if meal_mg is None else meal_mg
        km = self.half_saturation_mg.value - m
        return self.vmax_mg.value * intake_mg / (km + intake_mg) + self.linear_fraction.value * intake_mg

    def effective_vmax(self, meal_mg: float) -> float:
        """The saturable maximum left to a supplement taken with Fine's meal of ``meal_mg``."""
        return self.vmax_mg.value * (1 - meal_mg / self.half_saturation_mg.value)

    def supplement_absorbed(self, dose_mg: float, meal_mg: float | None = None) -> float:
        """S(d): the supplement's absorbed share with Fine's standard meal, A(m + d) - A(m)."""
        if dose_mg <= 0:
            return 0.0
        m = self.fit_meal_mg.value if meal_mg is None else meal_mg
        half = self.half_saturation_mg.value
        return self.effective_vmax(m) * dose_mg / (half + dose_mg) + self.linear_fraction.value * dose_mg
