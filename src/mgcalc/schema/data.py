"""The catalogue's models (data/forms.yaml or a user's catalogue) and the ``Reference`` bundle.

Pure: nothing here reads a file (mgcalc.reference does), prints or looks at
the environment. The ``Reference`` bundle holds every data file at once and is
passed explicitly to the core functions. Each other data file's models are in a
module of their own (absorption, cautions, intake, labels, sources), so that a
command defines only the models of the files it reads; the names every data
file shares are in ``base``.
"""

import re
from itertools import repeat
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.base import (
    LAXATIVE_LEVELS,
    LEVELS,
    DataModel,
    FormId,
    Laxative,
    Level,
    PctBasis,
    Sex,
    Source,
    SourceKeys,
    Standard,
    State,
    nfkc,
    severity,
)

if TYPE_CHECKING:
    from mgcalc.schema.absorption import AbsorptionModel
    from mgcalc.schema.cautions import CautionData
    from mgcalc.schema.intake import IntakeData
    from mgcalc.schema.labels import LabelData

__all__ = [
    "LAXATIVE_LEVELS",
    "LEVELS",
    "RESOLVE_CACHE_NAME_CHARS",
    "RESOLVE_CACHE_SIZE",
    "Absorption",
    "Catalogue",
    "Constant",
    "Constants",
    "DataModel",
    "Form",
    "FormId",
    "FormSources",
    "Laxative",
    "LaxativeEvidence",
    "Level",
    "PctBasis",
    "Quote",
    "Reference",
    "Sex",
    "Source",
    "SourceKeys",
    "Standard",
    "State",
    "name_key",
    "severity",
]


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
        for text in (self.name, *self.aliases):
            if literal(text, len(text)) != text:  # a control, format or bidi character
                raise ValueError(
                    f"name or alias '{literal(text)}' holds a control or direction character: "
                    "a name is printed to terminals"
                )
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
    _close: "_CloseIndex | None" = PrivateAttr(default=None)  # built on the first unknown name

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
        # the private dicts read once: each ``self._x`` goes through pydantic's attribute hook,
        # a quarter of `panel`'s time when every ingredient name was looked up this way
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        hit = private["_resolved"].get(name)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        key = name_key(name)
        form_id = private["_names"].get(key) if key else None
        return None if form_id is None else private["_by_id"][form_id]

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
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        index: _CloseIndex | None = private["_close"]
        if index is None or index.names is not private["_names"]:
            index = private["_close"] = _CloseIndex(private["_names"])
        close = index.closest(key)
        ids = list(dict.fromkeys(self._names[k] for k in close))[:4]
        hint = f"closest: {', '.join(ids)}" if ids else "run 'mgcalc forms' for the list"
        raise MgcalcError(f"unknown form '{literal(name)}'; {hint}", field="form")


CLOSE_N = 8
CLOSE_CUTOFF = 0.6
#: At most this many (character, count) columns are kept between searches.
CLOSE_COLUMNS = 1_024


class _CloseIndex:
    """The name keys as ``difflib.get_close_matches`` searches them: the same list, less work.

    difflib keeps a key only if its real_quick_ratio (lengths alone), quick_ratio (shared
    characters) and ratio are all >= cutoff, and ratio (matching blocks) is most of the cost.
    Keys are dropped here, with difflib's float expression ``2.0 * matches / length``, when
    the lengths or the shared characters fail, or when the longest common subsequence fails:
    difflib's matching blocks are a common subsequence, so ratio can be no higher. The few
    keys left go to difflib itself, which ranks them as it would have.
    """

    __slots__ = ("keys", "lengths", "names", "times")

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.keys = list(names)
        self.lengths = list(map(len, self.keys))
        # (character, most) -> how many times each key holds it, up to most; filled in as searches need them
        self.times: dict[tuple[str, int], list[int]] = {}

    def closest(self, word: str) -> list[str]:
        """``difflib.get_close_matches(word, list(names), n=8, cutoff=0.6)``."""
        import difflib

        keys, lb = self.keys, len(word)
        if not word:
            return difflib.get_close_matches(word, keys, n=CLOSE_N, cutoff=CLOSE_CUTOFF)
        need = {la: _fewest_matches(la + lb, min(la, lb)) for la in set(self.lengths)}
        # the keys whose length alone can pass (real_quick_ratio), first: a long word drops them all
        fit = [i for i, la in enumerate(self.lengths) if need[la] <= min(la, lb)]
        if not fit:
            return difflib.get_close_matches(word, [], n=CLOSE_N, cutoff=CLOSE_CUTOFF)
        wanted: dict[str, int] = {}
        bits: dict[str, int] = {}  # character -> its positions in the word
        for at, ch in enumerate(word):
            wanted[ch] = wanted.get(ch, 0) + 1
            bits[ch] = bits.get(ch, 0) | 1 << at
        if len(self.times) >= CLOSE_COLUMNS:  # bounded memory: start again
            self.times.clear()
        # the characters each key shares with the word, as quick_ratio counts them
        columns = [self._times(ch, most) for ch, most in wanted.items()]
        full = (1 << lb) - 1
        kept: list[str] = []
        for i in fit:
            key, la = keys[i], self.lengths[i]
            if sum(column[i] for column in columns) < need[la]:
                continue
            # longest common subsequence, bit-parallel (Allison & Dix): the zero bits of v
            v = full
            for ch in key:
                u = v & bits.get(ch, 0)
                v = ((v + u) | (v - u)) & full
            if lb - v.bit_count() >= need[la]:
                kept.append(key)
        return difflib.get_close_matches(word, kept, n=CLOSE_N, cutoff=CLOSE_CUTOFF)

    def _times(self, ch: str, most: int) -> list[int]:
        """How many times each key holds ``ch``, up to ``most`` (kept for the next search)."""
        times = self.times.get((ch, most))
        if times is None:
            if most == 1:  # most characters of a word: ``in`` is cheaper than count and min
                times = list(map(str.__contains__, self.keys, repeat(ch)))
            else:
                times = [n if n < most else most for n in map(str.count, self.keys, repeat(ch))]
            self.times[ch, most] = times
        return times


def _fewest_matches(length: int, most: int) -> int:
    """The fewest matches m with difflib's ``2.0 * m / length >= cutoff`` (``most + 1``: none up to most)."""
    m = max(0, int(CLOSE_CUTOFF * length / 2) - 2)
    while m > 0 and 2.0 * (m - 1) / length >= CLOSE_CUTOFF:
        m -= 1
    while m <= most and 2.0 * m / length < CLOSE_CUTOFF:
        m += 1
    return m


_DROP_WORDS = frozenset({"magnesium", "mg"})


def name_key(name: str) -> str:
    """Normalise a form name for lookup.

    Case, "magnesium"/"mg", punctuation, spacing, hyphens and word order do not
    matter; "MgCl2·6H2O", "MgCl2.6H2O" and "mgcl2 6h2o" are one key.
    """
    text = nfkc(name).casefold()
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w and w not in _DROP_WORDS]
    return " ".join(sorted(words))


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
    def absorption(self) -> "AbsorptionModel":
        """absorption.yaml."""
        model: AbsorptionModel = self._section("absorption")
        return model

    @property
    def cautions(self) -> "CautionData":
        """cautions.yaml."""
        data: CautionData = self._section("cautions")
        return data

    @property
    def intake(self) -> "IntakeData":
        """intake.yaml."""
        data: IntakeData = self._section("intake")
        return data

    @property
    def labels(self) -> "LabelData":
        """labels.yaml."""
        data: LabelData = self._section("labels")
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
