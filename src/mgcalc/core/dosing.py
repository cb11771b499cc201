"""label and dose: stoichiometry, absorption and safety composed for one product.

Pure: every function takes the Reference bundle explicitly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mgcalc.core.absorption import (
    Bounds,
    Curve,
    absorbed,
    absorbed_on,
    curve,
    model_used,
    percent,
    relative_range,
)
from mgcalc.core.safety import (
    AmountRules,
    Finding,
    amount_rules,
    assess,
    estimate_cautions,
    quiet_below,
    safety,
)
from mgcalc.core.stoichiometry import meq, mmol, spread, variants
from mgcalc.core.units import check_mg
from mgcalc.errors import MgcalcError
from mgcalc.numbers import mg as _mg
from mgcalc.schema.base import severity
from mgcalc.schema.data import Form, Reference
from mgcalc.schema.inputs import Profile
from mgcalc.schema.results import Caution, DoseResult, LabelResult, RelativeBasis, Spread, VariantAmount


def resolve(ref: Reference, form: str | Form) -> Form:
    """A Form from a name (or the Form itself)."""
    return form if isinstance(form, Form) else ref.catalogue.resolve(form)


def label(
    ref: Reference,
    amount_mg: float,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    profile: Profile | None = None,
) -> LabelResult:
    """Elemental Mg in ``count`` x ``amount_mg`` of ``form``.

    ``amount_mg`` is the compound weight on the label, or with ``elemental=True``
    already elemental Mg (a Supplement Facts line): then the compound weight is
    derived. Variants show the same figure read as each other salt or hydrate.
    The absorbed estimate is for the whole amount taken at once without food.
    Cautions are for ``profile`` taking it ``profile.per_day`` times a day.
    """
    fields = label_fields(ref, amount_mg, form, count=count, elemental=elemental, profile=profile)
    return LabelResult.model_construct(**_family_models(fields))


def _family_models(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with its ``variants`` and ``spread`` (plain data, as a batch writes them) as models."""
    spread = fields["spread"]
    return {
        **fields,
        "variants": [VariantAmount.model_construct(**v) for v in fields["variants"]],
        "spread": None if spread is None else Spread.model_construct(**spread),
    }


#: form, compound mg, elemental mg, relative bioavailability and its basis, absorbed range
_Amounts = tuple[Form, float, float, Bounds, RelativeBasis, Bounds]


def _weights(amount_mg: float, count: int, elemental: bool, fraction: float) -> tuple[float, float]:
    """(compound mg, elemental mg) in ``count`` x ``amount_mg`` (checked), read as compound weight
    or, with ``elemental``, as elemental Mg, of a form with this elemental ``fraction``."""
    total = amount_mg if count == 1 else _total(amount_mg, count)
    divisor, factor = _basis(elemental, fraction)
    return total / divisor, total * factor


def _total(amount_mg: float, count: int) -> float:
    """``count`` x ``amount_mg``, checked."""
    if not 1 <= count <= 10_000:
        raise MgcalcError(f"count must be between 1 and 10000, got {count}", field="count")
    return check_mg(amount_mg * count, "total amount")


def _basis(elemental: bool, fraction: float) -> tuple[float, float]:
    """(divisor, factor): the compound weight is the total / divisor, the elemental Mg the total x
    factor, the total read as elemental Mg (``elemental``) or as compound weight (x / 1.0 and
    x * 1.0 are x exactly)."""
    return (fraction, 1.0) if elemental else (1.0, fraction)


def _amounts(ref: Reference, amount_mg: float, form: str | Form, count: int, elemental: bool) -> _Amounts:
    """What every label figure is computed from: the form, the compound and elemental weights, and
    the absorbed range (checked input)."""
    f = resolve(ref, form)
    compound, el = _weights(check_mg(amount_mg), count, elemental, f.fraction)
    rel, rel_basis = relative_range(f, ref.absorption, ref.catalogue)
    return f, compound, el, rel, rel_basis, absorbed(el, rel, False, ref.absorption)


def label_fields(
    ref: Reference,
    amount_mg: float,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """The fields of ``label``'s LabelResult as a plain dict, not yet validated (batch serialises them)."""
    cat = ref.catalogue
    f, compound, el, rel, rel_basis, ab = _amounts(ref, amount_mg, form, count, elemental)
    pct = percent(ab, el)
    return {
        "form": f.id,
        "form_name": f.name,
        "unii": f.unii,
        "formula": f.formula_text,
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
        "variants": variants(cat, f, el, None if elemental else compound),
        "spread": spread(cat, f, el, None if elemental else compound),
        "absorbed_mg": ab.central,
        "absorbed_pct": pct.central,
        "absorption_model": model_used(ref.absorption, rel, rel_basis, 0.0),
        "notes": f.notes,
        "absorbed_mg_min": ab.low,
        "absorbed_mg_max": ab.high,
        "absorbed_pct_min": pct.low,
        "absorbed_pct_max": pct.high,
        **_with_estimate_note(ref, profile, safety(ref, profile, el, f)),
    }


#: The keys of ``label_figures``: the headline figures of a label (the default batch record).
FIGURES = (
    "form",
    "input_basis",
    "compound_mg",
    "elemental_pct",
    "elemental_mg",
    "elemental_mmol",
    "elemental_meq",
    "absorbed_mg_min",
    "absorbed_mg_max",
    "laxative",
    "cautions",
)


class FiguresPlan:
    """What ``label_figures`` works out once for a form, basis, count and person: a batch reuses it
    for every amount (``figures``). (A plain class: a NamedTuple costs start-up time.)"""

    __slots__ = (
        "basis",
        "charge",
        "child",
        "curve",
        "divisor",
        "elemental",
        "elemental_pct",
        "factor",
        "form",
        "form_id",
        "fraction",
        "label_count",
        "laxative",
        "mg_per_mmol",
        "per_day",
        "profile",
        "quiet",
        "quiet_cautions",
        "rules",
    )

    def __init__(
        self,
        form: Form,
        label_count: int,
        elemental: bool,
        curve: Curve,
        profile: Profile,
        quiet: float,
        quiet_cautions: list[Caution],
        child: list[Caution],
        mg_per_mmol: float,
        charge: float,
    ) -> None:
        self.form = form
        self.label_count = label_count  # units taken at once (``count``)
        self.elemental = elemental
        self.curve = curve
        self.profile = profile
        self.quiet = quiet  # daily elemental mg below which the cautions are ``quiet_cautions``
        self.quiet_cautions = quiet_cautions
        self.child = child  # the note on absorbed estimates for a child (estimate_cautions)
        self.mg_per_mmol = mg_per_mmol  # the catalogue's constants (stoichiometry.mmol and meq)
        self.charge = charge
        self.fraction = form.fraction
        self.divisor, self.factor = _basis(elemental, form.fraction)
        self.per_day = profile.per_day
        self.rules: AmountRules | None = None  # safety.amount_rules, on the first amount over ``quiet``
        # the figures that are the same for every amount (FORM_CONSTANTS)
        self.form_id = form.id
        self.basis = "elemental" if elemental else "compound"
        self.elemental_pct = form.elemental_pct
        self.laxative = form.laxative


def figures_plan(
    ref: Reference,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    profile: Profile | None = None,
) -> FiguresPlan:
    """The per-form part of ``label_figures`` (raises for an unknown form, as ``label`` does)."""
    f = resolve(ref, form)
    prof = profile or Profile()
    rel, _ = relative_range(f, ref.absorption, ref.catalogue)
    quiet = quiet_below(ref, prof)
    child = estimate_cautions(ref, profile)
    quiet_cautions = [*assess(ref, prof, 0.0, f).cautions, *child] if quiet > 0 else []
    c = ref.catalogue.constants
    return FiguresPlan(
        f,
        count,
        elemental,
        curve(rel, False, ref.absorption),
        prof,
        quiet,
        quiet_cautions,
        child,
        c.mg_molar_mass.value,
        c.mg_charge.value,
    )


def figures(ref: Reference, plan: FiguresPlan, amount_mg: float) -> dict[str, Any]:
    """``label_figures`` for ``amount_mg`` of a planned form (see ``figures_plan``)."""
    return figures_checked(ref, plan, check_mg(amount_mg))


def figures_checked(
    ref: Reference, plan: FiguresPlan, amount_mg: float, absorbed: bool = True, caution_text: bool = True
) -> dict[str, Any]:
    """``figures`` for an amount already checked (``check_mg``): a batch checks it as it reads it.

    ``absorbed=False`` leaves out the absorbed range (a batch asked for other fields).
    ``caution_text=False``: the cautions that depend on the amount are decided, not built
    (``safety.decide``: each has its code and level, and builds its Caution on demand), for a
    batch whose records show no caution's text.
    """
    total = amount_mg if plan.label_count == 1 else _total(amount_mg, plan.label_count)
    el = total * plan.factor
    daily = el * plan.per_day
    cautions: Sequence[Caution | Finding]
    if daily < plan.quiet:
        cautions = plan.quiet_cautions
    elif caution_text:
        cautions = [*assess(ref, plan.profile, daily, plan.form).cautions, *plan.child]
    else:
        rules = plan.rules
        if rules is None:
            rules = plan.rules = amount_rules(ref, plan.profile, plan.form)
        decided = rules.decide(daily)
        if plan.child:
            decided += plan.child
        cautions = decided
    millimoles = el / plan.mg_per_mmol  # stoichiometry.mmol and meq, with the constants at hand
    out = {
        "form": plan.form_id,
        "input_basis": plan.basis,
        "compound_mg": total / plan.divisor,
        "elemental_pct": plan.elemental_pct,
        "elemental_mg": el,
        "elemental_mmol": millimoles,
        "elemental_meq": millimoles * plan.charge,
        "laxative": plan.laxative,
        "cautions": cautions,
    }
    if absorbed:
        ab = absorbed_on(plan.curve, el)
        out["absorbed_mg_min"] = ab.low
        out["absorbed_mg_max"] = ab.high
    return out


#: The figures that are the same for every amount of a form (a batch rounds them once).
FORM_CONSTANTS = frozenset(("form", "input_basis", "elemental_pct", "laxative"))


def label_figures(
    ref: Reference,
    amount_mg: float,
    form: str | Form,
    *,
    count: int = 1,
    elemental: bool = False,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """The headline figures of ``label_fields`` (keys ``FIGURES``), the same values, computed alone.

    What a pipeline wants from each record, without the variants, the family
    spread, the model's parameters and the notes (batch's default record).
    """
    plan = figures_plan(ref, form, count=count, elemental=elemental, profile=profile)
    return figures(ref, plan, amount_mg)


def _with_estimate_note(ref: Reference, profile: Profile | None, fields: dict[str, Any]) -> dict[str, Any]:
    extra = estimate_cautions(ref, profile)
    if extra:
        fields["cautions"] = [*fields["cautions"], *extra]
    return fields


def dose(
    ref: Reference,
    target_mg: float,
    form: str | Form,
    *,
    tablet_mg: float | None = None,
    profile: Profile | None = None,
) -> DoseResult:
    """Compound weight of ``form`` that delivers ``target_mg`` elemental Mg.

    With ``tablet_mg`` (compound weight per tablet), also the whole numbers of
    tablets just below and just above the target, and what each delivers.
    """
    cat = ref.catalogue
    f = resolve(ref, form)
    check_mg(target_mg, "target")
    compound = target_mg / f.fraction
    tablets: dict[str, Any] = {}
    if tablet_mg is not None:
        check_mg(tablet_mg, "tablet")
        n = compound / tablet_mg
        if n > 1_000_000:
            raise MgcalcError(f"that is {n:,.0f} tablets: check the tablet weight", field="tablet")
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
    fields = dict(
        form=f.id,
        form_name=f.name,
        formula=f.formula_text,
        elemental_pct=f.elemental_pct,
        target_elemental_mg=target_mg,
        target_elemental_mmol=mmol(cat, target_mg),
        compound_mg=compound,
        laxative=f.laxative,
        variants=variants(cat, f, target_mg, None),
        spread=spread(cat, f, target_mg, None),
        **tablets,
        **safety(ref, profile, target_mg, f),
    )
    if tablets:
        fields["cautions"] = _with_tablet_cautions(ref, profile, f, fields["cautions"], tablets)
    return DoseResult.model_construct(**_family_models(fields))


def _with_tablet_cautions(
    ref: Reference, profile: Profile | None, form: Form, cautions: list[Caution], tablets: dict[str, Any]
) -> list[Caution]:
    """``cautions`` (the target's) and, for each whole-tablet count offered, the cautions ``label``
    gives that count that the target's do not already give at the same level or higher: a row
    "2 tablets = 646 mg" is never shown without the UL or laxative caution it crosses."""
    have = {c.code: severity(c.level) for c in cautions}
    out = list(cautions)
    for side in ("below", "above"):
        n, el = tablets[f"tablets_{side}"], tablets[f"elemental_mg_{side}"]
        if n <= 0:
            continue
        for c in safety(ref, profile, el, form)["cautions"]:
            if have.get(c.code, -1) >= severity(c.level):
                continue
            have[c.code] = severity(c.level)
            out.append(
                c.model_copy(update={"message": f"with {n} tablet{'s' * (n != 1)} ({_mg(el)}): {c.message}"})
            )
    return out
