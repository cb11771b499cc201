"""The data-file models: what data/*.yaml must hold, validated by pydantic.

Pure: nothing here reads a file (mgcalc.reference does), prints or looks at
the environment. The ``Reference`` bundle holds every data file at once and is
passed explicitly to the core functions.
"""

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from mgcalc.errors import MgcalcError, literal

if TYPE_CHECKING:
    from mgcalc.schema.labels import LabelData

Laxative = Literal["none", "low", "mild", "strong"]
LAXATIVE_LEVELS: tuple[Laxative, ...] = ("none", "low", "mild", "strong")
PctBasis = Literal["stoichiometry", "manufacturer", "pharmacopoeia"]
SourceKeys = Annotated[list[str], Field(min_length=1)]
FormId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class DataModel(BaseModel):
    """Base of the data-file models: strict keys, immutable, schema built on first use."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Source(DataModel):
    """A citation that figures refer to by key."""

    cite: str = Field(min_length=1)
    url: str | None = None


class Constant(DataModel):
    """A physical constant with its unit and sources."""

    value: float = Field(gt=0)
    unit: str
    note: str = ""
    sources: SourceKeys


class Constants(DataModel):
    """Constants the arithmetic uses, checked against their physical values."""

    mg_molar_mass: Constant
    mg_charge: Constant

    @model_validator(mode="after")
    def _physical(self) -> "Constants":
        # CIAAW interval for Mg; Mg2+ carries two charges: anything else is a typo
        if not 24.304 <= self.mg_molar_mass.value <= 24.307:
            raise ValueError("mg_molar_mass must be within the CIAAW interval [24.304, 24.307] g/mol")
        if self.mg_charge.value != 2:
            raise ValueError("mg_charge must be 2 (Mg2+)")
        return self


class Quote(DataModel):
    """The sentence a figure rests on, verbatim, and where it is."""

    about: Literal["elemental_pct", "default", "laxative", "absorption", "identity"]
    sources: SourceKeys
    quote: str = Field(min_length=1, description="verbatim from the source")
    where: str = Field(min_length=1, description="where the sentence is, and any derivation from it")


class Absorption(DataModel):
    """What a study measured for a form, and its bioavailability relative to the soluble reference salt."""

    pct: float | None = Field(default=None, gt=0, le=100)
    dose_mg: float | None = Field(default=None, gt=0)
    like: str | None = Field(default=None, description="assumed to absorb like this form id")
    relative: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="relative bioavailability (central) from within-study comparisons",
    )
    relative_min: float | None = Field(default=None, gt=0, le=1)
    relative_max: float | None = Field(default=None, gt=0, le=1)
    note: str = Field(min_length=1)
    sources: SourceKeys
    evidence: list[Quote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> "Absorption":
        lo, hi = self.relative_min, self.relative_max
        if (lo is not None or hi is not None) and self.relative is None:
            raise ValueError("relative_min/relative_max need a central 'relative'")
        if self.relative is not None and not (lo or self.relative) <= self.relative <= (hi or self.relative):
            raise ValueError("relative must lie within relative_min..relative_max")
        return self


class LaxativeEvidence(DataModel):
    """What a form's laxative level and dose rest on: a sentence verbatim from a monograph, label or
    trial and the dose it describes, or ``read: no data`` and the class default (``like``)."""

    read: Literal["abstract", "full text", "no data"] = Field(
        description="how much of the source was read, or 'no data' where no source was found"
    )
    quote: str | None = Field(default=None, min_length=1, description="verbatim from the source")
    source: str | None = Field(default=None, min_length=1, description="key in data/sources.yaml")
    where: str | None = Field(default=None, min_length=1, description="where the sentence is")
    dose_mg: float | None = Field(
        default=None, gt=0, description="elemental mg per intake the source describes (null: not stated)"
    )
    daily_mg: float | None = Field(
        default=None, gt=0, description="elemental mg a day the source describes (null: not stated)"
    )
    describes: str | None = Field(
        default=None,
        min_length=1,
        description="what the dose is, in words ('the LOAEL', 'the laxative dose')",
    )
    like: str | None = Field(
        default=None, description="a form id whose dose is taken where this evidence states none"
    )
    note: str = ""

    @model_validator(mode="after")
    def _complete(self) -> "LaxativeEvidence":
        if self.read == "no data":
            if self.quote or self.source or self.dose_mg or self.daily_mg:
                raise ValueError("'no data' laxative evidence carries no quote, source or dose")
        elif not (self.quote and self.source and self.where):
            raise ValueError("laxative evidence needs quote, source and where (or read: no data)")
        if (self.dose_mg is not None or self.daily_mg is not None) and not self.describes:
            raise ValueError("a laxative dose needs 'describes'")
        return self

    @property
    def own_dose_mg(self) -> float | None:
        """The dose the source states, per intake where it says so, else its daily amount read as
        taken at once (the conservative reading: an intake is never more than the day)."""
        return self.dose_mg if self.dose_mg is not None else self.daily_mg


class FormSources(DataModel):
    """Source keys for each figure of a form."""

    elemental_pct: SourceKeys
    laxative: SourceKeys


class Form(DataModel):
    """One magnesium compound (a salt or hydrate) as sold."""

    id: FormId
    name: str = Field(min_length=1)
    family: FormId
    aliases: list[str] = Field(default_factory=list)
    formula: str | None = Field(
        default=None, min_length=1, description="null only for a mixture or product with no single formula"
    )
    elemental_pct: float = Field(gt=0, le=100)
    elemental_pct_min: float | None = Field(
        default=None, gt=0, le=100, description="low end where the article's composition varies"
    )
    elemental_pct_max: float | None = Field(default=None, gt=0, le=100)
    basis: PctBasis
    absorption: Absorption | None
    laxative: Laxative
    laxative_evidence: LaxativeEvidence = Field(
        default_factory=lambda: LaxativeEvidence(read="no data", note="not given in this catalogue"),
        description="what the laxative level and dose rest on (a catalogue without it: no data, class default)",
    )
    notes: str = ""
    evidence: list[Quote] = Field(default_factory=list)
    sources: FormSources
    unii: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Z]{10}$",
        description="FDA UNII of exactly this substance and hydrate (null where none was found or checked)",
    )
    unii_note: str | None = Field(
        default=None,
        description="for a code, 'hydrate: ...' and the record it was checked against; else why none",
    )

    @model_validator(mode="after")
    def _consistent(self) -> "Form":
        if self.basis == "stoichiometry" and self.formula is None:
            raise ValueError("a stoichiometric figure needs a formula")
        lo = self.elemental_pct_min if self.elemental_pct_min is not None else self.elemental_pct
        hi = self.elemental_pct_max if self.elemental_pct_max is not None else self.elemental_pct
        if not lo <= self.elemental_pct <= hi:
            raise ValueError("elemental_pct must lie within elemental_pct_min..elemental_pct_max")
        return self

    @property
    def fraction(self) -> float:
        """Elemental Mg per unit mass of compound."""
        return self.elemental_pct / 100.0

    @property
    def pct_range(self) -> tuple[float, float]:
        """(low, high) %Mg of the article (both the central figure where it does not vary)."""
        lo = self.elemental_pct_min if self.elemental_pct_min is not None else self.elemental_pct
        hi = self.elemental_pct_max if self.elemental_pct_max is not None else self.elemental_pct
        return lo, hi

    @property
    def formula_text(self) -> str:
        """The formula, or what stands for it where the article has none."""
        return self.formula if self.formula is not None else "(no single formula)"


#: ``Catalogue.resolve`` remembers at most this many spellings, each at most this long
#: (a batch repeats a few spellings; distinct or very long ones must not grow memory without end).
RESOLVE_CACHE_SIZE = 4096
RESOLVE_CACHE_NAME_CHARS = 200


class Catalogue(DataModel):
    """The whole catalogue, cross-checked: unique ids and names, known sources, families."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    constants: Constants
    families: dict[FormId, FormId]
    forms: list[Form] = Field(min_length=1)
    sources: dict[str, Source] = Field(default_factory=dict)

    # Lookups built at validation. Private attributes go through a slow
    # __getattr__, so the hot paths below read them from __pydantic_private__.
    _by_id: dict[str, Form] = PrivateAttr(default_factory=dict)
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    _members: dict[str, list[Form]] = PrivateAttr(default_factory=dict)
    _resolved: dict[str, Form] = PrivateAttr(default_factory=dict)  # raw name -> form, for batches

    @model_validator(mode="after")
    def _cross_check(self) -> "Catalogue":
        problems: list[str] = []
        by_id: dict[str, Form] = {}
        members: dict[str, list[str]] = {}
        for f in self.forms:
            if f.id in by_id:
                problems.append(f"forms[id={f.id}].id: duplicate id")
            by_id[f.id] = f
            members.setdefault(f.family, []).append(f.id)
        for fam, default in self.families.items():
            if default not in by_id:
                problems.append(f"families.{fam}: default {default!r} is not a form id")
            elif by_id[default].family != fam:
                problems.append(f"families.{fam}: default {default!r} is in family {by_id[default].family!r}")
        for fam, ids in members.items():
            if len(ids) > 1 and fam not in self.families:
                problems.append(
                    f"families: family {fam!r} has {len(ids)} forms ({', '.join(ids)}) but no default"
                )
        for f in self.forms:
            like = f.absorption.like if f.absorption else None
            target = by_id.get(like) if like is not None else None
            if like is not None and (target is None or (target.absorption and target.absorption.like)):
                problems.append(
                    f"forms[id={f.id}].absorption.like: {like!r} must be a form without a 'like' of its own"
                )
            lax = f.laxative_evidence.like
            lax_target = by_id.get(lax) if lax is not None else None
            # a user catalogue may leave the class default's form out (mgcalc then takes its lowest stated dose)
            if lax_target is not None and lax_target.laxative_evidence.own_dose_mg is None:
                problems.append(
                    f"forms[id={f.id}].laxative_evidence.like: {lax!r} must be a form whose evidence states a dose"
                )
        names: dict[str, str] = {}

        def add(key: str, form_id: str, where: str) -> "None":
            if not key:
                problems.append(f"{where}: name is empty once 'magnesium' is dropped")
            elif names.setdefault(key, form_id) != form_id:
                problems.append(f"{where}: name {key!r} also names {names[key]!r}")

        for f in self.forms:
            for n in (f.id, f.name, *f.aliases):
                add(name_key(n), f.id, f"forms[id={f.id}]")
        for fam, default in self.families.items():
            add(name_key(fam), default, f"families.{fam}")
        # a formula names its first stoichiometric entry (the family default first):
        # an enteric-coated tablet or a branded raw material shares the formula
        # of the salt and is reached by id or alias
        ordered = sorted(self.forms, key=lambda f: self.families.get(f.family) != f.id)
        for f in ordered:
            if f.basis == "stoichiometry" and f.formula is not None:
                names.setdefault(name_key(f.formula), f.id)
        if problems:
            raise ValueError("; ".join(problems))
        grouped: dict[str, list[Form]] = {}
        for f in self.forms:
            grouped.setdefault(f.family, []).append(f)
        self._by_id, self._names, self._members = by_id, names, grouped
        return self

    def name_index(self) -> dict[str, str]:
        """Every lookup key -> form id (what ``resolve`` searches)."""
        names: dict[str, str] = self.__pydantic_private__["_names"]  # type: ignore[index]
        return dict(names)

    def use_name_index(self, names: dict[str, str]) -> "Catalogue":
        """Build the lookups from a name index computed earlier (data validated at build time)."""
        by_id = {f.id: f for f in self.forms}
        grouped: dict[str, list[Form]] = {}
        for f in self.forms:
            grouped.setdefault(f.family, []).append(f)
        self._by_id, self._names, self._members = by_id, dict(names), grouped
        return self

    def source_keys(self) -> list[str]:
        """Every source key the catalogue refers to."""
        keys = [k for c in (self.constants.mg_molar_mass, self.constants.mg_charge) for k in c.sources]
        for f in self.forms:
            keys += [*f.sources.elemental_pct, *f.sources.laxative]
            keys += [f.laxative_evidence.source] if f.laxative_evidence.source else []
            keys += f.absorption.sources if f.absorption else []
            for q in [*f.evidence, *(f.absorption.evidence if f.absorption else [])]:
                keys += q.sources
        return list(dict.fromkeys(keys))

    def get(self, form_id: str) -> "Form":
        """The form with this exact id (KeyError if none)."""
        by_id: dict[str, Form] = self.__pydantic_private__["_by_id"]  # type: ignore[index]
        return by_id[form_id]

    @property
    def ids(self) -> list[str]:
        """Form ids in catalogue order."""
        return [f.id for f in self.forms]

    def family_of(self, form: Form) -> list[Form]:
        """Every form of ``form``'s family, ``form`` itself included, in catalogue order."""
        members: dict[str, list[Form]] = self.__pydantic_private__["_members"]  # type: ignore[index]
        return list(members[form.family])

    def family_default(self, form: Form) -> "Form":
        """The form a bare family name resolves to."""
        return self.get(self.families.get(form.family, form.id))

    def find(self, name: str) -> Form | None:
        """The form a name means (as ``resolve``), or None: no error, no close-match search."""
        resolved: dict[str, Form] = self.__pydantic_private__["_resolved"]  # type: ignore[index]
        hit = resolved.get(name)
        if hit is not None:
            return hit
        key = name_key(name)
        form_id = self._names.get(key) if key else None
        return None if form_id is None else self._by_id[form_id]

    def resolve(self, name: str) -> "Form":
        """Find a form by id, name, alias or formula, forgivingly (see ``name_key``).

        Raises MgcalcError naming the closest ids when nothing matches.
        """
        resolved: dict[str, Form] = self.__pydantic_private__["_resolved"]  # type: ignore[index]
        hit = resolved.get(name)
        if hit is not None:
            return hit
        key = name_key(name)
        if not key:
            raise MgcalcError(
                f"form name '{literal(name)}' is empty: give a form such as citrate", field="form"
            )
        if key in self._names:
            form = self._by_id[self._names[key]]
            if len(name) <= RESOLVE_CACHE_NAME_CHARS:
                if len(resolved) >= RESOLVE_CACHE_SIZE:  # bounded memory: start again
                    resolved.clear()
                resolved[name] = form
            return form
        import difflib

        close = difflib.get_close_matches(key, list(self._names), n=8, cutoff=0.6)
        ids = list(dict.fromkeys(self._names[k] for k in close))[:4]
        hint = f"closest: {', '.join(ids)}" if ids else "run 'mgcalc forms' for the list"
        raise MgcalcError(f"unknown form '{literal(name)}'; {hint}", field="form")


def _nfkc(text: str) -> str:
    """``text`` in Unicode NFKC form (ASCII text already is: unicodedata is loaded only for the rest)."""
    if text.isascii():
        return text
    import unicodedata

    return unicodedata.normalize("NFKC", text)


_DROP_WORDS = frozenset({"magnesium", "mg"})


def name_key(name: str) -> str:
    """Normalise a form name for lookup.

    Case, "magnesium"/"mg", punctuation, spacing, hyphens and word order do not
    matter; "MgCl2·6H2O", "MgCl2.6H2O" and "mgcl2 6h2o" are one key.
    """
    text = _nfkc(name).casefold()
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w and w not in _DROP_WORDS]
    return " ".join(sorted(words))


# ---------------------------------------------------------------- absorption.yaml

Fraction = Annotated[float, Field(gt=0, le=1)]


class Param(DataModel):
    """A model parameter with its provenance; ``min``/``max`` where it is uncertain."""

    value: float = Field(ge=0)
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    note: str = Field(min_length=1)
    derived: bool = False
    assumed: bool = False
    sources: SourceKeys
    quote: str | None = Field(default=None, description="the sentence the value rests on, verbatim")
    where: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Param":
        if not self.low <= self.value <= self.high:
            raise ValueError("value must lie within min..max")
        return self

    @property
    def low(self) -> float:
        """The low end (the value itself where it is not uncertain)."""
        return self.value if self.min is None else self.min

    @property
    def high(self) -> float:
        """The high end (the value itself where it is not uncertain)."""
        return self.value if self.max is None else self.max


class PublishedPoint(DataModel):
    """A fraction absorbed that a study published, for checking the model."""

    supplement_mg: float = Field(ge=0)
    fraction: Fraction
    note: str
    sources: SourceKeys


class ReferenceForm(DataModel):
    """The salt the curve was measured with."""

    id: str
    note: str
    sources: SourceKeys


class Unmeasured(DataModel):
    """Relative bioavailability assumed for forms with no human comparison."""

    value: Fraction
    min: Fraction | None = None
    max: Fraction | None = None
    note: str = Field(min_length=1)
    assumed: bool
    sources: SourceKeys


class RelativeRule(DataModel):
    """How forms scale the reference curve."""

    measured_rule: str
    unmeasured: Unmeasured


class AbsorptionModel(DataModel):
    """data/absorption.yaml: the supplement's absorbed share in Fine's fed state, and its uncertainty.

    S(d) = vmax * (1 - m/K) * d / (K + d) + k * d for d mg of the soluble
    reference salt taken with Fine's standard meal of m mg Mg, where K = Km + m
    (``half_saturation_mg``) and vmax follow from the two published points
    whatever m is. m (``fit_meal_mg``) is assumed, with a range; without a meal
    the share is scaled by ``fasting_factor``.
    """

    schema_version: int = Field(alias="schema", ge=1, le=1)
    linear_fraction: Param
    fit_meal_mg: Param
    vmax_mg: Param
    km_mg: Param
    half_saturation_mg: Param
    fasting_factor: Param
    published_points: list[PublishedPoint] = Field(min_length=1)
    default_meal_mg: Param
    reference_form: ReferenceForm
    relative_bioavailability: RelativeRule
    study_spread: Param | None = None
    quantity: str | None = Field(default=None, description="which quantity the absorbed figures are")

    @model_validator(mode="after")
    def _bounded(self) -> "AbsorptionModel":
        k, vmax, half = self.linear_fraction.value, self.vmax_mg.value, self.half_saturation_mg.value
        if k >= 1:
            raise ValueError("linear_fraction must be below 1")
        if half <= 0 or self.km_mg.value <= 0:
            raise ValueError("km_mg and half_saturation_mg must be above 0")
        # the steepest slope of the total curve is at zero intake; above 1 more would be absorbed than eaten
        if vmax / half + k > 1 or vmax / self.km_mg.value + k > 1:
            raise ValueError("vmax_mg/km_mg + linear_fraction must not exceed 1 (absorbed <= eaten)")
        if not self.fit_meal_mg.high < half:
            raise ValueError("fit_meal_mg must stay below half_saturation_mg (Km = K - meal > 0)")
        if abs(self.km_mg.value + self.fit_meal_mg.value - half) > 0.05:
            raise ValueError("km_mg + fit_meal_mg must equal half_saturation_mg")
        if not 0 < self.fasting_factor.low <= self.fasting_factor.high <= 1:
            raise ValueError(
                "fasting_factor must be within (0, 1]: a meal never lowers the supplement's share"
            )
        return self

    def source_keys(self) -> list[str]:
        """Every source key the model refers to."""
        keys: list[str] = []
        for p in (
            self.linear_fraction,
            self.fit_meal_mg,
            self.vmax_mg,
            self.km_mg,
            self.half_saturation_mg,
            self.fasting_factor,
            self.default_meal_mg,
            *([self.study_spread] if self.study_spread is not None else []),
        ):
            keys += p.sources
        for pt in self.published_points:
            keys += pt.sources
        keys += self.reference_form.sources + self.relative_bioavailability.unmeasured.sources
        return list(dict.fromkeys(keys))

    def reference_absorbed(self, intake_mg: float, meal_mg: float | None = None) -> float:
        """A(I): mg absorbed from a total intake (meal + soluble salt) in one sitting, Fine's curve.

        ``meal_mg`` is the meal Mg the fit assumes (the central one by default):
        Km = K - meal.
        """
        if intake_mg <= 0:
            return 0.0
        m = self.fit_meal_mg.value if meal_mg is None else meal_mg
        km = self.half_saturation_mg.value - m
        return self.vmax_mg.value * intake_mg / (km + intake_mg) + self.linear_fraction.value * intake_mg

    def effective_vmax(self, meal_mg: float) -> float:
        """The saturable maximum left to a supplement taken with Fine's meal of ``meal_mg``."""
        return self.vmax_mg.value * (1 - meal_mg / self.half_saturation_mg.value)

    def supplement_absorbed(self, dose_mg: float, meal_mg: float | None = None) -> float:
        """S(d): the supplement's absorbed share with Fine's standard meal, A(m + d) - A(m)."""
        if dose_mg <= 0:
            return 0.0
        m = self.fit_meal_mg.value if meal_mg is None else meal_mg
        half = self.half_saturation_mg.value
        return self.effective_vmax(m) * dose_mg / (half + dose_mg) + self.linear_fraction.value * dose_mg


# ---------------------------------------------------------------- intake.yaml

Sex = Literal["female", "male"]
Standard = Literal["us", "eu"]
State = Literal["none", "pregnant", "lactating"]


class StandardInfo(DataModel):
    """A body of reference values."""

    name: str
    ul_note: str
    sources: SourceKeys


class Band(DataModel):
    """Reference values for one life stage: ages [age_min, age_max)."""

    standard: Standard
    life_stage: str
    age_min: float = Field(ge=0)
    age_max: float = Field(gt=0)
    sex: Literal["any", "female", "male"]
    state: State
    kind: Literal["rda", "ai"]
    mg: float | None = Field(gt=0)
    ul_supplemental_mg: float | None = Field(gt=0)
    ul_note: str = ""
    ul_fallback: Standard | None = Field(
        default=None, description="where this standard sets no UL, show this standard's (and say whose)"
    )
    note: str = ""
    sources: SourceKeys

    def covers(self, age: float, sex: Sex | None, state: State) -> bool:
        """Whether this band applies (``sex=None`` matches only sex-independent bands)."""
        return self.age_min <= age < self.age_max and self.state == state and self.sex in ("any", sex)


class SerumRange(DataModel):
    """The normal range of serum magnesium, in mmol/L, with the sentence it rests on."""

    low_mmol_l: float = Field(gt=0)
    high_mmol_l: float = Field(gt=0)
    quote: str
    where: str
    sources: SourceKeys

    @model_validator(mode="after")
    def _ordered(self) -> "SerumRange":
        if self.high_mmol_l <= self.low_mmol_l:
            raise ValueError("serum: high_mmol_l must exceed low_mmol_l")
        return self


class IntakeData(DataModel):
    """data/intake.yaml."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    standards: dict[Standard, StandardInfo]
    bands: list[Band] = Field(min_length=1)
    serum: SerumRange | None = None

    @model_validator(mode="after")
    def _no_overlaps(self) -> "IntakeData":
        for i, a in enumerate(self.bands):
            if a.age_max <= a.age_min:
                raise ValueError(f"bands[{i}] ({a.life_stage}): age_max must exceed age_min")
            for b in self.bands[i + 1 :]:
                same = a.standard == b.standard and a.state == b.state
                sexes = "any" in (a.sex, b.sex) or a.sex == b.sex
                if same and sexes and a.age_min < b.age_max and b.age_min < a.age_max:
                    raise ValueError(f"bands {a.life_stage!r} and {b.life_stage!r} overlap")
        return self

    def source_keys(self) -> list[str]:
        """Every source key the intake data refers to."""
        keys = [k for s in self.standards.values() for k in s.sources]
        keys += [k for b in self.bands for k in b.sources]
        keys += self.serum.sources if self.serum is not None else []
        return list(dict.fromkeys(keys))


# ---------------------------------------------------------------- cautions.yaml

Level = Literal["info", "caution", "avoid"]
LEVELS: tuple[Level, ...] = ("info", "caution", "avoid")
CKD_STAGES = ("1", "2", "3a", "3b", "4", "5")


def severity(level: Level) -> int:
    """0 for info, 1 for caution, 2 for avoid."""
    return LEVELS.index(level)


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


class CautionData(DataModel):
    """data/cautions.yaml, with a lookup of drug names."""

    schema_version: int = Field(alias="schema", ge=1, le=2)
    ignore_words: list[str]
    dosage_words: list[str] = Field(
        default_factory=list, description="dosage forms, units and release words: ignored in drug names"
    )
    route_words: list[str] = Field(default_factory=list)
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

    def _lookups(self) -> dict[str, Any]:
        """The name lookups, built on first use (data constructed without validation skips them
        until a drug or condition is looked up)."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        if not private["_ready"]:
            self._build_index()
        return private

    @model_validator(mode="after")
    def _index(self) -> "CautionData":
        return self._build_index()

    def _build_index(self) -> "CautionData":
        problems = []
        owner: dict[str, str] = {}
        rules: dict[str, DrugRule] = {}
        class_of: dict[str, str] = {}
        drug_names: dict[str, list[str]] = {}
        condition_names: dict[str, str] = {}
        dropped = set(self.dosage_words) | set(self.route_words)
        for d in self.drugs:
            member_names = {_norm(n) for m in d.members for n in (*m.generics, *m.brands)}
            problems += [
                f"{d.code}: {n!r} is named by the class and by a member"
                for n in (*d.generics, *d.brands)
                if _norm(n) in member_names
            ]
            for rule in d.rules():
                if rule.level == "avoid" and (rule.drug_before_hours or rule.drug_after_hours):
                    problems.append(f"{rule.code}: an avoid rule carries no separation hours")
                if not rule.generics and not rule.brands:
                    problems.append(f"{rule.code}: names no generic and no brand")
                if rule.code in rules:
                    problems.append(f"drug rule code {rule.code!r} is used twice")
                rules[rule.code] = rule
                class_of[rule.code] = d.code
                for n in (*rule.generics, *rule.brands):
                    key = _norm(n)
                    codes = drug_names.setdefault(key, [])
                    # a name belongs to one rule per class; members override their class
                    if owner.get(f"{d.code}:{key}") not in (None, d.code):
                        problems.append(f"drug name {n!r} is in two members of {d.code!r}")
                    owner[f"{d.code}:{key}"] = rule.code
                    if rule.code not in codes:
                        codes.append(rule.code)
        for code, rule in rules.items():
            for generic, cui in rule.rxcui.items():
                # a rule naming brands only keys its codes to its brands
                if _norm(generic) not in {_norm(g) for g in rule.generics or rule.brands}:
                    problems.append(f"{code}: rxcui for {generic!r}, which is not one of its generics")
                if not re.fullmatch(r"[1-9][0-9]{0,8}", cui):
                    problems.append(f"{code}: {cui!r} is not an RxCUI")
        # then each name without its dosage words ("Envarsus XR" as "envarsus"), where that is
        # not a name already and only one rule would claim it
        bare: dict[str, set[str]] = {}
        for code, rule in rules.items():
            for n in (*rule.generics, *rule.brands):
                key = bare_name(_norm(n), dropped)
                if key and key not in drug_names:
                    bare.setdefault(key, set()).add(code)
        for key, codes_ in bare.items():
            if len(codes_) == 1:
                drug_names[key] = list(codes_)
        for short, full in self.abbreviations.items():
            if _norm(full) not in drug_names:
                problems.append(f"abbreviation {short!r} stands for {full!r}, which is not a known drug name")
            if _norm(short) in drug_names:
                problems.append(f"abbreviation {short!r} is already a drug name")
        for short, fulls in self.ambiguous_abbreviations.items():
            problems += [
                f"ambiguous abbreviation {short!r}: {f!r} is not a known drug name"
                for f in fulls
                if _norm(f) not in drug_names
            ]
        for c in self.conditions:
            for n in (c.code, c.name, *c.aliases):
                condition_names[_norm(n).replace(" ", "-")] = c.code
        if set(self.kidney.stages) != set(CKD_STAGES):
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
    return " ".join(re.split(r"[^0-9a-z-]+", _nfkc(text).casefold())).strip()


#: a strength as a word of a drug name: "500", "500mg", "0.5%"
STRENGTH = re.compile(r"[\d.,]+(?:mg|mcg|ug|µg|g|ml|%)?")


def bare_name(normed: str, dropped: set[str]) -> str:
    """A normalised drug name without the ``dropped`` words (dosage forms, routes) and strengths."""
    return " ".join(w for w in normed.split() if w not in dropped and not STRENGTH.fullmatch(w))


def norm_name(text: str) -> str:
    """A drug or condition name normalised for lookup (case, punctuation, spacing)."""
    return _norm(text)


# ---------------------------------------------------------------- the bundle


class Reference:
    """Every data file at once: what the core functions are given explicitly.

    Built by ``mgcalc.reference.load_reference``. Not a data file itself but a
    bundle of them; each section (catalogue, absorption, cautions, intake,
    labels, sources) may be given as a function that builds it, called on first
    use, so a command builds only the data it reads. Read-only, so one bundle
    can be shared by every call in a process.
    """

    __slots__ = ("_built", "_pending", "memo")

    SECTIONS = ("catalogue", "absorption", "cautions", "intake", "labels", "sources")

    def __init__(self, *, check: bool = True, **sections: Any) -> None:
        """``sections``: each section, or a function of no arguments returning it (``check=False`` only).

        With ``check`` (the default), every source key the data refers to must be known
        (ValueError otherwise), which builds every section.
        """
        if sorted(sections) != sorted(self.SECTIONS):
            raise TypeError(f"a Reference needs exactly the sections {', '.join(self.SECTIONS)}")
        #: per-bundle memo for pure lookups (intake bands, drug matches): process memory only
        self.memo: dict[Any, Any] = {}
        self._built: dict[str, Any] = {}
        self._pending: dict[str, Any] = {}
        for name, value in sections.items():
            if callable(value):
                self._pending[name] = value
            else:
                self._built[name] = value
        if check:
            self._sources_known()

    def _section(self, name: str) -> Any:
        try:
            return self._built[name]
        except KeyError:
            value = self._built[name] = self._pending.pop(name)()
            return value

    @property
    def catalogue(self) -> Catalogue:
        """forms.yaml (or a user's catalogue)."""
        cat: Catalogue = self._section("catalogue")
        return cat

    @property
    def absorption(self) -> AbsorptionModel:
        """absorption.yaml."""
        model: AbsorptionModel = self._section("absorption")
        return model

    @property
    def cautions(self) -> CautionData:
        """cautions.yaml."""
        data: CautionData = self._section("cautions")
        return data

    @property
    def intake(self) -> IntakeData:
        """intake.yaml."""
        data: IntakeData = self._section("intake")
        return data

    @property
    def labels(self) -> "LabelData":
        """labels.yaml."""
        from mgcalc.schema.labels import LabelData

        data = self._section("labels")
        assert isinstance(data, LabelData)
        return data

    @property
    def sources(self) -> dict[str, Source]:
        """sources.yaml: every citation, by key."""
        sources: dict[str, Source] = self._section("sources")
        return sources

    def _sources_known(self) -> None:
        pool = {**self.sources, **self.catalogue.sources}
        problems = []
        for where, keys in (
            ("forms", self.catalogue.source_keys()),
            ("absorption", self.absorption.source_keys()),
            ("cautions", self.cautions.source_keys()),
            ("intake", self.intake.source_keys()),
            ("labels", self.labels.source_keys()),
        ):
            problems += [f"{where}: unknown source {k!r}" for k in keys if k not in pool]
        if problems:
            raise ValueError("; ".join(problems))

    def source(self, key: str) -> Source | None:
        """The citation for a key (the catalogue's own first, for a user catalogue)."""
        return self.catalogue.sources.get(key) or self.sources.get(key)

    def cite(self, keys: list[str]) -> str:
        """The citations for source keys, joined."""
        out = []
        for k in keys:
            s = self.source(k)
            out.append(s.cite if s is not None else k)
        return "; ".join(out)


#: Names that moved to a module of their own, still importable from here (imported on first use).
_MOVED = {
    "DvGroup": "labels",
    "DailyValue": "labels",
    "TradeWord": "labels",
    "TrapReference": "labels",
    "Excipient": "labels",
    "LabelData": "labels",
    "SourceData": "sources",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"mgcalc.schema.{module}"), name)
