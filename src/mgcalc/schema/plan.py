"""The day plan: the regimen file (input) and the plan (output, part of the JSON contract)."""

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mgcalc.schema.base import Sex, Standard, empty_list
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


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _time(value: object) -> str:
    """A time of day: the string "HH:MM". The regimen reader keeps an unquoted 06:30 a string (no
    YAML 1.1 sexagesimal number); a bare number is refused with the fix, as 8 could mean 08:00,
    20:00 or eight minutes."""
    if isinstance(value, bool | int | float):
        hint = f' (write "{int(value):02d}:00" for {int(value)} o\'clock)' if 0 <= value < 24 else ""
        raise ValueError(f'a time is "HH:MM" in quotes, not the number {value!r}{hint}')
    if not isinstance(value, str) or not _TIME.match(value.strip()):
        raise ValueError(f'a time is "HH:MM" (00:00 to 23:59), not {value!r}')
    h, m = value.strip().split(":")
    return f"{int(h):02d}:{m}"


def _weekday(value: object) -> object:
    if isinstance(value, str) and value.strip().lower()[:3] in WEEKDAYS:
        return value.strip().lower()[:3]
    raise ValueError(f"a day is one of {', '.join(WEEKDAYS)}, not {value!r}")


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
    conditions: list[str] = Field(default_factory=empty_list)
    standard: Standard = "us"

    @field_validator("ckd_stage", mode="before")
    @classmethod
    def _stage(cls, v: object) -> object:
        # a bare YAML number (ckd_stage: 3) is the stage as written, like "3"
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Day(Strict):
    """The waking window and the meals."""

    wake: str = "07:00"
    sleep: str = "23:00"
    meals: list[str] = Field(default_factory=empty_list)

    @field_validator("wake", "sleep", mode="before")
    @classmethod
    def _t(cls, v: object) -> object:
        return _time(v)

    @field_validator("meals", mode="before")
    @classmethod
    def _meals(cls, v: object) -> object:
        return [_time(x) for x in v] if isinstance(v, list) else v

    @property
    def length(self) -> int:
        """Minutes from wake to sleep; a sleep time earlier than wake is the next morning (night shifts)."""
        return (minutes(self.sleep) - minutes(self.wake)) % 1440

    def offset(self, hhmm_: str) -> int:
        """Minutes from wake to ``hhmm_`` (the waking day may cross midnight)."""
        return (minutes(hhmm_) - minutes(self.wake)) % 1440

    @model_validator(mode="after")
    def _order(self) -> "Day":
        if self.length < 60:
            raise ValueError(
                "sleep must be at least an hour after wake (a sleep time before wake is the next morning)"
            )
        for m in self.meals:
            if self.offset(m) > self.length:
                raise ValueError(f"meal at {m} is outside the waking window {self.wake}-{self.sleep}")
        return self


class Course(Strict):
    """When something is taken: on which weekdays and between which dates (a course)."""

    days: list[Weekday] | None = Field(
        default=None, min_length=1, max_length=7, description="weekdays (mon ... sun); default every day"
    )
    from_: date | None = Field(default=None, alias="from", description="first day, YYYY-MM-DD")
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True)
    until: date | None = Field(default=None, description="last day, YYYY-MM-DD")
    as_needed: bool = Field(default=False, description="taken when needed, not at fixed times")
    max_per_day: int | None = Field(
        default=None, ge=1, le=24, description="as needed: at most this many a day"
    )

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, v: object) -> object:
        return [_weekday(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _course(self) -> "Course":
        if self.from_ is not None and self.until is not None and self.until < self.from_:
            raise ValueError("'until' is before 'from'")
        if self.as_needed and self.max_per_day is None:
            raise ValueError("'as_needed' needs 'max_per_day' (the most taken in a day)")
        if self.max_per_day is not None and not self.as_needed:
            raise ValueError("'max_per_day' is for 'as_needed: true'")
        return self

    def active(self, day: date | None, weekday: str) -> bool:
        """Whether it is taken on ``weekday`` (and on ``day``, where a date is known)."""
        if self.days is not None and weekday not in self.days:
            return False
        if day is None:
            return True
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day <= self.until)


class Medicine(Course):
    """A medicine taken at fixed times (or as needed), named as on the packet."""

    name: str = Field(min_length=1, max_length=200)
    times: list[str] = Field(default_factory=empty_list, max_length=12)
    cleared: bool = Field(
        default=False,
        description="a pharmacist has checked that this medicine, which mgcalc cannot identify, does "
        "not interact with magnesium: no precautionary gap (an error for a medicine mgcalc knows)",
    )

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, v: object) -> object:
        return [_time(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _some_times(self) -> "Medicine":
        if not self.times and not self.as_needed:
            raise ValueError("give 'times' (\"HH:MM\"), or 'as_needed: true' with 'max_per_day'")
        return self


class Product(Course):
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
    unit: str | None = Field(
        default=None,
        max_length=40,
        description="what one serving is, as the label says: '1 tablet', '2 capsules'",
    )

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
    medicines: list[Medicine] = Field(default_factory=empty_list, max_length=30)
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
    take: str | None = Field(
        default=None,
        description="what to take at this time: the product's unit ('2 capsules') or '1 serving'",
    )


class Unsatisfied(Result):
    """A magnesium dose no time can be found for, and what blocks it."""

    product: str
    rule: str
    medicine: str
    why: str
    unblock: list[str] = Field(default_factory=empty_list)


class Timetable(Result):
    """The timetable for the days that share one pattern of medicines and products."""

    days: list[str] = Field(description="weekdays (mon ... sun) this timetable is for")
    from_: str | None = Field(default=None, alias="from", description="first date, YYYY-MM-DD (null: open)")
    model_config = ConfigDict(defer_build=True, populate_by_name=True, serialize_by_alias=True)
    until: str | None = Field(default=None, description="last date, YYYY-MM-DD (null: open)")
    label: str = Field(description="the pattern in words: 'every day', 'Sundays', 'until 13 Dec'")
    schedule: list["PlanItem"]
    unsatisfied: list["Unsatisfied"] = Field(default_factory=empty_list)
    no_timetable_reason: str | None = None
    min_gap_minutes: int | None = None


class AsNeeded(Result):
    """An as-needed medicine or magnesium product: the rule to keep when it is taken."""

    item: str
    kind: Literal["magnesium", "medicine"]
    max_per_day: int
    avoid: list[str] = Field(description="times of day to keep clear, 'HH:MM-HH:MM', with the reason")
    rule: str = Field(description="the rule in words")


class PlanMedicine(Result):
    """A medicine of the regimen as mgcalc identified it, with its codes."""

    name: str
    status: Literal["rule", "no-rule-route", "unknown", "cleared"] = Field(
        description="rule: mgcalc has rules for it; no-rule-route: not taken by mouth; unknown: not identified "
        "(kept at the unknown-medicine gap); cleared: not identified, marked cleared by the regimen"
    )
    rules: list[str] = Field(
        default_factory=empty_list, description="the codes of the drug rules it falls under"
    )
    drug_classes: list[str] = Field(default_factory=empty_list)
    rxcui: list[str] = Field(
        default_factory=empty_list, description="RxNorm ingredient codes (IN) of those rules"
    )
    unknown_parts: list[str] = Field(
        default_factory=empty_list,
        description="the parts of the name mgcalc cannot identify beside those it has rules for "
        "('metformin (in cipro metformin)', an ingredient of a combination brand without a rule): each is "
        "kept at the unknown-medicine gap too",
    )


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
        default_factory=empty_list,
        description="magnesium-containing medicines (antacids, laxatives) at times another medicine's rule forbids",
    )
    timetables: list[Timetable] = Field(
        default_factory=empty_list,
        description="one timetable per pattern of days (weekly medicines, courses); schedule is the only "
        "one when every day is alike, and empty when they differ",
    )
    as_needed: list[AsNeeded] = Field(default_factory=empty_list)
    medicines: list[PlanMedicine] = Field(default_factory=empty_list)
