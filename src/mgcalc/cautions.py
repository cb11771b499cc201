"""Cautions: drugs, conditions, kidney function and the upper level, from data/cautions.yaml.

Pure: ``assess`` turns a Profile (and optionally a daily amount and form) into
a sorted list of Caution objects.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from mgcalc.catalogue import DataModel, Form, Source, SourceKeys, load_packaged, packaged_catalogue
from mgcalc.errors import MgcalcError, literal
from mgcalc.intake import (
    Sex,
    Standard,
    check_age,
    life_state,
    packaged_intake,
    reference,
    upper_level,
)

Level = Literal["info", "caution", "avoid"]
LEVELS: tuple[Level, ...] = ("info", "caution", "avoid")
CKD_STAGES = ("1", "2", "3a", "3b", "4", "5")


def severity(level: Level) -> int:
    """0 for info, 1 for caution, 2 for avoid."""
    return LEVELS.index(level)


class DrugClass(DataModel):
    """A drug or class of drugs that interacts with magnesium."""

    code: str
    name: str
    level: Level
    generics: list[str] = Field(min_length=1)
    brands: list[str] = Field(default_factory=list)
    effect: str
    advice: str
    separate_hours: float | None = Field(ge=0)
    drug_before_hours: float | None = Field(default=None, ge=0)
    drug_after_hours: float | None = Field(default=None, ge=0)
    sources: SourceKeys


class Condition(DataModel):
    """A condition that makes magnesium supplements risky."""

    code: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    level: Level
    message: str
    sources: SourceKeys


class StageRange(DataModel):
    """eGFR range [egfr_min, egfr_max) of a CKD stage."""

    egfr_min: float = Field(ge=0)
    egfr_max: float = Field(gt=0)


class KidneyBand(DataModel):
    """What applies for eGFR in [egfr_min, egfr_max)."""

    egfr_min: float = Field(ge=0)
    egfr_max: float = Field(gt=0)
    level: Level
    message: str
    sources: SourceKeys


class Kidney(DataModel):
    """Kidney function: CKD stages and the cautions by eGFR."""

    stages: dict[str, StageRange]
    max_egfr: float = Field(gt=0)
    bands: list[KidneyBand]


class UpperLimitRule(DataModel):
    """How exceeding the UL is flagged."""

    level: Level
    note: str


class LaxativeRule(DataModel):
    """When a strongly laxative form is flagged near the UL."""

    fraction_of_ul: float = Field(gt=0, le=1)
    note: str
    sources: SourceKeys


class Rules(DataModel):
    """Rules that depend on the amount."""

    upper_limit: UpperLimitRule
    laxative_near_ul: LaxativeRule


class CautionData(DataModel):
    """data/cautions.yaml, with a lookup of drug names."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    ignore_words: list[str]
    drugs: list[DrugClass]
    conditions: list[Condition]
    kidney: Kidney
    rules: Rules
    sources: dict[str, Source]

    _drug_names: dict[str, str] = PrivateAttr(default_factory=dict)
    _condition_names: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _index(self) -> CautionData:
        problems = []
        for d in self.drugs:
            for n in (*d.generics, *d.brands):
                key = _norm(n)
                if self._drug_names.setdefault(key, d.code) != d.code:
                    problems.append(f"drug name {n!r} is in {self._drug_names[key]!r} and {d.code!r}")
        for c in self.conditions:
            for n in (c.code, c.name, *c.aliases):
                self._condition_names[_norm(n).replace(" ", "-")] = c.code
        if set(self.kidney.stages) != set(CKD_STAGES):
            problems.append(f"kidney.stages must be exactly {', '.join(CKD_STAGES)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def drug(self, code: str) -> DrugClass:
        """The drug class with this code."""
        return next(d for d in self.drugs if d.code == code)

    def condition(self, code: str) -> Condition:
        """The condition with this code."""
        return next(c for c in self.conditions if c.code == code)


def _norm(text: str) -> str:
    return " ".join(re.split(r"[^0-9a-z-]+", unicodedata.normalize("NFKC", text).casefold())).strip()


@lru_cache(maxsize=1)
def packaged_cautions() -> CautionData:
    """The packaged caution data."""
    return load_packaged("cautions.yaml", CautionData)


def cite(keys: list[str]) -> str:
    """The citations for source keys, looked up in every packaged data file."""
    pools = [packaged_cautions().sources, packaged_intake().sources, packaged_catalogue().sources]
    out = []
    for k in keys:
        s = next((p[k] for p in pools if k in p), None)
        out.append(s.cite if s is not None else k)
    return "; ".join(out)


class Caution(BaseModel):
    """One caution that applies (part of every dosing command's --json)."""

    model_config = ConfigDict(defer_build=True)

    code: str
    level: Level
    message: str
    separate_hours: float | None = None
    source: str


class UnknownDrug(BaseModel):
    """A drug name mgcalc does not know, with the closest names it does."""

    model_config = ConfigDict(defer_build=True)

    name: str
    close_matches: list[str]


class Assessment(BaseModel):
    """What the safety checks found."""

    model_config = ConfigDict(defer_build=True)

    cautions: list[Caution]
    unknown_drugs: list[UnknownDrug]


class Profile(BaseModel):
    """Who takes the magnesium: what the safety checks need to know.

    Frozen: the cautions that depend only on the person are worked out once
    per Profile and reused for every amount (a batch has one Profile).
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    age: float | None = None
    sex: Sex | None = None
    pregnant: bool = False
    lactating: bool = False
    egfr: float | None = None
    ckd_stage: str | None = None
    drugs: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    per_day: int = 1
    standard: Standard = "us"
    _base: Assessment | None = PrivateAttr(default=None)
    _quiet_below: float | None = PrivateAttr(default=None)

    def check(self) -> Profile:
        """Raise MgcalcError for impossible values; return self."""
        if self.age is not None:
            check_age(self.age)
        life_state(self.pregnant, self.lactating, self.sex)
        if self.egfr is not None:
            limit = packaged_cautions().kidney.max_egfr
            if not math.isfinite(self.egfr) or not 0 <= self.egfr <= limit:
                raise MgcalcError(f"eGFR must be between 0 and {limit:g} mL/min/1.73m2, got {self.egfr:g}")
        if self.ckd_stage is not None and self.ckd_stage.lower() not in CKD_STAGES:
            raise MgcalcError(
                f"CKD stage must be one of {', '.join(CKD_STAGES)}, not '{literal(self.ckd_stage)}'"
            )
        if not 1 <= self.per_day <= 24:
            raise MgcalcError(f"--per-day must be between 1 and 24, got {self.per_day}")
        return self


class SafetyFields(BaseModel):
    """The safety part of every dosing result."""

    model_config = ConfigDict(defer_build=True)

    per_day: int = 1
    daily_elemental_mg: float | None = None
    cautions: list[Caution] = Field(default_factory=list)
    unknown_drugs: list[UnknownDrug] = Field(default_factory=list)


def safety(profile: Profile | None, per_intake_mg: float, form: Form | None) -> dict[str, Any]:
    """SafetyFields values for ``per_intake_mg`` elemental taken ``profile.per_day`` times a day."""
    prof = profile or Profile()
    daily = per_intake_mg * prof.per_day
    a = assess(prof, daily, form)
    return {
        "per_day": prof.per_day,
        "daily_elemental_mg": daily,
        "cautions": a.cautions,
        "unknown_drugs": a.unknown_drugs,
    }


def match_drug(name: str, data: CautionData | None = None) -> list[DrugClass] | UnknownDrug:
    """The drug classes a name belongs to, ignoring case, salts, strengths and dosage forms.

    "omeprazole magnesium 20 mg" and "Levothyroxine sodium" match; a name that
    matches nothing comes back as UnknownDrug with the closest known names.
    """
    d = data or packaged_cautions()
    ignore = set(d.ignore_words)
    words = [
        w
        for w in _norm(name).replace("/", " ").split()
        if w not in ignore and not re.fullmatch(r"[\d.,]+(mg|mcg|ug|µg|g|ml|%)?", w)
    ]
    codes: list[str] = []
    # whole remaining phrase first (two-word brands such as "Slow Fe"), then each word
    for key in (" ".join(words), *words):
        code = d._drug_names.get(key)
        if code is not None and code not in codes:
            codes.append(code)
    if codes:
        return [d.drug(c) for c in codes]
    import difflib

    close: list[str] = []
    for w in words or [_norm(name)]:
        close += difflib.get_close_matches(w, list(d._drug_names), n=3, cutoff=0.75)
    return UnknownDrug(name=name, close_matches=list(dict.fromkeys(close)))


def _drug_caution(given: str, dc: DrugClass) -> Caution:
    return Caution(
        code=dc.code,
        level=dc.level,
        message=f"{given} ({dc.name}): {dc.effect}; {dc.advice}.",
        separate_hours=dc.separate_hours,
        source=cite(dc.sources),
    )


def _stage_egfr(stage: str, d: CautionData) -> float:
    return d.kidney.stages[stage.lower()].egfr_min


def _kidney(profile: Profile, d: CautionData) -> list[Caution]:
    egfr = profile.egfr
    if profile.ckd_stage is not None:
        rng = d.kidney.stages[profile.ckd_stage.lower()]
        if egfr is not None and not rng.egfr_min <= egfr < rng.egfr_max:
            raise MgcalcError(
                f"eGFR {egfr:g} is not in CKD stage {profile.ckd_stage} ({rng.egfr_min:g}-{rng.egfr_max:g})"
            )
        egfr = rng.egfr_min if egfr is None else egfr
    if egfr is None:
        return []
    for band in d.kidney.bands:
        if band.egfr_min <= egfr < band.egfr_max:
            return [Caution(code="ckd", level=band.level, message=band.message, source=cite(band.sources))]
    return []


def _condition(name: str, d: CautionData) -> Condition:
    key = _norm(name).replace(" ", "-")
    code = d._condition_names.get(key)
    if code is None:
        import difflib

        close = difflib.get_close_matches(key, list(d._condition_names), n=3, cutoff=0.6)
        names = list(dict.fromkeys(d._condition_names[k] for k in close))
        hint = (
            f"; closest: {', '.join(names)}"
            if names
            else f"; known: {', '.join(c.code for c in d.conditions)}"
        )
        raise MgcalcError(f"unknown condition '{literal(name)}'{hint}")
    return d.condition(code)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _quiet_below(profile: Profile, ul: float | None, d: CautionData) -> float:
    """A daily amount below which no amount caution can apply to this profile (0 if none)."""
    diarrhoea = any(_condition(c, d).code == "chronic-diarrhea" for c in profile.conditions)
    reports_rda = profile.age is not None and (
        profile.sex is not None or profile.pregnant or profile.lactating
    )
    if ul is None or diarrhoea or reports_rda:
        return 0.0
    return min(ul, d.rules.laxative_near_ul.fraction_of_ul * ul)


def amount_cautions(profile: Profile, daily_mg: float, form: Form | None = None) -> list[Caution]:
    """Cautions that depend on the daily amount: the UL, laxative forms, % of the reference intake."""
    private: dict[str, Any] = profile.__pydantic_private__  # type: ignore[assignment]
    quiet = private["_quiet_below"]
    if quiet is not None and daily_mg < quiet:  # the common case in a batch: nothing to say
        return []
    d = packaged_cautions()
    state = life_state(profile.pregnant, profile.lactating, profile.sex)
    ul_ref = upper_level(profile.age, state, profile.standard)
    if quiet is None:
        private["_quiet_below"] = _quiet_below(profile, ul_ref.ul_supplemental_mg, d)
    who = f"age {profile.age:g}" if profile.age is not None else "adults (no --age given)"
    out: list[Caution] = []
    ul = ul_ref.ul_supplemental_mg
    if ul is None:
        out.append(
            Caution(
                code="upper-limit",
                level=d.rules.upper_limit.level,
                message=f"{_fmt(daily_mg)} mg/day supplemental magnesium for {ul_ref.life_stage}: {ul_ref.ul_note}.",
                source=cite(ul_ref.sources),
            )
        )
    elif daily_mg > ul:
        out.append(
            Caution(
                code="upper-limit",
                level=d.rules.upper_limit.level,
                message=(
                    f"{_fmt(daily_mg)} mg/day supplemental magnesium is above the UL of {_fmt(ul)} mg/day for "
                    f"{who} ({ul_ref.standard_name}); {d.rules.upper_limit.note}."
                ),
                source=cite(ul_ref.sources),
            )
        )
    if form is not None:
        rule = d.rules.laxative_near_ul
        diarrhoea = any(_condition(c, d).code == "chronic-diarrhea" for c in profile.conditions)
        if diarrhoea and form.laxative != "none":
            out.append(
                Caution(
                    code="laxative",
                    level="caution",
                    message=f"{form.name} is a {form.laxative}ly laxative form and you have chronic diarrhoea; a gentle form (glycinate) at a low dose is kinder.",
                    source=cite(d.condition("chronic-diarrhea").sources),
                )
            )
        elif form.laxative == "strong" and ul is not None and daily_mg >= rule.fraction_of_ul * ul:
            out.append(
                Caution(
                    code="laxative",
                    level="caution",
                    message=(
                        f"{form.name} is strongly laxative and {_fmt(daily_mg)} mg/day is near or above the UL "
                        f"({_fmt(ul)} mg/day): expect loose stools; split the dose or use a gentler form."
                    ),
                    source=cite(rule.sources),
                )
            )
    if profile.age is not None and (profile.sex is not None or state != "none"):
        ref = reference(profile.age, profile.sex, state, profile.standard)
        target = ref.rda_mg or ref.ai_mg
        if target:
            kind = "RDA" if ref.rda_mg else "adequate intake"
            out.append(
                Caution(
                    code="reference-intake",
                    level="info",
                    message=(
                        f"{_fmt(daily_mg)} mg/day is {100 * daily_mg / target:.0f}% of the {kind} "
                        f"({_fmt(target)} mg/day, food included) for {ref.life_stage} ({ref.standard_name})."
                    ),
                    source=cite(ref.sources),
                )
            )
    return out


def assess(profile: Profile, daily_mg: float | None = None, form: Form | None = None) -> Assessment:
    """The cautions that apply to ``profile`` (and to ``daily_mg`` of ``form`` a day), most severe first."""
    private: dict[str, Any] = profile.__pydantic_private__  # type: ignore[assignment]
    base: Assessment | None = private["_base"]
    if base is None:
        base = private["_base"] = _assess_person(profile)
    if daily_mg is None:
        return base
    extra = amount_cautions(profile, daily_mg, form)
    if not extra:
        return base
    cautions = [*base.cautions, *extra]
    cautions.sort(key=lambda c: -severity(c.level))
    return Assessment(cautions=cautions, unknown_drugs=base.unknown_drugs)


def _assess_person(profile: Profile) -> Assessment:
    d = packaged_cautions()
    profile.check()
    cautions = _kidney(profile, d)
    unknown: list[UnknownDrug] = []
    seen: set[str] = set()
    for name in profile.drugs:
        if not name.strip():
            raise MgcalcError("--drug needs a name")
        found = match_drug(name, d)
        if isinstance(found, UnknownDrug):
            unknown.append(found)
            continue
        for dc in found:
            if dc.code not in seen:
                seen.add(dc.code)
                cautions.append(_drug_caution(name, dc))
    conditions = [_condition(c, d) for c in profile.conditions]
    if profile.pregnant and all(c.code != "pregnancy" for c in conditions):
        conditions.append(d.condition("pregnancy"))
    for c in {c.code: c for c in conditions}.values():
        if c.code == "ckd" and any(x.code == "ckd" for x in cautions):
            continue  # the eGFR band says more
        cautions.append(
            Caution(code=c.code, level=c.level, message=f"{c.name}: {c.message}.", source=cite(c.sources))
        )
    for u in unknown:
        hint = f" (did you mean {', '.join(u.close_matches)}?)" if u.close_matches else ""
        cautions.append(
            Caution(
                code="unknown-drug",
                level="info",
                message=(
                    f"'{literal(u.name)}' is not a drug mgcalc knows to interact with magnesium{hint}; "
                    "that is not a clearance: ask a pharmacist."
                ),
                source="mgcalc data/cautions.yaml",
            )
        )
    cautions.sort(key=lambda c: -severity(c.level))
    return Assessment(cautions=cautions, unknown_drugs=unknown)


def worst(cautions: list[Caution]) -> Level | None:
    """The most severe level among ``cautions``."""
    return max((c.level for c in cautions), key=severity, default=None)
