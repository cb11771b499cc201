"""Batch output: an Outcome (what one input record gave) written as an NDJSON line or a CSV row,
with the fields ``--fields`` asks for (``core.fields.parse_fields``), numbers rounded by ``numbers.json_float``.

Nothing here writes to a stream; the shell does (``cli.batch_io``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, NamedTuple

import orjson
from pydantic_core import to_json, to_jsonable_python

from mgcalc.core import fields
from mgcalc.core.dosing import FIGURES, FORM_CONSTANTS
from mgcalc.numbers import json_float, rounded
from mgcalc.schema.records import BatchOutput, ParseResult
from mgcalc.schema.results import Caution, LabelResult

#: What every output record starts with, whatever ``--fields`` says: its line and id, then
#: ``error`` and ``id_hex`` when it has them.
ALWAYS = ("line", "id", "error", "id_hex")

#: Every field a record may have (``--full``): the BatchOutput fields, in order.
FIELDS = tuple(BatchOutput.model_fields)

#: The default record after line and id: the headline figures of a label, how a ``text`` line
#: was read, a DSLD label's amounts, and each caution's code and level. ``--full`` has the rest.
DEFAULT_FIELDS = (
    *(k for k in FIGURES if k != "cautions"),
    "basis",
    "forms",
    "stated_mg",
    "elemental_mg_min",
    "elemental_mg_max",
    "role",
    "trap",
    "full_name",
    "brand_name",
    "per",
    "daily_elemental_mg_min",
    "daily_elemental_mg_max",
    "caution_levels",
)

_FIGURES = frozenset(FIGURES) | {"caution_levels"}
_PARSED = frozenset(ParseResult.model_fields)
_LABEL_ONLY = frozenset(LabelResult.model_fields) - _FIGURES


def parse_fields(
    text: str, allowed: tuple[str, ...] = FIELDS, always: tuple[str, ...] = ("line", "id")
) -> tuple[str, ...]:
    """``batch --fields a,b,c``: ``core.fields.parse_fields`` against the batch record's fields."""
    return fields.parse_fields(text, allowed, always)


def needs_absorbed(fields: tuple[str, ...] | None) -> bool:
    """Whether the selected fields include the absorbed range."""
    return fields is None or "absorbed_mg_min" in fields or "absorbed_mg_max" in fields


def needs_full(fields: tuple[str, ...] | None) -> bool:
    """Whether the selected fields need a label's full fields, not just its figures."""
    return fields is None or any(f in _LABEL_ONLY for f in fields)


def caution_levels(cautions: list[Caution]) -> dict[str, str]:
    """Each caution's code and level, most severe first (the first of a code that comes twice)."""
    out: dict[str, str] = {}
    for c in cautions:
        out.setdefault(c.code, c.level)
    return out


_ABSENT = object()
_LABEL_RECORD = frozenset(LabelResult.model_fields) | {"caution_levels"}
#: Label fields that always hold a string or a number (or null).
#: Label fields that always hold a string or a number (or null), and those that hold a float.
_SCALARS = frozenset(
    k
    for k, f in LabelResult.model_fields.items()
    if f.annotation in (str, float, int, float | None, str | None, int | None)
    or getattr(f.annotation, "__origin__", None) is Literal
)
_FLOATS = frozenset(k for k, f in LabelResult.model_fields.items() if f.annotation in (float, float | None))


#: How ``_LabelWriter`` writes a scalar field: as it is, rounded (a float), or rounded once per
#: value (a float that is the same for every record of a form).
_AS_IS, _ROUND, _CONSTANT = 0, 1, 2


class _LabelWriter:
    """How ``Outcome.ndjson`` writes a label record's ``fields``: the leading run of scalar fields
    one by one, each as it is or rounded, then the others, in order; fields a label record
    never has are left out."""

    __slots__ = ("rest", "scalars")

    def __init__(self, fields: tuple[str, ...]) -> None:
        keys = [k for k in fields if k in _LABEL_RECORD]
        n = 0
        while n < len(keys) and keys[n] in _SCALARS:
            n += 1
        self.scalars = tuple(
            (k, (_CONSTANT if k in FORM_CONSTANTS else _ROUND) if k in _FLOATS else _AS_IS) for k in keys[:n]
        )
        self.rest = tuple(keys[n:])

    def write(self, out: dict[str, Any], label: dict[str, Any]) -> None:
        """Add ``label``'s fields to ``out``."""
        for k, how in self.scalars:
            v = label[k]
            if how:
                if how == _ROUND:
                    if v.__class__ is float:
                        v = json_float(v)
                else:
                    hit = _ROUNDED.get(v)
                    v = _constant(v) if hit is None else hit
            out[k] = v
        for k in self.rest:
            v = label.get(k, _ABSENT)
            if v is not _ABSENT:
                out[k] = _jsonable(v)
            elif k == "caution_levels":
                out[k] = caution_levels(label["cautions"])


_ROUNDED: dict[float, float] = {}
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def _constant(value: Any) -> Any:
    """``_jsonable`` of a figure that is the same for every record of a form (memoised)."""
    hit = _ROUNDED.get(value)
    if hit is None:
        if len(_ROUNDED) > 4096:
            _ROUNDED.clear()
        hit = _ROUNDED[value] = _jsonable(value)
    return hit


_WRITERS: dict[tuple[str, ...], _LabelWriter] = {}


def _label_writer(fields: tuple[str, ...]) -> _LabelWriter:
    """The writer for ``fields`` (``Outcome.ndjson`` checks ``_LAST``, the last one, first)."""
    hit = _WRITERS.get(fields)
    if hit is None:
        if len(_WRITERS) > 64:
            _WRITERS.clear()
        hit = _WRITERS[fields] = _LabelWriter(fields)
    _LAST[:] = [fields, hit]
    return hit


_LAST: list[Any] = [None, None]


def _jsonable(value: Any) -> Any:
    kind = value.__class__
    if kind is float:
        return json_float(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    return rounded(to_jsonable_python(value))


class Outcome(NamedTuple):
    """What one input record gave: label fields and/or a parsed line, or an error."""

    line: int
    id: str | None
    label: dict[str, Any] | None = None  # dosing.label_fields, or dosing.label_figures
    parsed: ParseResult | None = None
    error: str | None = None
    extra: dict[str, Any] | None = None  # the fields of another reader (DSLD records: the panel)
    id_hex: str | None = None  # the id's exact bytes when they are not valid UTF-8 (id is then None)

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

    def record(self, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The output record: line, id (error, id_hex), then ``fields`` of the ``label --json`` and
        ``parse --json`` fields (or a DSLD record's panel), in that order; all of them when None."""
        out: dict[str, Any] = {"line": self.line, "id": self.id}
        if self.error is not None:
            out["error"] = self.error
        if self.id_hex is not None:
            out["id_hex"] = self.id_hex
        label = self.label
        if self.parsed is None and self.extra is None:
            if label is None:
                return out
            values = label
        else:
            values = {**(label or {})}
            if self.parsed is not None:
                if fields is None:
                    values.update(self.parsed.model_dump())
                elif wanted := _PARSED.intersection(fields):  # only what is shown (dumping is slow)
                    values.update(self.parsed.model_dump(include=set(wanted)))
            if self.extra is not None:
                values.update(self.extra)
        if fields is None:
            out.update(values)
            if label is not None or self.extra is not None:
                out["caution_levels"] = caution_levels(self.cautions)
            return out
        for k in fields:
            if k in values:
                out[k] = values[k]
            elif k == "caution_levels" and (label is not None or self.extra is not None):
                out[k] = caution_levels(self.cautions)
        return out

    def ndjson(self, fields: tuple[str, ...] | None = None, newline: bool = False) -> bytes:
        """The record as one line of JSON (ending in a newline with ``newline``): UTF-8, numbers
        to 12 significant digits, NaN and infinities as null.

        By orjson (a fast, well-kept encoder: a batch writes millions of
        records), or by pydantic's serializer for what orjson refuses (text
        that is not valid UTF-8).
        """
        label = self.label
        if label is None and self.parsed is None and self.extra is None:
            data = self.record(fields)  # line, id, error, id_hex: text and a number, JSON-ready
        elif (
            fields is None
            or label is None
            or self.extra is not None
            or (self.parsed is not None and not _PARSED.isdisjoint(fields))
        ):
            data = {k: _jsonable(v) for k, v in self.record(fields).items()}
        else:  # the common record (a label's fields only), as ``record`` builds it, in one pass
            data = {"line": self.line, "id": self.id}
            last = _LAST
            (last[1] if last[0] is fields else _label_writer(fields)).write(data, label)
        try:
            return orjson.dumps(data, None, _NEWLINE) if newline else orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError
            return to_json(data) + b"\n" if newline else to_json(data)


def csv_columns(fields: tuple[str, ...] | None = None) -> list[str]:
    """The columns of ``--output-format csv``: line, id, error, id_hex, then ``fields`` (every
    BatchOutput field when None); nested values are JSON in their cell."""
    if fields is None:
        return list(FIELDS)
    return [*ALWAYS, *(f for f in fields if f not in ALWAYS)]


#: Characters a CSV cell never carries raw: C0 controls but tab and line feed, DEL, C1 controls,
#: bidirectional controls, line/paragraph separators and lone surrogates.
_CELL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: A cell starting with one of these is a formula to a spreadsheet (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(m: re.Match[str]) -> str:
    code = ord(m[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def csv_cell(text: str) -> str:
    """A text cell made safe for spreadsheets and terminals.

    Control, bidirectional and separator characters become ``\\xNN``/``\\uNNNN``
    escapes, and a cell that a spreadsheet would run as a formula (starting
    with ``=``, ``+``, ``-``, ``@``, tab or CR) gets a leading apostrophe.
    NDJSON output is the exact form.
    """
    if not text.isascii() or not text.isprintable():
        text = _CELL_UNSAFE.sub(_escape, text)
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


def csv_row(outcome: Outcome, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """An outcome's record flattened for CSV output: nested values as JSON text, text cells made safe."""
    out: dict[str, Any] = {}
    for k, value in outcome.record(fields).items():
        v = _jsonable(value)
        if isinstance(v, list | dict):
            v = json.dumps(v, ensure_ascii=False)
        if isinstance(v, str):
            v = csv_cell(v)
        out[k] = v
    return out
