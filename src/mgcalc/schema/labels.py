"""data/labels.yaml: label conventions (the Daily Value, excipients, trade words).

A module of its own so that commands that read no label text never define these models.
"""

from typing import Literal

from pydantic import Field

from mgcalc.schema.base import DataModel, FormId, Sex, SourceKeys, Standard


class DvGroup(DataModel):
    """The Daily Value of magnesium for one target group (a %DV is of elemental magnesium)."""

    id: FormId
    name: str
    mg: float = Field(gt=0)
    older_mg: float | None = Field(
        default=None, gt=0, description="the DV on labels made before the 2016 rule"
    )
    older_verified: bool = Field(
        default=True, description="false: the older DV was not read in a primary source (see note)"
    )
    words: list[str] = Field(
        default_factory=list, description="words in label text that name this group (pregnant, lactating...)"
    )
    dsld_names: list[str] = Field(default_factory=list, description="DSLD dailyValueTargetGroup names")
    note: str = ""
    quote: str | None = None
    sources: SourceKeys

    @property
    def values(self) -> tuple[float, ...]:
        """The DV now and, where one is known, before the 2016 rule."""
        return (self.mg,) if self.older_mg is None else (self.mg, self.older_mg)


class DailyValue(DataModel):
    """The US Daily Value a %DV refers to."""

    adult_mg: float = Field(gt=0)
    older_mg: float = Field(gt=0)
    note: str
    sources: SourceKeys
    groups: list[DvGroup] = Field(
        default_factory=list, description="DVs by target group; the first is the default (adults)"
    )

    def group(self, key: str | None) -> DvGroup | None:
        """The group with this id, or whose DSLD name is ``key`` (case ignored); None if none."""
        if key is None:
            return None
        k = key.strip().casefold()
        return next((g for g in self.groups if g.id == k or k in (n.casefold() for n in g.dsld_names)), None)


class TradeWord(DataModel):
    """A brand, trademark or process word printed with a form: recognised and reported, never a form."""

    name: str
    words: list[str] = Field(min_length=1, description="spellings, lower case; hyphens and spaces alike")
    kind: Literal["brand", "process"]
    note: str
    sources: SourceKeys


class Volume(DataModel):
    """A measure a liquid (or a powder) dose is given in, and its size in mL."""

    id: str
    words: list[str] = Field(min_length=1, description="spellings, lower case (ml, tsp, fl oz...)")
    ml: float = Field(gt=0)
    sources: SourceKeys


class TrapReference(DataModel):
    """Whose reference intake a trap sentence uses."""

    age: float
    sex: Sex
    standard: Standard
    wording: str


class Excipient(DataModel):
    """A magnesium compound that is on labels as an excipient."""

    name: str
    words: list[str] = Field(min_length=1)
    role: str
    sources: SourceKeys


class LabelData(DataModel):
    """data/labels.yaml."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    daily_value: DailyValue
    trap_reference: TrapReference
    excipients: list[Excipient]
    elemental_markers: list[str]
    magnesium_words: list[str] = Field(
        default_factory=lambda: ["magnesium", "mg"], description="words that name magnesium itself"
    )
    magnesium_nutrient_words: list[str] = Field(
        default_factory=list,
        description="words that, with the word magnesium, still name magnesium itself (Magnesium Complex)",
    )
    magnesium_only_names: list[str] = Field(
        default_factory=list,
        description="words that name a magnesium compound without saying magnesium (epsom, magtein)",
    )
    abbreviations: dict[str, str] = Field(
        default_factory=dict, description="label abbreviations and spellings, expanded before reading"
    )
    trade_words: list[TradeWord] = Field(default_factory=list)
    volumes: list[Volume] = Field(
        default_factory=list, description="measures of a liquid dose (mL, teaspoon...) and their size in mL"
    )
    excipient_modifiers: list[str] = Field(
        default_factory=list, description="words that may stand with an excipient name (vegetable...)"
    )
    other_elements: list[str] = Field(
        default_factory=list, description="other minerals and nutrients: an item naming one is not magnesium"
    )

    def source_keys(self) -> list[str]:
        """Every source key the label conventions refer to."""
        keys = [*self.daily_value.sources, *(k for e in self.excipients for k in e.sources)]
        keys += [k for g in self.daily_value.groups for k in g.sources]
        keys += [k for t in self.trade_words for k in t.sources]
        keys += [k for v in self.volumes for k in v.sources]
        return list(dict.fromkeys(keys))
