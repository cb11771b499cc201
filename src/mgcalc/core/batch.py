"""Batch mode: label records in, one result record out per input record, streaming.

Readers turn CSV or NDJSON lines (bytes or text; see ``bounded_lines`` for
reading a binary stream without unbounded memory) into (line, raw record)
pairs; ``run`` turns each into an Outcome, which writes itself as the ``label
--json`` fields (for a ``text`` column, the ``parse --json`` fields too), or an
error record. Nothing here opens files or prints; the shell does.

What the readers promise, whatever the input:

- one record per input record (a CSV record is one line, or several when a
  quoted field holds line breaks), in order, numbered by its first line;
- ids exactly as given: never trimmed, cut or escaped. A record that is not
  valid UTF-8 is an error record; when its id is the invalid part, ``id`` is
  null and ``id_hex`` holds the id's exact bytes in hexadecimal;
- a CSV header with an unknown, duplicate or missing column is a
  ``HeaderError`` (bad input) raised before any record;
- limits instead of runaway memory: a line over ``MAX_LINE`` bytes, a CSV
  field over ``MAX_FIELD`` characters, NDJSON nested deeper than
  ``MAX_DEPTH`` are error records; a quoted CSV field still open after
  ``MAX_RECORD_LINES`` lines (or at the end of the input) is taken as a stray
  quote: that row is an error record and reading resumes at the next line.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import operator
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import Any, Literal, NamedTuple

import orjson
from pydantic import ValidationError
from pydantic_core import to_json, to_jsonable_python

from mgcalc.core.dosing import (
    FIGURES,
    FORM_CONSTANTS,
    FiguresPlan,
    figures,
    figures_checked,
    figures_plan,
    label_fields,
    label_figures,
)
from mgcalc.core.units import MAX_MG, MIN_MG, UNITS_TEXT, check_mg, read_amount, unit_key
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import json_float, rounded
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import BatchRecord, Profile
from mgcalc.schema.records import BatchOutput, ParseResult
from mgcalc.schema.results import Caution, LabelResult

#: Longest CSV field, in characters (a label line is far shorter).
MAX_FIELD = 100_000
#: Longest physical line read, in bytes (characters for text input); longer lines are skipped unread.
MAX_LINE = 1_048_576
#: Most lines one CSV record may span (a quoted field with line breaks); beyond, the quote is a stray.
#: MAX_FIELD bounds the memory; this only stops a stray quote early (a real field of 60 lines is read).
MAX_RECORD_LINES = 5_000
#: Deepest nesting of arrays and objects in an NDJSON line (a record is one flat object).
MAX_DEPTH = 32
#: The CSV columns (and NDJSON keys) a record may have.
COLUMNS = ("id", "amount", "form", "unit", "basis", "count", "text")
#: Delimiters a CSV file may use, by name (sniffed from the header when not given).
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}

_BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")


class Format(StrEnum):
    """Input record formats ``read_records`` understands."""

    csv = "csv"
    ndjson = "ndjson"


class HeaderError(MgcalcError):
    """The CSV header cannot be used: bad input, raised before any record."""


class TooLong(NamedTuple):
    """A physical line over ``MAX_LINE``: its bytes are skipped, never held."""

    size: int


class BadRecord(NamedTuple):
    """An input record that could not be read: the error, and its id when it could be read."""

    error: str
    id: str | None = None
    id_hex: str | None = None


Line = str | bytes | TooLong
Record = tuple[int, dict[str, Any] | str | BadRecord]


def bounded_lines(readline: Callable[[int], bytes], limit: int = MAX_LINE) -> Iterator[bytes | TooLong]:
    """Physical lines (with their newline) from a binary ``readline(size)``, never holding more than ``limit``.

    A longer line is yielded as ``TooLong`` at once; the rest of it is read and
    dropped only when the next line is asked for (so ``/dev/zero`` gives one
    ``TooLong``, not an endless read).
    """
    while True:
        line = readline(limit)
        if not line:
            return
        if len(line) < limit or line.endswith(b"\n"):
            yield line
            continue
        yield TooLong(len(line))
        while True:
            more = readline(limit)
            if len(more) < limit or more.endswith(b"\n"):
                break


#: Bytes ``bounded_blocks`` reads at a time: under MAX_FIELD, so a block of whole lines that
#: size cannot hold a field over the limit.
BLOCK = 65_536


def bounded_blocks(
    read: Callable[[int], bytes], limit: int = MAX_LINE, size: int = BLOCK
) -> Iterator[bytes | TooLong]:
    """Blocks of whole physical lines from a binary ``read(size)``, never holding a line over ``limit``.

    The fast counterpart of ``bounded_lines``, for the same lines: each bytes
    block holds one or more lines (each with its newline, but the input's last
    line when it has none). A line of ``limit`` bytes or more (its newline not
    counted) is a ``TooLong`` in its place, read and dropped only when the next
    block is asked for. Give ``read1`` of a buffered stream: it returns what
    is there, so records from a slow pipe stream out one by one.
    """
    carry = b""
    while True:
        data = read(size)
        if not data:
            if carry:
                yield carry if len(carry) < limit else TooLong(limit)
            return
        if carry:
            data = carry + data
        end = data.rfind(b"\n")
        if end < 0:
            if len(data) < limit:
                carry = data
                continue
            yield TooLong(limit)
            carry = b""
            while True:  # the rest of the long line, up to its newline
                data = read(size)
                if not data:
                    return
                end = data.find(b"\n")
                if end >= 0:
                    carry = data[end + 1 :]
                    break
            continue
        head, carry = data[: end + 1], data[end + 1 :]
        if len(head) <= limit:
            yield head
            continue
        kept: list[bytes] = []
        for line in head[:-1].split(b"\n"):
            if len(line) < limit:
                kept.append(line)
                continue
            if kept:
                yield b"\n".join(kept) + b"\n"
                kept = []
            yield TooLong(limit)
        if kept:
            yield b"\n".join(kept) + b"\n"


class _Lines:
    """Physical lines from blocks of lines (bytes), single lines (bytes or text) and TooLong items,
    with a whole block taken on the side when no line of an earlier one is left (``block``)."""

    __slots__ = ("chunks", "pending")

    def __init__(self, chunks: Iterable[Line]) -> None:
        self.chunks = iter(chunks)
        self.pending: deque[Line] = deque()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> Line:
        if self.pending:
            return self.pending.popleft()
        chunk = next(self.chunks)
        if chunk.__class__ is bytes and 0 <= chunk.find(b"\n") < len(chunk) - 1:
            self._split(chunk)
            return self.pending.popleft()
        return chunk

    def _split(self, chunk: bytes) -> None:
        parts = chunk.split(b"\n")
        last = parts.pop()
        self.pending.extend([p + b"\n" for p in parts])
        if last:
            self.pending.append(last)

    def block(self) -> bytes | TooLong | str | None:
        """The next chunk, whole, when no line is pending (None at the end of the input or while
        lines are pending); ``put_back`` returns it unread."""
        if self.pending:
            return None
        return next(self.chunks, None)

    def put_back(self, chunk: Line) -> None:
        """A chunk from ``block`` to be read line by line after all."""
        if chunk.__class__ is bytes:
            self._split(chunk)
        else:
            self.pending.append(chunk)


def physical_lines(chunks: Iterable[Line]) -> Iterator[Line]:
    """The physical lines of blocks from ``bounded_blocks`` (or of lines, unchanged)."""
    return _Lines(chunks)


def _decode(no: int, line: Line) -> tuple[int, str | TooLong, bool]:
    """(number, text, bad) for one line: UTF-8 decoded strictly (invalid bytes kept as surrogate
    escapes, and ``bad`` set), a BOM dropped from line 1; a line over MAX_LINE as TooLong."""
    if isinstance(line, bytes):
        try:
            text = line.decode()
            bad = False
        except UnicodeDecodeError:
            text = line.decode("utf-8", "surrogateescape")
            bad = True
    elif isinstance(line, str):
        if len(line) > MAX_LINE:
            return no, TooLong(len(line)), False
        text = line
        bad = not text.isascii() and _SURROGATE.search(text) is not None
    else:
        return no, line, False
    if no == 1 and text.startswith(_BOM):
        text = text[1:]
    return no, text, bad


def _decoded(lines: Iterable[Line]) -> Iterator[tuple[int, str | TooLong, bool]]:
    """``_decode`` for each line, numbered from 1."""
    for no, line in enumerate(lines, start=1):
        yield _decode(no, line)


def sniff(first_line: Line) -> Format:
    """The format of a stream from its first line: NDJSON starts with '{' (after a BOM or spaces)."""
    if isinstance(first_line, TooLong):
        return Format.csv
    if isinstance(first_line, bytes):
        return Format.ndjson if first_line.lstrip(b"\xef\xbb\xbf \t").startswith(b"{") else Format.csv
    return Format.ndjson if first_line.lstrip("\ufeff \t").startswith("{") else Format.csv


def read_records(
    lines: Iterable[Line], format: Format | None = None, *, delimiter: str | None = None
) -> Iterator[Record]:
    """(line number, raw record) pairs from CSV or NDJSON lines (or blocks of lines from
    ``bounded_blocks``); the format is sniffed when None.

    A ``BadRecord`` (or string) record is an error for that line: bad input
    never stops the stream. A bad CSV header raises ``HeaderError`` when the
    first record is asked for. Sniffing reads the first line at once.
    """
    it = iter(lines)
    if format is None:
        first = next(it, None)
        if first is None:
            return iter(())
        format = sniff(first)
        it = itertools.chain([first], it)
    return read_ndjson(it) if format is Format.ndjson else read_csv(it, delimiter=delimiter)


def _shown(text: str, limit: int = 60) -> str:
    """User text in a message: invalid bytes as \\xNN, controls escaped, cut to ``limit``."""
    if _SURROGATE.search(text):
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate written as a JSON escape
            raw = text.encode("utf-8", "surrogatepass")
        text = raw.decode("utf-8", "backslashreplace")
    return literal(text, limit)


def _hex(text: str) -> str:
    """The exact bytes a decoded string came from, in hexadecimal."""
    try:
        return text.encode("utf-8", "surrogateescape").hex()
    except UnicodeEncodeError:  # a lone surrogate written as a JSON escape
        return text.encode("utf-8", "surrogatepass").hex()


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV header line: the one that splits it into the most known columns."""
    best, best_score = ",", (-1, -1)
    for d in DELIMITERS.values():
        cells = next(csv.reader([header], delimiter=d), [])
        score = (sum(c.strip().lower() in COLUMNS for c in cells), len(cells))
        if score > best_score:
            best, best_score = d, score
    return best


def _delimiter_name(d: str) -> str:
    return next((name for name, v in DELIMITERS.items() if v == d), repr(d))


def _check_header(names: list[str], raw: list[str], delimiter: str) -> None:
    where = f"the CSV header (line 1, delimiter {_delimiter_name(delimiter)})"
    found = ", ".join(f"'{_shown(c, 40)}'" for c in raw[:12]) + (", ..." if len(raw) > 12 else "")
    unknown = [c for c, n in zip(raw, names, strict=True) if n not in COLUMNS]
    if unknown:
        shown = ", ".join(f"'{_shown(c, 40)}'" for c in unknown[:5])
        raise HeaderError(
            f"{where} has unknown column(s) {shown}; known: {', '.join(COLUMNS)} "
            "(give --delimiter if the file uses another separator)"
        )
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        if n in seen:
            raise HeaderError(f"{where} names column '{n}' twice (columns {seen[n]} and {i}); found: {found}")
        seen[n] = i
    if "text" not in seen and not ("amount" in seen and "form" in seen):
        raise HeaderError(f"{where} needs 'amount' and 'form' columns, or 'text'; found: {found}")


class _Feed:
    """The physical lines a csv.reader reads (``lines``), one record at a time, with push-back and limits.

    ``taken`` holds the (number, text, bad) lines of the record being read.
    The csv module asks for another line within a record only when a quoted
    field is open at the end of a line. Past MAX_RECORD_LINES lines, at a line
    over MAX_LINE or at the end of the input, the feed closes the quote itself
    (``forced``): the record is then a stray quote. A line over MAX_LINE at
    the start of a record is read as a blank line and kept in ``long``.
    """

    __slots__ = ("back", "bad", "cr", "forced", "lines", "long", "no", "taken", "unusual")

    def __init__(self, raw: Iterator[Line], no: int) -> None:
        self.no = no  # the last line number read (shared with read_csv's block path)
        self.back: deque[tuple[int, str | TooLong, bool]] = deque()
        self.taken: list[tuple[int, str | TooLong, bool]] = []
        self.bad = self.cr = self.forced = False
        self.unusual = False  # any of the flags, or long: one test per record on the common path
        self.long: tuple[int, str | TooLong, bool] | None = None
        self.lines = self._run(raw)

    def _run(self, raw: Iterator[Line]) -> Iterator[str]:
        """The lines for the csv reader: ``raw`` lines after line ``no``, decoded (see ``_decode``)."""
        back, taken = self.back, self.taken
        close = '"\n'
        while True:
            if taken and len(taken) >= MAX_RECORD_LINES:
                self.forced = self.unusual = True
                yield close
                continue
            if back:
                item = back.popleft()
            else:
                line = next(raw, None)
                if line is None:
                    if taken:  # the end of the input inside a quoted field
                        self.forced = self.unusual = True
                        yield close
                        continue
                    return
                self.no = no = self.no + 1
                if line.__class__ is bytes:  # the common case, inline
                    try:
                        item = (no, line.decode(), False)
                    except UnicodeDecodeError:
                        item = _decode(no, line)
                else:
                    item = _decode(no, line)
            text = item[1]
            if text.__class__ is not str:  # TooLong
                if taken:
                    back.appendleft(item)
                    self.forced = self.unusual = True
                    yield close
                    continue
                self.long = item
                self.unusual = True
                taken.append(item)
                yield "\n"
                continue
            taken.append(item)
            if item[2]:
                self.bad = self.unusual = True
            if "\r" in text:
                self.cr = self.unusual = True
                text = _hide_cr(text)
            yield text

    def reset(self) -> None:
        """Start the next record."""
        self.taken.clear()
        self.bad = self.cr = self.forced = self.unusual = False
        self.long = None

    def stray_quote(self) -> int:
        """Give up the open record: the number of its first line; the other lines are read again."""
        first, rest = self.taken[0], self.taken[1:]
        self.back.extendleft(reversed(rest))
        self.reset()
        return first[0]


def _too_long(line: TooLong | str) -> BadRecord:
    size = line.size if isinstance(line, TooLong) else MAX_LINE
    return BadRecord(f"line is longer than {size:,} bytes, the limit; skipped")


def read_csv(lines: Iterable[Line], *, delimiter: str | None = None) -> Iterator[Record]:
    """(line number, record) for each CSV record after the header; a ``BadRecord`` is an error.

    The delimiter is sniffed from the header (comma, semicolon or tab) unless
    given. Raises ``HeaderError`` for a header that cannot be used.
    """
    csv.field_size_limit(MAX_FIELD)
    source = _Lines(lines)
    no = 0
    for line in source:
        no, text, head_bad = _decode(no + 1, line)
        if isinstance(text, TooLong):
            raise HeaderError(f"the CSV header (line {no}) is over {MAX_LINE:,} bytes: is this a CSV file?")
        if text.strip():
            break
    else:
        return
    if head_bad:
        raise HeaderError(f"the CSV header (line {no}) is not valid UTF-8: '{_shown(text)}'")
    try:
        d = delimiter or sniff_delimiter(text)
        raw = [_show_cr(c) for c in next(csv.reader([_hide_cr(text)], delimiter=d), [])]
    except csv.Error as e:
        raise HeaderError(f"the CSV header (line {no}) cannot be read: {e}") from None
    names = [c.strip().lower() for c in raw]
    _check_header(names, raw, d)
    width = len(names)
    id_at = names.index("id") if "id" in names else None
    feed = _Feed(source, no)
    reader = csv.reader(feed.lines, delimiter=d)
    taken = feed.taken
    while True:
        if feed.unusual:
            feed.reset()
        else:
            taken.clear()
        if not feed.back and not source.pending:  # between records: maybe a whole simple block
            chunk = source.block()
            if chunk is None:
                return
            simple_text = _simple(chunk)
            if simple_text is None:
                source.put_back(chunk)
                continue  # read line by line
            # a simple block: one record per line, as the line reader reads them (inline: the hot loop)
            lines = simple_text.split("\n")
            if lines[-1] == "":
                lines.pop()
            no = feed.no
            try:
                for row in csv.reader(lines, delimiter=d):
                    no += 1
                    if not row:
                        continue  # a blank line
                    if len(row) > width:
                        yield no, _too_many(row, width, id_at)
                    elif "" in row or len(row) < width:
                        yield no, {k: v for k, v in zip(names, row, strict=False) if v != ""}
                    else:  # as many fields as names, none empty
                        yield no, dict(zip(names, row, strict=False))
            except csv.Error:  # not met in a simple block; if it is, the line reader reads the rest
                source.pending.extend(line.encode() + b"\n" for line in lines[no - feed.no :])
            finally:
                feed.no = no
            continue
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if len(taken) > 1:  # a field over the limit inside an open quote: a stray quote too
                yield feed.stray_quote(), _stray_quote()
            else:
                first = taken[0]
                refused = BadRecord(f"cannot read this CSV row: {e}")
                yield first[0], _with_id(refused, _id_in(first, d, id_at))
            continue
        if feed.unusual:
            if feed.forced:
                yield feed.stray_quote(), _stray_quote()
                continue
            if feed.long is not None:
                yield feed.long[0], _too_long(feed.long[1])
                continue
            if feed.cr:
                row = [_show_cr(c) for c in row]
        if not row:
            continue  # a blank line
        if len(row) > width:
            yield taken[0][0], _too_many(row, width, id_at)
            continue
        record = {k: v for k, v in zip(names, row, strict=False) if v != ""}
        if feed.bad and (problem := _unicode_problem(record)) is not None:
            yield taken[0][0], problem
            continue
        yield taken[0][0], record


def _simple(chunk: Line) -> str | None:
    """A block's text when each of its lines is one whole record read as it stands (no quote, CR,
    NUL, invalid UTF-8 or field over the limit); None when it must be read line by line."""
    if chunk.__class__ is not bytes:
        return None
    data: bytes = chunk
    if len(data) > MAX_FIELD or b'"' in data or b"\r" in data or b"\0" in data:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


#: A bare CR (not before LF) inside a CSV line is data, but the csv module takes it for a line end:
#: it stands in as this private-use character while the line is parsed.
_CR_MARK = "\ue000"


def _hide_cr(text: str) -> str:
    body = text[:-2] if text.endswith("\r\n") else text
    if "\r" not in body or _CR_MARK in text:
        return text
    return body.replace("\r", _CR_MARK) + text[len(body) :]


def _show_cr(cell: str) -> str:
    return cell.replace(_CR_MARK, "\r")


def _id_in(line: tuple[int, str | TooLong, bool], delimiter: str, id_at: int | None) -> str | None:
    """The id cell of a line the reader refused (a field over the limit), if it can be found."""
    text = line[1]
    if id_at is None or not isinstance(text, str):
        return None
    limit = csv.field_size_limit(MAX_LINE)
    try:
        row = next(csv.reader([_hide_cr(text)], delimiter=delimiter), [])
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(limit)
    return _show_cr(row[id_at]) if id_at < len(row) else None


def _too_many(row: list[str], width: int, id_at: int | None) -> BadRecord:
    """The error record of a CSV row with more fields than the header (its id when it has one)."""
    rid = row[id_at] if id_at is not None else None
    return _with_id(BadRecord(f"{len(row)} fields but the header has {width}"), rid)


def _stray_quote() -> BadRecord:
    return BadRecord(
        f"a quoted field opened on this line is still open after {MAX_RECORD_LINES} lines, "
        f"{MAX_FIELD:,} characters or at the end of the input (a stray quote?); "
        "this row is skipped and reading resumes at the next line"
    )


def _with_id(bad: BadRecord, rid: str | None) -> BadRecord:
    if rid is None or rid == "":
        return bad
    if _SURROGATE.search(rid):
        return bad._replace(id_hex=_hex(rid))
    return bad._replace(id=rid)


def _unicode_problem(record: dict[str, Any]) -> BadRecord | None:
    """An error record for a record with text that is not valid UTF-8 (None if all is well)."""
    bad = [k for k in COLUMNS if isinstance(record.get(k), str) and _SURROGATE.search(record[k])]
    if not bad:
        return None
    rid = record.get("id")
    what = ", ".join(f"{k} '{_shown(record[k])}'" for k in bad)
    note = " (the id's exact bytes are in id_hex)" if "id" in bad else ""
    error = BadRecord(f"not valid UTF-8: {what}{note}")
    return _with_id(error, rid if isinstance(rid, str) else _raw_id(record))


def _depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key '{_shown(dup, 40)}'")
    return out


def read_ndjson(lines: Iterable[Line]) -> Iterator[Record]:
    """(line number, record) for each non-blank NDJSON line; a ``BadRecord`` is an error.

    Lines end at a line feed only: a carriage return inside a record is kept
    (in a string it is part of the value).
    """
    for no, text, bad in _decoded(_Lines(lines)):
        if isinstance(text, TooLong):
            yield no, _too_long(text)
            continue
        if not text.strip():
            continue
        if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
            yield no, BadRecord(f"nested more than {MAX_DEPTH} deep; a record is one flat JSON object")
            continue
        try:
            obj = json.loads(text, strict=False, object_pairs_hook=_no_duplicates)
        except ValueError as e:
            yield no, BadRecord(f"not JSON: {_shown(str(e), 200)}")
            continue
        except RecursionError:
            yield no, BadRecord(f"nested more than {MAX_DEPTH} deep; a record is one flat JSON object")
            continue
        if not isinstance(obj, dict):
            yield no, BadRecord(f"expected a JSON object, got {type(obj).__name__}")
            continue
        if bad or "\\u" in text:
            problem = _unicode_problem(obj)
            if problem is not None:
                yield no, problem
                continue
        yield no, obj


def _validation_message(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where + ': ' if where else ''}{err['msg'].removeprefix('Value error, ')}"


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
_LABEL_ONLY = frozenset(LabelResult.model_fields) - _FIGURES


def parse_fields(
    text: str, allowed: tuple[str, ...] = FIELDS, always: tuple[str, ...] = ("line", "id")
) -> tuple[str, ...]:
    """``--fields a,b,c``: the field names, checked against ``allowed``, once each; ``always``
    (written first whatever the list says) dropped from it."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise MgcalcError(
            "--fields needs at least one field name, e.g. --fields form,elemental_mg", field="fields"
        )
    for n in names:
        if n not in allowed:
            import difflib

            close = difflib.get_close_matches(n, allowed, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise MgcalcError(
                f"unknown field '{literal(n, 60)}'{hint} (the fields are listed in the README)",
                field="fields",
            )
    return tuple(dict.fromkeys(n for n in names if n not in always))


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


def _getter(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    pick = operator.itemgetter(*keys)
    return pick if len(keys) > 1 else (lambda d: (pick(d),))


class _LabelWriter:
    """How ``Outcome.ndjson`` writes a label record's ``fields``: the leading run of scalar fields
    taken at once (the floats among them rounded at once), then the others one by one, in order;
    fields a label record never has are left out."""

    __slots__ = ("constants", "floats", "get", "keys", "rest")

    def __init__(self, fields: tuple[str, ...]) -> None:
        keys = [k for k in fields if k in _LABEL_RECORD]
        n = 0
        while n < len(keys) and keys[n] in _SCALARS:
            n += 1
        self.keys = tuple(keys[:n])
        self.get = _getter(self.keys) if self.keys else None
        self.floats = tuple(k for k in self.keys if k in _FLOATS and k not in FORM_CONSTANTS)
        self.constants = tuple(k for k in self.keys if k in FORM_CONSTANTS and k in _FLOATS)
        self.rest = tuple(keys[n:])

    def write(self, out: dict[str, Any], label: dict[str, Any]) -> None:
        """Add ``label``'s fields to ``out``."""
        if self.get is not None:
            out.update(zip(self.keys, self.get(label), strict=False))
            for k in self.floats:
                v = out[k]
                # numbers.json_float, inline; a whole number under 10^12 is already 12 digits
                if v.__class__ is float and not (v.is_integer() and -1e12 < v < 1e12):
                    out[k] = float("%.12g" % v)  # noqa: UP031 - the fastest form
            for k in self.constants:
                v = out[k]
                hit = _ROUNDED.get(v)
                out[k] = _constant(v) if hit is None else hit
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
                values.update(self.parsed.model_dump())
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
        if fields is None or label is None or self.parsed is not None or self.extra is not None:
            data = {k: _jsonable(v) for k, v in self.record(fields).items()}
        else:  # the common record, as ``record`` builds it, in one pass
            data = {"line": self.line, "id": self.id}
            last = _LAST
            (last[1] if last[0] is fields else _label_writer(fields)).write(data, label)
        try:
            return orjson.dumps(data, None, _NEWLINE) if newline else orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError
            return to_json(data) + b"\n" if newline else to_json(data)


#: The keys of a record read the fast way: a plain amount and form (an id), as text.
_SIMPLE = frozenset(("id", "amount", "form"))


def _simple_record(raw: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """(amount, form, id) of a record whose reading by BatchRecord is known without running it:
    only id, amount and form, as text, amount and form neither empty nor padded."""
    if not raw.keys() <= _SIMPLE:
        return None
    amount, form, rid = raw.get("amount"), raw.get("form"), raw.get("id")
    if amount.__class__ is not str or form.__class__ is not str or not (rid is None or rid.__class__ is str):
        return None
    if not amount or not form or amount[0].isspace() or amount[-1].isspace():
        return None
    if form[0].isspace() or form[-1].isspace():
        return None
    return amount, form, rid


#: Longest form text whose plan a batch keeps, and how many plans it keeps (bounded memory).
PLAN_NAME_MAX = 200
PLANS_MAX = 4096


def process(
    ref: Reference,
    line: int,
    raw: dict[str, Any] | str | BadRecord,
    profile: Profile,
    full: bool = True,
    plans: dict[str, FiguresPlan] | None = None,
) -> Outcome:
    """The outcome of one input record: never raises for bad input.

    ``full``: a label's full fields (``label_fields``); else only its figures
    (``label_figures``: the default record needs no more), with the per-form
    part kept in ``plans`` (by form text) for the next record of that form.
    """
    if isinstance(raw, BadRecord):
        return Outcome(line, raw.id, error=raw.error, id_hex=raw.id_hex)
    if isinstance(raw, str):
        return Outcome(line, None, error=raw)
    compute = label_fields if full else label_figures
    try:
        simple = _simple_record(raw)
        if simple is not None:  # what BatchRecord would give, without building it: the common record
            amount_text, form, rid = simple
            if amount_text.isascii() and amount_text.isdigit():  # read_amount's plain number, inline
                mg = float(amount_text)
                if not MIN_MG <= mg <= MAX_MG:
                    check_mg(mg)  # raises read_amount's error
            else:
                amount = read_amount(amount_text, constants=ref.catalogue.constants)
                if amount.molar:
                    raise _molar(amount.text)
                mg = amount.mg
            if full:
                return Outcome(line, rid, label_fields(ref, mg, form, profile=profile))
            plan = plans.get(form) if plans is not None else None
            if plan is None:
                plan = figures_plan(ref, form, profile=profile)
                if plans is not None and len(form) <= PLAN_NAME_MAX:
                    if len(plans) >= PLANS_MAX:
                        plans.clear()
                    plans[form] = plan
            return Outcome(line, rid, figures(ref, plan, mg))
        rec = BatchRecord.model_validate(raw)
        if rec.text:
            return _text_outcome(ref, line, rec, profile, full)
        assert rec.amount is not None and rec.form is not None
        unit = rec.unit or ""
        if unit and unit_key(unit) is None:
            raise MgcalcError(f"unknown unit '{literal(unit)}': use {UNITS_TEXT}", field="unit")
        amount = read_amount(
            f"{rec.amount} {unit}" if unit else rec.amount, constants=ref.catalogue.constants
        )
        if amount.molar and rec.basis != "elemental":
            raise _molar(amount.text)
        fields = compute(
            ref, amount.mg, rec.form, count=rec.count, elemental=rec.basis == "elemental", profile=profile
        )
        return Outcome(line, rec.id, label=fields)
    except ValidationError as e:
        return Outcome(line, _raw_id(raw), error=literal(_validation_message(e), 500))
    except MgcalcError as e:
        return Outcome(line, _raw_id(raw), error=str(e))
    except Exception as e:
        return Outcome(line, _raw_id(raw), error=f"internal error ({type(e).__name__}): {literal(e, 300)}")


def _molar(text: str) -> MgcalcError:
    """An amount in mmol or mEq on a record whose basis is compound."""
    return MgcalcError(
        f"amount {literal(text)} is magnesium itself (mmol/mEq): set basis to elemental", field="basis"
    )


def _raw_id(raw: dict[str, Any]) -> str | None:
    """The id exactly as given (a JSON number as its text), or None if it is not text or a number."""
    rid = raw.get("id")
    if isinstance(rid, str):
        return rid
    if isinstance(rid, int | float) and not isinstance(rid, bool):
        return str(rid)
    return None


def _text_outcome(ref: Reference, line: int, rec: BatchRecord, profile: Profile, full: bool) -> Outcome:
    from mgcalc.core.labels import parse_label

    assert rec.text is not None
    p = parse_label(ref, rec.text)
    fields = None
    if p.stated_mg is not None and len(p.forms) == 1 and p.basis != "unknown":
        compute = label_fields if full else label_figures
        fields = compute(ref, p.stated_mg, p.forms[0], elemental=p.basis == "elemental", profile=profile)
    return Outcome(line, rec.id, label=fields, parsed=p)


def run(
    ref: Reference,
    records: Iterable[Record],
    profile: Profile | None = None,
    *,
    full: bool = True,
    absorbed: bool = True,
) -> Iterator[Outcome]:
    """One outcome per input record, in order, streaming (``full``: see ``process``; without
    ``absorbed``, records read the fast way leave out the absorbed range)."""
    prof = profile or Profile()
    plans: dict[str, FiguresPlan] = {}
    if full:
        for line, raw in records:
            yield process(ref, line, raw, prof, True)
        return
    # the common record (id, a plain whole amount in mg, a form seen before) read here, as
    # ``process`` reads it (a property test holds the two equal); any other goes to ``process``
    new = _new_outcome
    for line, raw in records:
        if raw.__class__ is dict:
            amount_text = raw.get("amount")
            form = raw.get("form")
            if amount_text.__class__ is str and form.__class__ is str:
                n = len(raw)
                rid = raw.get("id") if n == 3 else None
                plan = plans.get(form)
                if (
                    plan is not None
                    # the keys are amount and form, and maybe id: _SIMPLE
                    and (n == 2 or (n == 3 and "id" in raw and (rid is None or rid.__class__ is str)))
                    and amount_text.isascii()
                    and amount_text.isdigit()
                ):
                    mg = float(amount_text)
                    if MIN_MG <= mg <= MAX_MG:
                        yield new(
                            (line, rid, figures_checked(ref, plan, mg, absorbed), None, None, None, None)
                        )
                        continue
        yield process(ref, line, raw, prof, False, plans)


#: Outcome(line, id, label) without the keyword handling of NamedTuple's constructor (a batch
#: makes one per record).
_new_outcome = functools.partial(tuple.__new__, Outcome)


class Tally:
    """What a batch run found so far: records, failures, the worst caution per level, and the
    records with a caution at caution level or above (``serious``)."""

    __slots__ = ("failed", "records", "serious", "worst")

    def __init__(self) -> None:
        self.records = 0
        self.failed = 0
        self.serious = 0
        self.worst: dict[str, Caution] = {}

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.records += 1
        if outcome.error is not None:
            self.failed += 1
        label = outcome.label
        cautions = label["cautions"] if label is not None else outcome.cautions
        if cautions:
            for c in cautions:
                self.worst.setdefault(c.level, c)
            if any(c.level != "info" for c in cautions):
                self.serious += 1

    @property
    def cautions(self) -> list[Caution]:
        """One caution of each level seen (for --fail-on)."""
        return list(self.worst.values())


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
