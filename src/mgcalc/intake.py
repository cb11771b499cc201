"""Reference intakes (RDA/AI) and upper levels by life stage, from data/intake.yaml."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mgcalc.catalogue import DataModel, Source, SourceKeys, load_packaged
from mgcalc.errors import MgcalcError

Sex = Literal["female", "male"]
Standard = Literal["us", "eu"]
State = Literal["none", "pregnant", "lactating"]
STANDARDS: tuple[Standard, ...] = ("us", "eu")
#: Age assumed for the upper level when none is given.
ADULT_AGE = 30.0


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
    note: str = ""
    sources: SourceKeys

    def covers(self, age: float, sex: Sex | None, state: State) -> bool:
        """Whether this band applies (``sex=None`` matches only sex-independent bands)."""
        return self.age_min <= age < self.age_max and self.state == state and self.sex in ("any", sex)


class IntakeData(DataModel):
    """data/intake.yaml."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    standards: dict[Standard, StandardInfo]
    bands: list[Band] = Field(min_length=1)
    sources: dict[str, Source]

    @model_validator(mode="after")
    def _no_overlaps(self) -> IntakeData:
        for i, a in enumerate(self.bands):
            if a.age_max <= a.age_min:
                raise ValueError(f"bands[{i}] ({a.life_stage}): age_max must exceed age_min")
            for b in self.bands[i + 1 :]:
                same = a.standard == b.standard and a.state == b.state
                sexes = "any" in (a.sex, b.sex) or a.sex == b.sex
                if same and sexes and a.age_min < b.age_max and b.age_min < a.age_max:
                    raise ValueError(f"bands {a.life_stage!r} and {b.life_stage!r} overlap")
        return self


class IntakeReference(BaseModel):
    """The reference intake and upper level that apply to one person."""

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


@lru_cache(maxsize=1)
def packaged_intake() -> IntakeData:
    """The packaged reference intakes."""
    return load_packaged("intake.yaml", IntakeData)


def check_age(age: float) -> float:
    """An age in years, 0-130; MgcalcError otherwise."""
    if not math.isfinite(age) or not 0 <= age <= 130:
        raise MgcalcError(f"age must be between 0 and 130 years, got {age:g}")
    return age


def life_state(pregnant: bool, lactating: bool, sex: Sex | None) -> State:
    """The state for pregnancy/lactation flags; MgcalcError for impossible combinations."""
    if pregnant and lactating:
        raise MgcalcError("choose one of --pregnant and --lactating")
    if (pregnant or lactating) and sex == "male":
        raise MgcalcError("--pregnant and --lactating need --sex female (or no --sex)")
    return "pregnant" if pregnant else "lactating" if lactating else "none"


def reference(
    age: float,
    sex: Sex | None = None,
    state: State = "none",
    standard: Standard = "us",
    data: IntakeData | None = None,
) -> IntakeReference:
    """Reference intake and supplemental UL for a person.

    Without ``sex``, only life stages where values do not depend on sex
    resolve; pregnancy and lactation imply female. Cached: pass ``data`` only
    for data other than the packaged file.
    """
    if data is None:
        return _packaged_reference(age, sex, state, standard)
    return _reference(age, sex, state, standard, data)


@lru_cache(maxsize=256)
def _packaged_reference(age: float, sex: Sex | None, state: State, standard: Standard) -> IntakeReference:
    return _reference(age, sex, state, standard, packaged_intake())


def _reference(
    age: float, sex: Sex | None, state: State, standard: Standard, d: IntakeData
) -> IntakeReference:
    check_age(age)
    if state != "none":
        sex = "female"
    found = [b for b in d.bands if b.standard == standard and b.covers(age, sex, state)]
    if not found:
        if sex is None and any(b.standard == standard and b.covers(age, "female", state) for b in d.bands):
            raise MgcalcError(
                f"the reference intake at age {age:g} depends on sex: give --sex female or --sex male"
            )
        what = {"none": "", "pregnant": " in pregnancy", "lactating": " in lactation"}[state]
        raise MgcalcError(f"no {standard.upper()} reference intake{what} at age {age:g}")
    b = found[0]
    info = d.standards[standard]
    return IntakeReference(
        standard=standard,
        standard_name=info.name,
        life_stage=b.life_stage,
        age=age,
        sex=sex,
        state=state,
        rda_mg=b.mg if b.kind == "rda" else None,
        ai_mg=b.mg if b.kind == "ai" else None,
        ul_supplemental_mg=b.ul_supplemental_mg,
        ul_note=b.ul_note or info.ul_note,
        note=b.note,
        sources=list(dict.fromkeys([*b.sources, *info.sources])),
    )


@lru_cache(maxsize=256)
def upper_level(age: float | None, state: State = "none", standard: Standard = "us") -> IntakeReference:
    """The band giving the supplemental UL, which does not depend on sex (adult if no age)."""
    d = packaged_intake()
    a = ADULT_AGE if age is None else check_age(age)
    for sex in (None, "female", "male"):
        if any(b.standard == standard and b.covers(a, sex, state) for b in d.bands):
            return reference(a, sex, state, standard)
    return reference(a, None, state, standard)  # raises with the reason
