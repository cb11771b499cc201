"""Output models: the JSON (and CSV) contract of every command.

This module holds the shared bases and the results of label, dose, check and
intake; ``estimates.py`` those of absorb, compare and curve; ``records.py``
those of parse, batch and forms (split so a command loads only its own).
Results are built by the core and printed by the shell; ``tests/schema/``
holds a JSON-Schema snapshot of each, so a change to a contract is a visible
diff. Fields are only ever added.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mgcalc.schema.data import Laxative, Level, Sex, Standard, State

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
    cautions: list[Caution] = Field(default_factory=list)
    unknown_drugs: list[UnknownDrug] = Field(default_factory=list)


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


class Spread(Result):
    """What a figure means across the whole family: the label trap, computed once."""

    family: str
    used: str
    elemental_mg_min: float
    elemental_mg_max: float
    compound_mg_min: float
    compound_mg_max: float


class ModelUsed(Result):
    """The parameters behind an absorbed figure (part of --json)."""

    equation: str = "A(I) = vmax_mg*I/(km_mg+I) + linear_fraction*I"
    vmax_mg: float
    km_mg: float
    linear_fraction: float
    reference_form: str
    relative_bioavailability: float
    relative_basis: RelativeBasis
    meal_mg: float
    note: str = "estimate for a healthy adult"


class LabelResult(SafetyFields):
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
    spread: Spread | None = None
    absorbed_mg: float = Field(description="estimated absorbed if the whole amount is taken at once, no meal")
    absorbed_pct: float
    absorption_model: ModelUsed
    notes: str


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
