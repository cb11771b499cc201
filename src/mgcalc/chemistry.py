"""Stoichiometry: compound weight <-> elemental magnesium, mmol and mEq.

Pure functions over a Catalogue; results are pydantic models (the JSON schema).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mgcalc.absorption import (
    AbsorptionModel,
    ModelUsed,
    absorbed_mg,
    model_used,
    packaged_model,
    relative_bioavailability,
)
from mgcalc.catalogue import Catalogue, Form, Laxative, packaged_catalogue
from mgcalc.cautions import Profile, SafetyFields, safety
from mgcalc.errors import MgcalcError, literal
from mgcalc.units import check_mg

#: Stoichiometric entries must agree with their formula to this many percentage points.
STOICHIOMETRY_TOLERANCE_PP = 0.05


class Result(BaseModel):
    """Base of result models; schemas are built on first use, not at import (start-up time)."""

    model_config = ConfigDict(defer_build=True)


class VariantAmount(Result):
    """The same label figure read as another salt or hydrate of the family."""

    form: str
    form_name: str
    formula: str
    elemental_pct: float
    compound_mg: float
    elemental_mg: float


class LabelResult(SafetyFields, Result):
    """Elemental magnesium in a label amount (``label``)."""

    form: str
    form_name: str
    formula: str
    pct_basis: Literal["stoichiometry", "manufacturer"]
    family: str
    family_default: str
    input_basis: Literal["compound", "elemental"]
    amount_mg: float = Field(description="the figure given, per tablet or serving")
    count: int
    compound_mg: float
    elemental_pct: float
    elemental_mg: float
    elemental_mmol: float
    elemental_meq: float
    laxative: Laxative
    variants: list[VariantAmount]
    absorbed_mg: float = Field(description="estimated absorbed if the whole amount is taken at once, no meal")
    absorbed_pct: float
    absorption_model: ModelUsed
    notes: str


class DoseResult(SafetyFields, Result):
    """Compound weight that delivers a target of elemental magnesium (``dose``)."""

    form: str
    form_name: str
    formula: str
    elemental_pct: float
    target_elemental_mg: float
    target_elemental_mmol: float
    compound_mg: float
    tablet_mg: float | None = None
    tablets_below: int | None = None
    tablets_above: int | None = None
    elemental_mg_below: float | None = None
    elemental_mg_above: float | None = None
    laxative: Laxative
    variants: list[VariantAmount]


def _form(catalogue: Catalogue, form: str | Form) -> Form:
    return form if isinstance(form, Form) else catalogue.resolve(form)


def mmol(catalogue: Catalogue, elemental_mg: float) -> float:
    """Millimoles of Mg in ``elemental_mg``."""
    return elemental_mg / catalogue.constants.mg_molar_mass.value


def meq(catalogue: Catalogue, elemental_mg: float) -> float:
    """Milliequivalents of Mg2+ in ``elemental_mg``."""
    return mmol(catalogue, elemental_mg) * catalogue.constants.mg_charge.value


def _variants(
    catalogue: Catalogue, form: Form, elemental_mg: float, compound_mg: float | None
) -> list[dict[str, Any]]:
    """Other members of the family: same compound weight, or same elemental amount if None."""
    out = []
    for v in catalogue.family_of(form):
        if v.id == form.id:
            continue
        c = compound_mg if compound_mg is not None else elemental_mg / v.fraction
        # plain dicts: the result model validates them in the same pass as the rest
        out.append(
            {
                "form": v.id,
                "form_name": v.name,
                "formula": v.formula,
                "elemental_pct": v.elemental_pct,
                "compound_mg": c,
                "elemental_mg": c * v.fraction,
            }
        )
    return out


def label(
    amount_mg: float,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    catalogue: Catalogue | None = None,
    model: AbsorptionModel | None = None,
    profile: Profile | None = None,
) -> LabelResult:
    """Elemental Mg in ``count`` x ``amount_mg`` of ``form``.

    ``amount_mg`` is the compound weight on the label, or with ``elemental=True``
    already elemental Mg (a Supplement Facts line): then the compound weight is
    derived. Variants show the same figure read as each other salt or hydrate.
    The absorbed estimate is for the whole amount taken at once without food.
    Cautions are for ``profile`` taking it ``profile.per_day`` times a day.
    """
    fields = label_fields(
        amount_mg, form, count=count, elemental=elemental, catalogue=catalogue, model=model, profile=profile
    )
    return LabelResult(**fields)


def label_fields(
    amount_mg: float,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    catalogue: Catalogue | None = None,
    model: AbsorptionModel | None = None,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """The fields of ``label``'s LabelResult as a plain dict, not yet validated.

    ``label`` validates them into the model; batch mode serialises them
    directly, a large share of its throughput (the tests check that its
    records validate against LabelResult).
    """
    cat = catalogue or packaged_catalogue()
    am = model or packaged_model()
    f = _form(cat, form)
    check_mg(amount_mg)
    if not 1 <= count <= 10_000:
        raise MgcalcError(f"count must be between 1 and 10000, got {count}")
    total = amount_mg if count == 1 else check_mg(amount_mg * count, "total amount")
    if elemental:
        el, compound = total, total / f.fraction
    else:
        compound, el = total, total * f.fraction
    rel, rel_basis = relative_bioavailability(f, am, cat)
    absorbed = absorbed_mg(el, rel, 0.0, am)
    return {
        "form": f.id,
        "form_name": f.name,
        "formula": f.formula,
        "pct_basis": f.basis,
        "family": f.family,
        "family_default": cat.family_default(f).id,
        "input_basis": "elemental" if elemental else "compound",
        "amount_mg": amount_mg,
        "count": count,
        "compound_mg": compound,
        "elemental_pct": f.elemental_pct,
        "elemental_mg": el,
        "elemental_mmol": mmol(cat, el),
        "elemental_meq": meq(cat, el),
        "laxative": f.laxative,
        "variants": _variants(cat, f, el, None if elemental else compound),
        "absorbed_mg": absorbed,
        "absorbed_pct": 100 * absorbed / el,
        "absorption_model": model_used(am, rel, rel_basis, 0.0),
        "notes": f.notes,
        **safety(profile, el, f),
    }


def dose(
    target_mg: float,
    form: str | Form,
    *,
    tablet_mg: float | None = None,
    catalogue: Catalogue | None = None,
    profile: Profile | None = None,
) -> DoseResult:
    """Compound weight of ``form`` that delivers ``target_mg`` elemental Mg.

    With ``tablet_mg`` (compound weight per tablet), also the whole numbers of
    tablets just below and just above the target, and what each delivers.
    """
    cat = catalogue or packaged_catalogue()
    f = _form(cat, form)
    check_mg(target_mg, "target")
    compound = target_mg / f.fraction
    tablets: dict[str, Any] = {}
    if tablet_mg is not None:
        check_mg(tablet_mg, "tablet")
        n = compound / tablet_mg
        # a tablet count within 1e-9 of a whole number is that number (float noise)
        below = math.floor(n + 1e-9)
        above = max(below, math.ceil(n - 1e-9))
        tablets = {
            "tablet_mg": tablet_mg,
            "tablets_below": below,
            "tablets_above": above,
            "elemental_mg_below": below * tablet_mg * f.fraction,
            "elemental_mg_above": above * tablet_mg * f.fraction,
        }
    return DoseResult(
        form=f.id,
        form_name=f.name,
        formula=f.formula,
        elemental_pct=f.elemental_pct,
        target_elemental_mg=target_mg,
        target_elemental_mmol=mmol(cat, target_mg),
        compound_mg=compound,
        laxative=f.laxative,
        variants=_variants(cat, f, target_mg, None),
        **tablets,
        **safety(profile, target_mg, f),
    )


def formula_pct(formula: str) -> float:
    """%Mg by mass of ``formula`` computed with molmass (hydrate dots allowed).

    Raises MgcalcError if molmass cannot parse it or it holds no magnesium.
    """
    from molmass import Formula, FormulaError  # deferred: heavy import

    try:
        comp = Formula(formula.replace("·", ".")).composition()
    except (FormulaError, ValueError, KeyError) as e:
        raise MgcalcError(f"cannot parse formula '{literal(formula)}': {literal(e)}") from None
    if "Mg" not in comp:
        raise MgcalcError(f"formula '{literal(formula)}' contains no magnesium")
    return float(comp["Mg"].fraction) * 100.0


def stoichiometry_problems(
    catalogue: Catalogue, tolerance_pp: float = STOICHIOMETRY_TOLERANCE_PP
) -> list[str]:
    """Entries whose elemental % disagrees with their formula (basis: stoichiometry only)."""
    problems = []
    for f in catalogue.forms:
        try:
            pct = formula_pct(f.formula)
        except MgcalcError as e:
            problems.append(f"forms[id={f.id}].formula: {e}")
            continue
        if f.basis == "stoichiometry" and abs(pct - f.elemental_pct) > tolerance_pp:
            problems.append(
                f"forms[id={f.id}].elemental_pct: {f.elemental_pct} disagrees with "
                f"{f.formula} = {pct:.3f}% by more than {tolerance_pp} points"
            )
    return problems
