"""One path per batch record, checked against the full record and the full safety check (issue 24).

A batch computes only what its output shows: the figures instead of every label field, the
absorbed range only when asked, the per-form part once per form (``core.batch.process`` with
``full=False``, ``absorbed=False`` and kept plans), and reads a plain record without building a
BatchRecord (``read_fields``). These properties hold that shortcut to the full record (the record
of ``--full``: BatchRecord read, ``label_fields``, every field) restricted to the fields asked
for, and the exit status, ``--fail-on`` and the note on hidden cautions to the full safety check,
over generated records: decimal and whole amounts, forms by id, name and alias, text rows and bad
rows, any ``--fields``, read from CSV and NDJSON, blocks of lines or single lines. Without
``cautions`` in the fields the amount-dependent cautions are decided, not built
(``safety.decide``): held to ``safety.assess`` here too, over amounts above the UL and profiles
with an age, an eGFR, medicines and conditions.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from mgcalc.cli.output import FailOn, at_or_above
from mgcalc.core import batch as b
from mgcalc.core import batch_write, safety, units
from mgcalc.errors import MgcalcError
from mgcalc.reference import packaged_reference
from mgcalc.schema.batch_record import BatchRecord
from mgcalc.schema.inputs import Profile

REF = packaged_reference()
FORMS = REF.catalogue.forms
FORM_TEXTS = [
    *(f.id for f in FORMS),
    *(f.name for f in FORMS),
    *(f.name.lower() for f in FORMS[:10]),
    *(a for f in FORMS for a in f.aliases[:2]),
    "Mag-Ox",
    "Epsom salt",
    "unobtanium",
    "citrat",
    "",
    " oxide",
]
TEXTS = [
    "Magnesium (as magnesium citrate) 200 mg",
    "Magnesium oxide 500 mg",
    "Magnesium 120 mg (as glycinate)",
    "Magnesium Stearate",
    "Magnesium (as citrate, oxide) 250 mg",
    "Zinc 15 mg",
]

PROFILES = [
    Profile(),
    Profile(age=70, sex="female", drugs=["Synthroid"], egfr=40),
    Profile(age=8, per_day=3),
    Profile(per_day=2, ckd_stage="3"),
    Profile(age=35, sex="male"),
    Profile(age=0.5),
    Profile(age=28, sex="female", pregnant=True, drugs=["omeprazole"]),
    Profile(age=82, drugs=["doxycycline", "levothyroxine"], egfr=25, per_day=2),
    Profile(conditions=["chronic-diarrhea"], drugs=["Maalox", "ear drops ciprofloxacin otic"]),
    Profile(egfr=10, drugs=["unknownium"], standard="eu"),
]
profiles = st.sampled_from(PROFILES)
amounts = st.one_of(
    st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False).map(str),
    st.decimals(min_value=280, max_value=6000, places=1, allow_nan=False).map(str),  # cautions apply
    st.integers(min_value=0, max_value=3000).map(str),
    st.floats(min_value=1e-7, max_value=2e6).map(lambda x: f"{x:.6g}"),
    st.sampled_from(["abc", "-5", "0.5 g", "4 mmol", "1,000", " 500", "500 ", ""]),
)
label_rows = st.fixed_dictionaries(
    {"amount": amounts, "form": st.sampled_from(FORM_TEXTS)},
    optional={
        "id": st.text(max_size=5),
        "unit": st.sampled_from(["mg", "g", "mcg", "mmol", "furlong"]),
        "basis": st.sampled_from(["compound", "elemental", "Elemental", "bogus"]),
        "count": st.sampled_from(["1", "2", "3", "0"]),
    },
)
text_rows = st.fixed_dictionaries({"text": st.sampled_from(TEXTS)}, optional={"id": st.text(max_size=5)})
rows = st.lists(st.one_of(label_rows, label_rows, label_rows, text_rows), min_size=1, max_size=10)
field_lists = st.one_of(
    st.lists(st.sampled_from(b.FIELDS), min_size=1, max_size=6, unique=True),
    # the figures only (no label-only field): the cautions decided, or built when shown
    st.lists(st.sampled_from((*b.DEFAULT_FIELDS, "cautions")), min_size=1, max_size=6, unique=True),
)


def _full(raw: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """The full record of one row, computed the plain way: every field, read by BatchRecord."""
    return b.process(REF, 2, raw, profile, True, None).record()


def _ndjson(records: list[dict[str, Any]]) -> bytes:
    out = []
    for r in records:
        rec = dict(r)
        with contextlib.suppress(KeyError, ValueError):  # an amount that is a number is a JSON number
            rec["amount"] = json.loads(rec["amount"])
        out.append(json.dumps(rec))
    return ("\n".join(out) + "\n").encode()


def _csv(records: list[dict[str, Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(b.COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return text.getvalue().encode()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rows, field_lists, profiles, st.sampled_from(["csv", "ndjson"]))
def test_the_record_asked_for_is_the_full_record_restricted_to_its_fields(
    records: list[dict[str, Any]], fields: list[str], profile: Profile, fmt: str
) -> None:
    chosen = b.parse_fields(",".join(fields))
    data = _csv(records) if fmt == "csv" else _ndjson(records)
    read = list(b.read_records(b.bounded_blocks(io.BytesIO(data).read), b.Format(fmt)))
    assert len(read) == len(records)
    outcomes = list(
        b.run(
            REF,
            read,
            profile,
            full=b.needs_full(chosen),
            absorbed=b.needs_absorbed(chosen),
            caution_text=b.needs_caution_text(chosen),
        )
    )
    full_tally, tally = b.Tally(), b.Tally()
    for (line, raw), outcome in zip(read, outcomes, strict=True):
        full = b.process(REF, line, raw, profile, True, None)
        whole = full.record()
        expected = {k: v for k, v in whole.items() if k in b.ALWAYS or k in chosen}
        assert outcome.record(chosen) == expected
        # the line written is that record, in the order asked for
        written = json.loads(outcome.ndjson(chosen))
        assert list(written) == [k for k in dict.fromkeys((*b.ALWAYS, *chosen)) if k in expected]
        assert written == json.loads(full.ndjson(chosen))
        # written in one pass, it is the record, each value made JSON-ready one by one
        assert written == json.loads(to_json({k: batch_write._jsonable(v) for k, v in expected.items()}))
        full_tally.add(full)
        tally.add(outcome)
    # exit status, --fail-on and the hidden-caution note come from the tally
    assert (tally.records, tally.failed, tally.serious) == (
        full_tally.records,
        full_tally.failed,
        full_tally.serious,
    )
    assert [c.level for c in tally.cautions] == [c.level for c in full_tally.cautions]
    for level in FailOn:
        assert at_or_above(tally.cautions, level) == at_or_above(full_tally.cautions, level)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.text(max_size=4), st.integers(0, 99), st.none()),
            "amount": st.one_of(
                amounts,
                st.integers(-5, 3_000_000),
                st.floats(allow_nan=True, allow_infinity=True),
                st.booleans(),
                st.none(),
            ),
            "form": st.one_of(st.sampled_from(FORM_TEXTS), st.integers(0, 9), st.none()),
            "text": st.one_of(
                st.sampled_from([*TEXTS, "", " Zinc 15 mg", "Zinc 15 mg\t"]), st.integers(0, 9), st.none()
            ),
        },
    )
)
def test_a_plain_record_is_read_as_batch_record_reads_it(raw: dict[str, Any]) -> None:
    try:
        rec = BatchRecord.model_validate(raw)
    except ValueError as e:
        try:
            b.read_fields(raw)
        except ValueError as mine:
            assert str(mine) == str(e)
            return
        raise AssertionError("read_fields read a record BatchRecord refuses") from e
    expected = (rec.id, rec.amount, rec.form, rec.unit or "", rec.basis == "elemental", rec.count, rec.text)
    got = b.read_fields(raw)
    if got[1].__class__ is float:  # a JSON float stays the number: its text is what BatchRecord gives
        assert str(got[1]) == rec.amount
        got = (got[0], rec.amount, *got[2:])
    assert got == expected


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=1e-7, max_value=2e6),
        st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False).map(float),
    )
)
def test_an_amount_that_is_a_float_reads_as_its_text_does(x: float) -> None:
    """``read_fields`` keeps a JSON float; read as a number, it gives what its text gives (the
    amount, or the same error)."""
    constants = REF.catalogue.constants
    try:
        as_text = units.amount_parts(str(x), "amount", constants)
    except MgcalcError as e:
        with pytest.raises(MgcalcError) as raised:
            units.amount_parts(x, "amount", constants)
        assert (str(raised.value), raised.value.field) == (str(e), e.field)
        return
    mg, molar, _ = units.amount_parts(x, "amount", constants)
    assert (mg, molar) == as_text[:2]


cells = st.one_of(
    st.sampled_from(["", "a", "500", "670.1", "citrate", '"', '""', "a,b", "x\ny", 'say "hi"', " "]),
    st.text(alphabet='ab,"\n ', max_size=6),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=30), st.booleans(), st.integers(8, 200))
def test_blocks_of_lines_read_as_single_lines_do(rows: list[list[str]], quote_all: bool, block: int) -> None:
    """The CSV reader reads a block of whole lines at once (quoted fields included) as it reads
    the same lines one by one."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(["id", "amount", "form", "text"])
    writer.writerows(rows)
    data = text.getvalue().encode()
    raw_rows = ["id,amount,form"] + [",".join(r) for r in rows]  # unquoted: stray quotes and all
    for body in (data, ("\n".join(raw_rows) + "\n").encode()):
        by_line = list(b.read_csv(b.bounded_lines(io.BytesIO(body).readline)))
        by_block = list(b.read_csv(b.bounded_blocks(io.BytesIO(body).read, size=block)))
        assert by_block == by_line


ndjson_lines = st.one_of(
    st.sampled_from(
        [
            b'{"id": "a", "amount": 500, "form": "citrate"}',
            b'{"id": "b", "amount": "670.1", "form": "Mag-Ox"}',
            b'{"text": "Magnesium oxide 500 mg"}',
            b"",
            b"   ",
            b'{"id": "\xff", "amount": 1, "form": "oxide"}',  # not UTF-8
            b'{"id": "\\u00e9", "amount": 1, "form": "oxide"}',
            b'{"id": "c\r", "amount": 2.5, "form": "oxide"}',
            b"[1, 2]",
            b"{not json",
            b'{"a": {"b": 1}}',
            "\ufeff{}".encode(),
            '{"form": "\u00e9\u2028"}'.encode(),
        ]
    ),
    st.binary(max_size=8),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(ndjson_lines, max_size=12), st.booleans(), st.integers(8, 200))
def test_ndjson_blocks_of_lines_read_as_single_lines_do(lines: list[bytes], end: bool, block: int) -> None:
    """The NDJSON reader reads a block of whole lines at once (decoded and split when it is
    valid UTF-8) as it reads the same lines one by one: records, errors and line numbers."""
    body = b"\n".join(line.replace(b"\n", b" ") for line in lines) + (b"\n" if end else b"")
    by_line = list(b.read_ndjson(b.bounded_lines(io.BytesIO(body).readline)))
    by_block = list(b.read_ndjson(b.bounded_blocks(io.BytesIO(body).read, size=block)))
    assert by_block == by_line


json_values = st.one_of(
    st.text(max_size=4),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["id", "amount", "form", "a", 'q"', "\\"]), json_values), max_size=5),
    st.sampled_from(["", " ", "\t"]),
)
def test_an_ndjson_line_is_read_as_json_reads_it(pairs: list[tuple[str, Any]], pad: str) -> None:
    """The fast reading of a flat NDJSON line (orjson) gives what json.loads gives, a key given
    twice and all."""
    body = "{" + ", ".join(f"{json.dumps(k)}:{pad}{json.dumps(v)}" for k, v in pairs) + "}"
    for line in (body, body.replace(" ", "")):
        fast = list(b.read_ndjson([line.encode() + b"\n"]))
        try:
            expected: Any = json.loads(line, strict=False, object_pairs_hook=_pairs)
        except ValueError:
            assert isinstance(fast[0][1], b.BadRecord)
            continue
        if isinstance(expected, dict):
            rid = expected.get("id")
            if rid.__class__ is float or (rid.__class__ is int and rid == 0):
                expected["id"] = json.dumps(rid)  # a number id is kept as written
            assert fast == [(1, expected)]
        else:
            assert isinstance(fast[0][1], b.BadRecord)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(PROFILES),
    st.one_of(st.floats(0.001, 5000), st.floats(250, 1200)),
    st.one_of(st.none(), st.sampled_from(FORMS)),
)
def test_deciding_the_cautions_gives_what_the_full_safety_check_builds(
    profile: Profile, daily: float, form: Any
) -> None:
    """``decide`` gives the codes and levels of ``assess``'s cautions, in its order, and each
    decided caution builds into the one ``assess`` gives, message, source and all."""
    full = safety.assess(REF, profile, daily, form).cautions
    decided = safety.decide(REF, profile, daily, form)
    assert [(c.code, c.level) for c in decided] == [(c.code, c.level) for c in full]
    assert safety.build(decided) == full
    assert any(isinstance(c, safety.Finding) for c in decided) == bool(
        safety.amount_findings(REF, profile, daily, form)
    )
