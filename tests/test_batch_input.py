"""Batch input through hostile files: one output record per input record, in order, ids exact.

Each reproducer of the batch part of issue 12 is a test here, at the reader
level (pure: bytes in, records out) and, where the shell matters, as a
process (tests/test_streams.py). The fuzz tests feed broken CSV and NDJSON
(stray quotes, BOMs, CRs, deep nesting, huge fields and lines, invalid UTF-8)
and check the readers against an oracle built on the standard library's own
csv and json modules, with the documented limits made small.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgcalc.core import batch as b
from mgcalc.core import batch_read as br
from mgcalc.reference import packaged_reference

REF = packaged_reference()


def _records(data: bytes, fmt: b.Format | None = None, **kw: Any) -> list[dict[str, Any]]:
    """The output records of a batch over ``data``, read as the shell reads a file."""
    lines = b.bounded_lines(io.BytesIO(data).readline, kw.pop("limit", b.MAX_LINE))
    return [o.record() for o in b.run(REF, b.read_records(lines, fmt, **kw))]


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


# ---------------------------------------------------------------- the reproducers


def test_a_stray_quote_in_the_header_is_a_header_error_naming_it() -> None:
    with pytest.raises(b.HeaderError, match="unknown column\\(s\\) 'amo\"unt'"):
        _records(_csv('id,amo"unt,form', "1,500,citrate"))


def test_a_stray_quote_in_one_row_of_20000_costs_that_row_only() -> None:
    rows = [f"r{i},500,citrate" if i != 100 else f'r{i},"500,citrate' for i in range(20_000)]
    out = _records(_csv("id,amount,form", *rows))
    assert len(out) == 20_000
    assert [o["line"] for o in out] == list(range(2, 20_002))
    errors = [o for o in out if "error" in o]
    assert [e["line"] for e in errors] == [102] and "stray quote" in errors[0]["error"]
    assert [o["id"] for o in out if "error" not in o] == [f"r{i}" for i in range(20_000) if i != 100]


def test_a_quoted_field_over_the_limit_is_one_error_record() -> None:
    big = "x" * (b.MAX_FIELD + 50_000)
    out = _records(_csv("id,amount,form", "a,500,citrate", f'b,"{big}",citrate', "c,500,oxide"))
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert "field limit" in out[1]["error"] and "error" not in out[0] and "error" not in out[2]


@pytest.mark.parametrize("fmt", [None, b.Format.csv, b.Format.ndjson])
def test_a_bom_is_dropped_in_both_formats(fmt: b.Format | None) -> None:
    if fmt is b.Format.ndjson or fmt is None:
        data = b'\xef\xbb\xbf{"id": "n1", "amount": 500, "form": "citrate"}\n{"id": "n2", "amount": 1, "form": "oxide"}\n'
        out = _records(data, fmt)
        assert [o["id"] for o in out] == ["n1", "n2"] and all("error" not in o for o in out)
    if fmt is not b.Format.ndjson:
        out = _records(b"\xef\xbb\xbfid,amount,form\nx1,500,citrate\n", fmt)
        assert out[0]["id"] == "x1" and "error" not in out[0]


def test_a_duplicate_header_column_is_a_header_error() -> None:
    with pytest.raises(b.HeaderError, match="names column 'amount' twice \\(columns 2 and 4\\)"):
        _records(_csv("id,amount,form,amount", "a,500,citrate,100"))
    with pytest.raises(b.HeaderError, match="twice"):
        _records(_csv("id,Amount, amount ,form", "a,500,100,citrate"))


def test_a_bare_cr_inside_an_ndjson_record_is_kept() -> None:
    out = _records(
        b'{"id": "a\rb", "amount": 500, "form": "citrate"}\n{"id": "c", "amount": 1, "form": "oxide"}\n'
    )
    assert [o["id"] for o in out] == ["a\rb", "c"] and all("error" not in o for o in out)


def test_a_bare_cr_inside_a_csv_field_is_kept() -> None:
    out = _records(b'id,amount,form\nx\r1,500,citrate\r\n"q\r2",500,oxide\n')
    assert [o["id"] for o in out] == ["x\r1", "q\r2"] and all("error" not in o for o in out)


def test_deep_nesting_is_an_error_record_and_later_records_survive() -> None:
    deep = ("[" * 1000 + "]" * 1000).encode()
    out = _records(deep + b'\n{"id": "after", "amount": 500, "form": "citrate"}\n', b.Format.ndjson)
    assert "nested more than" in out[0]["error"] and out[1]["id"] == "after" and "error" not in out[1]
    shallow = '{"id": "s", "amount": 500, "form": "citrate", "x": ' + "[" * 20 + "]" * 20 + "}"
    # not refused for its nesting (an unknown key is an error of its own)
    assert "nested" not in _records(shallow.encode() + b"\n", b.Format.ndjson)[0]["error"]


def test_invalid_utf8_ids_are_error_records_with_their_exact_bytes() -> None:
    out = _records(b"id,amount,form\nab\xff,500,citrate\nab\xfe,500,citrate\nok,500,citr\xe9\n")
    assert [o["id"] for o in out] == [None, None, "ok"]
    assert [o.get("id_hex") for o in out] == ["6162ff", "6162fe", None]  # two ids never collide
    assert "not valid UTF-8" in out[0]["error"] and "\\xff" in out[0]["error"]
    assert "form 'citr\\xe9'" in out[2]["error"]
    nd = _records(b'{"id": "n\xff", "amount": 500, "form": "citrate"}\n', b.Format.ndjson)
    assert nd[0]["id"] is None and nd[0]["id_hex"] == "6eff"


def test_error_records_keep_the_id_exactly_as_given() -> None:
    long_id = "L" * 300
    raw = f'id,amount,form\n"  spaced  ",500,unobtainium\n{long_id},-5,citrate\n"e\x1b[31m",500,bogus\n'
    out = _records(raw.encode())
    assert [o["id"] for o in out] == ["  spaced  ", long_id, "e\x1b[31m"]
    assert all("error" in o for o in out)
    ok = _records(b'id,amount,form\n" padded ",500,citrate\n')
    assert ok[0]["id"] == " padded " and "error" not in ok[0]


def test_newline_free_input_is_read_in_bounded_pieces() -> None:
    """``batch /dev/zero``: one TooLong at once, never the whole stream in memory."""
    reads: list[int] = []

    def endless(size: int) -> bytes:
        reads.append(size)
        return b"\0" * size

    lines = b.bounded_lines(endless)
    assert isinstance(next(lines), b.TooLong)
    assert reads == [b.MAX_LINE]  # nothing more was read
    with pytest.raises(b.HeaderError, match="is over"):
        list(b.read_records(b.bounded_lines(endless)))


def test_an_overlong_line_is_an_error_record_and_reading_goes_on() -> None:
    data = _csv("id,amount,form", "a,500,citrate", "b," + "9" * 500, "c,500,oxide")
    out = _records(data, limit=100)
    assert [o["line"] for o in out] == [2, 3, 4] and [o["id"] for o in out] == ["a", None, "c"]
    assert "longer than 100 bytes" in out[1]["error"]


@pytest.mark.parametrize(
    ("header", "sep"),
    [("id;amount;form", ";"), ("id\tamount\tform", "\t"), ("id,amount,form", ",")],
)
def test_the_delimiter_is_sniffed_or_given(header: str, sep: str) -> None:
    row = sep.join(["x", "500", "citrate"])
    assert _records(_csv(header, row))[0]["id"] == "x"
    assert _records(_csv(header, row), delimiter=sep)[0]["id"] == "x"


def test_a_header_read_with_the_wrong_delimiter_names_what_it_found() -> None:
    with pytest.raises(b.HeaderError, match=r"unknown column.*'id;amount;form'.*--delimiter"):
        _records(_csv("id;amount;form", "x;500;citrate"), delimiter=",")
    with pytest.raises(b.HeaderError, match="unknown column\\(s\\) 'price'"):
        _records(_csv("id,amount,form,price", "x,500,citrate,3"))


def test_a_quoted_field_may_span_lines() -> None:
    out = _records(b'id,text\n"a","Magnesium citrate\n500 mg"\nb,Magnesium oxide 250 mg\n')
    assert [(o["line"], o["id"]) for o in out] == [(2, "a"), (4, "b")]


def test_a_quoted_field_may_span_max_record_lines_and_no_more() -> None:
    n = b.MAX_RECORD_LINES
    inside = "\n".join(["x"] * n)  # n lines in all
    ok = _records(f'id,text\n"a","{inside}"\nb,Magnesium oxide 250 mg\n'.encode())
    assert [(o["line"], o["id"]) for o in ok] == [(2, "a"), (n + 2, "b")]
    inside = "\n".join(["x"] * (n + 1))  # one line more: the quote is taken for a stray
    out = _records(f'id,text\n"a","{inside}"\nb,Magnesium oxide 250 mg\n'.encode())
    assert out[0]["line"] == 2 and "stray quote" in out[0]["error"]
    assert [o["line"] for o in out] == list(range(2, n + 4))  # then each line is read again, in order
    assert out[-1]["id"] == "b"


def test_the_line_number_is_the_first_line_of_the_record() -> None:
    out = _records(b'id,amount,form\n\n"a\nb",500,citrate\n\nc,500,oxide\n')
    assert [(o["line"], o["id"]) for o in out] == [(3, "a\nb"), (6, "c")]


# ---------------------------------------------------------------- fuzz: CSV

LIMIT_LINE = 120  # bytes, for the fuzz (the real limits are far larger: same code paths)
LIMIT_FIELD = 60
LIMIT_LINES = 4


@contextlib.contextmanager
def small_limits() -> Iterator[None]:
    saved = (br.MAX_LINE, br.MAX_FIELD, br.MAX_RECORD_LINES)
    br.MAX_LINE, br.MAX_FIELD, br.MAX_RECORD_LINES = LIMIT_LINE, LIMIT_FIELD, LIMIT_LINES
    try:
        yield
    finally:
        br.MAX_LINE, br.MAX_FIELD, br.MAX_RECORD_LINES = saved
        csv.field_size_limit(saved[1])


def _split_lf(data: bytes) -> list[bytes]:
    parts = data.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    return out + ([parts[-1]] if parts[-1] else [])


def _too_long(line: bytes) -> bool:
    return len(line) > LIMIT_LINE or (len(line) == LIMIT_LINE and not line.endswith(b"\n"))


def _text(line: bytes) -> str:
    # a bare CR (not before LF) is data: stand it in for the stdlib reader, which takes it for a line end
    text = line.decode("utf-8", "surrogateescape")
    body, end = (text[:-2], "\r\n") if text.endswith("\r\n") else (text, "")
    return body.replace("\r", "\ue000") + end


def csv_oracle(data: bytes) -> list[tuple[int, str | None, bool]]:
    """(first line, id, error?) per record after the header, by the stdlib csv module and the limits:
    a group the stdlib reader would extend past LIMIT_LINES lines, an overlong line or the end is a
    stray quote (error for its first line, reading again from the next)."""
    lines = _split_lf(data)
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    i = 0
    while i < len(lines) and not _too_long(lines[i]) and not lines[i].strip():
        i += 1
    assert i < len(lines) and lines[i].startswith(b"id,amount,form"), "the fuzz writes this header"
    i += 1
    out: list[tuple[int, str | None, bool]] = []
    csv.field_size_limit(LIMIT_FIELD)
    while i < len(lines):
        if _too_long(lines[i]):
            out.append((i + 1, None, True))
            i += 1
            continue
        offered = []
        for line in lines[i : i + LIMIT_LINES]:
            if _too_long(line):
                break
            offered.append(_text(line))
        reader = csv.reader(iter([*offered, "\x00end of what may be read\n"]))
        try:
            row = next(reader)
        except csv.Error:
            out.append((i + 1, None, True))  # over the field limit; the id is checked by the unit tests
            i += 1
            continue
        used = reader.line_num
        if used > len(offered):  # still open where it may not be: a stray quote
            out.append((i + 1, None, True))
            i += 1
            continue
        row = [c.replace("\ue000", "\r") for c in row]
        if row:
            rid = row[0] if row[0] != "" else None
            out.append((i + 1, rid, len(row) > 3))
        i += used
    return out


plain_cells = st.sampled_from(["500", "citrate", "oxide", "", " ", "500 mg", "-5", "=1+1", "\x1b[2J", "é€"])
csv_cells = st.one_of(
    plain_cells,
    plain_cells,
    plain_cells,
    st.sampled_from(['"', '"a,b"', '"x""y"', '"multi\nline"', 'ab"c', '"unterminated', "\r", "x\ry", "\x00"]),
    st.text(alphabet="ab,\"\r\n \t'", max_size=8),
    st.integers(min_value=LIMIT_FIELD - 5, max_value=LIMIT_LINE + 10).map(lambda n: "z" * n),
    st.binary(max_size=4).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
)
csv_rows = st.lists(st.lists(csv_cells, min_size=0, max_size=4), max_size=16)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(csv_rows, st.booleans(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_fuzz_csv_one_record_per_line_group_ids_exact(
    rows: list[list[str]], bom: bool, newline: str, final_newline: bool
) -> None:
    text = newline.join(",".join(cells) for cells in rows)
    body = text.encode("utf-8", "surrogateescape") + (newline.encode() if final_newline and rows else b"")
    data = (b"\xef\xbb\xbf" if bom else b"") + b"id,amount,form" + newline.encode() + body
    with small_limits():
        expected = csv_oracle(data)
        out = _records(data, b.Format.csv, limit=LIMIT_LINE)
    assert [o["line"] for o in out] == [line for line, _, _ in expected]
    for o, (_, rid, error) in zip(out, expected, strict=True):
        assert "internal error" not in str(o.get("error"))
        if error:
            assert "error" in o
            continue
        if rid is not None and any(0xDC80 <= ord(c) <= 0xDCFF for c in rid):
            assert o["id"] is None and o["id_hex"] == rid.encode("utf-8", "surrogateescape").hex()
        else:
            assert o["id"] == rid
        json.dumps(o, default=str)


def _block_records(data: bytes, size: int, fmt: b.Format | None) -> list[dict[str, Any]]:
    blocks = b.bounded_blocks(io.BytesIO(data).read1, LIMIT_LINE, size)
    return [o.record() for o in b.run(REF, b.read_records(blocks, fmt))]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    csv_rows,
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.integers(min_value=1, max_value=90),
    st.sampled_from([b.Format.csv, None]),
)
def test_fuzz_block_reader_reads_what_the_line_reader_reads(
    rows: list[list[str]], bom: bool, newline: str, final_newline: bool, size: int, fmt: b.Format | None
) -> None:
    """The fast path (blocks of simple lines read whole) gives the very records of the line reader,
    whatever the block boundaries, quotes, CRs, long lines or invalid UTF-8."""
    text = newline.join(",".join(cells) for cells in rows)
    body = text.encode("utf-8", "surrogateescape") + (newline.encode() if final_newline and rows else b"")
    data = (b"\xef\xbb\xbf" if bom else b"") + b"id,amount,form" + newline.encode() + body
    with small_limits():
        expected = _records(data, fmt, limit=LIMIT_LINE)
        assert _block_records(data, size, fmt) == expected


def test_block_reader_skips_an_endless_line_lazily() -> None:
    """A newline-free stream gives one TooLong, reading no further until asked (like bounded_lines)."""
    reads: list[int] = []

    def zeros(size: int) -> bytes:
        reads.append(size)
        return b"0" * size

    blocks = b.bounded_blocks(zeros, limit=1000, size=64)
    assert next(blocks) == b.TooLong(1000)
    assert sum(reads) < 1000 + 64


# ---------------------------------------------------------------- fuzz: NDJSON


def _no_dup(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("duplicate key")
    return dict(pairs)


def _depth(obj: Any) -> int:
    if isinstance(obj, dict):
        return 1 + max((_depth(v) for v in obj.values()), default=0)
    if isinstance(obj, list):
        return 1 + max((_depth(v) for v in obj), default=0)
    return 0


def ndjson_oracle(data: bytes) -> list[tuple[int, str | None, bool]]:
    """(line, id, error?) per non-blank line: json.loads with the limits (the id only when readable)."""
    out: list[tuple[int, str | None, bool]] = []
    for n, line in enumerate(_split_lf(data), start=1):
        if _too_long(line):
            out.append((n, None, True))
            continue
        if n == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        text = line.decode("utf-8", "surrogateescape")
        if not text.strip():
            continue
        try:
            obj = json.loads(text, strict=False, object_pairs_hook=_no_dup)
        except (ValueError, RecursionError):
            out.append((n, None, True))
            continue
        if not isinstance(obj, dict) or _depth(obj) > b.MAX_DEPTH:
            out.append((n, None, True))
            continue
        rid = obj.get("id")
        if isinstance(rid, bool) or not isinstance(rid, str | int | float):
            out.append((n, None, False))
        else:
            out.append((n, str(rid), False))
    return out


json_values = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["a\rb", "\u009b", "\u202e", "€", "  x  ", "\x1b[2J"]),
    st.integers(),
    st.none(),
    st.booleans(),
)
ndjson_lines = st.lists(
    st.one_of(
        st.dictionaries(
            st.sampled_from(["id", "amount", "form", "text", "extra"]), json_values, max_size=4
        ).map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8")),
        st.integers(min_value=1, max_value=80).map(lambda k: ("[" * k + "]" * k).encode()),
        st.integers(min_value=1, max_value=40).map(
            lambda k: b'{"id": "d", "x": ' + b"[" * k + b"]" * k + b"}"
        ),
        st.sampled_from(
            [
                b"",
                b"   ",
                b"nope",
                b"[1, 2]",
                b'{"id": "a", "id": "b"}',
                b'{"id": "x\xff", "amount": 1, "form": "oxide"}',
                b'{"id": "raw\rcr", "amount": 5, "form": "oxide"}',
                b'{"id": "z' + b"z" * 150 + b'"}',
                b"\xef\xbb\xbf{}",
            ]
        ),
    ),
    max_size=10,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ndjson_lines, st.booleans(), st.booleans(), st.integers(min_value=1, max_value=90))
def test_fuzz_ndjson_one_record_per_line_ids_exact(
    lines: list[bytes], bom: bool, crlf: bool, size: int
) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + (b"\r\n" if crlf else b"\n").join(lines)
    with small_limits():
        expected = ndjson_oracle(data)
        out = _records(data, b.Format.ndjson, limit=LIMIT_LINE)
        assert _block_records(data, size, b.Format.ndjson) == out  # the shell's block reader
    assert [o["line"] for o in out] == [line for line, _, _ in expected]
    for o, (_, rid, error) in zip(out, expected, strict=True):
        assert "internal error" not in str(o.get("error"))
        if error:
            assert "error" in o and o["id"] is None
        elif rid is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in rid):
            assert o["id"] is None and o["id_hex"]
        else:
            assert o["id"] == rid
