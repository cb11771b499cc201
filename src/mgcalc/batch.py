"""Batch mode: label records in, one result record out per input record, streaming.

Readers turn CSV or NDJSON text streams into (line, raw record) pairs; ``run``
turns each into an Outcome, which writes itself as the ``label --json`` fields
(for a ``text`` column, the ``parse --json`` fields too), or an error record.
Nothing here opens files or prints; the CLI does.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import to_json, to_jsonable_python

from mgcalc.catalogue import Catalogue, packaged_catalogue
from mgcalc.cautions import Caution, Profile
from mgcalc.chemistry import label_fields
from mgcalc.errors import MgcalcError, literal
from mgcalc.units import UNITS_MG, parse_amount

if TYPE_CHECKING:
    from mgcalc.labels import ParseResult

#: Longest CSV field or NDJSON line read (a label line is far shorter).
MAX_FIELD = 100_000

#: Column order of --output-format csv; nested values are JSON in their cell.
CSV_COLUMNS = [
    "line", "id", "error", "form", "form_name", "formula", "input_basis", "amount_mg", "count",
    "compound_mg", "elemental_pct", "elemental_mg", "elemental_mmol", "elemental_meq", "laxative",
    "absorbed_mg", "absorbed_pct", "per_day", "daily_elemental_mg", "text", "basis", "reason", "forms",
    "stated_mg", "elemental_mg_min", "elemental_mg_max", "excipient", "trap", "variants", "cautions",
    "unknown_drugs",
]  # fmt: skip


def _lower(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else v


class BatchRecord(BaseModel):
    """One input record: ``amount`` and ``form`` (with ``unit``, ``basis``, ``count``), or ``text``.

    Numbers are accepted where text is expected (NDJSON ``"amount": 500``);
    unknown keys are ignored; an empty CSV cell counts as absent.
    """

    model_config = ConfigDict(
        extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True, defer_build=True
    )

    id: str | None = None
    amount: str | None = None
    form: str | None = None
    unit: Annotated[str, StringConstraints(to_lower=True)] | None = None
    basis: Annotated[Literal["compound", "elemental"], BeforeValidator(_lower)] = "compound"
    count: int = Field(default=1, ge=1, le=10_000)
    text: str | None = None

    @model_validator(mode="after")
    def _something_to_do(self) -> BatchRecord:
        if not self.text and not (self.amount and self.form):
            raise ValueError("needs 'amount' and 'form', or 'text'")
        return self


def read_csv(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) for each CSV row after the header; a string record is an error."""
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as e:
        yield 1, f"cannot read the CSV header: {e}"
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield reader.line_num, f"cannot read this CSV row: {e}"
            continue
        if not row:
            continue  # blank line
        if len(row) > len(header):
            yield reader.line_num, f"{len(row)} fields but the header has {len(header)}"
            continue
        yield reader.line_num, {k: v for k, v in zip(header, row, strict=False) if v != ""}


def read_ndjson(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) for each non-blank NDJSON line; a string record is an error."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_FIELD:
            yield n, f"line is {len(line):,} characters; at most {MAX_FIELD:,}"
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            yield n, f"not JSON: {e}"
            continue
        yield n, obj if isinstance(obj, dict) else f"expected a JSON object, got {type(obj).__name__}"


def _validation_message(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where + ': ' if where else ''}{err['msg'].removeprefix('Value error, ')}"


class Outcome(NamedTuple):
    """What one input record gave: label fields and/or a parsed line, or an error."""

    line: int
    id: str | None
    label: dict[str, Any] | None = None  # chemistry.label_fields
    parsed: ParseResult | None = None
    error: str | None = None

    @property
    def cautions(self) -> list[Caution]:
        """The cautions of the label result, if any."""
        return self.label["cautions"] if self.label is not None else []

    def record(self) -> dict[str, Any]:
        """The output record: line, id, then the ``label --json`` and ``parse --json`` fields, or the error."""
        out: dict[str, Any] = {"line": self.line, "id": self.id}
        if self.error is not None:
            out["error"] = self.error
        if self.label is not None:
            out.update(self.label)
        if self.parsed is not None:
            out.update(self.parsed.model_dump())
        return out

    def ndjson(self) -> bytes:
        """The record as one line of JSON (no newline), by pydantic's serializer."""
        return to_json(self.record())


def process(line: int, raw: dict[str, Any] | str, *, catalogue: Catalogue, profile: Profile) -> Outcome:
    """The outcome of one input record: never raises for bad input."""
    if isinstance(raw, str):
        return Outcome(line, None, error=raw)
    try:
        rec = BatchRecord.model_validate(raw)
        if rec.text:
            return _text_outcome(line, rec, catalogue, profile)
        assert rec.amount is not None and rec.form is not None
        unit = rec.unit or ""
        if unit and unit not in UNITS_MG:
            raise MgcalcError(f"unknown unit '{literal(unit)}': use mg, g, mcg or µg")
        amount = parse_amount(rec.amount + unit)
        fields = label_fields(
            amount,
            rec.form,
            count=rec.count,
            elemental=rec.basis == "elemental",
            catalogue=catalogue,
            profile=profile,
        )
        return Outcome(line, rec.id, label=fields)
    except ValidationError as e:
        return Outcome(line, _raw_id(raw), error=literal(_validation_message(e), 500))
    except MgcalcError as e:
        return Outcome(line, _raw_id(raw), error=str(e))
    except Exception as e:
        return Outcome(line, _raw_id(raw), error=f"internal error ({type(e).__name__}): {literal(e, 300)}")


def _raw_id(raw: dict[str, Any]) -> str | None:
    rid = raw.get("id")
    return None if rid is None or isinstance(rid, dict | list) else literal(rid, 200)


def _text_outcome(line: int, rec: BatchRecord, catalogue: Catalogue, profile: Profile) -> Outcome:
    from mgcalc.labels import parse_label

    assert rec.text is not None
    p = parse_label(rec.text, catalogue)
    fields = None
    if p.stated_mg is not None and len(p.forms) == 1 and p.basis != "unknown":
        fields = label_fields(
            p.stated_mg, p.forms[0], elemental=p.basis == "elemental", catalogue=catalogue, profile=profile
        )
    return Outcome(line, rec.id, label=fields, parsed=p)


def run(
    records: Iterable[tuple[int, dict[str, Any] | str]],
    *,
    catalogue: Catalogue | None = None,
    profile: Profile | None = None,
) -> Iterator[Outcome]:
    """One outcome per input record, in order, streaming."""
    cat = catalogue or packaged_catalogue()
    prof = profile or Profile()
    for line, raw in records:
        yield process(line, raw, catalogue=cat, profile=prof)


def csv_row(outcome: Outcome) -> dict[str, Any]:
    """An outcome's record flattened for CSV output: nested values as JSON text."""
    plain: dict[str, Any] = to_jsonable_python(outcome.record())
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in plain.items()
    }
