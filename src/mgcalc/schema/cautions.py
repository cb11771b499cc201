"""data/cautions.yaml: drug, condition, kidney and amount rules, with a lookup of drug names."""

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from mgcalc.schema.base import DataModel, Level, SourceKeys, nfkc

CKD_STAGES = ("1", "2", "3a", "3b", "4", "5")


class Evidence(DataModel):
    """Where a rule comes from: source keys, the sentence it rests on, and any disagreement."""

    sources: SourceKeys
    quote: str | None = Field(default=None, description="the sentence the rule rests on, verbatim")
    where: str | None = Field(default=None, description="document section the quote is from")
    conflicts: str | None = Field(default=None, description="where sources disagree, and the reading taken")


class DrugRule(Evidence):
    """How one drug, brand or class interacts with magnesium.

    ``drug_before_hours``: the drug is taken at least this long before magnesium;
    ``drug_after_hours``: or at least this long after it. Either may be null
    (that direction is not offered). ``avoid`` rules carry no hours: timing does
    not help. A class rule is the default for its ``members``, which override
    only the fields they give.
    """

    code: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: str
    level: Level
    generics: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    effect: str
    advice: str
    drug_before_hours: float | None = Field(default=None, ge=0, le=48)
    drug_after_hours: float | None = Field(default=None, ge=0, le=48)
    applies_to_forms: Literal["antacid"] | None = None
    oral_chelation: bool = Field(
        default=False, description="a gut interaction: route words (eye, ear, IV...) suppress it"
    )
    magnesium_form: str | None = Field(
        default=None,
        description="the medicine itself is a magnesium product: the catalogue form of its magnesium "
        "(hydroxide, oxide, carbonate...); every other drug's rule holds against it",
    )
    drug_class: str | None = Field(
        default=None, description="the code of the class the rule belongs to (set when the data is indexed)"
    )
    rxcui: dict[str, str] = Field(
        default_factory=dict,
        description="RxNorm codes of the rule's own generics, generic -> ingredient RxCUI (IN); for a rule naming "
        "brands only, brand -> the code of the product's ingredients (IN, MIN for a combination, else the brand's BN); "
        "each checked against the evidence in docs/codes.md",
    )

    @model_validator(mode="after")
    def _timing(self) -> "DrugRule":
        if self.level == "avoid" and (self.drug_before_hours or self.drug_after_hours):
            raise ValueError(f"{self.code}: an avoid rule carries no separation hours")
        if not self.generics and not self.brands:
            raise ValueError(f"{self.code}: names no generic and no brand")
        return self

    @property
    def separate_hours(self) -> float | None:
        """The longest gap either way (the single figure old scripts read)."""
        hrs = [h for h in (self.drug_before_hours, self.drug_after_hours) if h is not None]
        return max(hrs) if hrs else None


class DrugMember(DataModel):
    """A member or brand of a class whose own label differs: only the fields given override."""

    code: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: str | None = None
    level: Level | None = None
    generics: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    effect: str | None = None
    advice: str | None = None
    drug_before_hours: float | None = Field(default=None, ge=0, le=48)
    drug_after_hours: float | None = Field(default=None, ge=0, le=48)
    no_timing: bool = Field(default=False, description="clear the class's hours (an avoid rule)")
    applies_to_forms: Literal["antacid"] | None = None
    magnesium_form: str | None = None
    rxcui: dict[str, str] = Field(default_factory=dict)
    sources: SourceKeys
    quote: str | None = None
    where: str | None = None
    conflicts: str | None = None


class DrugClass(DrugRule):
    """A class rule with member overrides."""

    members: list[DrugMember] = Field(default_factory=list)

    def rules(self) -> list[DrugRule]:
        """The class rule, then each member as a full rule (class fields filled in).

        Built without revalidation (both parts are validated models); the
        cross-field checks run in ``CautionData`` for every rule.
        """
        base = {name: getattr(self, name) for name in DrugRule.model_fields}
        base["drug_class"] = self.code
        out = [DrugRule.model_construct(**base)]
        for m in self.members:
            given = {k: getattr(m, k) for k in m.model_fields_set if k != "no_timing"}
            merged = {**base, **given}
            if m.no_timing:
                merged["drug_before_hours"] = merged["drug_after_hours"] = None
            elif "drug_before_hours" in given or "drug_after_hours" in given:
                merged["drug_before_hours"] = m.drug_before_hours
                merged["drug_after_hours"] = m.drug_after_hours
            for own in ("quote", "where", "conflicts"):  # evidence is the member's own, never the class's
                merged[own] = given.get(own)
            merged["generics"] = list(m.generics)
            merged["brands"] = list(m.brands)
            merged["rxcui"] = dict(m.rxcui)  # a member's codes are its own generics'
            merged["drug_class"] = self.code
            out.append(DrugRule.model_construct(**merged))
        return out


class Advice(DataModel):
    """A caution the data states whole: its level, its words, its sources and the sentence it rests on."""

    level: Level
    message: str
    sources: SourceKeys
    quote: str | None = None


class Condition(Advice):
    """A condition that makes magnesium supplements risky."""

    code: str
    name: str
    aliases: list[str] = Field(default_factory=list)


class StageRange(DataModel):
    """eGFR range [egfr_min, egfr_max) of a CKD stage."""

    egfr_min: float = Field(ge=0)
    egfr_max: float = Field(gt=0)


class KidneyBand(Advice):
    """What applies for eGFR in [egfr_min, egfr_max)."""

    egfr_min: float = Field(ge=0)
    egfr_max: float = Field(gt=0)


class Kidney(DataModel):
    """Kidney function: CKD stages, the cautions by eGFR, and words meaning kidney failure."""

    stages: dict[str, StageRange]
    max_egfr: float = Field(gt=0)
    bands: list[KidneyBand]
    failure_words: list[str] = Field(
        default_factory=list, description="condition names that mean the lowest band (dialysis...)"
    )


class UpperLimitRule(DataModel):
    """How exceeding the UL is flagged."""

    level: Level
    note: str


class LaxativeRule(DataModel):
    """When a strongly laxative form is flagged near the UL."""

    fraction_of_ul: float = Field(gt=0, le=1)
    note: str
    sources: SourceKeys


class AgeRule(Advice):
    """A rule that applies below or above an age."""


class Rules(DataModel):
    """Rules that depend on the amount or the person."""

    upper_limit: UpperLimitRule
    laxative_near_ul: LaxativeRule
    infant: AgeRule | None = None
    infant_age_max: float = 1.0
    child_absorption_note: str | None = None
    older_adult: AgeRule | None = None
    older_adult_age_min: float = 65.0


class UnknownMedicine(Advice):
    """How a medicine mgcalc cannot identify is treated: never as cleared."""

    conflicts: str | None = None


class Combination(DataModel):
    """A combination brand and its active ingredients, from the product's own label: the brand is
    read as its ingredients, each under its own rule (an ingredient no rule names is a medicine
    mgcalc cannot identify), exactly as the generic spelling "a/b" is."""

    brands: list[str] = Field(min_length=1)
    ingredients: list[str] = Field(min_length=2)
    quote: str = Field(
        description="the label's title or composition sentence naming the ingredients, verbatim"
    )
    where: str = Field(description="the label the quote is from (product, document, address)")


class CautionData(DataModel):
    """data/cautions.yaml, with a lookup of drug names."""

    schema_version: int = Field(alias="schema", ge=1, le=2)
    ignore_words: list[str]
    dosage_words: list[str] = Field(
        default_factory=list, description="dosage forms, units and release words: ignored in drug names"
    )
    route_words: list[str] = Field(default_factory=list)
    instruction_words: list[str] = Field(
        default_factory=list,
        description="frequency, timing, dosage-form and instruction words a medicine line carries ('bid', "
        "'weekly', 'drops'): never a medicine name; any other word beside a known name is read as a medicine "
        "mgcalc cannot identify",
    )
    combinations: list[Combination] = Field(
        default_factory=list, description="combination brands whose ingredients each carry their own rule"
    )
    antacid_families: list[str] = Field(default_factory=list)
    antacid_forms: list[str] = Field(
        default_factory=list,
        description="forms outside those families that carry an antacid (buffered glycinate)",
    )
    abbreviations: dict[str, str] = Field(
        default_factory=dict, description="a short form people write -> the drug name it stands for"
    )
    ambiguous_abbreviations: dict[str, list[str]] = Field(
        default_factory=dict, description="a short form that stands for more than one drug: an error"
    )
    unknown_medicine: UnknownMedicine | None = None
    drugs: list[DrugClass]
    conditions: list[Condition]
    kidney: Kidney
    rules: Rules

    _drug_names: dict[str, list[str]] = PrivateAttr(default_factory=dict)
    _rules: dict[str, DrugRule] = PrivateAttr(default_factory=dict)
    _condition_names: dict[str, str] = PrivateAttr(default_factory=dict)
    _class_of: dict[str, str] = PrivateAttr(default_factory=dict)
    _ready: bool = PrivateAttr(default=False)
    _name_index: Callable[[], dict[str, Any]] | None = PrivateAttr(default=None)

    def _lookups(self) -> dict[str, Any]:
        """The name lookups, built on first use (data constructed without validation skips them
        until a drug or condition is looked up, and then builds them without the checks: the
        data was validated when the wheel was built), from the name index where one was given."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        if not private["_ready"]:
            if private["_name_index"] is None:
                self._build_index(check=False)
            else:
                self._use_names(private["_name_index"]())
        return private

    def name_index(self) -> dict[str, Any]:
        """The normalised drug and condition names -> their codes (what the lookups search)."""
        private = self._lookups()
        return {"drugs": private["_drug_names"], "conditions": private["_condition_names"]}

    def use_name_index(self, load: Callable[[], dict[str, Any]]) -> "CautionData":
        """Take the name lookups from ``load()``, a ``name_index`` computed earlier (data validated
        at build time), when a drug or condition is first looked up: normalising every name
        again ran 13.8 M instructions (valgrind, installed wheel: check 763.6 -> 752.4 M with the index)."""
        self._name_index = load
        return self

    def _use_names(self, index: dict[str, Any]) -> None:
        rules: dict[str, DrugRule] = {}
        class_of: dict[str, str] = {}
        for d in self.drugs:
            for rule in d.rules():
                rules[rule.code] = rule
                class_of[rule.code] = d.code
        self._rules, self._drug_names, self._condition_names = rules, index["drugs"], index["conditions"]
        self._class_of, self._ready = class_of, True

    @model_validator(mode="after")
    def _index(self) -> "CautionData":
        return self._build_index(check=True)

    def _build_index(self, check: bool) -> "CautionData":
        problems = []
        owner: dict[str, str] = {}
        rules: dict[str, DrugRule] = {}
        class_of: dict[str, str] = {}
        drug_names: dict[str, list[str]] = {}
        condition_names: dict[str, str] = {}
        dropped = set(self.dosage_words) | set(self.route_words)
        normed: dict[str, str] = {}  # every name is normalised once

        def norm(name: str) -> str:
            key = normed.get(name)
            if key is None:
                key = normed[name] = _norm(name)
            return key

        for d in self.drugs:
            if check:
                member_names = {norm(n) for m in d.members for n in (*m.generics, *m.brands)}
                problems += [
                    f"{d.code}: {n!r} is named by the class and by a member"
                    for n in (*d.generics, *d.brands)
                    if norm(n) in member_names
                ]
            for rule in d.rules():
                if check:
                    if rule.level == "avoid" and (rule.drug_before_hours or rule.drug_after_hours):
                        problems.append(f"{rule.code}: an avoid rule carries no separation hours")
                    if not rule.generics and not rule.brands:
                        problems.append(f"{rule.code}: names no generic and no brand")
                    if rule.code in rules:
                        problems.append(f"drug rule code {rule.code!r} is used twice")
                rules[rule.code] = rule
                class_of[rule.code] = d.code
                for n in (*rule.generics, *rule.brands):
                    key = norm(n)
                    codes = drug_names.setdefault(key, [])
                    # a name belongs to one rule per class; members override their class
                    if check and owner.get(f"{d.code}:{key}") not in (None, d.code):
                        problems.append(f"drug name {n!r} is in two members of {d.code!r}")
                    owner[f"{d.code}:{key}"] = rule.code
                    if rule.code not in codes:
                        codes.append(rule.code)
        if check:
            for code, rule in rules.items():
                # a rule naming brands only keys its codes to its brands
                own = {norm(g) for g in rule.generics or rule.brands} if rule.rxcui else set()
                for generic, cui in rule.rxcui.items():
                    if norm(generic) not in own:
                        problems.append(f"{code}: rxcui for {generic!r}, which is not one of its generics")
                    if not re.fullmatch(r"[1-9][0-9]{0,8}", cui):
                        problems.append(f"{code}: {cui!r} is not an RxCUI")
        # then each name without its dosage words ("Envarsus XR" as "envarsus"), where that is
        # not a name already and only one rule would claim it
        bare: dict[str, set[str]] = {}
        for code, rule in rules.items():
            for n in (*rule.generics, *rule.brands):
                key = bare_name(norm(n), dropped)
                if key and key not in drug_names:
                    bare.setdefault(key, set()).add(code)
        for key, codes_ in bare.items():
            if len(codes_) == 1:
                drug_names[key] = list(codes_)
        if check:
            for short, full in self.abbreviations.items():
                if norm(full) not in drug_names:
                    problems.append(
                        f"abbreviation {short!r} stands for {full!r}, which is not a known drug name"
                    )
                if norm(short) in drug_names:
                    problems.append(f"abbreviation {short!r} is already a drug name")
            for short, fulls in self.ambiguous_abbreviations.items():
                problems += [
                    f"ambiguous abbreviation {short!r}: {f!r} is not a known drug name"
                    for f in fulls
                    if norm(f) not in drug_names
                ]
        for c in self.conditions:
            for n in (c.code, c.name, *c.aliases):
                condition_names[norm(n).replace(" ", "-")] = c.code
        if check:
            problems += [
                f"instruction word {w!r} is a drug name"
                for w in self.instruction_words
                if norm(w) in drug_names
            ]
        if check and set(self.kidney.stages) != set(CKD_STAGES):
            problems.append(f"kidney.stages must be exactly {', '.join(CKD_STAGES)}")
        if problems:
            raise ValueError("; ".join(problems))
        self._rules, self._drug_names, self._condition_names = rules, drug_names, condition_names
        self._class_of, self._ready = class_of, True
        return self

    def rule(self, code: str) -> "DrugRule":
        """The drug rule with this code."""
        rules: dict[str, DrugRule] = self._lookups()["_rules"]
        return rules[code]

    def all_rules(self) -> list["DrugRule"]:
        """Every drug rule: each class, then its members as full rules."""
        rules: dict[str, DrugRule] = self._lookups()["_rules"]
        return list(rules.values())

    def rules_named(self, key: str) -> list[DrugRule]:
        """The most specific rule of each class that a normalised name belongs to."""
        private = self._lookups()
        by_class: dict[str, DrugRule] = {}
        # within one class, a member (indexed after its class) overrides the class rule
        for code in private["_drug_names"].get(key, []):
            by_class[private["_class_of"][code]] = private["_rules"][code]
        return list(by_class.values())

    @property
    def drug_names(self) -> list[str]:
        """Every normalised drug name known."""
        names: dict[str, list[str]] = self._lookups()["_drug_names"]
        return list(names)

    def condition(self, code: str) -> "Condition":
        """The condition with this code."""
        return next(c for c in self.conditions if c.code == code)

    def condition_code(self, name: str) -> str | None:
        """The condition code a name or alias means (None if unknown)."""
        names: dict[str, str] = self._lookups()["_condition_names"]
        return names.get(_norm(name).replace(" ", "-"))

    @property
    def condition_names(self) -> list[str]:
        """Every normalised condition name known."""
        names: dict[str, str] = self._lookups()["_condition_names"]
        return list(names)

    def source_keys(self) -> list[str]:
        """Every source key the caution data refers to."""
        keys = [k for d in self.drugs for k in d.sources]
        keys += [k for d in self.drugs for m in d.members for k in m.sources]
        keys += [k for c in self.conditions for k in c.sources]
        keys += [k for b in self.kidney.bands for k in b.sources]
        keys += self.rules.laxative_near_ul.sources
        for extra in (self.rules.infant, self.rules.older_adult):
            keys += extra.sources if extra else []
        return list(dict.fromkeys(keys))


def _norm(text: str) -> str:
    return " ".join(re.split(r"[^0-9a-z-]+", nfkc(text).casefold())).strip()


#: a strength as a word of a drug name: "500", "500mg", "0.5%"
STRENGTH = re.compile(r"[\d.,]+(?:mg|mcg|ug|µg|g|ml|%)?")


def bare_name(normed: str, dropped: set[str]) -> str:
    """A normalised drug name without the ``dropped`` words (dosage forms, routes) and strengths."""
    return " ".join(w for w in normed.split() if w not in dropped and not STRENGTH.fullmatch(w))


def norm_name(text: str) -> str:
    """A drug or condition name normalised for lookup (case, punctuation, spacing)."""
    return _norm(text)
