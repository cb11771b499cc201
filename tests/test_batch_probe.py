"""What the batch probe found, fixed (research/probe/batch, findings 1-3, 6-10, 13, 14; labels 9
for DSLD): every record gets the safety check, NDJSON keys are matched as CSV headers, a bad DSLD
record anywhere loses nothing after it, a bad profile option is exit 2 before any record, ids are
kept as written, a record with two descriptions is an error, ``1_0`` is not ten, and a DSLD
quantity with "<" is a bound, not an amount."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgcalc.core import batch as b
from mgcalc.core.dosing import label_fields
from mgcalc.core.dsld import read_dsld
from mgcalc.core.labels import parse_label
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.errors import MgcalcError
from mgcalc.reference import packaged_reference
from mgcalc.schema.batch_record import KEYS
from mgcalc.schema.inputs import Profile

from .conftest import run_cli

REF = packaged_reference()


def _run(tmp_path: Path, name: str, text: str, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    r = run_cli("batch", str(path), *args)
    assert "Traceback" not in r.stderr and r.returncode != 70, r.stderr
    return r.returncode, [json.loads(x) for x in r.stdout.splitlines()], r.stderr


def _records(text: str, fmt: b.Format, profile: Profile | None = None) -> list[dict[str, Any]]:
    read = b.read_records(b.bounded_blocks(io.BytesIO(text.encode()).read), fmt)
    return [o.record(b.DEFAULT_FIELDS) for o in b.run(REF, read, profile, full=False)]


# ---------------------------------------------------------------- 1: the safety check, every record

TEXTS = "Magnesium 800 mg\nMagnesium 500 mg (as magnesium oxide and citrate)\nMagnesium (as marine magnesium extract) 600 mg\nMagnesium 4 mmol\n"


def test_text_rows_without_one_known_form_get_the_safety_check(tmp_path: Path) -> None:
    """The probe's repro: 500-800 mg of elemental magnesium a day, eGFR 10; was rc 0, no cautions."""
    text = "id,text\n" + "".join(f"u{i},{line}\n" for i, line in enumerate(TEXTS.splitlines(), 1))
    rc, out, _ = _run(
        tmp_path, "tx3.csv", text, "--egfr", "10", "--fail-on", "avoid", "--fields", "caution_levels"
    )
    assert rc == 3
    assert all(o["caution_levels"]["ckd"] == "avoid" for o in out)
    assert [o["caution_levels"].get("upper-limit") for o in out] == ["caution", "caution", "caution", None]
    # no profile: the upper limit still holds against the amount, whatever the form
    rc, out, _ = _run(tmp_path, "tx3.csv", text, "--fail-on", "caution", "--full")
    assert rc == 3
    assert out[0]["cautions"][0]["code"] == "upper-limit" and out[0]["caution_levels"] == {
        "upper-limit": "caution"
    }


def test_an_error_record_is_not_read_as_safe(tmp_path: Path) -> None:
    """The person's own cautions hold whatever the record: an unreadable one still counts for
    --fail-on; it shows no caution fields, so it cannot pass for a record with none."""
    text = "id,amount,form\nr1,100,unobtanium\n"
    rc, out, _ = _run(tmp_path, "e.csv", text, "--egfr", "10", "--fail-on", "avoid")
    assert rc == 3 and "error" in out[0] and "caution_levels" not in out[0]
    rc, _, _ = _run(tmp_path, "e.csv", text, "--fail-on", "avoid")
    assert rc == 1
    bad = "id,text\nt1,Zinc 15 mg\n"  # a text row that cannot be read
    rc, out, _ = _run(tmp_path, "t.csv", bad, "--drug", "levothyroxine", "--fail-on", "caution")
    assert rc == 3 and "error" in out[0]


LINES = [
    "Magnesium 800 mg",
    "Magnesium 250 mg",
    "Magnesium 4 mmol",
    "Magnesium 500 mg (as magnesium oxide and citrate)",
    "Magnesium (as magnesium citrate) 200 mg",
    "Magnesium (as magnesium oxide) 420 mg",
    "Magnesium oxide 500 mg",
    "Magnesium Chloride 900 mg",
    "Magnesium (as marine magnesium extract) 600 mg",
    "Magnesium (as Magnesium Chelate) 50 mg 2% DV",
    "Magnesium (as citrate, oxide) 250 mg",
    "Magnesium stearate",
    "Magnesium citrate",
    "Epsom salt 1 g",
    "Zinc 15 mg",
    "Magnesium 200 mg 300 mg",
]
PROFILES = [
    Profile(),
    Profile(egfr=10),
    Profile(age=70, sex="female", drugs=["Synthroid"], egfr=40),
    Profile(age=8, per_day=3),
    Profile(age=82, drugs=["doxycycline", "levothyroxine"], egfr=25, per_day=2),
    Profile(conditions=["chronic-diarrhea"], drugs=["Maalox"]),
    Profile(egfr=10, drugs=["unknownium"], standard="eu"),
    Profile(age=28, sex="female", pregnant=True, drugs=["omeprazole"]),
]


def _levels(cautions: list[Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in cautions:
        out.setdefault(c.code, c.level)
    return out


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(LINES), st.sampled_from(PROFILES), st.booleans())
def test_a_text_rows_caution_levels_are_label_or_panel_on_that_line(
    line: str, profile: Profile, full: bool
) -> None:
    """A text row read as one form is ``label`` on its amount; any other is ``panel`` on the line."""
    [(n, raw)] = list(b.read_records([json.dumps({"id": "x", "text": line}).encode()], b.Format.ndjson))
    outcome = next(b.run(REF, [(n, raw)], profile, full=full, caution_text=full))
    tally = b.Tally(b.profile_cautions(REF, profile))
    tally.add(outcome)
    if outcome.error is not None:  # a line that cannot be read: panel gives the person's cautions
        assert "caution_levels" not in outcome.record(("caution_levels",))
        person = _levels(panel(REF, read_panel_text(line), profile).cautions)
        assert person == _levels(b.profile_cautions(REF, profile))
        assert {c.level for c in tally.cautions} == set(person.values())
        return
    got = outcome.record(("caution_levels",))["caution_levels"]
    p = parse_label(REF, line)
    if p.stated_mg is not None and len(p.forms) == 1 and p.basis != "unknown":
        expected = label_fields(
            REF, p.stated_mg, p.forms[0], elemental=p.basis == "elemental", profile=profile
        )
        assert got == _levels(expected["cautions"])
    else:
        assert got == _levels(panel(REF, read_panel_text(line), profile).cautions)
    # the tally (--fail-on) sees what the record shows
    assert {c.level for c in tally.cautions} == {c.level for c in outcome.cautions}
    assert set(got.values()) <= {c.level for c in tally.cautions}


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.integers(1, 3000),
    st.sampled_from(["citrate", "oxide", "glycinate", "Epsom salt"]),
    st.sampled_from(PROFILES),
)
def test_an_amount_rows_caution_levels_are_labels(mg: int, form: str, profile: Profile) -> None:
    [rec] = _records(f"amount,form\n{mg},{form}\n", b.Format.csv, profile)
    assert rec["caution_levels"] == _levels(label_fields(REF, mg, form, profile=profile)["cautions"])


# ---------------------------------------------------------------- 2: NDJSON keys


def test_ndjson_keys_are_matched_like_csv_headers(tmp_path: Path) -> None:
    nd = '{"id":"x","amount":"1","form":"oxide","Unit":"g"}\n'
    rc, out, _ = _run(
        tmp_path, "k.ndjson", nd, "--fields", "elemental_mg,caution_levels", "--fail-on", "caution"
    )
    assert rc == 3 and out[0]["elemental_mg"] == pytest.approx(603.04)
    _, csv_out, _ = _run(
        tmp_path, "k.csv", "id,amount,form,Unit\nx,1,oxide,g\n", "--fields", "elemental_mg,caution_levels"
    )
    assert [{**o, "line": 0} for o in csv_out] == [{**o, "line": 0} for o in out]
    records = (
        '{"amount":"200","form":"oxide"," Basis ":"elemental","COUNT":3}\n'
        '{"amount":"1","form":"oxide","units":"g"}\n'
        '{"amount":"1","form":"oxide","unit":"g","Unit":"mg"}\n'
        '{"ID":"i","amount":"1","form":"oxide","price":"3"}\n'
    )
    first, units, twice, price = _records(records, b.Format.ndjson)
    assert first["elemental_mg"] == 600 and "error" not in first
    assert "unknown key 'units'" in units["error"] and "'unit'" in units["error"]
    assert "one key, 'unit'" in twice["error"]
    assert "unknown key 'price'" in price["error"] and price["id"] == "i"


def test_the_csv_columns_are_the_record_keys() -> None:
    assert b.COLUMNS == KEYS


KEY_SPELLINGS = {
    "amount": ["amount", "Amount", " AMOUNT "],
    "form": ["form", "Form", "form "],
    "unit": ["unit", "UNIT", " Unit"],
}


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5000), st.sampled_from(["mg", "g", "mcg"]), st.data())
def test_the_case_and_spaces_of_a_key_never_change_a_reading(mg: int, unit: str, data: st.DataObject) -> None:
    plain = {"id": "k", "amount": str(mg), "form": "citrate", "unit": unit}
    decorated = {"id": "k"} | {
        data.draw(st.sampled_from(KEY_SPELLINGS[k])): plain[k] for k in ("amount", "form", "unit")
    }
    [a, c] = _records(json.dumps(plain) + "\n" + json.dumps(decorated) + "\n", b.Format.ndjson)
    assert {**a, "line": 0} == {**c, "line": 0}


# ---------------------------------------------------------------- 3, 7, 13: DSLD records and ids

LABEL = (Path(__file__).resolve().parent / "data" / "dsld" / "labels" / "77165.json").read_text(
    encoding="utf-8"
)


def _rec(i: Any, **fields: Any) -> str:
    d = json.loads(LABEL)
    d["id"] = i
    d.update(fields)
    return json.dumps(d)


def test_a_bad_first_dsld_record_loses_nothing_after_it(tmp_path: Path) -> None:
    text = '{"id":1,"x":NaN,"ingredientRows":[]}\n' + _rec(2) + "\n" + _rec(3) + "\n"
    rc, out, err = _run(
        tmp_path, "first_bad.ndjson", text, "--input-format", "dsld", "--fields", "elemental_mg_max"
    )
    assert rc == 1 and [o["id"] for o in out] == ["1", "2", "3"]
    assert "NaN" in out[0]["error"] and out[1]["elemental_mg_max"] == 210
    assert "1 of 3 record(s) failed" in err
    # one step further: a first line cut short, and the next NDJSON records
    text = '{"id":"cut","ingredientRows":[\n' + _rec(2) + "\n" + _rec(3) + "\n"
    rc, out, err = _run(
        tmp_path, "cut.ndjson", text, "--input-format", "dsld", "--fields", "elemental_mg_max"
    )
    assert [o["id"] for o in out] == ["cut", "2", "3"] and "error" in out[0] and "1 of 3" in err


def test_a_syntax_error_in_an_array_element_loses_nothing_after_it(tmp_path: Path) -> None:
    text = f'[{_rec(1)},\n{{"id":2,"ingredientRows":[] x}},\n{_rec(3)},\n{_rec(4)}]\n'
    rc, out, err = _run(tmp_path, "arr.json", text, "--input-format", "dsld", "--fields", "elemental_mg_max")
    assert rc == 1 and [o["id"] for o in out] == ["1", "2", "3", "4"]
    assert "error" in out[1] and [o.get("elemental_mg_max") for o in out] == [210, None, 210, 210]
    assert "1 of 4 record(s) failed" in err
    # one step further: a string left open (its brackets cannot tell where the record ends) and a
    # record over several lines
    text = f'[{_rec(1)},\n{{"id":2,"x":"open,\n{_rec(3)},\n{{"id":4,\n "x": tru,\n "ingredientRows":[]}},\n{_rec(5)}]\n'
    rc, out, err = _run(tmp_path, "arr2.json", text, "--input-format", "dsld", "--fields", "elemental_mg_max")
    assert [o["id"] for o in out] == ["1", "2", "3", "4", "5"] and "2 of 5 record(s) failed" in err
    assert [o.get("elemental_mg_max") for o in out] == [210, None, 210, None, 210]
    # a pretty-printed array reads as before
    pretty = json.dumps([json.loads(_rec(i)) for i in (1, 2, 3)], indent=2)
    rc, out, err = _run(
        tmp_path, "pretty.json", pretty, "--input-format", "dsld", "--fields", "elemental_mg_max"
    )
    assert rc == 0 and [o["id"] for o in out] == ["1", "2", "3"]


def test_pretty_printed_records_are_read_one_after_another() -> None:
    one = json.dumps(json.loads(_rec(5)), indent=2)
    broken = '{\n  "id": 6,\n  "ingredientRows": [] x\n}'
    got = list(read_dsld(f"{one}\n{broken}\n{one}\n".splitlines(keepends=True)))
    assert [n for n, _ in got] == [1, 2, 3]
    assert isinstance(got[0][1], dict) and isinstance(got[2][1], dict)
    assert isinstance(got[1][1], str) and getattr(got[1][1], "id", None) == "6"


def test_dsld_ids_are_exactly_as_given(tmp_path: Path) -> None:
    long1, long2 = "A" * 120, "A" * 130
    ids = [long1, long2, "a\x1b[31mred", "a\u202eb", True, 1e3, "007"]
    text = "".join(_rec(i) + "\n" for i in ids).replace('"id": 1000.0', '"id": 1e3')
    _, out, _ = _run(tmp_path, "ids.ndjson", text, "--input-format", "dsld", "--fields", "elemental_mg_max")
    assert [o["id"] for o in out] == [long1, long2, "a\x1b[31mred", "a\u202eb", None, "1e3", "007"]


def test_number_ids_keep_their_text(tmp_path: Path) -> None:
    text = "".join(
        f'{{"id":{i},"amount":500,"form":"citrate"}}\n' for i in ("1e3", "1000.0", "1.50", "-0", "7")
    )
    _, out, _ = _run(tmp_path, "numid.ndjson", text, "--fields", "elemental_mg")
    assert [o["id"] for o in out] == ["1e3", "1000.0", "1.50", "-0", "7"]


@given(
    st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
    st.sampled_from(["", "0", "00"]),
)
def test_a_number_id_is_its_text_as_written(value: Any, zeros: str) -> None:
    written = json.dumps(value)
    if "." in written and "e" not in written:
        written += zeros  # 1.5 written 1.500
    [rec] = _records(f'{{"id":{written},"amount":500,"form":"citrate"}}\n', b.Format.ndjson)
    assert rec["id"] == written


def test_error_records_keep_a_readable_id(tmp_path: Path) -> None:
    _, out, _ = _run(
        tmp_path, "x.csv", 'id,amount,form\nr1,"500,citrate\nr2,500,citrate\n', "--fields", "elemental_mg"
    )
    assert [o["id"] for o in out] == ["r1", "r2"] and "stray quote" in out[0]["error"]
    # the quote before the id: no id is guessed
    _, out, _ = _run(tmp_path, "y.csv", 'amount,form,id\n"500,citrate,r1\n', "--fields", "elemental_mg")
    assert out[0]["id"] is None
    lines = (
        '{"id":"big","amount":' + "9" * 5000 + ',"form":"citrate"}\n'
        '{"id":"trailing","amount":500,"form":"citrate"} x\n'
        '{"id":"cut","amount":500,\n'
        '{"id":"a","id":"b","amount":500,\n'
    )
    out = _records(lines, b.Format.ndjson)
    assert [o["id"] for o in out] == ["big", "trailing", "cut", None]
    assert all("error" in o for o in out)


# ---------------------------------------------------------------- 6: a bad profile option


def test_a_near_miss_drug_is_exit_2_before_any_record(tmp_path: Path) -> None:
    path = tmp_path / "s3.csv"
    path.write_text("id,amount,form\nr1,100,citrate\nr2,200,oxide\n", encoding="utf-8")
    r = run_cli("batch", str(path), "--drug", "levothyroxin", "--fail-on", "caution")
    assert r.returncode == 2 and r.stdout == ""
    assert "--drug" in r.stderr and "levothyroxine" in r.stderr
    r = run_cli("batch", str(path), "--egfr", "50", "--ckd-stage", "5")
    assert r.returncode == 2 and r.stdout == ""


# ---------------------------------------------------------------- 9: two descriptions


def test_text_with_an_amount_or_form_is_an_error_record(tmp_path: Path) -> None:
    text = "id,amount,form,text,count\nb1,1000,oxide,Magnesium 10 mg,\nb2,,,Magnesium 10 mg,3\nb3,,,Magnesium 10 mg,\n"
    rc, out, _ = _run(
        tmp_path, "both.csv", text, "--fields", "elemental_mg_max,caution_levels", "--fail-on", "caution"
    )
    assert "not both" in out[0]["error"] and "not both" in out[1]["error"] and "error" not in out[2]
    assert rc == 1


# ---------------------------------------------------------------- 10: 1_0 is not ten


@pytest.mark.parametrize(
    "args",
    [
        ("label", "500", "--form", "citrate", "--count", "1_0"),
        ("label", "500", "--form", "citrate", "--count=1_0"),
        ("label", "500", "--form", "citrate", "-n1_0"),
        ("label", "500", "--form", "citrate", "--per-day", "1_0"),
        ("label", "500", "--form", "citrate", "--age", "7_0"),
        ("batch", "-", "--per-day", "2_4"),
    ],
)
def test_a_digit_separator_in_a_number_option_is_refused(args: tuple[str, ...]) -> None:
    r = run_cli(*args, "--plain") if args[0] == "label" else run_cli(*args)
    assert r.returncode == 2 and r.stdout == "" and "_" in r.stderr and "Traceback" not in r.stderr


def test_a_count_must_be_a_whole_number_written_in_digits() -> None:
    out = _records(
        "id,amount,form,count\nc9,500,citrate,1_0\nc8,500,citrate,2\nc7,500,citrate, 3 \n", b.Format.csv
    )
    assert "1_0" in out[0]["error"] and out[1]["compound_mg"] == 1000 and out[2]["compound_mg"] == 1500
    nd = '{"amount":500,"form":"citrate","count":true}\n{"amount":500,"form":"citrate","count":2.0}\n'
    bad, two = _records(nd, b.Format.ndjson)
    assert "true" in bad["error"] and two["compound_mg"] == 1000


@given(st.integers(1, 10_000), st.data())
def test_no_count_with_an_underscore_is_read(n: int, data: st.DataObject) -> None:
    text = str(n)
    if len(text) < 2:
        text = "1" + text
    at = data.draw(st.integers(1, len(text) - 1))
    [rec] = _records(f"amount,form,count\n500,citrate,{text[:at]}_{text[at:]}\n", b.Format.csv)
    assert "error" in rec


# ---------------------------------------------------------------- 14: the header's line


def test_the_csv_header_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "hl.csv"
    path.write_text("\n\nfoo,bar\n", encoding="utf-8")
    r = run_cli("batch", str(path))
    assert r.returncode == 2 and "(line 3," in r.stderr


def test_blank_lines_before_ndjson_on_stdin_do_not_make_it_csv() -> None:
    r = run_cli("batch", "--fields", "elemental_mg", input='\n\n{"id":"a","amount":500,"form":"citrate"}\n')
    assert r.returncode == 0 and json.loads(r.stdout) == {"line": 3, "id": "a", "elemental_mg": 80.815}
    r = run_cli("batch", "--fields", "elemental_mg", input="\n\nid,amount,form\na,500,citrate\n")
    assert r.returncode == 0 and json.loads(r.stdout)["line"] == 4


# ---------------------------------------------------------------- labels 9: a DSLD bound


def _row(op: str, qty: float, form: str) -> dict[str, Any]:
    return {
        "name": "Magnesium",
        "ingredientGroup": "Magnesium",
        "notes": f"Magnesium (Form: as Magnesium {form})",
        "quantity": [
            {
                "operator": op,
                "quantity": qty,
                "unit": "mg",
                "dailyValueTargetGroup": [{"name": "Adults", "percent": 75}],
            }
        ],
        "forms": [{"name": f"Magnesium {form}", "prefix": "as"}],
        "nestedRows": [],
    }


@pytest.mark.parametrize("op", ["<", ">", "<=", ">=", "~"])
def test_a_dsld_quantity_with_an_operator_is_a_bound_not_an_amount(tmp_path: Path, op: str) -> None:
    rec = {"id": 9, "ingredientRows": [_row(op, 300, "Citrate"), _row("=", 100, "Oxide")]}
    _, out, _ = _run(
        tmp_path,
        "op.ndjson",
        json.dumps(rec) + "\n",
        "--input-format",
        "dsld",
        "--fields",
        "elemental_mg_min,elemental_mg_max,checks",
    )
    assert out[0]["elemental_mg_min"] == 100 and out[0]["elemental_mg_max"] is None
    assert any("a bound, not an amount" in c for c in out[0]["checks"])
    assert any("lower bound" in c for c in out[0]["checks"])
    exact = {"id": 9, "ingredientRows": [_row("=", 300, "Citrate"), _row("=", 100, "Oxide")]}
    _, out, _ = _run(
        tmp_path,
        "eq.ndjson",
        json.dumps(exact) + "\n",
        "--input-format",
        "dsld",
        "--fields",
        "elemental_mg_max",
    )
    assert out[0]["elemental_mg_max"] == 400


def test_the_profile_check_raises_for_a_near_miss_in_core_too() -> None:
    """The core path still fails closed when no shell checked the profile first."""
    outcome = b.process(REF, 2, {"amount": "500", "form": "citrate"}, Profile(drugs=["levothyroxin"]))
    assert outcome.error is not None and "levothyroxine" in outcome.error
    with pytest.raises(MgcalcError):
        b.profile_cautions(REF, Profile(drugs=["levothyroxin"]))
