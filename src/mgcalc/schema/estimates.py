"""Output models of absorb, compare and curve (part of the JSON contract; see results.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mgcalc.schema.results import Caution, ModelUsed, RelativeBasis, Result, SafetyFields


class SplitRow(Result):
    """One way of taking a daily amount: ``doses`` equal doses."""

    doses: int
    per_dose_mg: float
    absorbed_mg: float
    absorbed_pct: float


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
    cautions: list[Caution] = Field(default_factory=list)


class CompareResult(SafetyFields):
    """The same label amount across forms (``compare``)."""

    amount_mg: float
    input_basis: Literal["compound", "elemental"]
    with_meal: bool
    meal_mg: float
    rows: list[CompareRow]


class CurvePoint(Result):
    """Absorbed mg and fraction at one elemental dose."""

    dose_mg: float
    absorbed_mg: float
    fraction: float


class CurveSeries(Result):
    """One form's curve."""

    form: str
    form_name: str
    relative_bioavailability: float
    relative_basis: RelativeBasis
    points: list[CurvePoint]


class CurveResult(Result):
    """Curves of absorbed Mg against elemental dose (``curve``)."""

    max_mg: float
    meal_mg: float
    series: list[CurveSeries]
