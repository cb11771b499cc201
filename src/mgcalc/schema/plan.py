"""The day plan: the regimen file (input) and the plan (output, part of the JSON contract)."""

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mgcalc.schema.data import Sex, Standard
from mgcalc.schema.results import Caution, Result, UnknownDrug

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def minutes(hhmm: str) -> int:
    """Minutes after midnight of "HH:MM"."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hhmm(minute: int) -> str:
    """ "HH:MM" of minutes after midnight (wrapping at 24 h)."""
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _time(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1440:
        # YAML 1.1 reads an unquoted 06:30 as the sexagesimal number 390
        return hhmm(value)
    if not isinstance(value, str) or not _TIME.match(value.strip()):
        raise ValueError(f"a time is HH:MM (00:00 to 23:59), not {value!r}")
    h, m = value.strip().split(":")
    return f"{int(h):02d}:{m}"


class Strict(BaseModel):
    """Regimen parts: unknown keys are errors (a typo must not be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Person(Strict):
    """Who the plan is for."""

    age: float | None = Field(default=None, ge=0, le=130)
    sex: Sex | None = None
    pregnant: bool = False
    lactating: bool = False
    egfr: float | None = Field(default=None, ge=0, le=200)
    ckd_stage: str | None = None
    conditions: list[str] = Field(default_factory=list)
    standard: Standard = "us"


class Day(Strict):
    """The waking window and the meals."""

    wake: str = "07:00"
    sleep: str = "23:00"
    meals: list[str] = Field(default_factory=list)

    @field_validator("wake", "sleep", mode="before")
    @classmethod
    def _t(cls, v: object) -> object:
        return _time(v)

    @field_validator("meals", mode="before")
    @classmethod
    def _meals(cls, v: object) -> object:
        return [_time(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _order(self) -> "Day":
        if minutes(self.sleep) - minutes(self.wake) < 60:
            raise ValueError("sleep must be at least an hour after wake, the same day")
        for m in self.meals:
            if not minutes(self.wake) <= minutes(m) <= minutes(self.sleep):
                raise ValueError(f"meal at {m} is outside the waking window {self.wake}-{self.sleep}")
        return self


class Medicine(Strict):
    """A medicine taken at fixed times, named as on the packet."""

    name: str = Field(min_length=1, max_length=200)
    times: list[str] = Field(min_length=1, max_length=12)
    cleared: bool = Field(
        default=False,
        description="a pharmacist has checked that this medicine, which mgcalc cannot identify, does "
        "not interact with magnesium: no precautionary gap (an error for a medicine mgcalc knows)",
    )

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, v: object) -> object:
        return [_time(x) for x in v] if isinstance(v, list) else v


class Product(Strict):
    """A magnesium product: a label line, a whole panel or DSLD file, or a form and amount."""

    name: str | None = Field(default=None, max_length=200, description="what to call it in the plan")
    label: str | None = Field(default=None, max_length=1000, description="a label line, as printed")
    panel: str | None = Field(
        default=None,
        max_length=1000,
        description="a file beside the regimen: a pasted Supplement Facts panel, or a DSLD record (.json)",
    )
    form: str | None = Field(default=None, max_length=200)
    amount: str | None = Field(default=None, max_length=50, description="per serving: '500 mg', '4 mmol'")
    elemental: bool = Field(default=False, description="amount is elemental magnesium")
    servings: int = Field(default=1, ge=1, le=6, description="servings a day, each taken as one dose")

    @model_validator(mode="after")
    def _one_way(self) -> "Product":
        if sum(x is not None for x in (self.label, self.form, self.panel)) != 1:
            raise ValueError(
                "give one of 'label' (a label line), 'panel' (a panel or DSLD file) or 'form' with 'amount'"
            )
        if self.form is not None and self.amount is None:
            raise ValueError("'form' needs 'amount'")
        return self


class Regimen(Strict):
    """A regimen file: the person, the day, medicines, magnesium products, the diet."""

    person: Person = Field(default_factory=Person)
    day: Day = Field(default_factory=Day)
    medicines: list[Medicine] = Field(default_factory=list, max_length=30)
    magnesium: list[Product] = Field(min_length=1, max_length=10)
    diet_mg: float | None = Field(default=None, ge=0, le=2000, description="magnesium from food, mg/day")


# ---------------------------------------------------------------- output


class PlanItem(Result):
    """One line of the timetable."""

    time: str
    item: str
    kind: Literal["magnesium", "medicine", "meal"]
    elemental_mg: float | None = None
    elemental_mg_min: float | None = None
    elemental_mg_max: float | None = None
    why: str = ""


class Unsatisfied(Result):
    """A magnesium dose no time can be found for, and what blocks it."""

    product: str
    rule: str
    medicine: str
    why: str
    unblock: list[str] = Field(default_factory=list)


class PlanConflict(Result):
    """A magnesium-containing medicine taken too close to a medicine whose rule it breaks."""

    medicine: str
    medicine_time: str
    magnesium_medicine: str
    magnesium_time: str
    rule: str
    why: str


class PlanProduct(Result):
    """A product as read: its elemental magnesium per serving and a day."""

    name: str
    form: str | None
    servings: int
    elemental_mg_min: float
    elemental_mg_max: float
    basis: str


class PlanResult(Result):
    """``plan``: the daily totals against the references, and a timetable that keeps every rule."""

    products: list[PlanProduct]
    daily_elemental_mg_min: float
    daily_elemental_mg_max: float
    ul_mg: float | None
    ul_source: str | None = None
    diet_mg: float | None
    reference_intake_mg: float | None
    reference_intake_kind: str | None
    total_with_diet_mg_min: float | None
    total_with_diet_mg_max: float | None
    daily_absorbed_mg: float | None
    daily_absorbed_mg_min: float | None = None
    daily_absorbed_mg_max: float | None = None
    schedule: list[PlanItem]
    unsatisfied: list[Unsatisfied]
    no_timetable_reason: str | None = None
    min_gap_minutes: int | None = None
    cautions: list[Caution]
    unknown_drugs: list[UnknownDrug]
    conflicts: list[PlanConflict] = Field(
        default_factory=list,
        description="magnesium-containing medicines (antacids, laxatives) at times another medicine's rule forbids",
    )
