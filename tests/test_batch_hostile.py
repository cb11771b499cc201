"""Batch keeps its promise on hostile DSLD and CSV input (issue 19, item 6): one record out per
record in, in order, errors as records (with the id where it can be read), never exit 70."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mgcalc.core import batch as b

from .conftest import run_cli

RECORD: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "data" / "dsld" / "labels" / "77165.json").read_text(encoding="utf-8")
)
MG = RECORD["ingredientRows"][0]["quantity"][0]["quantity"]


def rec(i: int, **fields: Any) -> str:
    d = json.loads(json.dumps(RECORD))
    d["id"] = i
    d.update(fields)
    return json.dumps(d)


def run_dsld(tmp_path: Path, name: str, text: str) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    r = run_cli("batch", str(path), "--input-format", "dsld", "--fields", "elemental_mg_max,checks")
    assert "internal error" not in r.stderr and r.returncode != 70, r.stderr
    return r.returncode, [json.loads(x) for x in r.stdout.splitlines()]


DEEP = '{"id": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("shape", ["ndjson", "array"])
def test_a_record_nested_too_deep_is_an_error_record_and_the_rest_go_on(tmp_path: Path, shape: str) -> None:
    text = f"{rec(1)}\n{DEEP}\n{rec(3)}\n" if shape == "ndjson" else f"[{rec(1)},\n{DEEP},\n{rec(3)}]\n"
    rc, out = run_dsld(tmp_path, f"deep.{shape}", text)
    assert rc == 1
    assert [x.get("elemental_mg_max") for x in out] == [MG, None, MG]
    assert "nested too deeply" in out[1]["error"]


def test_an_array_with_a_record_over_the_line_limit_keeps_the_others(tmp_path: Path) -> None:
    big = rec(2, fullName="x" * (b.MAX_LINE + 100))
    rc, out = run_dsld(tmp_path, "big.json", f"[{rec(1)},\n{big},\n{rec(3)}]\n")
    assert rc == 1
    assert [x["id"] for x in out] == ["1", None, "3"]
    assert "skipped unread" in out[1]["error"]


def test_a_key_twice_is_an_error_not_the_last_one_winning(tmp_path: Path) -> None:
    twice = rec(2)[:-1] + ', "ingredientRows": []}'
    rc, out = run_dsld(tmp_path, "dup.ndjson", f"{rec(1)}\n{twice}\n")
    assert rc == 1
    assert out[1]["id"] == "2" and "appears twice" in out[1]["error"]


@pytest.mark.parametrize("constant", ["Infinity", "-Infinity", "NaN"])
def test_a_non_finite_quantity_is_an_error_not_0_mg(tmp_path: Path, constant: str) -> None:
    bad = rec(2).replace(f'"quantity": {MG}', f'"quantity": {constant}')
    assert constant in bad
    rc, out = run_dsld(tmp_path, "inf.ndjson", f"{rec(1)}\n{bad}\n{rec(3)}\n")
    assert rc == 1
    assert [x["id"] for x in out] == ["1", "2", "3"]
    assert "is not a JSON number" in out[1]["error"]


@pytest.mark.parametrize("value", ["NaN", "1e308", "-1", "1e400"])
def test_a_wild_max_daily_servings_is_reported_not_exit_70(tmp_path: Path, value: str) -> None:
    serving = f'[{{"minQuantity": 1, "maxQuantity": 1, "unit": "Tablet(s)", "maxDailyServings": {value}}}]'
    bad = rec(2)[:-1] + f', "servingSizes": {serving}}}'
    rc, out = run_dsld(tmp_path, "mds.ndjson", f"{rec(1)}\n{bad}\n{rec(3)}\n")
    assert [x["id"] for x in out] == ["1", "2", "3"]
    if value == "NaN":
        assert rc == 1 and "not a JSON number" in out[1]["error"]
    else:
        assert rc == 0 and out[1]["elemental_mg_max"] == MG
        assert any("maxDailyServings" in c for c in out[1]["checks"])


def test_a_valid_csv_with_a_60_line_quoted_field_is_3_records(tmp_path: Path) -> None:
    text = 'id,amount,form\nr1,500,citrate\nr2,500,"oxide' + "\nx" * 60 + '"\nr3,500,glycinate\n'
    path = tmp_path / "quoted.csv"
    path.write_text(text, encoding="utf-8")
    r = run_cli("batch", str(path), "--fields", "elemental_mg")
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in out] == ["r1", "r2", "r3"]
    assert r.returncode == 1 and "error" in out[1]


def test_a_csv_header_over_the_field_limit_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("id,amount,form," + "x" * (b.MAX_FIELD + 50_000) + "\nr1,500,citrate\n", encoding="utf-8")
    r = run_cli("batch", str(path))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("mgcalc: error: the CSV header") and r.stderr.count("\n") == 1
