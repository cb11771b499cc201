"""DSLD label records: the NIH Dietary Supplement Label Database API shape, read as panels.

A record (``GET https://api.ods.od.nih.gov/dsld/v9/label/{id}``) holds
``ingredientRows`` (``name``, ``ingredientGroup``, ``notes``, ``quantity[]``
with ``dailyValueTargetGroup[]``, ``forms[]`` with ``prefix``, and
``nestedRows``), ``otheringredients.ingredients[]``, ``servingSizes[]`` (with
``maxDailyServings``) and ``servingsPerContainer``. Each row becomes the line
the label prints (DSLD's own "Form: as ..." wording where the record keeps it),
then the panel reader does the rest.

Known traps of DSLD data, reported in the panel's checks: rows filed under a
magnesium group that are excipients ("Magnesium Stearate" in group
"Magnesium", "Vegetable Stearate" and "Talc" under magnesium stearate and
silicate), a flat export that lost the "as"/"from" prefix, and data-entry
errors such as a Manganese row whose form says magnesium.

Pure: ``read_dsld`` turns text lines (a JSON array, NDJSON, or one
pretty-printed record) into records, one at a time.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mgcalc.core.batch_read import MAX_LINE, json_brackets, key_twice, lenient_id
from mgcalc.core.panel import PanelInput, PanelRow, panel
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import Profile
from mgcalc.schema.records import PanelResult

#: Deepest nesting of ``nestedRows`` read (DSLD labels nest two or three levels).
MAX_DEPTH = 8
#: Largest single record read, in characters (a multivitamin record is about 25,000).
MAX_RECORD = 5_000_000

_FORM_WORDING = re.compile(r"\(\s*form\s*:", re.IGNORECASE)
_TAGS = re.compile(r"\b(?:form|note|plantpart|genus|species)\s*:\s*", re.IGNORECASE)
_MAGNESIUM = re.compile(r"magnesium", re.IGNORECASE)
_EXCIPIENT_GROUP = re.compile(r"magnesium\s+(?:stearate|silicate)", re.IGNORECASE)
_EXCIPIENT_NAME = re.compile(r"stearate|laurate|silicate|talc", re.IGNORECASE)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _num(value: Any) -> float | None:
    """A number of the record, or None (not a number, or not finite)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return x if math.isfinite(x) else None


#: Most servings a day read from ``maxDailyServings``; a larger figure is a data error, not a dose.
MAX_DAILY_SERVINGS = 100
#: What batch_io puts for a physical line over the line limit (batch.MAX_LINE): it is never JSON.
TOO_LONG = "\0"


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (a key twice: which one is the label's?)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError(f"the key '{literal(key_twice(pairs) or '', 60)}' appears twice in one object")
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)


def _loads(text: str) -> Any:
    """Strict JSON: no key twice, no NaN or Infinity; nesting too deep is a ValueError too."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply to be a DSLD label record") from None


def _raw_decode(buf: str, pos: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(buf, pos)
    except RecursionError:
        end = _value_end(buf, pos)
        if end is None:
            raise ValueError("incomplete") from None
        raise _Skip(end, "nested too deeply to be a DSLD label record") from None


class _Skip(ValueError):
    """A complete JSON value that is not a record: the error, and where the value ends."""

    def __init__(self, end: int, message: str) -> None:
        super().__init__(message)
        self.end = end


def _value_end(buf: str, pos: int) -> int | None:
    """Where the JSON value starting at ``pos`` ends (brackets outside strings), or None if it does not."""
    return next((i + 1 for i, depth in json_brackets(buf, pos) if depth == 0), None)


def _quantity(row: dict[str, Any]) -> dict[str, Any]:
    quantities = row.get("quantity")
    if isinstance(quantities, list) and quantities and isinstance(quantities[0], dict):
        return quantities[0]
    return {}


def _bound(row: dict[str, Any]) -> str | None:
    """The row's quantity as printed when its operator makes it a bound ("<300 mg"), not an amount."""
    q = _quantity(row)
    op = _str(q.get("operator"))
    if op in ("", "="):
        return None
    value, unit = _num(q.get("quantity")), _str(q.get("unit"))
    return f"{op}{value:g} {unit}".strip() if value is not None else op


def _amount(row: dict[str, Any]) -> tuple[str, str | None]:
    """The row's first quantity as printed ("500 mg 119% DV"), and its %DV target group.

    A quantity with an operator other than "=" ("<300 mg") is a bound, not an amount: no
    figure is given (nor its %DV), so the line is unread and the panel's total a lower bound."""
    q = _quantity(row)
    value, unit = _num(q.get("quantity")), _str(q.get("unit"))
    groups = q.get("dailyValueTargetGroup")
    g = groups[0] if isinstance(groups, list) and groups and isinstance(groups[0], dict) else {}
    group = _str(g.get("name")) or None
    if _bound(row) is not None:
        return "", group
    text = ""
    if value is not None and value > 0 and unit and unit.upper() != "NP":
        text = f"{value:g} {unit}"
    percent = _num(g.get("percent"))
    if percent is not None:
        text += f" {percent:g}% DV"
    return text.strip(), group


def _forms(row: dict[str, Any]) -> list[tuple[str, str | None]]:
    forms = row.get("forms")
    out = []
    for f in forms if isinstance(forms, list) else []:
        if isinstance(f, dict) and _str(f.get("name")):
            prefix = _str(f.get("prefix")) or None
            out.append((_str(f["name"]), prefix))
    return out


def row_text(row: dict[str, Any], brand_words: Iterable[str] = ()) -> tuple[str, list[str]]:
    """The line a DSLD ingredient row prints, and what was noticed on the way.

    DSLD's "Form:" wording in ``notes`` is used where the record keeps it (its
    markers dropped); otherwise ``Name (prefix Form1, Form2)``, with "as"
    assumed, and said, when the record lost the prefix.
    """
    name = _str(row.get("name"))
    notes = _str(row.get("notes"))
    forms = _forms(row)
    noticed: list[str] = []
    if notes and _FORM_WORDING.search(notes):
        text = _TAGS.sub("", notes)
    elif forms:
        prefixes = [p for _, p in forms if p]
        if notes.casefold() == "from":
            prefix = "from"
        elif prefixes:
            prefix = prefixes[0]
        else:
            prefix = "as"
            elemental = _MAGNESIUM.search(name) and not _MAGNESIUM.sub("", name).strip(" -")
            if _MAGNESIUM.search(name) or any(_MAGNESIUM.search(f) for f, _ in forms):
                noticed.append(
                    "the record lost the 'as'/'from' before its forms: 'as' is assumed"
                    + (" (a DSLD 'Magnesium' row states elemental magnesium either way)" if elemental else "")
                )
        text = f"{name} ({prefix} {', '.join(f for f, _ in forms)})"
    else:
        text = name
    if notes and not _FORM_WORDING.search(notes) and notes.casefold() in {w.casefold() for w in brand_words}:
        text += f" {notes}"
    amount, _group = _amount(row)
    bound = _bound(row)
    if bound is not None:
        noticed.append(
            f"DSLD gives its quantity as '{literal(bound, 40)}': a bound, not an amount, so the line is not "
            "read as that amount (the total is a lower bound)"
        )
    text = " ".join(f"{text} {amount}".split())
    group = _str(row.get("ingredientGroup"))
    magnesium_forms = [f for f, _ in forms if _MAGNESIUM.search(f)]
    wording = bool(notes and _FORM_WORDING.search(notes))
    if magnesium_forms and wording and not _MAGNESIUM.search(notes) and not _MAGNESIUM.search(group):
        noticed.append(
            f"DSLD data-entry error: its forms field says '{literal(magnesium_forms[0])}' but the row is "
            f"{literal(name)} ({literal(notes or 'no wording')}); not counted as magnesium"
        )
    if _MAGNESIUM.search(group) and _EXCIPIENT_NAME.search(name):
        noticed.append(
            f"DSLD files it under the group '{literal(group)}': it is an excipient, not a magnesium source, and is not counted"
        )
    elif _EXCIPIENT_GROUP.search(group) and not _MAGNESIUM.search(name):
        noticed.append(
            f"DSLD files '{literal(name)}' under '{literal(group)}': read as that excipient, not counted"
        )
    return text, noticed


def record_panel(record: Any, brand_words: Iterable[str] = ()) -> PanelInput:
    """A DSLD label record as panel rows (MgcalcError for something that is not a label record)."""
    if not isinstance(record, dict):
        raise MgcalcError(f"not a DSLD label record: expected a JSON object, got {type(record).__name__}")
    rows_in = record.get("ingredientRows")
    if not isinstance(rows_in, list):
        raise MgcalcError("not a DSLD label record: it has no 'ingredientRows' list")
    brands = list(brand_words)
    rows: list[PanelRow] = []
    groups: list[str] = []

    def add(row_list: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise MgcalcError(f"DSLD record nests rows more than {MAX_DEPTH} levels deep")
        for row in row_list if isinstance(row_list, list) else []:
            if not isinstance(row, dict):
                continue
            text, noticed = row_text(row, brands)
            _, group = _amount(row)
            if group:
                groups.append(group)
            if text:
                rid = row.get("ingredientId")
                source = str(rid) if isinstance(rid, int | str) and not isinstance(rid, bool) else None
                rows.append(PanelRow(text, 2 * depth, "facts", group, tuple(noticed), source))
            add(row.get("nestedRows"), depth + 1)

    add(rows_in, 0)
    other = record.get("otheringredients")
    ingredients = other.get("ingredients") if isinstance(other, dict) else None
    for ing in ingredients if isinstance(ingredients, list) else []:
        if not isinstance(ing, dict) or not _str(ing.get("name")):
            continue
        forms = [f for f, _ in _forms(ing)]
        text = _str(ing["name"]) + (f" ({', '.join(forms)})" if forms else "")
        _, noticed = row_text({**ing, "forms": ing.get("forms") or []}, brands)
        rid = ing.get("ingredientId")
        source = str(rid) if isinstance(rid, int | str) and not isinstance(rid, bool) else None
        rows.append(
            PanelRow(text, 0, "other", None, tuple(n for n in noticed if "lost the" not in n), source)
        )
    sizes = record.get("servingSizes")
    size = sizes[0] if isinstance(sizes, list) and sizes and isinstance(sizes[0], dict) else {}
    lo, hi, unit = _num(size.get("minQuantity")), _num(size.get("maxQuantity")), _str(size.get("unit"))
    serving = None
    if lo is not None:
        serving = (
            f"{lo:g}" + (f"-{hi:g}" if hi is not None and hi != lo else "") + (f" {unit}" if unit else "")
        )
    distinct = list(dict.fromkeys(groups))
    daily = _num(size.get("maxDailyServings"))
    checks: list[str] = []
    if size.get("maxDailyServings") is not None and (daily is None or not 0 < daily <= MAX_DAILY_SERVINGS):
        checks.append(
            f"maxDailyServings {literal(size.get('maxDailyServings'), 40)} is not a number of servings a day "
            f"(more than 0, at most {MAX_DAILY_SERVINGS}): not used"
        )
        daily = None
    rid = record.get("id")
    return PanelInput(
        kind="dsld",
        rows=rows,
        serving_size=serving,
        servings_per_container=_num(record.get("servingsPerContainer")),
        per="serving",
        dv_group=distinct[0] if len(distinct) == 1 else None,
        max_daily_servings=daily,
        id=None if rid is None or isinstance(rid, dict | list) else literal(rid, 100),
        full_name=_str(record.get("fullName")) or None,
        brand_name=_str(record.get("brandName")) or None,
        checks=tuple(checks),
    )


def brand_words(ref: Reference) -> list[str]:
    """Brand words of the label data (DSLD keeps some in ``notes``: "TRAACS")."""
    return [w for t in ref.labels.trade_words if t.kind == "brand" for w in t.words]


def read_label(ref: Reference, record: Any, profile: Profile | None = None) -> PanelResult:
    """One DSLD record read as a panel."""
    return panel(ref, record_panel(record, brand_words(ref)), profile)


# ---------------------------------------------------------------- many records


def read_dsld(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(number, record) for each DSLD record in a JSON array, NDJSON, or pretty-printed records.

    The number is the NDJSON line, or the record's position in an array (or
    in a run of pretty-printed records). A string record is an error for that
    record; a bad record, the first included, is one error and the reading
    goes on after it wherever its end can be found. A number id is kept as
    written (``1.50``, not 1.5).
    """
    it = iter(lines)
    first = ""
    skipped = 0
    for line in it:
        if line.strip():
            first = line
            break
        skipped += 1
    if not first:
        return
    head = first.lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        yield from _array(head[1:], it)
        return
    ahead: list[str] = []
    ndjson = head == TOO_LONG or _closes(head)
    if not ndjson:  # a first line that is not a whole value: a pretty-printed record, or a broken NDJSON line
        for line in it:
            ahead.append(line)
            if line.strip():
                ndjson = line.startswith("{") and _closes(line)
                break
    rest = itertools.chain(ahead, it)
    if ndjson:
        yield from _ndjson(head, skipped + 1, rest)
    else:
        yield from _pretty(head, rest)


def _closes(line: str) -> bool:
    """Whether the JSON value a line starts with ends on it (brackets outside strings)."""
    return _value_end(line, 0) is not None


def _ndjson(head: str, first: int, it: Iterator[str]) -> Iterator[tuple[int, Any]]:
    """One record per non-blank line, from line ``first`` (whose text is ``head``)."""
    for n, line in enumerate(itertools.chain([head], it), start=first):
        if not line.strip():
            continue
        if line == TOO_LONG:
            yield n, _too_long()
            continue
        if len(line) > MAX_RECORD:
            yield n, f"line is {len(line):,} characters; at most {MAX_RECORD:,}"
            continue
        try:
            yield n, _object(_loads(line), line)
        except ValueError as e:
            yield n, _bad(f"not JSON: {e}", line)


def _pretty(head: str, it: Iterator[str]) -> Iterator[tuple[int, Any]]:
    """Records spread over several lines, one after another: each read when its brackets close."""
    buf, n = head, 0
    scan = _Scan()
    more = True
    while True:
        start = len(buf) - len(buf.lstrip())
        if start < len(buf):
            end = scan.end(buf, start)
            if end is not None:
                text, buf = buf[start:end], buf[end:]
                scan = _Scan()
                n += 1
                try:
                    yield n, _object(_loads(text), text)
                except ValueError as e:
                    yield n, _bad(f"not JSON: {e}", text)
                continue
            if len(buf) > MAX_RECORD:
                yield n + 1, f"the document is over {MAX_RECORD:,} characters and is not NDJSON"
                return
        elif not more:
            return
        if not more:
            yield n + 1, _bad("not JSON: the record is not complete (a bracket is not closed)", buf)
            return
        line = next(it, None)
        if line is None:
            more = False
        elif line == TOO_LONG:
            yield n + 1, _too_long()
            return
        else:
            buf += line


class _Scan:
    """Where a JSON value ends, found by reading its brackets as the text grows (each character
    read once, however many lines the value spans)."""

    __slots__ = ("depth", "escaped", "in_string", "pos")

    def __init__(self) -> None:
        self.pos = -1
        self.depth = 0
        self.in_string = self.escaped = False

    def end(self, buf: str, start: int) -> int | None:
        """The end of the value starting at ``start`` in ``buf`` (the same value, grown), or None."""
        if self.pos < start:
            self.pos, self.depth, self.in_string, self.escaped = start, 0, False, False
        depth, in_string, escaped = self.depth, self.in_string, self.escaped
        i = self.pos
        n = len(buf)
        if depth == 0 and not in_string and i == start and buf[i] not in "[{":
            # a bare value (a number, a word): it ends at the first space, comma or bracket
            j = i
            while j < n and buf[j] not in " \t\r\n,[]{}":
                j += 1
            return j if j < n else None
        while i < n:
            ch = buf[i]
            i += 1
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
                    if depth <= 0:  # a bare string
                        self.pos = start - 1
                        return i
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth <= 0:
                    self.pos = start - 1  # done: a new value starts afresh
                    return i
        self.pos, self.depth, self.in_string, self.escaped = i, depth, in_string, escaped
        return None


def _resync(buf: str, start: int) -> int | None:
    """Where a record that breaks off after ``start`` ends when its brackets cannot tell (an
    unclosed string): at the next line that starts with ``{`` and holds a whole JSON value (a
    compact array, one record a line); None if there is none."""
    i = buf.find("\n{", start)
    while i >= 0:
        try:
            _DECODER.raw_decode(buf, i + 1)
            return i + 1
        except (ValueError, RecursionError):
            i = buf.find("\n{", i + 1)
    return None


class _Bad(str):
    """The error for a record that is not read, with its id where the text still shows it."""

    id: str | None = None


def _bad(message: str, text: str) -> str:
    """``message``, carrying the record's id when a lenient reading of ``text`` finds one (a key
    twice or a NaN makes the record unreadable, not its id; an id given twice is no id): its text,
    or a number's text as written."""
    out = _Bad(message)
    if len(text) <= MAX_RECORD:
        out.id = lenient_id(text)
    return out


def _too_long() -> str:
    return f"a line over {MAX_LINE:,} bytes: the record on it is skipped unread"


def _object(obj: Any, text: str) -> Any:
    """A decoded record (a number id as ``text`` writes it), or the error for a JSON value that
    is not an object."""
    if isinstance(obj, dict):
        rid = obj.get("id")
        if rid.__class__ is float or (rid.__class__ is int and rid == 0):  # 1.50, 1e3, -0: as written
            obj["id"] = lenient_id(text)
        return obj
    return f"expected a JSON object (a DSLD label record), got {type(obj).__name__}"


def record_id(record: Any) -> str | None:
    """A record's DSLD id exactly as given: text, or a number's text (``read_dsld`` keeps a
    number that is not a plain integer as written); None for anything else (true, null, a list)."""
    rid = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
    if isinstance(rid, str):
        return rid
    if isinstance(rid, int) and not isinstance(rid, bool):
        return str(rid)
    return None


def _array(rest: str, it: Iterator[str]) -> Iterator[tuple[int, Any]]:
    """Records of a JSON array, decoded one at a time (memory holds one record, not the array).

    A record that does not read as JSON (a syntax error, a key twice, NaN) is an error of its
    own once its brackets close, and the array goes on after it."""
    buf, n, done = rest, 0, False
    scan = _Scan()
    while True:
        pos = 0
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) and buf[pos] == "]":
                done = True
                break
            if pos >= len(buf):
                break
            try:
                obj, end = _raw_decode(buf, pos)
            except _Skip as e:
                n += 1
                yield n, _bad(f"not JSON: {e}", buf[pos : e.end])
                pos = e.end
                continue
            except ValueError as e:
                at = getattr(e, "pos", None)
                if at is not None and at >= len(buf.rstrip()):
                    break  # the record goes on past what is read: read more
                stop = scan.end(buf, pos)
                again = _resync(buf, pos if at is None else at)
                if again is not None and (stop is None or again < stop):
                    stop = again  # an unclosed string or bracket: the next record's line ends it
                if stop is None:
                    break  # a bad record whose end is not read yet
                scan = _Scan()
                n += 1
                yield n, _bad(f"not JSON: {e}", buf[pos:stop])
                pos = stop
                continue
            n += 1
            yield n, _object(obj, buf[pos:end])
            pos = end
        buf = buf[pos:]
        if scan.pos >= 0:
            scan.pos -= pos  # the same record, its text moved to the start
        if done:
            return
        line = next(it, None)
        if line == TOO_LONG:  # a record over the line limit: skipped; the next line starts afresh
            n += 1
            yield n, _too_long()
            buf = ""
            scan = _Scan()
            continue
        if line is None:
            if buf.strip():
                try:
                    _raw_decode(buf.strip(), 0)
                except ValueError as e:
                    yield n + 1, _bad(f"not JSON: {e}", buf)
                    return
            yield n + 1, "the JSON array is not closed with ']'"
            return
        buf += line
        if len(buf) > MAX_RECORD:
            yield n + 1, f"a record is over {MAX_RECORD:,} characters, or the array is not valid JSON"
            return
