"""Reading and validating data files (packaged or a user's catalogue)."""

from __future__ import annotations

import functools
import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from mgcalc.core.stoichiometry import pct_problems, stoichiometry_problems
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.absorption import AbsorptionModel
from mgcalc.schema.build import construct
from mgcalc.schema.cautions import CautionData
from mgcalc.schema.data import Catalogue, Reference, Source, name_key
from mgcalc.schema.intake import IntakeData
from mgcalc.schema.labels import LabelData
from mgcalc.schema.sources import SourceData

#: The packaged data files by the Reference section they fill: file stem and the file's model.
DATA_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "catalogue": ("forms", Catalogue),
    "absorption": ("absorption", AbsorptionModel),
    "cautions": ("cautions", CautionData),
    "intake": ("intake", IntakeData),
    "labels": ("labels", LabelData),
    "sources": ("sources", SourceData),
}


#: Largest dose a user catalogue may state for a study (elemental mg): a sane-size check.
MAX_DOSE_MG = 100_000.0

#: Largest catalogue file read: a real one is well under 1 MB.
MAX_FILE_BYTES = 5_000_000


def packaged_path(name: str) -> Path:
    """Path of a packaged data file (inside the wheel, or data/ in a source checkout)."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "data" / name
    if installed.is_file():
        return installed
    return here.parent.parent / "data" / name  # source checkout


def _safe_loader() -> type:
    """PyYAML's pure-Python safe loader, refusing duplicate keys.

    The C loader is faster but crashes on deeply nested input; user files get
    this one, with a size cap and recursion caught.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Loader


def read_yaml(path: Path) -> Any:
    """Read a user's YAML file safely: size cap, no duplicate keys, one-line errors."""
    import yaml

    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise MgcalcError(f"catalogue file '{literal(path)}' does not exist", field="catalogue") from None
    except OSError as e:
        raise MgcalcError(
            f"cannot read catalogue file '{literal(path)}': {literal(e.strerror or e)}", field="catalogue"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise MgcalcError(
            f"catalogue file '{literal(path)}' is over {MAX_FILE_BYTES:,} bytes; a catalogue is far smaller",
            field="catalogue",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise MgcalcError(
            f"catalogue file '{literal(path)}' is not UTF-8 (byte {e.start})", field="catalogue"
        ) from None
    try:
        return yaml.load(text, Loader=_safe_loader())
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise MgcalcError(
            f"catalogue file '{literal(path)}' is not valid YAML{at}: {literal(problem)}", field="catalogue"
        ) from None
    except RecursionError:
        raise MgcalcError(
            f"catalogue file '{literal(path)}' is nested too deeply to be a catalogue", field="catalogue"
        ) from None
    except ValueError:  # PyYAML's int(): a number of more than 4300 digits
        raise MgcalcError(
            f"catalogue file '{literal(path)}' holds a number too long to be a catalogue figure",
            field="catalogue",
        ) from None


def describe(err: Any, data: Any) -> str:
    """One pydantic error as 'entry.field: message', naming list entries by id."""
    loc = list(err["loc"])
    parts: list[str] = []
    node: Any = data
    for i, step in enumerate(loc):
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            ident = node.get("id") if isinstance(node, dict) else None
            if parts:
                parts[-1] = f"{parts[-1]}[{'id=' + literal(ident) if ident else step}]"
            else:
                parts.append(f"[{step}]")
            continue
        node = node.get(step) if isinstance(node, dict) else None
        parts.append(str(step) if i or not isinstance(step, int) else f"[{step}]")
    where = ".".join(parts) or "catalogue"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {literal(msg, 500)}"


def catalogue_problems(data: Any) -> list[str]:
    """Every problem in raw catalogue data: structure, cross references, stoichiometry."""
    if not isinstance(data, dict):
        return [
            "the catalogue must be a mapping (schema, constants, families, forms, sources), "
            f"not {type(data).__name__}"
        ]
    try:
        cat = Catalogue.model_validate(data)
    except ValidationError as e:
        return [describe(err, data) for err in e.errors()] + _raw_stoichiometry(data)
    except RecursionError:
        return ["the catalogue is nested too deeply"]
    pool = {**_packaged_raw("sources")["sources"], **{k: None for k in cat.sources}}
    problems = [f"sources: unknown source {k!r}" for k in cat.source_keys() if k not in pool]
    packaged = packaged_reference().catalogue
    return problems + stoichiometry_problems(cat) + laxative_problems(cat, packaged)


def laxative_problems(cat: Catalogue, packaged: Catalogue) -> list[str]:
    """Laxative doses in a user's catalogue that would quiet a caution the packaged evidence gives
    (and absorption study doses that are no sane number).

    The dose the caution is held to (``dose_mg``, else ``daily_mg`` read as taken at once) may be
    no more than (1) the packaged form's own dose where the packaged catalogue has the same
    formula with a stated dose (the same salt is the same laxative: a user's figure may make the
    caution come earlier, never later), and (2) in any case the largest dose at once any packaged
    source describes as laxative (1885 mg, a magnesium citrate oral solution's smallest adult
    dose): above it a form would be called not yet laxative where a magnesium laxative is
    already working. ``daily_mg`` may be no more than the largest packaged daily dose.
    """
    stated = [(f, d) for f in packaged.forms if (d := f.laxative_evidence.own_dose_mg) is not None]
    if not stated:
        return []
    most = max(d for _, d in stated)
    most_daily = max(
        (d for f in packaged.forms if (d := f.laxative_evidence.daily_mg) is not None), default=most
    )
    by_formula: dict[str, tuple[str, float]] = {}
    for f, d in stated:
        if f.formula is not None:
            key = name_key(f.formula)
            if key not in by_formula or d < by_formula[key][1]:
                by_formula[key] = (f.id, d)
    out = []
    for f in cat.forms:
        study = f.absorption.dose_mg if f.absorption is not None else None
        if study is not None and not study <= MAX_DOSE_MG:  # inf too
            out.append(f"forms[id={f.id}].absorption.dose_mg: {study:g} mg is not a study dose (over 100 g)")
        ev = f.laxative_evidence
        dose = ev.own_dose_mg
        field = "dose_mg" if ev.dose_mg is not None else "daily_mg"
        where = f"forms[id={f.id}].laxative_evidence.{field}"
        same = by_formula.get(name_key(f.formula)) if f.formula is not None else None
        told = len(out)
        if dose is not None and same is not None and dose > same[1]:
            out.append(
                f"{where}: {dose:g} mg is above the packaged {same[0]}'s {same[1]:g} mg for the same "
                f"formula; a catalogue may make the laxative caution come earlier, never later"
            )
        elif dose is not None and dose > most:
            out.append(
                f"{where}: {dose:g} mg is above {most:g} mg, the largest dose at once any packaged "
                "source describes as laxative"
            )
        if (
            ev.daily_mg is not None
            and ev.daily_mg > most_daily
            and not (field == "daily_mg" and len(out) > told)
        ):
            out.append(
                f"forms[id={f.id}].laxative_evidence.daily_mg: {ev.daily_mg:g} mg a day is above "
                f"{most_daily:g} mg, the largest laxative day any packaged source describes"
            )
    return out


def _plain_number(v: object) -> float | None:
    """A YAML number a percentage check can use (finite, not a bool, not an int too big for a
    float), as a float; else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return float(v) if abs(v) <= 10**6 else None
    return v if isinstance(v, float) and math.isfinite(v) else None


def _raw_stoichiometry(data: dict[str, Any]) -> list[str]:
    """Formula problems in entries read as plain data (so one structural error hides nothing else)."""
    out = []
    forms = data.get("forms")
    for f in forms if isinstance(forms, list) else []:
        if not isinstance(f, dict) or not (f.get("formula") is None or isinstance(f.get("formula"), str)):
            continue
        ident = literal(f.get("id", "?"))
        figures = {
            k: x
            for k in ("elemental_pct", "elemental_pct_min", "elemental_pct_max")
            if (x := _plain_number(f.get(k))) is not None
        }
        try:
            found = pct_problems(f.get("formula"), str(f.get("basis")), figures)
        except MgcalcError as e:
            out.append(f"forms[id={ident}].formula: {e}")
            continue
        out += [f"forms[id={ident}].{p}" for p in found]
    return out


def check_catalogue(path: str | os.PathLike[str]) -> list[str]:
    """Every problem in a catalogue file (for ``forms --check``)."""
    return catalogue_problems(read_yaml(Path(path)))


def load_catalogue(path: str | os.PathLike[str]) -> Catalogue:
    """A user's catalogue file, fully validated (structure, sources, stoichiometry)."""
    data = read_yaml(Path(path))
    problems = catalogue_problems(data)
    if problems:
        more = f" (and {len(problems) - 1} more; see 'mgcalc forms --check')" if len(problems) > 1 else ""
        raise MgcalcError(f"invalid catalogue '{literal(path)}': {problems[0]}{more}", field="catalogue")
    return Catalogue.model_validate(data)


@lru_cache(maxsize=1)
def _package_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def _built_json(stem: str) -> Path:
    return _package_dir() / "data" / f"{stem}.json"


def _packaged_raw(stem: str) -> Any:
    """A packaged data file as plain data: the JSON copy made at build time, else the YAML.
    (Shared: the sections built from it are never changed.)"""
    built = _built_json(stem)
    if built.is_file():
        return json.loads(built.read_text(encoding="utf-8"))
    import yaml

    text = packaged_path(f"{stem}.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def validate_raw(raw: dict[str, Any]) -> Reference:
    """Validate every data file (raw data by Reference field) into a bundle; MgcalcError on any problem."""
    parts: dict[str, Any] = {}
    for field, (stem, model) in DATA_FILES.items():
        data = raw[field]
        try:
            parts[field] = model.model_validate(data)
        except ValidationError as e:
            first = describe(e.errors()[0], data)
            raise MgcalcError(f"invalid packaged data file '{stem}': {first}") from None
    parts["sources"] = parts["sources"].sources
    try:
        return Reference(**parts)
    except ValueError as e:
        raise MgcalcError(f"invalid packaged data: catalogue: {literal(str(e), 500)}") from None


# ---- construction without validation, for data validated when the wheel was built


def _constructed(field: str) -> Any:
    """One section of the packaged data, from the JSON validated at build time."""
    stem, model = DATA_FILES[field]
    if field == "sources":  # the bundle keeps the mapping: no model for the file's wrapper
        return {k: construct(Source, v) for k, v in _packaged_raw(stem)["sources"].items()}
    if field == "cautions":  # its name index ships beside the JSON too, read on first lookup
        cautions = construct(CautionData, _packaged_raw(stem))
        names = _built_json("cautions.index")
        if names.is_file():
            cautions.use_name_index(lambda: json.loads(names.read_text(encoding="utf-8")))
        return cautions
    if field != "catalogue":
        return construct(model, _packaged_raw(stem))
    cat = construct(Catalogue, _packaged_raw(stem))
    # the catalogue's name index ships beside the JSON (forms.index.json)
    index = _built_json("forms.index")
    if index.is_file():
        cat.use_name_index(json.loads(index.read_text(encoding="utf-8")))
    else:
        cast(Any, cat)._cross_check()  # the validator, run on constructed data
    return cat


@lru_cache(maxsize=1)
def packaged_reference() -> Reference:
    """The data shipped with mgcalc (kept in memory for the process only).

    An installed wheel carries JSON validated at build time (see hatch_build.py):
    each section is constructed from it without revalidation, on first use (a
    command builds only what it reads; cautions index on first lookup too). A
    source checkout validates the YAML, every file at once.
    """
    if not all(_built_json(stem).is_file() for stem, _ in DATA_FILES.values()):
        return validate_raw({field: _packaged_raw(stem) for field, (stem, _) in DATA_FILES.items()})
    return Reference(check=False, **{field: functools.partial(_constructed, field) for field in DATA_FILES})


def load_reference(catalogue: str | os.PathLike[str] | None = None) -> Reference:
    """Every data file, validated, as one frozen bundle; ``catalogue`` replaces the packaged forms."""
    if catalogue is None:
        return packaged_reference()
    base = packaged_reference()
    cat = load_catalogue(catalogue)
    try:
        return Reference(
            catalogue=cat,
            absorption=base.absorption,
            cautions=base.cautions,
            intake=base.intake,
            labels=base.labels,
            sources=base.sources,
        )
    except ValueError as e:
        raise MgcalcError(
            f"invalid catalogue '{literal(catalogue)}': catalogue: {literal(str(e), 500)}", field="catalogue"
        ) from None
