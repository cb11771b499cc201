"""Batch mode: one output record per input record, in order, through hostile input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc.core.batch import HeaderError, read_csv, read_ndjson, read_records, run
from mgcalc.reference import packaged_reference
from mgcalc.schema.records import BatchOutput, ParseResult
from mgcalc.schema.results import LabelResult

from .conftest import human_mg, run_cli

REF = packaged_reference()
CAT = REF.catalogue


def _csv_records(text: str) -> int:
    """How many records a CSV text holds after its header, counted by the csv module alone."""
    rows = list(csv.reader(io.StringIO(text)))
    return sum(1 for r in rows[1:] if r)


def _outputs(text: str, fmt: str = "csv") -> list[dict[str, object]]:
    reader = read_csv if fmt == "csv" else read_ndjson
    return [o.record() for o in run(REF, reader(io.StringIO(text)))]


def test_records_in_order_with_line_and_id() -> None:
    text = "id,amount,form,unit,basis,count\na,500,citrate,mg,,\nb,0.5,oxide,g,compound,2\nc,200,glycinate,,elemental,\nd,-5,citrate,,,\n"
    out = _outputs(text)
    assert [o["id"] for o in out] == ["a", "b", "c", "d"]
    assert [o["line"] for o in out] == [2, 3, 4, 5]
    assert out[0]["elemental_mg"] == pytest.approx(500 * CAT.get("citrate").fraction)
    assert out[1]["compound_mg"] == pytest.approx(1000) and out[1]["count"] == 2
    assert out[2]["input_basis"] == "elemental" and out[2]["elemental_mg"] == 200
    assert set(out[3]) == {"line", "id", "error"} and "greater than 0" in str(out[3]["error"])


def test_text_column_uses_the_label_reader() -> None:
    text = 'id,text\n1,"Magnesium (as magnesium citrate) 200 mg"\n2,"Magnesium 100 mg (as magnesium oxide, citrate)"\n3,Vitamin C 1 g\n'
    out = _outputs(text)
    assert out[0]["basis"] == "elemental" and out[0]["elemental_mg"] == 200 and out[0]["form"] == "citrate"
    assert out[1]["forms"] == ["oxide", "citrate"] and "form" not in out[1]
    assert "no magnesium" in str(out[2]["error"])


def test_ndjson_records_accept_numbers() -> None:
    text = '{"id": 7, "amount": 500, "form": "citrate"}\n\n{"amount": "1", "form": "oxide", "unit": "G"}\n[1]\nnope\n'
    out = _outputs(text, "ndjson")
    assert len(out) == 4
    assert out[0]["id"] == "7" and out[0]["compound_mg"] == 500
    assert out[1]["compound_mg"] == 1000
    assert "error" in out[2] and "error" in out[3]


def test_missing_and_extra_columns() -> None:
    with pytest.raises(
        HeaderError, match="needs 'amount' and 'form' columns, or 'text'; found: 'id', 'amount'"
    ):
        _outputs("id,amount\n1,500\n2,600\n")
    out = _outputs("amount,form\n500,citrate,surplus\n500,citrate\n")
    assert "error" in out[0] and "error" not in out[1]


def test_empty_and_header_only() -> None:
    assert _outputs("") == []
    assert _outputs("id,amount,form\n") == []


def test_output_validates_against_the_models() -> None:
    out = _outputs('amount,form,text\n500,citrate,\n,,"Mg (as oxide) 250mg 60% DV"\n')
    label_keys = set(LabelResult.model_fields)
    LabelResult.model_validate({k: v for k, v in out[0].items() if k in label_keys})
    ParseResult.model_validate({k: v for k, v in out[1].items() if k in ParseResult.model_fields})
    LabelResult.model_validate({k: v for k, v in out[1].items() if k in label_keys})
    for o in out:
        BatchOutput.model_validate(o)


def test_read_records_sniffs_the_format() -> None:
    csv_text = "amount,form\n500,citrate\n"
    nd_text = '{"amount": 500, "form": "citrate"}\n'
    for text in (csv_text, nd_text):
        out = [o.record() for o in run(REF, read_records(io.StringIO(text)))]
        assert len(out) == 1 and out[0]["elemental_mg"] == pytest.approx(500 * CAT.get("citrate").fraction)
    assert list(read_records(io.StringIO(""))) == []


@settings(max_examples=150)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.dictionaries(
                st.sampled_from(["id", "amount", "form", "text", "count", "unit", "basis"]),
                st.one_of(
                    st.text(max_size=10),
                    st.integers(),
                    st.floats(),
                    st.booleans(),
                    st.none(),
                    st.lists(st.integers(), max_size=2),
                ),
                max_size=5,
            ).map(json.dumps),
        ),
        max_size=10,
    )
)
def test_fuzz_ndjson_one_output_per_line(lines: list[str]) -> None:
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    text = "\n".join(lines)
    out = _outputs(text, "ndjson")
    expected = sum(1 for line in text.split("\n") if line.strip())
    assert len(out) == expected
    assert all("internal error" not in str(o.get("error", "")) for o in out)


def test_cli_batch_csv_to_ndjson_and_exit_codes(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("id,amount,form\nok,500,citrate\nbad,500,unobtainium\nok2,200,oxide\n", encoding="utf-8")
    r = run_cli("batch", str(f))
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 1 and [x["id"] for x in lines] == ["ok", "bad", "ok2"]
    assert "1 of 3 record(s) failed" in r.stderr and "Traceback" not in r.stderr
    ff = run_cli("batch", str(f), "--fail-fast")
    assert ff.returncode == 1 and len(ff.stdout.splitlines()) == 2
    good = tmp_path / "good.csv"
    good.write_text("id,amount,form\n1,500,citrate\n", encoding="utf-8")
    assert run_cli("batch", str(good)).returncode == 0


def test_cli_batch_stdin_sniffing_csv_output_and_profile(tmp_path: Path) -> None:
    r = run_cli(
        "batch",
        "-",
        "--output-format",
        "csv",
        "--egfr",
        "20",
        input='{"id": "x", "amount": 400, "form": "oxide"}\n',
    )
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.returncode == 0 and rows[0]["id"] == "x"
    assert json.loads(rows[0]["caution_levels"])["ckd"] == "avoid"
    nd = tmp_path / "in.ndjson"
    nd.write_text('{"amount": 500, "form": "citrate"}\n', encoding="utf-8")
    out = json.loads(run_cli("batch", str(nd), "--drug", "Synthroid").stdout)
    assert "levothyroxine" in out["caution_levels"]
    full = json.loads(run_cli("batch", str(nd), "--drug", "Synthroid", "--full").stdout)
    assert "levothyroxine" in [c["code"] for c in full["cautions"]]
    assert run_cli("batch", str(nd), "--drug", "Synthroid", "--fail-on", "caution").returncode == 3


def test_cli_batch_hostile_files(tmp_path: Path) -> None:
    bad = tmp_path / "bytes.csv"
    bad.write_bytes(b"id,amount,form\n1,500,citr\xff\xfeate\n2,500,citrate\n3,\x00\x01,oxide\n")
    r = run_cli("batch", str(bad))
    assert len(r.stdout.splitlines()) == 3 and "Traceback" not in r.stderr
    huge = tmp_path / "huge.csv"
    huge.write_text("id,text\n1," + "x" * 1_000_000 + "\n2,Magnesium citrate 500 mg\n", encoding="utf-8")
    r = run_cli("batch", str(huge))
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(out) == 2 and "error" in out[0] and out[1]["form"] == "citrate"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert run_cli("batch", str(empty)).stdout == ""
    header = tmp_path / "header.csv"
    header.write_text("id,amount,form\n", encoding="utf-8")
    r = run_cli("batch", str(header))
    assert r.returncode == 0 and r.stdout == ""
    missing = run_cli("batch", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_cli_parse_lines_from_stdin() -> None:
    r = run_cli("parse", "--json", input="Magnesium Citrate 500 mg\nVitamin C 1 g\nMagnesium stearate\n")
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 1 and len(out) == 3
    assert out[0]["basis"] == "compound" and "error" in out[1] and out[2]["excipient"] is True
    one = run_cli("parse", "Magnesium (as magnesium citrate) 200 mg", "--json")
    data = json.loads(one.stdout)
    assert {
        "text",
        "basis",
        "forms",
        "stated_mg",
        "elemental_mg_min",
        "elemental_mg_max",
        "excipient",
        "trap",
    } <= data.keys()
    bad = run_cli("parse", "Vitamin C 500 mg")
    assert bad.returncode == 2 and "no magnesium" in bad.stderr
    human = run_cli("parse", "Magnesium Citrate 500 mg").stdout
    assert f"{human_mg(500, CAT.get('citrate').elemental_pct)} of magnesium" in human
