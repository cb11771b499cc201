"""Batch input: CSV or NDJSON lines (bytes or text) in, (line number, raw record) pairs out.

``bounded_blocks`` (or ``bounded_lines``) reads a binary stream without unbounded memory;
``read_records`` turns its lines into records (``read_csv``, ``read_ndjson``). Nothing here opens
files; processing the records is ``core.batch``, writing them ``core.batch_write``.

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
import itertools
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, NamedTuple

import orjson

from mgcalc.errors import MgcalcError, literal

#: Longest CSV field, in characters (a label line is far shorter).
MAX_FIELD = 100_000
#: Longest physical line read, in bytes (characters for text input); longer lines are skipped unread.
MAX_LINE = 1_048_576
#: Most lines one CSV record may span (a quoted field with line breaks); beyond, the quote is a stray.
#: MAX_FIELD bounds the memory; this only stops a stray quote early (a real field of 60 lines is read).
MAX_RECORD_LINES = 5_000
#: Deepest nesting of arrays and objects in an NDJSON line (a record is one flat object).
MAX_DEPTH = 32
#: The CSV columns (and NDJSON keys) a record may have (``BatchRecord``'s fields; a test holds
#: them equal, without loading the model here).
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


def sniff(first_line: Line) -> Format:
    """The format of a stream from its first non-blank line: NDJSON starts with '{' (after a BOM,
    spaces or blank lines; a CSV header never does)."""
    if isinstance(first_line, TooLong):
        return Format.csv
    if isinstance(first_line, bytes):
        return Format.ndjson if first_line.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else Format.csv
    return Format.ndjson if first_line.lstrip("\ufeff \t\r\n").startswith("{") else Format.csv


def read_records(
    lines: Iterable[Line], format: Format | None = None, *, delimiter: str | None = None
) -> Iterator[Record]:
    """(line number, raw record) pairs from CSV or NDJSON lines (or blocks of lines from
    ``bounded_blocks``); the format is sniffed from the first non-blank line when None.

    A ``BadRecord`` (or string) record is an error for that line: bad input
    never stops the stream. A bad CSV header raises ``HeaderError`` when the
    first record is asked for. Sniffing reads up to the first non-blank line at once.
    """
    it = iter(lines)
    if format is None:
        head: list[Line] = []
        for chunk in it:  # up to the first chunk that is not blank lines
            head.append(chunk)
            if isinstance(chunk, TooLong) or chunk.strip():
                break
        if not head:
            return iter(())
        format = sniff(head[-1])
        it = itertools.chain(head, it)
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


def _check_header(names: list[str], raw: list[str], delimiter: str, line: int = 1) -> None:
    where = f"the CSV header (line {line}, delimiter {_delimiter_name(delimiter)})"
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
    _check_header(names, raw, d, no)
    width = len(names)
    id_at = names.index("id") if "id" in names else None
    feed = _Feed(source, no)
    reader = csv.reader(feed.lines, delimiter=d)
    taken = feed.taken

    def stray() -> Record:
        """The record whose quote is still open: an error, with the id when it comes before the quote."""
        rid = _id_before_quote(taken[0], d, id_at)
        return feed.stray_quote(), _with_id(_stray_quote(), rid)

    # the lines after the header in its block, joined again: read as a block too (a small file
    # is often one block)
    after_header: Line | None = None
    if source.pending and all(x.__class__ is bytes for x in source.pending):
        after_header = b"".join(source.pending)  # type: ignore[arg-type]
        source.pending.clear()
    while True:
        if feed.unusual:
            feed.reset()
        else:
            taken.clear()
        if not feed.back and not source.pending:  # between records: maybe a whole simple block
            chunk: Line | None
            if after_header is not None:
                chunk, after_header = after_header, None
            else:
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
            # with a quote: strict, so a quoted field still open at the end of the block (it may run on
            # into the next one) or not closed as the line reader closes it is an error here, and
            # the line reader reads from that row on; so is a field running on over a line end
            quoted = '"' in simple_text
            no = start = feed.no
            rows = csv.reader(lines, delimiter=d, strict=quoted)
            try:
                for row in rows:
                    if quoted and rows.line_num != no - start + 1:
                        raise csv.Error
                    no += 1
                    if not row:
                        continue  # a blank line
                    if len(row) > width:
                        yield no, _too_many(row, width, id_at)
                    else:  # empty cells left out (by index: zip's strict=False costs more than the dict)
                        yield no, {names[i]: v for i, v in enumerate(row) if v}
            except csv.Error:  # the line reader reads the rest of the block, from this row on
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
                yield stray()
            else:
                first = taken[0]
                refused = BadRecord(f"cannot read this CSV row: {e}")
                yield first[0], _with_id(refused, _id_in(first, d, id_at))
            continue
        if feed.unusual:
            if feed.forced:
                yield stray()
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
        record = {names[i]: v for i, v in enumerate(row) if v}
        if feed.bad and (problem := _unicode_problem(record)) is not None:
            yield taken[0][0], problem
            continue
        yield taken[0][0], record


def _simple(chunk: Line) -> str | None:
    """A block's text when its lines can be read as records of one line each (no CR, NUL, invalid
    UTF-8 or field over the limit; a quoted field running on over a line end is found as it is
    read); None when it must be read line by line."""
    if chunk.__class__ is not bytes:
        return None
    data: bytes = chunk
    if len(data) > MAX_FIELD or b"\r" in data or b"\0" in data:
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


def _id_before_quote(line: tuple[int, str | TooLong, bool], delimiter: str, id_at: int | None) -> str | None:
    """The id cell of a row with a stray quote, when the whole cell comes before the first quote
    (``r1,"500,citrate``: ``r1``); None when the quote may be in or before it."""
    text = line[1]
    if id_at is None or not isinstance(text, str):
        return None
    cut = text.find('"')
    head = text if cut < 0 else text[:cut]
    try:
        cells = next(csv.reader([_hide_cr(head.rstrip("\r\n"))], delimiter=delimiter), [])
    except csv.Error:
        return None
    whole = cells[:-1] if cut >= 0 else cells  # the last cell runs on into the quote
    return _show_cr(whole[id_at]) if id_at < len(whole) else None


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
    return _with_id(error, rid if isinstance(rid, str) else raw_id(record))


def json_brackets(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """Each bracket of a JSON text from ``start``, outside strings: its index and the nesting
    depth after it (an opening bracket deepens, a closing one returns)."""
    depth = 0
    in_string = escaped = False
    for i in range(start, len(text)):
        ch = text[i]
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
            yield i, depth
        elif ch in "]}":
            depth -= 1
            yield i, depth


def _depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped)."""
    return max((depth for _, depth in json_brackets(text)), default=0)


def key_twice(pairs: list[tuple[str, Any]]) -> str | None:
    """The first key a JSON object's (key, value) pairs name a second time, or None."""
    seen: set[str] = set()
    return next((k for k, _ in pairs if k in seen or seen.add(k)), None)  # type: ignore[func-returns-value]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError(f"duplicate key '{_shown(key_twice(pairs) or '', 40)}'")
    return out


def _flat_object(text: str) -> dict[str, Any] | None:
    """The object on a line, read by orjson (fast), when that is what ``json.loads`` with
    ``_no_duplicates`` gives: one flat object of text, numbers, true, false or null, without a
    backslash (so every quote opens or closes a key or a text value: counting them shows a key
    given twice); None for any other line, which json.loads reads."""
    if "\\" in text:
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, huge numbers, control characters... as json.loads reads them
        return None
    if obj.__class__ is not dict:
        return None
    quotes = 2 * len(obj)
    for v in obj.values():
        kind = v.__class__
        if kind is str:
            quotes += 2
        elif kind is dict or kind is list or (kind is float and not -9e18 < v < 9e18):
            return None  # nested, or maybe an integer past 64 bits (json.loads reads it whole)
    return obj if text.count('"') == quotes else None


def read_ndjson(lines: Iterable[Line]) -> Iterator[Record]:
    """(line number, record) for each non-blank NDJSON line; a ``BadRecord`` is an error.

    Lines end at a line feed only: a carriage return inside a record is kept
    (in a string it is part of the value). A block of lines that is valid
    UTF-8 is decoded at once and split; any other chunk is read line by line.
    """
    no = 0
    for chunk in lines:
        block = _utf8(chunk)
        if block is None:  # invalid UTF-8, a line over the limit, or text: line by line
            for line in _Lines((chunk,)):
                no += 1
                _, text, bad = _decode(no, line)
                found = _too_long(text) if isinstance(text, TooLong) else _ndjson_record(text, bad)
                if found is not None:
                    yield no, found
            continue
        if no == 0 and block.startswith(_BOM):
            block = block[1:]
        parts = block.split("\n")
        last = parts.pop()  # "" after the final line feed
        for part in parts:
            no += 1
            found = _ndjson_record(part + "\n", False)
            if found is not None:
                yield no, found
        if last:
            no += 1
            found = _ndjson_record(last, False)
            if found is not None:
                yield no, found


def _utf8(chunk: Line) -> str | None:
    """A chunk of whole lines (bytes) decoded, when it is valid UTF-8 (else None, as for text)."""
    if chunk.__class__ is not bytes:
        return None
    try:
        return chunk.decode()
    except UnicodeDecodeError:
        return None


def _ndjson_record(text: str, bad: bool) -> dict[str, Any] | BadRecord | None:
    """The record on one NDJSON line (with its line feed): a dict, a BadRecord, or None for a blank
    line. ``bad``: the line was not valid UTF-8 (decoded with surrogate escapes)."""
    if not text.strip():
        return None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        return BadRecord(f"nested more than {MAX_DEPTH} deep; a record is one flat JSON object")
    obj = _flat_object(text)
    try:
        if obj is None:
            obj = json.loads(text, strict=False, object_pairs_hook=_no_duplicates)
    except ValueError as e:
        return _with_id(BadRecord(f"not JSON: {_shown(str(e), 200)}"), lenient_id(text))
    except RecursionError:
        return BadRecord(f"nested more than {MAX_DEPTH} deep; a record is one flat JSON object")
    if not isinstance(obj, dict):
        return BadRecord(f"expected a JSON object, got {type(obj).__name__}")
    rid = obj.get("id")
    if rid.__class__ is float or (rid.__class__ is int and rid == 0):  # 1e3, 1.50, -0: as written
        obj["id"] = lenient_id(text)
    if bad or "\\u" in text:
        problem = _unicode_problem(obj)
        if problem is not None:
            return problem
    return obj


class NumberText(str):
    """A JSON number's text, as written (``1e3``, ``1.50``): what a number id is kept as."""

    __slots__ = ()


def _id_pairs(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """An object read leniently: an id given twice is no id."""
    out = dict(pairs)
    if sum(1 for k, _ in pairs if k == "id") > 1:
        out["id"] = None
    return out


#: JSON read for its id only: numbers kept as their text (any length: no 4,300-digit limit),
#: NaN and Infinity too, control characters allowed, a key twice no error.
_AS_WRITTEN = json.JSONDecoder(
    parse_int=NumberText,
    parse_float=NumberText,
    parse_constant=NumberText,
    strict=False,
    object_pairs_hook=_id_pairs,
)


def lenient_id(text: str) -> str | None:
    """The id of the JSON object that ``text`` starts with, read leniently (trailing text, a NaN,
    a huge number or a key given twice elsewhere do not hide it): text, or a number's text as
    written; None when no object can be read or it has no text or number id."""
    try:
        obj, _ = _AS_WRITTEN.raw_decode(text.lstrip(" \t\r\n\ufeff"))
    except (ValueError, RecursionError):
        return _leading_id(text)
    rid = obj.get("id") if isinstance(obj, dict) else None
    return rid if isinstance(rid, str) else None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _leading_id(text: str) -> str | None:
    """The id of a JSON object that breaks off or goes wrong after it (``{"id": "r1", "amount":``):
    the value of its top-level "id" key, when that key comes once before the text stops reading."""
    found: str | None = None
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            try:
                key, i = scanstring(text, i + 1, False)
            except ValueError:
                break
            if depth != 1 or key != "id":
                continue
            colon = _skip_space(text, i)
            if colon >= n or text[colon] != ":":
                continue
            if found is not None:
                return None  # an id given twice is no id
            try:
                value, i = _AS_WRITTEN.raw_decode(text, _skip_space(text, colon + 1))
            except (ValueError, RecursionError):
                break
            if not isinstance(value, str):
                return None
            found = value
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return found


def raw_id(raw: dict[str, Any]) -> str | None:
    """The id exactly as given (a JSON number as its text, as the readers keep it), or None if it
    is not text or a number. The key is matched as a CSV header is ("ID" too)."""
    rid = raw.get("id")
    if rid is None and "id" not in raw:
        rid = next((v for k, v in raw.items() if isinstance(k, str) and k.strip().lower() == "id"), None)
    if isinstance(rid, str):
        return rid
    if isinstance(rid, int | float) and not isinstance(rid, bool):
        return str(rid)
    return None
