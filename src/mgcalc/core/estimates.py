"""absorb, compare and curve: the absorption model applied to a daily amount, to forms, to a dose range.

Pure functions; the model itself is in mgcalc.core.absorption. Estimates for a
healthy adult.
"""

from __future__ import annotations

from typing import Any

from mgcalc.core.absorption import (
    MAX_SPLITS,
    MODEL_ID,
    Bounds,
    absorbed,
    meal_mg_for,
    model_used,
    percent,
    quantity,
    relative_range,
)
from mgcalc.core.dosing import _with_estimate_note, resolve
from mgcalc.core.safety import amount_cautions, assess, estimate_cautions, safety
from mgcalc.core.units import check_mg
from mgcalc.errors import MgcalcError
from mgcalc.schema.data import Form, Reference
from mgcalc.schema.estimates import (
    AbsorbResult,
    CompareResult,
    CompareRow,
    CurvePoint,
    CurveResult,
    CurveSeries,
    SplitRow,
)
from mgcalc.schema.inputs import Profile


def absorb(
    ref: Reference,
    amount_mg: float,
    form: str | Form,
    *,
    elemental: bool = False,
    splits: int = 4,
    with_meal: bool = False,
    meal_mg: float | None = None,
    profile: Profile | None = None,
) -> AbsorbResult:
    """Absorbed Mg from ``amount_mg`` of ``form`` in one intake, and split into 1..``splits`` doses.

    ``amount_mg`` is compound weight unless ``elemental``. Each dose is taken
    with a meal when ``with_meal`` (Fine's fed state; ``meal_mg`` is recorded).
    Every absorbed figure is a central estimate with a low and a high end.
    """
    cat, m = ref.catalogue, ref.absorption
    f = resolve(ref, form)
    check_mg(amount_mg)
    if not 1 <= splits <= MAX_SPLITS:
        raise MgcalcError(f"splits must be between 1 and {MAX_SPLITS}, got {splits}", field="splits")
    meal = meal_mg_for(with_meal, meal_mg, m)
    el = amount_mg if elemental else amount_mg * f.fraction
    r, basis = relative_range(f, m, cat)
    rows = []
    for n in range(1, splits + 1):
        total = absorbed(el / n, r, with_meal, m).scaled(n)
        pct = percent(total, el)
        rows.append(
            SplitRow.model_construct(
                doses=n,
                per_dose_mg=el / n,
                absorbed_mg=total.central,
                absorbed_pct=pct.central,
                **_range_fields(total, pct),
            )
        )
    first = rows[0]
    return AbsorbResult.model_construct(
        form=f.id,
        form_name=f.name,
        compound_mg=el / f.fraction,
        elemental_mg=el,
        absorbed_mg=first.absorbed_mg,
        absorbed_pct=first.absorbed_pct,
        with_meal=with_meal,
        splits=rows,
        model=model_used(m, r, basis, meal, with_meal),
        absorbed_mg_min=first.absorbed_mg_min,
        absorbed_mg_max=first.absorbed_mg_max,
        absorbed_pct_min=first.absorbed_pct_min,
        absorbed_pct_max=first.absorbed_pct_max,
        **_with_estimate_note(ref, profile, safety(ref, profile, el, f)),
    )


def _range_fields(ab: Bounds, pct: Bounds) -> dict[str, Any]:
    return {
        "absorbed_mg_min": ab.low,
        "absorbed_mg_max": ab.high,
        "absorbed_pct_min": pct.low,
        "absorbed_pct_max": pct.high,
    }


def compare(
    ref: Reference,
    amount_mg: float,
    forms: list[str] | None = None,
    *,
    prices: dict[str, float] | None = None,
    elemental: bool = False,
    with_meal: bool = False,
    meal_mg: float | None = None,
    profile: Profile | None = None,
) -> CompareResult:
    """``amount_mg`` of each form side by side; without ``forms``, every form by central absorbed mg.

    ``prices`` maps a form name to the price of ``amount_mg`` of it, giving the
    cost per 100 mg absorbed. Cautions about the person are at the top; those
    about the daily amount of each form (``profile.per_day`` times a day) on its row.
    """
    prof = profile or Profile()
    top = assess(ref, prof)
    cat, m = ref.catalogue, ref.absorption
    check_mg(amount_mg)
    meal = meal_mg_for(with_meal, meal_mg, m)
    chosen = [cat.resolve(n) for n in forms] if forms else list(cat.forms)
    chosen = list({f.id: f for f in chosen}.values())
    priced: dict[str, float] = {}
    for name, price in (prices or {}).items():
        if not (price >= 0 and price < float("inf")):
            raise MgcalcError(f"price for {name} must be a number >= 0", field="price")
        priced[cat.resolve(name).id] = price
    unknown = [i for i in priced if i not in {f.id for f in chosen}]
    if unknown:
        raise MgcalcError(
            f"a price is given for {', '.join(unknown)}, which is not among the compared forms", field="price"
        )
    rows = []
    for f in chosen:
        el = amount_mg if elemental else amount_mg * f.fraction
        r, basis = relative_range(f, m, cat)
        ab = absorbed(el, r, with_meal, m)
        pct = percent(ab, el)
        form_price = priced.get(f.id)
        rows.append(
            CompareRow.model_construct(
                form=f.id,
                form_name=f.name,
                elemental_pct=f.elemental_pct,
                compound_mg=el / f.fraction,
                elemental_mg=el,
                absorbed_mg=ab.central,
                absorbed_pct=pct.central,
                relative_bioavailability=r.central,
                relative_basis=basis,
                laxative=f.laxative,
                price=form_price,
                cost_per_100mg_absorbed=None if form_price is None else 100 * form_price / ab.central,
                cautions=amount_cautions(ref, prof, el * prof.per_day, f),
                relative_bioavailability_min=r.low,
                relative_bioavailability_max=r.high,
                cost_per_100mg_absorbed_min=None if form_price is None else 100 * form_price / ab.high,
                cost_per_100mg_absorbed_max=None if form_price is None else 100 * form_price / ab.low,
                **_range_fields(ab, pct),
            )
        )
    if not forms:
        rows.sort(key=lambda row: -row.absorbed_mg)
    return CompareResult.model_construct(
        amount_mg=amount_mg,
        input_basis="elemental" if elemental else "compound",
        with_meal=with_meal,
        meal_mg=meal,
        rows=rows,
        per_day=prof.per_day,
        cautions=[*top.cautions, *estimate_cautions(ref, prof)],
        unknown_drugs=top.unknown_drugs,
        absorption_model=MODEL_ID,
        quantity=quantity(m),
    )


def curve(
    ref: Reference,
    forms: list[str],
    *,
    max_mg: float = 1000.0,
    points: int = 50,
    with_meal: bool = False,
    meal_mg: float | None = None,
) -> CurveResult:
    """Absorbed mg and fraction absorbed against elemental dose, 0 < dose <= ``max_mg``, with the band."""
    cat, m = ref.catalogue, ref.absorption
    check_mg(max_mg, "max")
    if not 2 <= points <= 1000:
        raise MgcalcError("points must be between 2 and 1000", field="points")
    meal = meal_mg_for(with_meal, meal_mg, m)
    chosen = list({f.id: f for f in (cat.resolve(n) for n in forms)}.values())
    if not chosen:
        raise MgcalcError("give at least one form", field="form")
    series = []
    for f in chosen:
        r, basis = relative_range(f, m, cat)
        pts = []
        for i in range(1, points + 1):
            d = max_mg * i / points
            ab = absorbed(d, r, with_meal, m)
            pts.append(
                CurvePoint.model_construct(
                    dose_mg=d,
                    absorbed_mg=ab.central,
                    fraction=ab.central / d,
                    absorbed_mg_min=ab.low,
                    absorbed_mg_max=ab.high,
                    fraction_min=ab.low / d,
                    fraction_max=ab.high / d,
                )
            )
        series.append(
            CurveSeries.model_construct(
                form=f.id,
                form_name=f.name,
                relative_bioavailability=r.central,
                relative_basis=basis,
                points=pts,
                relative_bioavailability_min=r.low,
                relative_bioavailability_max=r.high,
            )
        )
    return CurveResult.model_construct(
        max_mg=max_mg,
        meal_mg=meal,
        series=series,
        with_meal=with_meal,
        absorption_model=MODEL_ID,
        quantity=quantity(m),
    )
