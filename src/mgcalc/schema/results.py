"""Output models: the JSON (and CSV) contract of every command.

This module holds the shared bases and the results of label, dose, check and
intake; ``estimates.py`` those of absorb, compare and curve; ``records.py``
those of parse, batch and forms (split so a command loads only its own).
Results are built by the core and printed by the shell; ``tests/schema/``
holds a JSON-Schema snapshot of each, so a change to a contract is a visible
diff. Fields are only ever added.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mgcalc.schema.base import Laxative, Level, Sex, Standard, State, empty_list

Basis = Literal["elemental", "compound", "unknown"]
RelativeBasis = Literal["reference", "measured", "assumed"]


class Result(BaseModel):
    """Base of result models; schemas are built on first use, not at import (start-up time)."""

    model_config = ConfigDict(defer_build=True)


# ---------------------------------------------------------------- safety


class Caution(Result):
    """One caution that applies (part of every dosing command's --json)."""

    code: str
    level: Level
    message: str
    separate_hours: float | None = Field(
        default=None,
        description="the longest gap either way, for old scripts; null where timing does not help",
    )
    drug_before_hours: float | None = Field(
        default=None, description="take the drug at least this long BEFORE magnesium (null: not offered)"
    )
    drug_after_hours: float | None = Field(
        default=None, description="or take the drug at least this long AFTER magnesium (null: not offered)"
    )
    applies_to_forms: Literal["antacid"] | None = Field(
        default=None, description="null: every magnesium form; antacid: oxide, hydroxide, carbonate..."
    )
    source: str
    quote: str | None = Field(default=None, description="the sentence the rule rests on, and where it is")
    drug_class: str | None = Field(
        default=None,
        description="a drug rule's class code (fluoroquinolone, bisphosphonate...); the member is in code",
    )
    magnesium_form: str | None = Field(
        default=None, description="the medicine itself contains magnesium, as this catalogue form"
    )
    rxcui: list[str] = Field(
        default_factory=empty_list,
        description="RxNorm ingredient code (RxCUI, term type IN) of the medicine as named: the generic it was "
        "matched by; none where the name (a class word, a brand of a class rule) names no one ingredient",
    )


class UnknownDrug(Result):
    """A drug name mgcalc does not know, with the closest names it does."""

    name: str
    close_matches: list[str]


class Assessment(Result):
    """What the safety checks found (``check``)."""

    cautions: list[Caution]
    unknown_drugs: list[UnknownDrug]


class SafetyFields(Result):
    """The safety part of every dosing result."""

    per_day: int = 1
    daily_elemental_mg: float | None = None
    cautions: list[Caution] = Field(default_factory=empty_list)
    unknown_drugs: list[UnknownDrug] = Field(default_factory=empty_list)


# ---------------------------------------------------------------- intake


class IntakeReference(Result):
    """The reference intake and upper level that apply to one person (``intake``)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    standard: Standard
    standard_name: str
    life_stage: str
    age: float
    sex: Sex | None
    state: State
    rda_mg: float | None
    ai_mg: float | None
    ul_supplemental_mg: float | None
    ul_note: str
    note: str
    sources: list[str]
    ul_standard: str | None = Field(
        default=None,
        description="whose UL applies where the chosen standard sets none (e.g. IOM for EU 1-3 y)",
    )


# ---------------------------------------------------------------- label, dose


class VariantAmount(Result):
    """The same label figure read as another salt or hydrate of the family."""

    form: str
    form_name: str
    formula: str
    elemental_pct: float
    compound_mg: float
    elemental_mg: float
    pct_basis: str | None = Field(default=None, description="stoichiometry, pharmacopoeia or manufacturer")


class Spread(Result):
    """What a figure means across the whole family: the label trap, computed once."""

    family: str
    used: str
    elemental_mg_min: float
    elemental_mg_max: float
    compound_mg_min: float
    compound_mg_max: float
    elemental_pct_min: float | None = Field(default=None, description="lowest %Mg in the family")
    elemental_pct_max: float | None = Field(default=None, description="highest %Mg in the family")


class ModelUsed(Result):
    """The parameters behind an absorbed figure (part of --json).

    The dose's absorbed share A(d) = r*f*(vmax_mg*d/(km_mg+d) + linear_fraction*d):
    Fine's curve on the dose alone; km_mg the half-saturation (its range from
    the meal Mg the fit may have held), r the relative bioavailability, f the
    meal factor (1 with a meal, the fasting factor without); the ends of the
    range also take the between-study spread. ``quantity`` says which quantity
    the figures are, ``absorption_model`` which model gives them.
    """

    equation: str = "S(d) = r*f*(vmax_mg*d/(km_mg+d) + linear_fraction*d)"
    vmax_mg: float
    km_mg: float
    linear_fraction: float
    reference_form: str
    relative_bioavailability: float
    relative_basis: RelativeBasis
    meal_mg: float = Field(description="the meal's Mg as given or defaulted: recorded, not computed with")
    note: str = "estimate for a healthy adult"
    vmax_mg_min: float | None = None
    vmax_mg_max: float | None = None
    relative_bioavailability_min: float | None = None
    relative_bioavailability_max: float | None = None
    basis_note: str | None = None
    fed: bool | None = Field(default=None, description="taken with a meal (Fine's fed state)")
    meal_factor: float | None = Field(default=None, description="1 with a meal; the fasting factor without")
    meal_factor_min: float | None = None
    meal_factor_max: float | None = None
    fit_meal_mg: float | None = Field(default=None, description="Mg assumed in Fine's standard meal")
    fit_meal_mg_min: float | None = None
    fit_meal_mg_max: float | None = None
    km_mg_min: float | None = Field(default=None, description="Km at the range's high end (the most meal Mg)")
    km_mg_max: float | None = Field(default=None, description="Km at the range's low end (the least meal Mg)")
    study_spread: float | None = Field(default=None, description="between-study factor on the range's ends")
    study_spread_min: float | None = None
    study_spread_max: float | None = None
    absorption_model: str | None = Field(default=None, description="which model gives the absorbed figures")
    quantity: str | None = Field(default=None, description="which quantity the absorbed figures are")


class LabelResult(SafetyFields):
    """Elemental magnesium in a label amount (``label``)."""

    form: str
    form_name: str
    unii: str | None = Field(default=None, description="FDA UNII of the form (null: none checked)")
    formula: str
    pct_basis: Literal["stoichiometry", "manufacturer", "pharmacopoeia"]
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
    spread: Spread | None = None
    absorbed_mg: float = Field(description="estimated absorbed if the whole amount is taken at once, no meal")
    absorbed_pct: float
    absorption_model: ModelUsed
    notes: str
    absorbed_mg_min: float | None = Field(default=None, description="low end of the absorbed estimate")
    absorbed_mg_max: float | None = Field(default=None, description="high end of the absorbed estimate")
    absorbed_pct_min: float | None = None
    absorbed_pct_max: float | None = None


class DoseResult(SafetyFields):
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
    spread: Spread | None = None
