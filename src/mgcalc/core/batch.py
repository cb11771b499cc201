"""Batch mode: label records in, one result record out per input record, streaming.

Readers turn CSV or NDJSON text streams into (line, raw record) pairs; ``run``
turns each into an Outcome, which writes itself as the ``label --json`` fields
(for a ``text`` column, the ``parse --json`` fields too), or an error record.
Nothing here opens files or prints; the shell does.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import to_json, to_jsonable_python

from mgcalc.core.dosing import label_fields
from mgcalc.core.units import UNITS_TEXT, read_amount, unit_key
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import BatchRecord, Profile
from mgcalc.schema.records import ParseResult, csv_columns
from mgcalc.schema.results import Caution

#: Longest CSV field or NDJSON line read (a label line is far shorter).
MAX_FIELD = 100_000


class Format(StrEnum):
    """Input record formats ``read_records`` understands."""

    csv = "csv"
    ndjson = "ndjson"


Record = tuple[int, dict[str, Any] | str]


def sniff(first_line: str) -> Format:
    """The format of a stream from its first line: NDJSON starts with '{'."""
    return Format.ndjson if first_line.lstrip("\ufeff \t").startswith("{") else Format.csv


def read_records(lines: Iterable[str], format: Format | None = None) -> Iterator[Record]:
    """(line number, raw record) pairs from CSV or NDJSON text lines; sniffed when ``format`` is None.

    A string record is an error for that line: bad input never stops the stream.
    """
    it = iter(lines)
    if format is None:
        first = next(it, None)
        if first is None:
            return
        format = sniff(first)
        it = itertools.chain([first], it)
    yield from (read_ndjson(it) if format is Format.ndjson else read_csv(it))


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
    label: dict[str, Any] | None = None  # dosing.label_fields
    parsed: ParseResult | None = None
    error: str | None = None
    extra: dict[str, Any] | None = None  # the fields of another reader (DSLD records: the panel)

    @property
    def cautions(self) -> list[Caution]:
        """The cautions of the label result, if any."""
        if self.label is not None:
            cautions: list[Caution] = self.label["cautions"]
            return cautions
        if self.extra is not None:
            found: list[Caution] = self.extra.get("cautions") or []
            return [c if isinstance(c, Caution) else Caution.model_validate(c) for c in found]
        return []

    def record(self) -> dict[str, Any]:
        """The output record: line, id, then the ``label --json`` and ``parse --json`` fields, or the error."""
        out: dict[str, Any] = {"line": self.line, "id": self.id}
        if self.error is not None:
            out["error"] = self.error
        if self.label is not None:
            out.update(self.label)
        if self.parsed is not None:
            out.update(self.parsed.model_dump())
        if self.extra is not None:
            out.update(self.extra)
        return out

    def ndjson(self) -> bytes:
        """The record as one line of JSON (no newline), by pydantic's serializer."""
        return to_json(self.record())


def process(ref: Reference, line: int, raw: dict[str, Any] | str, profile: Profile) -> Outcome:
    """The outcome of one input record: never raises for bad input."""
    if isinstance(raw, str):
        return Outcome(line, None, error=raw)
    try:
        rec = BatchRecord.model_validate(raw)
        if rec.text:
            return _text_outcome(ref, line, rec, profile)
        assert rec.amount is not None and rec.form is not None
        unit = rec.unit or ""
        if unit and unit_key(unit) is None:
            raise MgcalcError(f"unknown unit '{literal(unit)}': use {UNITS_TEXT}", field="unit")
        amount = read_amount(
            f"{rec.amount} {unit}" if unit else rec.amount, constants=ref.catalogue.constants
        )
        if amount.molar and rec.basis != "elemental":
            raise MgcalcError(
                f"amount {literal(amount.text)} is magnesium itself (mmol/mEq): set basis to elemental",
                field="basis",
            )
        fields = label_fields(
            ref, amount.mg, rec.form, count=rec.count, elemental=rec.basis == "elemental", profile=profile
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


def _text_outcome(ref: Reference, line: int, rec: BatchRecord, profile: Profile) -> Outcome:
    from mgcalc.core.labels import parse_label

    assert rec.text is not None
    p = parse_label(ref, rec.text)
    fields = None
    if p.stated_mg is not None and len(p.forms) == 1 and p.basis != "unknown":
        fields = label_fields(ref, p.stated_mg, p.forms[0], elemental=p.basis == "elemental", profile=profile)
    return Outcome(line, rec.id, label=fields, parsed=p)


def run(ref: Reference, records: Iterable[Record], profile: Profile | None = None) -> Iterator[Outcome]:
    """One outcome per input record, in order, streaming."""
    prof = profile or Profile()
    for line, raw in records:
        yield process(ref, line, raw, prof)


class Tally:
    """What a batch run found so far: records, failures, and the worst caution per level."""

    __slots__ = ("failed", "records", "worst")

    def __init__(self) -> None:
        self.records = 0
        self.failed = 0
        self.worst: dict[str, Caution] = {}

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.records += 1
        if outcome.error is not None:
            self.failed += 1
        for c in outcome.cautions:
            self.worst.setdefault(c.level, c)

    @property
    def cautions(self) -> list[Caution]:
        """One caution of each level seen (for --fail-on)."""
        return list(self.worst.values())


#: Column order of --output-format csv: the BatchOutput fields; nested values are JSON in their cell.
CSV_COLUMNS = csv_columns()


def csv_row(outcome: Outcome) -> dict[str, Any]:
    """An outcome's record flattened for CSV output: nested values as JSON text."""
    plain: dict[str, Any] = to_jsonable_python(outcome.record())
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for k, v in plain.items()
    }
