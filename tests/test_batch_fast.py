"""Batch records people want in pipelines (issue 14): the default record, --fields and --full,
numbers without binary noise, and the fast path that gives them.

The fast path (a record of a plain amount and a form seen before, read in
``core.batch.run`` without building a BatchRecord; the per-form part of the
figures worked out once, ``dosing.figures_plan``; records written in one pass)
is checked against the plain path it stands for: ``process`` record by record,
and ``label_fields``, the fields of ``mgcalc label --json``.
"""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_json

from mgcalc.core import batch as b
from mgcalc.core import batch_write
from mgcalc.core.dosing import FIGURES, label_fields, label_figures
from mgcalc.numbers import JSON_DIGITS, json_float
from mgcalc.reference import packaged_reference
from mgcalc.schema.inputs import Profile

REF = packaged_reference()
FORM_IDS = [f.id for f in REF.catalogue.forms]
MGCALC = [sys.executable, "-m", "mgcalc"]

profiles = st.sampled_from(
    [
        Profile(),
        Profile(age=70, sex="female", drugs=["Synthroid"], egfr=40),
        Profile(age=8, per_day=3),
        Profile(pregnant=True, age=30, sex="female"),
        Profile(per_day=2, ckd_stage="3"),
    ]
)
amount_texts = st.one_of(
    st.integers(min_value=0, max_value=2_000_000).map(str),
    st.sampled_from(
        ["500", "0", "1e3", "12.5", " 500", "500 ", "500mg", "0.5 g", "4 mmol", "x", "", "-3", "٣"]
    ),
    st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False).map(str),
)
form_texts = st.one_of(
    st.sampled_from(FORM_IDS),
    st.sampled_from(["Magnesium Citrate", "CITRATE", " oxide", "oxide ", "unobtanium", "", "citrate-x"]),
)
ids = st.one_of(st.none(), st.text(max_size=6), st.integers(0, 9).map(str))


def _plain(raw: dict[str, Any], profile: Profile) -> b.Outcome:
    """The record read the plain way: ``process`` with no plans kept."""
    return b.process(REF, 2, raw, profile, False, None)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(ids, amount_texts, form_texts), min_size=1, max_size=12), profiles)
def test_the_fast_path_gives_what_process_gives(
    rows: list[tuple[str | None, str, str]], profile: Profile
) -> None:
    records = []
    for i, (rid, amount, form) in enumerate(rows, start=2):
        raw: dict[str, Any] = {"amount": amount, "form": form}
        if rid is not None:
            raw["id"] = rid
        records.append((i, raw))
    fast = list(b.run(REF, records, profile, full=False))
    plain = [_plain(raw, profile)._replace(line=i) for i, raw in records]
    assert len(fast) == len(plain)
    for f, p in zip(fast, plain, strict=True):
        assert f.record(b.DEFAULT_FIELDS) == p.record(b.DEFAULT_FIELDS)
        assert f.ndjson(b.DEFAULT_FIELDS) == p.ndjson(b.DEFAULT_FIELDS)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(FORM_IDS),
    st.floats(min_value=1e-6, max_value=1e6),
    st.integers(min_value=1, max_value=50),
    st.booleans(),
    profiles,
)
def test_the_figures_are_the_label_fields(
    form: str, amount: float, count: int, elemental: bool, p: Profile
) -> None:
    """The default record's figures are exactly ``mgcalc label --json``'s, computed alone."""
    try:
        full = label_fields(REF, amount, form, count=count, elemental=elemental, profile=p)
    except Exception as e:  # the same error either way
        with pytest.raises(type(e)):
            label_figures(REF, amount, form, count=count, elemental=elemental, profile=p)
        return
    figures = label_figures(REF, amount, form, count=count, elemental=elemental, profile=p)
    assert set(figures) == set(FIGURES)
    assert figures == {k: full[k] for k in FIGURES}


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(st.sampled_from(b.FIELDS), min_size=1, max_size=8, unique=True),
    st.sampled_from(FORM_IDS),
    st.integers(min_value=1, max_value=5000).map(str),
    profiles,
)
def test_any_fields_written_in_one_pass_equal_the_record(
    fields: list[str], form: str, amount: str, profile: Profile
) -> None:
    chosen = b.parse_fields(",".join(fields))
    out = next(
        b.run(REF, [(2, {"id": "a", "amount": amount, "form": form})], profile, full=b.needs_full(chosen))
    )
    slow = {k: batch_write._jsonable(v) for k, v in out.record(chosen).items()}
    assert json.loads(out.ndjson(chosen)) == json.loads(to_json(slow))
    assert list(json.loads(out.ndjson(chosen)))[:2] == ["line", "id"]


def _floats(obj: Any) -> list[float]:
    if isinstance(obj, float):
        return [obj]
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _floats(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _floats(v)]
    return []


def _significant(x: float) -> int:
    digits = repr(abs(x)).split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return len(digits)


@pytest.mark.parametrize(
    "args",
    [
        ["label", "500", "--form", "citrate", "--json"],
        ["label", "0.000001", "--form", "citrate", "--json"],
        ["dose", "300", "--form", "oxide", "--tablet", "250", "--json"],
        ["absorb", "400", "--form", "citrate", "--elemental", "--json"],
        ["batch", "-", "--full"],
        ["batch", "-"],
    ],
)
def test_json_numbers_have_at_most_12_significant_digits(args: list[str]) -> None:
    r = subprocess.run(
        [*MGCALC, *args], input="id,amount,form\na,500,citrate\nb,333,oxide\n", capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    floats = [x for line in r.stdout.splitlines() if line.strip() for x in _floats(json.loads(line))]
    if args[0] != "batch":
        floats = _floats(json.loads(r.stdout))
    assert floats
    assert all(_significant(x) <= JSON_DIGITS for x in floats if math.isfinite(x)), floats
    assert "0.30000000000000004" not in r.stdout and "00000000" not in r.stdout


def test_rounding_keeps_tiny_amounts_and_drops_noise() -> None:
    assert json_float(147.62419200000002) == 147.624192
    assert json_float(0.1 + 0.2) == 0.3
    assert json_float(1.6163e-7) == 1.6163e-7  # 1e-6 mg of citrate: significant digits, not decimals
    assert json_float(999_999.123456789) == 999_999.123457


def test_default_record_keys_and_order() -> None:
    out = next(b.run(REF, [(2, {"id": " x ", "amount": "500", "form": "citrate"})], full=False))
    record = json.loads(out.ndjson(b.DEFAULT_FIELDS))
    assert list(record) == [
        "line",
        "id",
        "form",
        "input_basis",
        "compound_mg",
        "elemental_pct",
        "elemental_mg",
        "elemental_mmol",
        "elemental_meq",
        "absorbed_mg_min",
        "absorbed_mg_max",
        "laxative",
        "caution_levels",
    ]
    assert record["id"] == " x " and record["caution_levels"] == {}
    full = label_fields(REF, 500, "citrate")
    assert record["elemental_mg"] == json_float(full["elemental_mg"])
    assert record["absorbed_mg_min"] == json_float(full["absorbed_mg_min"])


def test_plans_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(b, "PLANS_MAX", 8)
    plans: dict[str, Any] = {}
    spellings = {
        "".join(c.upper() if (i >> j) & 1 else c for j, c in enumerate("citrate")) for i in range(128)
    }
    for s in spellings:
        assert b.process(REF, 2, {"amount": "500", "form": s}, Profile(), False, plans).error is None
    assert len(plans) <= 8
    long_name = "magnesium " + " " * 300 + "citrate"
    b.process(REF, 2, {"amount": "500", "form": long_name}, Profile(), False, plans)
    assert long_name not in plans


def _cli(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MGCALC, *args], input=input, capture_output=True, text=True)


CSV = "id,amount,form\na,500,citrate\nb,4000,oxide\n"


def test_cli_fields_are_checked_and_in_the_order_asked() -> None:
    r = _cli("batch", "-", "--fields", "elemental_mg, form", input=CSV)
    assert list(json.loads(r.stdout.splitlines()[0])) == ["line", "id", "elemental_mg", "form"]
    bad = _cli("batch", "-", "--fields", "elemental_mgg", input=CSV)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "did you mean elemental_mg" in bad.stderr
    both = _cli("batch", "-", "--fields", "form", "--full", input=CSV)
    assert both.returncode == 2 and "not both" in both.stderr


def test_cli_says_when_the_fields_asked_for_hide_a_caution() -> None:
    r = _cli("batch", "-", "--fields", "form,elemental_mg", input=CSV)
    assert r.returncode == 0
    assert "1 record(s) carry a caution not in the fields asked for" in r.stderr
    shown = _cli("batch", "-", "--fields", "form,caution_levels", input=CSV)
    assert "carry a caution" not in shown.stderr
    assert json.loads(shown.stdout.splitlines()[1])["caution_levels"] == {
        "upper-limit": "caution",
        "laxative": "caution",
    }


def test_cli_full_is_the_whole_record() -> None:
    r = _cli("batch", "-", "--full", input=CSV)
    record = json.loads(r.stdout.splitlines()[0])
    assert list(record)[:2] == ["line", "id"] and set(record) <= set(b.FIELDS)
    assert {"variants", "spread", "absorption_model", "notes", "cautions", "caution_levels"} <= set(record)


def test_records_from_a_slow_pipe_come_out_one_by_one() -> None:
    """The block reader reads what is there: a record is written before the next one is typed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*MGCALC, "batch", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b"id,amount,form\na,500,citrate\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "no record before the input ended"
        assert json.loads(proc.stdout.readline())["id"] == "a"
        proc.stdin.write(b"b,250,oxide\n")
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["id"] == "b"
        assert proc.wait(30) == 0
    finally:
        proc.kill()


def test_the_block_reader_is_what_the_shell_reads_with(tmp_path: Path) -> None:
    """A file bigger than a block, with a quote and a bad byte far in, reads every record once."""
    rows = [f"r{i},{100 + i % 300},citrate" for i in range(20_000)]
    rows[12_345] = 'r12345,"500",citrate'
    data = ("id,amount,form\n" + "\n".join(rows) + "\n").encode()
    data = data.replace(b"r15000,", b"r15\xff00,")
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    r = subprocess.run([*MGCALC, "batch", str(path)], capture_output=True)
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["line"] for o in out] == list(range(2, 20_002))
    assert out[12_345]["id"] == "r12345" and "error" not in out[12_345]
    assert out[15_000]["id"] is None and out[15_000]["id_hex"] == b"r15\xff00".hex()


def test_parse_and_panel_take_fields_too(tmp_path: Path) -> None:
    r = _cli(
        "parse", "-", "--fields", "stated_mg,basis", input="Magnesium (as citrate) 200 mg\nMg oxide 250 mg\n"
    )
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [list(x) for x in rows] == [["line", "stated_mg", "basis"]] * 2
    one = _cli("parse", "Magnesium (as oxide) 250 mg", "--fields", "forms")
    assert json.loads(one.stdout) == {"forms": ["oxide"]}
    label = Path(__file__).parent / "data" / "dsld" / "labels" / "65718.json"
    panel = _cli("panel", str(label), "--fields", "id,daily_elemental_mg_max")
    assert list(json.loads(panel.stdout)) == ["id", "daily_elemental_mg_max"]
    bad = _cli("panel", str(label), "--fields", "daily_elemental")
    assert bad.returncode == 2 and "did you mean daily_elemental_mg" in bad.stderr
