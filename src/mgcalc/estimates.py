"""absorb, compare and curve: the absorption model applied to a daily amount, to forms, to a dose range.

Pure functions; the model itself is in mgcalc.absorption. Estimates for a
healthy adult.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from mgcalc.absorption import (
    MAX_SPLITS,
    AbsorptionModel,
    ModelUsed,
    RelativeBasis,
    absorbed_mg,
    meal_mg_for,
    model_used,
    packaged_model,
    relative_bioavailability,
)
from mgcalc.catalogue import Catalogue, Form, packaged_catalogue
from mgcalc.cautions import Caution, Profile, SafetyFields, amount_cautions, assess, safety
from mgcalc.errors import MgcalcError
from mgcalc.units import check_mg


class SplitRow(BaseModel):
    """One way of taking a daily amount: ``doses`` equal doses."""

    model_config = ConfigDict(defer_build=True)

    doses: int
    per_dose_mg: float
    absorbed_mg: float
    absorbed_pct: float


class AbsorbResult(SafetyFields):
    """Absorbed Mg from one intake, and from the same daily amount split into doses."""

    model_config = ConfigDict(defer_build=True)

    form: str
    form_name: str
    compound_mg: float
    elemental_mg: float
    absorbed_mg: float
    absorbed_pct: float
    with_meal: bool
    splits: list[SplitRow]
    model: ModelUsed


def absorb(
    amount_mg: float,
    form: str | Form,
    *,
    elemental: bool = False,
    splits: int = 4,
    with_meal: bool = False,
    meal_mg: float | None = None,
    catalogue: Catalogue | None = None,
    model: AbsorptionModel | None = None,
    profile: Profile | None = None,
) -> AbsorbResult:
    """Absorbed Mg from ``amount_mg`` of ``form`` in one intake, and split into 1..``splits`` doses.

    ``amount_mg`` is compound weight unless ``elemental``. Each dose is taken
    with a meal of ``meal_mg`` (default from the model) when ``with_meal``.
    """
    cat = catalogue or packaged_catalogue()
    m = model or packaged_model()
    f = form if isinstance(form, Form) else cat.resolve(form)
    check_mg(amount_mg)
    if not 1 <= splits <= MAX_SPLITS:
        raise MgcalcError(f"splits must be between 1 and {MAX_SPLITS}, got {splits}")
    meal = meal_mg_for(with_meal, meal_mg, m)
    el = amount_mg if elemental else amount_mg * f.fraction
    r, basis = relative_bioavailability(f, m, cat)
    rows = []
    for n in range(1, splits + 1):
        total = n * absorbed_mg(el / n, r, meal, m)
        rows.append(SplitRow(doses=n, per_dose_mg=el / n, absorbed_mg=total, absorbed_pct=100 * total / el))
    return AbsorbResult(
        form=f.id,
        form_name=f.name,
        compound_mg=el / f.fraction,
        elemental_mg=el,
        absorbed_mg=rows[0].absorbed_mg,
        absorbed_pct=rows[0].absorbed_pct,
        with_meal=with_meal,
        splits=rows,
        model=model_used(m, r, basis, meal),
        **safety(profile, el, f),
    )


class CompareRow(BaseModel):
    """One form in a comparison."""

    model_config = ConfigDict(defer_build=True)

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
    cautions: list[Caution] = []


class CompareResult(SafetyFields):
    """The same label amount across forms."""

    model_config = ConfigDict(defer_build=True)

    amount_mg: float
    input_basis: Literal["compound", "elemental"]
    with_meal: bool
    meal_mg: float
    rows: list[CompareRow]


def compare(
    amount_mg: float,
    forms: list[str] | None = None,
    *,
    prices: dict[str, float] | None = None,
    elemental: bool = False,
    with_meal: bool = False,
    meal_mg: float | None = None,
    catalogue: Catalogue | None = None,
    model: AbsorptionModel | None = None,
    profile: Profile | None = None,
) -> CompareResult:
    """``amount_mg`` of each form side by side; without ``forms``, every form by absorbed mg.

    ``prices`` maps a form name to the price of ``amount_mg`` of it, giving the
    cost per 100 mg absorbed. Cautions about the person are at the top; those
    about the daily amount of each form (``profile.per_day`` times a day) on its row.
    """
    prof = profile or Profile()
    top = assess(prof)
    cat = catalogue or packaged_catalogue()
    m = model or packaged_model()
    check_mg(amount_mg)
    meal = meal_mg_for(with_meal, meal_mg, m)
    chosen = [cat.resolve(n) for n in forms] if forms else list(cat.forms)
    chosen = list({f.id: f for f in chosen}.values())
    priced: dict[str, float] = {}
    for name, price in (prices or {}).items():
        if not (price >= 0 and price < float("inf")):
            raise MgcalcError(f"price for {name} must be a number >= 0")
        priced[cat.resolve(name).id] = price
    unknown = [i for i in priced if i not in {f.id for f in chosen}]
    if unknown:
        raise MgcalcError(f"--price given for {', '.join(unknown)}, which is not among the compared forms")
    rows = []
    for f in chosen:
        el = amount_mg if elemental else amount_mg * f.fraction
        r, basis = relative_bioavailability(f, m, cat)
        ab = absorbed_mg(el, r, meal, m)
        form_price = priced.get(f.id)
        rows.append(
            CompareRow(
                form=f.id,
                form_name=f.name,
                elemental_pct=f.elemental_pct,
                compound_mg=el / f.fraction,
                elemental_mg=el,
                absorbed_mg=ab,
                absorbed_pct=100 * ab / el,
                relative_bioavailability=r,
                relative_basis=basis,
                laxative=f.laxative,
                price=form_price,
                cost_per_100mg_absorbed=None if form_price is None else 100 * form_price / ab,
                cautions=amount_cautions(prof, el * prof.per_day, f),
            )
        )
    if not forms:
        rows.sort(key=lambda row: -row.absorbed_mg)
    return CompareResult(
        amount_mg=amount_mg,
        input_basis="elemental" if elemental else "compound",
        with_meal=with_meal,
        meal_mg=meal,
        rows=rows,
        per_day=prof.per_day,
        cautions=top.cautions,
        unknown_drugs=top.unknown_drugs,
    )


class CurvePoint(BaseModel):
    """Absorbed mg and fraction at one elemental dose."""

    model_config = ConfigDict(defer_build=True)

    dose_mg: float
    absorbed_mg: float
    fraction: float


class CurveSeries(BaseModel):
    """One form's curve."""

    model_config = ConfigDict(defer_build=True)

    form: str
    form_name: str
    relative_bioavailability: float
    relative_basis: RelativeBasis
    points: list[CurvePoint]


class CurveResult(BaseModel):
    """Curves of absorbed Mg against elemental dose."""

    model_config = ConfigDict(defer_build=True)

    max_mg: float
    meal_mg: float
    series: list[CurveSeries]


def curve(
    forms: list[str],
    *,
    max_mg: float = 1000.0,
    points: int = 50,
    with_meal: bool = False,
    meal_mg: float | None = None,
    catalogue: Catalogue | None = None,
    model: AbsorptionModel | None = None,
) -> CurveResult:
    """Absorbed mg and fraction absorbed against elemental dose, 0 < dose <= ``max_mg``."""
    cat = catalogue or packaged_catalogue()
    m = model or packaged_model()
    check_mg(max_mg, "--max")
    if not 2 <= points <= 1000:
        raise MgcalcError("points must be between 2 and 1000")
    meal = meal_mg_for(with_meal, meal_mg, m)
    chosen = list({f.id: f for f in (cat.resolve(n) for n in forms)}.values())
    if not chosen:
        raise MgcalcError("give at least one --form")
    series = []
    for f in chosen:
        r, basis = relative_bioavailability(f, m, cat)
        pts = []
        for i in range(1, points + 1):
            d = max_mg * i / points
            ab = absorbed_mg(d, r, meal, m)
            pts.append(CurvePoint(dose_mg=d, absorbed_mg=ab, fraction=ab / d))
        series.append(
            CurveSeries(
                form=f.id, form_name=f.name, relative_bioavailability=r, relative_basis=basis, points=pts
            )
        )
    return CurveResult(max_mg=max_mg, meal_mg=meal, series=series)
