"""Output models of parse, batch and forms (part of the JSON contract; see results.py)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from mgcalc.schema.data import Form, Source
from mgcalc.schema.results import Basis, Caution, ModelUsed, Result, Spread, UnknownDrug, VariantAmount


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
    excipients: list[str] = Field(default_factory=list)
    trap: str | None


class ParseLine(ParseResult):
    """One line of ``parse`` reading stdin: the line number, and the result or the error."""

    line: int


class ParseError(Result):
    """A stdin line ``parse`` could not read."""

    line: int
    text: str
    error: str


class BatchOutput(Result):
    """One ``batch`` output record: line and id, then the ``label --json`` fields, the
    ``parse --json`` fields (for a ``text`` column), or ``error``. CSV columns are these fields."""

    line: int
    id: str | None = None
    error: str | None = None
    # label
    form: str | None = None
    form_name: str | None = None
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
    # nested
    variants: list[VariantAmount] | None = None
    spread: Spread | None = None
    absorption_model: ModelUsed | None = None
    cautions: list[Caution] | None = None
    unknown_drugs: list[UnknownDrug] | None = None
    # an id that is not valid UTF-8: its exact bytes in hexadecimal (``id`` is then null)
    id_hex: str | None = None


def csv_columns() -> list[str]:
    """The columns of ``batch --output-format csv``: the BatchOutput fields, in order."""
    return list(BatchOutput.model_fields)


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
