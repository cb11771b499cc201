"""Output models of absorb, compare and curve (part of the JSON contract; see results.py)."""

from typing import Literal

from pydantic import Field

from mgcalc.schema.base import empty_list
from mgcalc.schema.results import Caution, ModelUsed, RelativeBasis, Result, SafetyFields


class SplitRow(Result):
    """One way of taking a daily amount: ``doses`` equal doses."""

    doses: int
    per_dose_mg: float
    absorbed_mg: float
    absorbed_pct: float
    absorbed_mg_min: float | None = Field(default=None, description="low end of the absorbed estimate")
    absorbed_mg_max: float | None = Field(default=None, description="high end of the absorbed estimate")
    absorbed_pct_min: float | None = None
    absorbed_pct_max: float | None = None


class AbsorbResult(SafetyFields):
    """Absorbed Mg from one intake, and from the same daily amount split into doses (``absorb``)."""

    form: str
    form_name: str
    compound_mg: float
    elemental_mg: float
    absorbed_mg: float
    absorbed_pct: float
    with_meal: bool
    splits: list[SplitRow]
    model: ModelUsed
    absorbed_mg_min: float | None = Field(default=None, description="low end of the absorbed estimate")
    absorbed_mg_max: float | None = Field(default=None, description="high end of the absorbed estimate")
    absorbed_pct_min: float | None = None
    absorbed_pct_max: float | None = None


class CompareRow(Result):
    """One form in a comparison."""

    form: str
    form_name: str
    elemental_pct: float
    compound_mg: float
    elemental_mg: float
    absorbed_mg: float
    absorbed_pct: float
    relative_bioavailability: float
    relative_basis: RelativeBasis
    laxative: str
    price: float | None = None
    cost_per_100mg_absorbed: float | None = None
    cautions: list[Caution] = Field(default_factory=empty_list)
    relative_bioavailability_min: float | None = None
    relative_bioavailability_max: float | None = None
    cost_per_100mg_absorbed_min: float | None = Field(default=None, description="at the high absorbed end")
    cost_per_100mg_absorbed_max: float | None = Field(default=None, description="at the low absorbed end")
    absorbed_mg_min: float | None = Field(default=None, description="low end of the absorbed estimate")
    absorbed_mg_max: float | None = Field(default=None, description="high end of the absorbed estimate")
    absorbed_pct_min: float | None = None
    absorbed_pct_max: float | None = None


class CompareResult(SafetyFields):
    """The same label amount across forms (``compare``)."""

    amount_mg: float
    input_basis: Literal["compound", "elemental"]
    with_meal: bool
    meal_mg: float
    rows: list[CompareRow]
    absorption_model: str | None = Field(default=None, description="which model gives the absorbed figures")
    quantity: str | None = Field(default=None, description="which quantity the absorbed figures are")


class CurvePoint(Result):
    """Absorbed mg and fraction at one elemental dose, with the band around them."""

    dose_mg: float
    absorbed_mg: float
    fraction: float
    absorbed_mg_min: float | None = None
    absorbed_mg_max: float | None = None
    fraction_min: float | None = None
    fraction_max: float | None = None


class CurveSeries(Result):
    """One form's curve."""

    form: str
    form_name: str
    relative_bioavailability: float
    relative_basis: RelativeBasis
    points: list[CurvePoint]
    relative_bioavailability_min: float | None = None
    relative_bioavailability_max: float | None = None


class CurveResult(Result):
    """Curves of absorbed Mg against elemental dose (``curve``)."""

    max_mg: float
    meal_mg: float
    series: list[CurveSeries]
    with_meal: bool | None = None
    absorption_model: str | None = Field(default=None, description="which model gives the absorbed figures")
    quantity: str | None = Field(default=None, description="which quantity the absorbed figures are")
