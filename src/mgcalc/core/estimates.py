"""absorb, compare and curve: the absorption model applied to a daily amount, to forms, to a dose range.

Pure functions; the model itself is in mgcalc.core.absorption. Estimates for a
healthy adult.
"""

from __future__ import annotations

from mgcalc.core.absorption import MAX_SPLITS, absorbed_mg, meal_mg_for, model_used, relative_bioavailability
from mgcalc.core.dosing import _with_estimate_note, resolve
from mgcalc.core.safety import amount_cautions, assess, estimate_cautions, safety
from mgcalc.core.units import check_mg
from mgcalc.errors import MgcalcError
from mgcalc.schema.build import make
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
    with a meal of ``meal_mg`` (default from the model) when ``with_meal``.
    """
    cat, m = ref.catalogue, ref.absorption
    f = resolve(ref, form)
    check_mg(amount_mg)
    if not 1 <= splits <= MAX_SPLITS:
        raise MgcalcError(f"splits must be between 1 and {MAX_SPLITS}, got {splits}", field="splits")
    meal = meal_mg_for(with_meal, meal_mg, m)
    el = amount_mg if elemental else amount_mg * f.fraction
    r, basis = relative_bioavailability(f, m, cat)
    rows = []
    for n in range(1, splits + 1):
        total = n * absorbed_mg(el / n, r, meal, m)
        rows.append(
            make(SplitRow, doses=n, per_dose_mg=el / n, absorbed_mg=total, absorbed_pct=100 * total / el)
        )
    return make(
        AbsorbResult,
        form=f.id,
        form_name=f.name,
        compound_mg=el / f.fraction,
        elemental_mg=el,
        absorbed_mg=rows[0].absorbed_mg,
        absorbed_pct=rows[0].absorbed_pct,
        with_meal=with_meal,
        splits=rows,
        model=model_used(m, r, basis, meal),
        **_with_estimate_note(ref, profile, safety(ref, profile, el, f)),
    )


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
    """``amount_mg`` of each form side by side; without ``forms``, every form by absorbed mg.

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
        r, basis = relative_bioavailability(f, m, cat)
        ab = absorbed_mg(el, r, meal, m)
        form_price = priced.get(f.id)
        rows.append(
            make(
                CompareRow,
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
                cautions=amount_cautions(ref, prof, el * prof.per_day, f),
            )
        )
    if not forms:
        rows.sort(key=lambda row: -row.absorbed_mg)
    return make(
        CompareResult,
        amount_mg=amount_mg,
        input_basis="elemental" if elemental else "compound",
        with_meal=with_meal,
        meal_mg=meal,
        rows=rows,
        per_day=prof.per_day,
        cautions=[*top.cautions, *estimate_cautions(ref, prof)],
        unknown_drugs=top.unknown_drugs,
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
    """Absorbed mg and fraction absorbed against elemental dose, 0 < dose <= ``max_mg``."""
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
        r, basis = relative_bioavailability(f, m, cat)
        pts = []
        for i in range(1, points + 1):
            d = max_mg * i / points
            ab = absorbed_mg(d, r, meal, m)
            pts.append(make(CurvePoint, dose_mg=d, absorbed_mg=ab, fraction=ab / d))
        series.append(
            make(
                CurveSeries,
                form=f.id,
                form_name=f.name,
                relative_bioavailability=r,
                relative_basis=basis,
                points=pts,
            )
        )
    return make(CurveResult, max_mg=max_mg, meal_mg=meal, series=series)
