"""Stoichiometry: compound weight <-> elemental magnesium, mmol and mEq, and the family spread.

Pure functions over a Catalogue.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Catalogue, Form

#: Stoichiometric entries must agree with their formula to this many percentage points.
STOICHIOMETRY_TOLERANCE_PP = 0.05


def mmol(catalogue: Catalogue, elemental_mg: float) -> float:
    """Millimoles of Mg in ``elemental_mg``."""
    return elemental_mg / catalogue.constants.mg_molar_mass.value


def meq(catalogue: Catalogue, elemental_mg: float) -> float:
    """Milliequivalents of Mg2+ in ``elemental_mg``."""
    return mmol(catalogue, elemental_mg) * catalogue.constants.mg_charge.value


def variants(
    catalogue: Catalogue, form: Form, elemental_mg: float, compound_mg: float | None
) -> list[dict[str, Any]]:
    """Other members of the family: same compound weight, or same elemental amount if None.

    Plain dicts: a result model validates them in the same pass as the rest.
    """
    out = []
    for v in catalogue.family_of(form):
        if v.id == form.id:
            continue
        c = compound_mg if compound_mg is not None else elemental_mg / v.fraction
        out.append(
            {
                "form": v.id,
                "form_name": v.name,
                "formula": v.formula_text,
                "elemental_pct": v.elemental_pct,
                "compound_mg": c,
                "elemental_mg": c * v.fraction,
                "pct_basis": v.basis,
            }
        )
    return out


def same_salt(catalogue: Catalogue, form: Form) -> list[Form]:
    """``form`` and the entries of its family with the same formula: grades of one salt (a
    supplier's raw material, a product type) that a label naming the salt cannot tell apart.
    A supplier's grade itself (a manufacturer's figure: the label named the supplier) is alone."""
    if form.formula is None or form.basis == "manufacturer":
        return [form]
    return [m for m in catalogue.family_of(form) if m.id == form.id or m.formula == form.formula] or [form]


def pct_span(forms: list[Form]) -> tuple[float, float]:
    """The label-trap range: the lowest and highest %Mg of ``forms``, each with its own range
    where its composition varies (a pharmacopoeial or manufacturer's figure).

    The one rule for a family's spread: ``label`` (``spread``), ``parse``, ``panel`` and
    ``batch`` (through the label reader) all take their range from here.
    """
    pcts = [p for f in forms for p in f.pct_range]
    return min(pcts), max(pcts)


def spread(
    catalogue: Catalogue, form: Form, elemental_mg: float, compound_mg: float | None
) -> dict[str, Any] | None:
    """The label trap: what the same figure means across the whole family (None for a family of one).

    With ``compound_mg`` (a compound weight on the label) the elemental range;
    without it (an elemental figure) the compound weight range. Both are given.
    Each member counts with its own range where its composition varies (a
    pharmacopoeial or manufacturer's figure); a family of one counts only if
    that one varies.
    """
    members = catalogue.family_of(form)
    lo_pct, hi_pct = pct_span(members)
    if len(members) < 2 and lo_pct == hi_pct:
        return None
    if compound_mg is not None:
        els = [compound_mg * (lo_pct / 100.0), compound_mg * (hi_pct / 100.0)]
        comps = [compound_mg]
    else:
        els = [elemental_mg]
        comps = [elemental_mg / (hi_pct / 100.0), elemental_mg / (lo_pct / 100.0)]
    return {
        "family": form.family,
        "used": form.id,
        "elemental_mg_min": min(els),
        "elemental_mg_max": max(els),
        "compound_mg_min": min(comps),
        "compound_mg_max": max(comps),
        "elemental_pct_min": lo_pct,
        "elemental_pct_max": hi_pct,
    }


@lru_cache(maxsize=256)
def formula_pct(formula: str) -> float:
    """%Mg by mass of ``formula`` computed with molmass (hydrate dots allowed).

    Raises MgcalcError if molmass cannot parse it or it holds no magnesium.
    """
    from molmass import Formula, FormulaError  # deferred: heavy import

    try:
        comp = Formula(formula.replace("·", ".")).composition()
    except (FormulaError, ValueError, KeyError, RecursionError) as e:
        raise MgcalcError(
            f"cannot parse formula '{literal(formula)}': {literal(e)}", field="formula"
        ) from None
    if "Mg" not in comp:
        raise MgcalcError(f"formula '{literal(formula)}' contains no magnesium", field="formula")
    return float(comp["Mg"].fraction) * 100.0


#: A mixture or product with no single formula holds no more magnesium than the richest
#: magnesium compound sold as a supplement, magnesium oxide (60.30%): a blend of compounds
#: and carriers cannot be richer than its richest part.
NO_FORMULA_CEILING = "MgO"

_WATER = re.compile(r"^\d*H2O$")


def anhydrous(formula: str) -> str:
    """``formula`` without its water of hydration ("MgSO4·7H2O" -> "MgSO4")."""
    parts = [p for p in re.split(r"[.·]", formula) if not _WATER.match(p.strip())]
    return ".".join(parts) or formula


def ceiling_pct(formula: str | None) -> float:
    """The most magnesium an article of ``formula`` can hold, in %: its anhydrous formula's
    (drying a hydrate raises its %, nothing raises it past the anhydrous salt); for no formula,
    ``NO_FORMULA_CEILING``'s. Raises MgcalcError if the formula does not parse."""
    return formula_pct(anhydrous(formula) if formula is not None else NO_FORMULA_CEILING)


def pct_problems(
    formula: str | None,
    basis: str,
    figures: dict[str, float],
    tolerance_pp: float = STOICHIOMETRY_TOLERANCE_PP,
) -> list[str]:
    """Why a form's figures (``elemental_pct`` and any ``elemental_pct_min``/``_max``, by field)
    cannot be right for its formula, as 'field: message' ([] if they can).

    Whatever the basis (stoichiometry, manufacturer, pharmacopoeia), no figure may exceed the
    anhydrous formula's % (``ceiling_pct``); a stoichiometric figure must match the formula; a
    manufacturer's figure may not exceed the formula as written.
    """
    out = []
    pct = formula_pct(formula) if formula is not None else None
    ceiling = ceiling_pct(formula)
    central = figures.get("elemental_pct")
    if central is not None and pct is not None:
        if basis == "stoichiometry" and abs(pct - central) > tolerance_pp:
            out.append(
                f"elemental_pct: {central} disagrees with {literal(formula)} = {pct:.3f}% "
                f"by more than {tolerance_pp} points"
            )
        elif basis == "manufacturer" and (problem := manufacturer_problem(central, pct, tolerance_pp)):
            out.append(f"elemental_pct: {problem}")
    what = f"{literal(anhydrous(formula))} (anhydrous)" if formula is not None else "a mixture (as MgO)"
    central_told = bool(out)  # the central figure's own problem already said
    for field, value in figures.items():
        if value > ceiling + tolerance_pp and not (field == "elemental_pct" and central_told):
            out.append(f"{field}: {value}% is more magnesium than {what} can hold ({ceiling:.3f}%)")
    return out


def stoichiometry_problems(
    catalogue: Catalogue, tolerance_pp: float = STOICHIOMETRY_TOLERANCE_PP
) -> list[str]:
    """Entries whose formula does not parse, or whose figures are impossible for it (``pct_problems``)."""
    problems = []
    for f in catalogue.forms:
        figures = {"elemental_pct": f.elemental_pct}
        if f.elemental_pct_min is not None:
            figures["elemental_pct_min"] = f.elemental_pct_min
        if f.elemental_pct_max is not None:
            figures["elemental_pct_max"] = f.elemental_pct_max
        try:
            found = pct_problems(f.formula, f.basis, figures, tolerance_pp)
        except MgcalcError as e:
            problems.append(f"forms[id={f.id}].formula: {e}")
            continue
        problems += [f"forms[id={f.id}].{p}" for p in found]
    return problems


def manufacturer_problem(
    given: float, formula_pct_: float, tolerance_pp: float = STOICHIOMETRY_TOLERANCE_PP
) -> str:
    """Why a manufacturer's elemental % cannot be right for its formula ("" if it can).

    A raw material can hold less magnesium than its formula (water, excipient,
    a blend) but never more: the formula's % is the ceiling.
    """
    if given > formula_pct_ + tolerance_pp:
        return (
            f"the manufacturer's figure {given}% is more magnesium than the formula itself holds "
            f"({formula_pct_:.3f}%): a raw material can hold less, never more"
        )
    return ""
