"""Output models of parse, batch and forms (part of the JSON contract; see results.py)."""

from typing import Literal

from pydantic import ConfigDict, Field

from mgcalc.schema.base import empty_list
from mgcalc.schema.data import Form, Level, Source
from mgcalc.schema.results import (
    Basis,
    Caution,
    ModelUsed,
    Result,
    SafetyFields,
    Spread,
    UnknownDrug,
    VariantAmount,
)

#: What a line is on a label: a magnesium source (counted), a per-form row under a parent
#: (``part``, counted once with its parent), an excipient (never counted), or ``other``:
#: magnesium present but its amount not stated on the line (an Other Ingredients entry,
#: another nutrient given as a magnesium salt, a blend), or a content statement.
Role = Literal["source", "part", "excipient", "other"]


class ParseResult(Result):
    """What a label line says about magnesium (``parse``)."""

    text: str
    basis: Basis
    reason: str
    forms: list[str]
    stated_mg: float | None
    percent_dv: float | None = None
    elemental_mg_min: float | None
    elemental_mg_max: float | None
    excipient: bool
    excipients: list[str] = Field(default_factory=empty_list)
    trap: str | None
    role: Role = Field(default="source", description="source, part, excipient or other (see Role)")
    stated_compound_mg: float | None = Field(
        default=None, description="the compound weight the line states, when it states one"
    )
    stated_elemental_mg: float | None = Field(
        default=None, description="the elemental magnesium the line states, when it states it"
    )
    default_form: str | None = Field(
        default=None,
        description="for a bare family name ('Magnesium Chloride'), the family's usual salt; the range covers every member",
    )
    unknown_forms: list[str] = Field(
        default_factory=empty_list, description="sources named on the line that are not in the catalogue"
    )
    trade_words: list[str] = Field(
        default_factory=empty_list, description="brand and process words recognised on the line (not forms)"
    )
    dv_group: str | None = Field(default=None, description="the DV target group the %DV was read against")
    checks: list[str] = Field(
        default_factory=empty_list, description="cross-checks made (%DV, two amounts) and what they found"
    )


class ParseLine(ParseResult):
    """One line of ``parse`` reading stdin: the line number, and the result or the error."""

    line: int


class ParseError(Result):
    """A stdin line ``parse`` could not read."""

    line: int
    text: str
    error: str


class BatchOutput(Result):
    """One ``batch --full`` output record: line and id, then the ``label --json`` fields, the
    ``parse --json`` fields (for a ``text`` column), or ``error``. CSV columns are these fields.

    The default record and ``--fields`` hold a subset of these keys."""

    line: int
    id: str | None = None
    error: str | None = None
    # label
    form: str | None = None
    form_name: str | None = None
    unii: str | None = None
    formula: str | None = None
    pct_basis: str | None = None
    family: str | None = None
    family_default: str | None = None
    input_basis: str | None = None
    amount_mg: float | None = None
    count: int | None = None
    compound_mg: float | None = None
    elemental_pct: float | None = None
    elemental_mg: float | None = None
    elemental_mmol: float | None = None
    elemental_meq: float | None = None
    laxative: str | None = None
    absorbed_mg: float | None = None
    absorbed_pct: float | None = None
    per_day: int | None = None
    daily_elemental_mg: float | None = None
    notes: str | None = None
    # parse
    text: str | None = None
    basis: str | None = None
    reason: str | None = None
    forms: list[str] | None = None
    stated_mg: float | None = None
    percent_dv: float | None = None
    elemental_mg_min: float | None = None
    elemental_mg_max: float | None = None
    excipient: bool | None = None
    excipients: list[str] | None = None
    trap: str | None = None
    role: str | None = None
    stated_compound_mg: float | None = None
    stated_elemental_mg: float | None = None
    default_form: str | None = None
    unknown_forms: list[str] | None = None
    trade_words: list[str] | None = None
    dv_group: str | None = None
    checks: list[str] | None = None
    # DSLD label records (--input-format dsld): the ``panel`` fields
    full_name: str | None = None
    brand_name: str | None = None
    kind: str | None = None
    serving_size: str | None = None
    servings_per_container: float | None = None
    per: str | None = None
    max_daily_servings: float | None = None
    daily_elemental_mg_min: float | None = None
    daily_elemental_mg_max: float | None = None
    lines: list["PanelLine"] | None = None
    # nested
    variants: list[VariantAmount] | None = None
    spread: Spread | None = None
    absorption_model: ModelUsed | None = None
    cautions: list[Caution] | None = None
    unknown_drugs: list[UnknownDrug] | None = None
    # label, added later (appended so CSV columns keep their places)
    absorbed_mg_min: float | None = None
    absorbed_mg_max: float | None = None
    absorbed_pct_min: float | None = None
    absorbed_pct_max: float | None = None
    # an id that is not valid UTF-8: its exact bytes in hexadecimal (``id`` is then null)
    id_hex: str | None = None
    caution_levels: dict[str, Level] | None = Field(
        default=None,
        description="each caution's code and level, most severe first (the default record's cautions)",
    )


# ---------------------------------------------------------------- panel


class PanelLine(Result):
    """One magnesium line of a panel, with its role."""

    text: str
    role: Role
    basis: Basis | None
    forms: list[str]
    stated_mg: float | None
    elemental_mg_min: float | None
    elemental_mg_max: float | None
    percent_dv: float | None = None
    reason: str = ""
    unknown_forms: list[str] = Field(default_factory=empty_list)
    trade_words: list[str] = Field(default_factory=empty_list)
    ingredient_id: str | None = Field(
        default=None, description="the DSLD ingredient id of the row (DSLD records)"
    )
    unii: dict[str, str | None] = Field(
        default_factory=dict,
        description="each form in forms -> its FDA UNII, or null where the catalogue has no checked code "
        "(docs/codes.md)",
    )
    nested_under: str | None = Field(default=None, description="the text of the row this one is nested under")
    counted: bool = Field(default=False, description="whether it adds to the panel's elemental total")
    error: str | None = Field(default=None, description="why a line naming magnesium could not be read")


class PanelResult(SafetyFields):
    """A whole Supplement Facts or Drug Facts panel, or a DSLD label record (``panel``)."""

    kind: Literal["supplement facts", "drug facts", "dsld"]
    id: str | None = Field(default=None, description="DSLD label id")
    full_name: str | None = None
    brand_name: str | None = None
    serving_size: str | None
    servings_per_container: float | None
    per: str = Field(description="what the amounts are per: 'serving', or a Drug Facts measure ('15 mL')")
    dv_group: str | None = None
    elemental_mg_min: float | None = Field(
        description="elemental magnesium per serving (or measure), lowest reading"
    )
    elemental_mg_max: float | None = Field(
        description="highest reading; null when a line naming magnesium could not be read"
    )
    max_daily_servings: float | None = Field(
        default=None, description="servings a day the label allows at most (DSLD maxDailyServings)"
    )
    daily_elemental_mg_min: float | None = None
    daily_elemental_mg_max: float | None = Field(
        default=None, description="elemental_mg_max x servings a day: what the cautions are held against"
    )
    lines: list[PanelLine]
    excipients: list[str]
    checks: list[str]


# ---------------------------------------------------------------- convert


class SerumRangeUsed(Result):
    """The reference range a serum value is placed in."""

    low_mmol_l: float
    high_mmol_l: float
    low_mg_dl: float
    high_mg_dl: float
    source: str
    quote: str


class ConvertResult(Result):
    """An amount of magnesium or a serum concentration in every unit (``convert``)."""

    quantity: Literal["amount", "serum"]
    value: float
    unit: str
    elemental_mg: float | None = None
    mmol: float | None = None
    meq: float | None = None
    mg_dl: float | None = None
    mmol_l: float | None = None
    meq_l: float | None = None
    position: Literal["below", "within", "above"] | None = Field(
        default=None, description="where a serum value falls against the reference range"
    )
    reference_range: SerumRangeUsed | None = None
    note: str


# ---------------------------------------------------------------- forms


class FormEntry(Form):
    """One catalogue entry with its citations (``forms FORM --json``)."""

    model_config = ConfigDict(defer_build=True)

    family_default: str
    family_members: list[str]
    source_details: dict[str, Source]


class CatalogueCheck(Result):
    """What ``forms --check FILE --json`` found."""

    file: str
    ok: bool
    problems: list[str]
