"""The form catalogue: pydantic models, loading from YAML, and name resolution.

Pure: loading reads a file, nothing here prints.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from mgcalc.errors import MgcalcError, literal

Laxative = Literal["none", "mild", "strong"]
LAXATIVE_LEVELS: tuple[Laxative, ...] = ("none", "mild", "strong")
SourceKeys = Annotated[list[str], Field(min_length=1)]
FormId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]

#: Environment variable naming a user catalogue, like --catalogue.
CATALOGUE_ENV = "MGCALC_CATALOGUE"


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
    """Constants the arithmetic uses."""

    mg_molar_mass: Constant
    mg_charge: Constant


class Absorption(DataModel):
    """What a study measured for a form: fraction absorbed at a dose, or only a note."""

    pct: float | None = Field(default=None, gt=0, le=100)
    dose_mg: float | None = Field(default=None, gt=0)
    like: str | None = Field(default=None, description="assumed to absorb like this form id")
    note: str = Field(min_length=1)
    sources: SourceKeys


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
    formula: str = Field(min_length=1)
    elemental_pct: float = Field(gt=0, le=100)
    basis: Literal["stoichiometry", "manufacturer"]
    absorption: Absorption | None
    laxative: Laxative
    notes: str = ""
    sources: FormSources

    @property
    def fraction(self) -> float:
        """Elemental Mg per unit mass of compound."""
        return self.elemental_pct / 100.0


class Catalogue(DataModel):
    """The whole catalogue, cross-checked: unique ids and names, known sources, families."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    constants: Constants
    families: dict[FormId, FormId]
    forms: list[Form] = Field(min_length=1)
    sources: dict[str, Source]

    # Lookups built at validation. Private attributes go through a slow
    # __getattr__, so the hot paths below read them from __pydantic_private__.
    _by_id: dict[str, Form] = PrivateAttr(default_factory=dict)
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    _members: dict[str, list[Form]] = PrivateAttr(default_factory=dict)
    _resolved: dict[str, Form] = PrivateAttr(default_factory=dict)  # raw name -> form, for batches

    @model_validator(mode="after")
    def _cross_check(self) -> Catalogue:
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
        used = [k for c in (self.constants.mg_molar_mass, self.constants.mg_charge) for k in c.sources]
        for f in self.forms:
            keys = [*f.sources.elemental_pct, *f.sources.laxative]
            keys += f.absorption.sources if f.absorption else []
            problems += [
                f"forms[id={f.id}].sources: unknown source {k!r}" for k in keys if k not in self.sources
            ]
        problems += [f"constants.sources: unknown source {k!r}" for k in used if k not in self.sources]
        names: dict[str, str] = {}

        def add(key: str, form_id: str, where: str) -> None:
            if not key:
                problems.append(f"{where}: name is empty once 'magnesium' is dropped")
            elif names.setdefault(key, form_id) != form_id:
                problems.append(f"{where}: name {key!r} also names {names[key]!r}")

        for f in self.forms:
            # a formula names the stoichiometric entry; a manufacturer's entry
            # shares its formula and is reached by id or alias
            formula = (f.formula,) if f.basis == "stoichiometry" else ()
            for n in (f.id, f.name, *formula, *f.aliases):
                add(name_key(n), f.id, f"forms[id={f.id}]")
            if f.basis == "manufacturer" and not any(
                g.family == f.family and g.basis == "stoichiometry" for g in self.forms
            ):
                problems.append(
                    f"forms[id={f.id}].basis: a manufacturer's figure needs a stoichiometric entry in its family"
                )
        for fam, default in self.families.items():
            add(name_key(fam), default, f"families.{fam}")
        if problems:
            raise ValueError("; ".join(problems))
        self._by_id.update(by_id)
        self._names.update(names)
        for f in self.forms:
            self._members.setdefault(f.family, []).append(f)
        return self

    def get(self, form_id: str) -> Form:
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

    def family_default(self, form: Form) -> Form:
        """The form a bare family name resolves to."""
        return self.get(self.families.get(form.family, form.id))

    def resolve(self, name: str) -> Form:
        """Find a form by id, name, alias or formula, forgivingly (see ``name_key``).

        Raises MgcalcError naming the closest ids when nothing matches.
        """
        resolved: dict[str, Form] = self.__pydantic_private__["_resolved"]  # type: ignore[index]
        hit = resolved.get(name)
        if hit is not None:
            return hit
        key = name_key(name)
        if not key:
            raise MgcalcError(f"form name '{literal(name)}' is empty: give a form such as citrate")
        if key in self._names:
            form = self._by_id[self._names[key]]
            if len(resolved) < 10_000:
                resolved[name] = form
            return form
        import difflib

        close = difflib.get_close_matches(key, list(self._names), n=8, cutoff=0.6)
        ids = list(dict.fromkeys(self._names[k] for k in close))[:4]
        hint = f"closest: {', '.join(ids)}" if ids else "run 'mgcalc forms' for the list"
        raise MgcalcError(f"unknown form '{literal(name)}'; {hint}")


_DROP_WORDS = frozenset({"magnesium", "mg"})


def name_key(name: str) -> str:
    """Normalise a form name for lookup.

    Case, "magnesium"/"mg", punctuation, spacing, hyphens and word order do not
    matter; "MgCl2·6H2O", "MgCl2.6H2O" and "mgcl2 6h2o" are one key.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w and w not in _DROP_WORDS]
    return " ".join(sorted(words))


def packaged_path(name: str) -> Path:
    """Path of a packaged data file (inside the wheel, or data/ in a source checkout)."""
    here = Path(__file__).resolve().parent
    installed = here / "data" / name
    if installed.is_file():
        return installed
    return here.parent.parent / "data" / name  # source checkout


def read_yaml(path: Path) -> Any:
    """Read a YAML file with PyYAML's safe loader; MgcalcError if missing or not YAML."""
    import yaml  # deferred: not needed by every command

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MgcalcError(f"catalogue file '{literal(path)}' does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise MgcalcError(f"cannot read catalogue file '{literal(path)}': {literal(e)}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise MgcalcError(f"catalogue file '{literal(path)}' is not valid YAML{at}: {problem}") from None


def validation_problems(data: Any) -> list[str]:
    """Every problem pydantic finds in raw catalogue data, as 'entry field: message' lines."""
    if not isinstance(data, dict):
        return [
            f"the catalogue must be a mapping (schema, constants, families, forms, sources), not {type(data).__name__}"
        ]
    try:
        Catalogue.model_validate(data)
    except ValidationError as e:
        return [_describe(err, data) for err in e.errors()]
    return []


def _describe(err: Any, data: dict[str, Any]) -> str:
    loc = list(err["loc"])
    parts: list[str] = []
    node: Any = data
    for i, step in enumerate(loc):
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            ident = node.get("id") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{'id=' + literal(ident) if ident else step}]"
            continue
        node = node.get(step) if isinstance(node, dict) else None
        parts.append(str(step) if i or not isinstance(step, int) else f"[{step}]")
    where = ".".join(parts) or "catalogue"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {literal(msg, 500)}"


def _validated(data: Any, path: str | os.PathLike[str]) -> Catalogue:
    problems = validation_problems(data)
    if problems:
        more = f" (and {len(problems) - 1} more; see 'mgcalc forms --check')" if len(problems) > 1 else ""
        raise MgcalcError(f"invalid catalogue '{literal(path)}': {problems[0]}{more}")
    return Catalogue.model_validate(data)


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Load and validate a catalogue: ``path``, else $MGCALC_CATALOGUE, else the packaged one.

    A user catalogue is also checked against stoichiometry (see ``stoichiometry_problems``).
    Raises MgcalcError with the first problem; ``check_catalogue`` lists them all.
    """
    if path is None:
        path = os.environ.get(CATALOGUE_ENV) or None
    if path is None:
        return packaged_catalogue()
    cat = _validated(read_yaml(Path(path)), path)
    from mgcalc.chemistry import stoichiometry_problems

    problems = stoichiometry_problems(cat)
    if problems:
        more = f" (and {len(problems) - 1} more; see 'mgcalc forms --check')" if len(problems) > 1 else ""
        raise MgcalcError(f"invalid catalogue '{literal(path)}': {problems[0]}{more}")
    return cat


def check_catalogue(path: str | os.PathLike[str]) -> list[str]:
    """Every problem in a catalogue file: structure, cross references and stoichiometry."""
    data = read_yaml(Path(path))
    problems = validation_problems(data)
    if problems:
        return problems
    from mgcalc.chemistry import stoichiometry_problems

    return stoichiometry_problems(Catalogue.model_validate(data))


def _cache_file(path: Path, model: type[BaseModel]) -> Path | None:
    """Where the validated copy of a packaged data file lives.

    The name changes whenever the data file, the module defining ``model``,
    mgcalc or pydantic changes, so a cache is never read by other code than
    the one that wrote it.
    """
    import sys

    import pydantic

    from mgcalc import __version__

    base = os.environ.get("MGCALC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mgcalc"
    )
    try:
        st = path.stat()
        code = os.stat(sys.modules[model.__module__].__file__ or "").st_mtime_ns
    except (OSError, KeyError):
        return None
    key = f"{__version__}-{pydantic.VERSION}-{st.st_size}-{st.st_mtime_ns}-{code}"
    return Path(base) / f"{path.stem}-{key}.pickle"


M = TypeVar("M", bound=BaseModel)


def load_packaged(name: str, model: type[M]) -> M:
    """Load and validate a packaged data file into ``model``.

    Parsing YAML and building pydantic validators are most of mgcalc's
    start-up time, so once a file has been validated the resulting objects are
    pickled into the user's cache directory (like Python's own __pycache__) and
    later runs load those. Anything wrong with the cache costs a re-read only.
    """
    import pickle

    path = packaged_path(name)
    cache = _cache_file(path, model)
    if cache is not None:
        try:
            with cache.open("rb") as fh:
                cached = pickle.load(fh)
            if type(cached) is model:
                return cached
        except Exception:
            pass
    data = read_yaml(path)
    try:
        result = model.model_validate(data)
    except ValidationError as e:
        first = _describe(e.errors()[0], data if isinstance(data, dict) else {})
        raise MgcalcError(f"invalid packaged data file '{literal(path)}': {first}") from None
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            for old in cache.parent.glob(f"{path.stem}-*.pickle"):
                old.unlink(missing_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, cache)
        except OSError:
            pass  # a read-only home just means no cache
    return result


@lru_cache(maxsize=1)
def packaged_catalogue() -> Catalogue:
    """The catalogue shipped with mgcalc (validated by the models; stoichiometry by the tests)."""
    return load_packaged("forms.yaml", Catalogue)
