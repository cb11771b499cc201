"""data/intake.yaml: reference intakes and upper levels by life stage, and the serum range."""

from typing import Literal

from pydantic import Field, model_validator

from mgcalc.schema.base import DataModel, Sex, SourceKeys, Standard, State


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
