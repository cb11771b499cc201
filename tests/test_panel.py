"""Whole panels (``mgcalc panel``), DSLD label records, and DSLD batches.

Real panels: the corpus labels (``tests/data/dsld/labels``) and two Drug Facts
panels of milk of magnesia from DailyMed (``tests/data/panels``, provenance in
its README). Expected figures come from the catalogue's stoichiometry or the
DSLD record's own numbers, never restated by hand.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.core.batch import dsld_outcomes as outcomes
from mgcalc.core.dsld import read_dsld, read_label, record_panel
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.reference import packaged_reference
from mgcalc.schema.inputs import Profile
from mgcalc.schema.records import BatchOutput, PanelResult

from .conftest import run_cli

REF = packaged_reference()
CAT = REF.catalogue
HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "dsld" / "labels"
PANELS = HERE / "data" / "panels"


def read(text: str, profile: Profile | None = None) -> PanelResult:
    return panel(REF, read_panel_text(text), profile)


def record(label_id: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((LABELS / f"{label_id}.json").read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------- pasted text

NESTED = """Supplement Facts
Serving Size 2 Tablets
Servings Per Container 60
Amount Per Serving          % Daily Value
Magnesium 135 mg                     32%
  Magnesium Citrate 55 mg
  Dimagnesium Malate 80 mg
Zinc (as Zinc Citrate) 10 mg         91%
Other Ingredients: Cellulose, Vegetable Magnesium Stearate, Silica.
"""


def test_nested_per_form_rows_are_counted_once() -> None:
    r = read(NESTED)
    assert (r.serving_size, r.servings_per_container, r.per) == ("2 Tablets", 60, "serving")
    assert r.elemental_mg_min == r.elemental_mg_max == 135
    roles = [(x.role, x.counted) for x in r.lines]
    assert roles == [("source", True), ("part", False), ("part", False), ("excipient", False)]
    assert [x.elemental_mg_max for x in r.lines[1:3]] == [55, 80]
    assert r.lines[1].nested_under == "Magnesium 135 mg                     32%"
    assert r.excipients == ["magnesium stearate"]
    assert any("add up to 135 mg" in c for c in r.checks)


def test_nested_rows_without_indentation_are_found_by_their_sum() -> None:
    flat = "\n".join(line.strip() for line in NESTED.splitlines())
    r = read(flat)
    assert r.elemental_mg_min == r.elemental_mg_max == 135
    assert [x.role for x in r.lines[:3]] == ["source", "part", "part"]
    assert any("no indentation" in c for c in r.checks)


def test_a_nested_compound_weight_that_holds_the_parent() -> None:
    r = read((LABELS / "205710.txt").read_text(encoding="utf-8"))
    parent = record("205710")["ingredientRows"][0]  # type: ignore[index]
    assert r.elemental_mg_max == parent["quantity"][0]["quantity"]  # type: ignore[index]
    assert r.lines[1].role == "part" and r.lines[1].elemental_mg_max == pytest.approx(
        500 * CAT.get("oxide").fraction
    )


def test_a_compound_row_beside_the_magnesium_row_that_does_not_hold_it_gives_a_range() -> None:
    """It may restate the same magnesium or add to it: never guessed, both readings kept."""
    r = read(
        "Supplement Facts\nMagnesium (as Magnesium Bisglycinate Chelate) 200 mg 48%\n"
        "Magnesium Bisglycinate Chelate 1,000 mg\n"
    )
    extra = 1000 * CAT.resolve("bisglycinate").fraction
    assert r.elemental_mg_min == 200 and r.elemental_mg_max == pytest.approx(200 + extra)
    assert any("restate" in c for c in r.checks)


def test_every_corpus_panel_reads_every_magnesium_line() -> None:
    """The pasted panels of the corpus: no line naming magnesium left unread (label 269726's
    magnesium beta-hydroxybutyrate is in the catalogue since issue 19)."""
    unread = {}
    for path in sorted(LABELS.glob("*.txt")):
        r = read(path.read_text(encoding="utf-8"))
        errors = [x.text for x in r.lines if x.error]
        if errors:
            unread[path.stem] = errors
    assert list(unread) == []


def test_a_420_mg_oxide_capsule_shows_the_ul_caution() -> None:
    text = "Supplement Facts\nServing Size 1 Capsule\nMagnesium (as Magnesium Oxide) 420 mg 100% DV\n"
    r = read(text, Profile(age=30, sex="female"))
    assert r.elemental_mg_max == 420
    codes = [c.code for c in r.cautions]
    assert "upper-limit" in codes and "laxative" in codes
    quiet = read(text.replace("420 mg 100%", "100 mg 24%"), Profile(age=30, sex="female"))
    assert "upper-limit" not in [c.code for c in quiet.cautions]


def test_servings_a_day_multiply_the_daily_amount() -> None:
    r = read("Supplement Facts\nMagnesium (as Magnesium Citrate) 150 mg 36% DV\n", Profile(per_day=3))
    assert r.per_day == 3 and r.daily_elemental_mg_max == 450
    assert "upper-limit" in [c.code for c in r.cautions]


def test_pregnancy_footnote_sets_the_dv_group() -> None:
    r = read((LABELS / "2957.txt").read_text(encoding="utf-8"))
    assert r.dv_group == "pregnancy-lactation"
    assert r.elemental_mg_max == 500 and not [c for c in r.checks if "does not fit" in c]


# ---------------------------------------------------------------- Drug Facts


def test_milk_of_magnesia_drug_facts() -> None:
    """DailyMed set 30fb7b5e: 1200 mg magnesium hydroxide per 15 mL, and its own "magnesium 500 mg"."""
    r = read((PANELS / "milk-of-magnesia-dailymed-30fb7b5e.txt").read_text(encoding="utf-8"))
    assert r.kind == "drug facts" and r.per == "15 mL"
    expected = 1200 * CAT.resolve("magnesium hydroxide").fraction
    assert r.elemental_mg_min == r.elemental_mg_max == pytest.approx(expected)
    assert round(expected) == 500
    source = [x for x in r.lines if x.counted]
    assert [x.text for x in source] == ["Magnesium hydroxide 1200 mg"] and source[0].basis == "compound"
    assert any("agrees with the active ingredient" in c for c in r.checks)
    assert "laxative" in [c.code for c in r.cautions]  # hydroxide is strongly laxative, near the UL


def test_drug_facts_pasted_on_fewer_lines() -> None:
    """The same DailyMed panel with its columns run together, as a copy from a web page gives it."""
    text = (PANELS / "milk-of-magnesia-dailymed-30fb7b5e.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    joined = "\n".join([f"{lines[0]} {lines[1]} {lines[2]} {lines[3]}", *lines[4:]])
    assert joined.startswith(
        "Active ingredient (in each 15 mL) Magnesium hydroxide 1200 mg Purpose Saline laxative"
    )
    r = read(joined)
    assert r.per == "15 mL" and r.elemental_mg_max == pytest.approx(
        1200 * CAT.resolve("magnesium hydroxide").fraction
    )
    assert [x.text for x in r.lines if x.counted] == ["Magnesium hydroxide 1200 mg"]


def test_drug_facts_elemental_statement_that_disagrees() -> None:
    """DailyMed set 7f7f66eb: 1200 mg magnesium hydroxide USP per 15 mL, 'magnesium 535 mg'."""
    r = read((PANELS / "milk-of-magnesia-dailymed-7f7f66eb.txt").read_text(encoding="utf-8"))
    expected = 1200 * CAT.resolve("magnesium hydroxide").fraction
    assert r.per == "15 mL Tablespoon"
    assert r.elemental_mg_min == pytest.approx(expected) and r.elemental_mg_max == 535
    assert any(c.startswith("label error") and "535 mg" in c for c in r.checks)
    assert not [x for x in r.lines if "calcium" in x.text.lower()]


# ---------------------------------------------------------------- DSLD records


def test_dsld_record_and_its_panel_text_agree() -> None:
    a = read_label(REF, record("65718"))
    assert a.kind == "dsld" and a.id == "65718"
    assert a.elemental_mg_min == a.elemental_mg_max == 200
    assert [x.role for x in a.lines] == ["source", "part", "part"]


def test_dsld_record_names_and_servings() -> None:
    r = read_label(REF, record("37397"))
    assert (r.full_name, r.brand_name, r.serving_size) == ("Meta-Fem", "Thorne Research", "4-8 Capsule(s)")


def test_dsld_traps_are_reported() -> None:
    manganese = read_label(REF, record("63930"))
    assert manganese.elemental_mg_max == 0 and manganese.lines == []
    assert any("data-entry error" in c and "Manganese" in c for c in manganese.checks)
    stearate = read_label(REF, record("270357"))  # "Magnesium Stearate" filed under group "Magnesium"
    assert stearate.excipients == ["magnesium stearate"] and stearate.elemental_mg_max == 0
    assert any("group 'Magnesium'" in c for c in stearate.checks)
    veg = read_label(REF, record("205710"))  # "Vegetable Stearate" filed under magnesium stearate
    assert any("Vegetable Stearate" in c and "Magnesium stearate" in c for c in veg.checks)
    talc = read_label(REF, record("26628"))
    assert "talc" in talc.excipients
    lost = read_label(REF, record("2957"))  # a flat export: the forms kept no "as"
    assert lost.elemental_mg_max == 500 and any("lost the 'as'/'from'" in c for c in lost.checks)


def test_max_daily_servings_is_held_against_the_ul() -> None:
    """Label 270357's record with maxDailyServings 2 added (the corpus export keeps no daily servings)
    and a magnesium row taken from label 201414."""
    rec = copy.deepcopy(record("270357"))
    rec["servingSizes"][0]["maxDailyServings"] = 2  # type: ignore[index]
    rec["ingredientRows"] = record("201414")["ingredientRows"]
    r = read_label(REF, rec)
    assert r.max_daily_servings == 2 and r.per_day == 2
    assert r.daily_elemental_mg_max == 2 * r.elemental_mg_max  # type: ignore[operator]
    assert "upper-limit" in [c.code for c in r.cautions]
    override = read_label(REF, rec, Profile(per_day=3))
    assert override.per_day == 3


@pytest.mark.parametrize("bad", [[], "x", {"id": 1}, {"ingredientRows": "no"}])
def test_not_a_record(bad: object) -> None:
    with pytest.raises(MgcalcError, match="DSLD label record"):
        record_panel(bad)


# ---------------------------------------------------------------- batches of records


def _records(text: str) -> list[dict[str, object]]:
    return [o.record() for o in outcomes(REF, read_dsld(io.StringIO(text)))]


def test_dsld_batch_reads_an_array_ndjson_and_one_pretty_record() -> None:
    ids = ["65718", "2957", "63930"]
    recs = [record(i) for i in ids]
    array = json.dumps(recs, indent=2)
    ndjson = "\n".join(json.dumps(r) for r in recs) + "\n"
    for text in (array, ndjson):
        out = _records(text)
        assert [o["id"] for o in out] == ids
        assert [o["elemental_mg_max"] for o in out] == [200, 500, 0]
        for o in out:
            BatchOutput.model_validate(o)
    one = _records(json.dumps(recs[0], indent=2))
    assert [o["id"] for o in one] == ["65718"]


def test_dsld_batch_bad_records_are_errors_and_the_rest_go_on() -> None:
    good = json.dumps(record("65718"))
    out = _records(f'{good}\nnot json\n{{"id": 5}}\n[1]\n{good}\n')
    assert [("error" in o and o["error"] is not None) for o in out] == [False, True, True, True, False]
    assert out[2]["id"] == "5" and "ingredientRows" in str(out[2]["error"])
    broken = _records('[{"id": 1, "ingredientRows": []}, {"id": 2, "ingr')
    assert broken[0]["id"] == "1" and "error" in broken[1]


def test_dsld_batch_cli_pipes_through_jq_shape(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([record("65718"), record("37397"), record("269726")]), encoding="utf-8")
    run = run_cli("batch", str(path), "--input-format", "dsld", "--age", "40", "--sex", "female")
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["id"] for o in out] == ["65718", "37397", "269726"]
    assert out[1]["full_name"] == "Meta-Fem" and out[1]["brand_name"] == "Thorne Research"
    # 7 g of magnesium beta-hydroxybutyrate beside Magnesium 700 mg: it may restate it or add to it
    bhb = packaged_reference().catalogue.get("beta-hydroxybutyrate")
    assert out[2]["elemental_mg_min"] == 700
    assert out[2]["elemental_mg_max"] == pytest.approx(700 + 7000 * bhb.fraction)
    csv_run = run_cli("batch", str(path), "--input-format", "dsld", "--output-format", "csv")
    assert csv_run.returncode == 0 and csv_run.stdout.splitlines()[0].startswith("line,id,error")


def test_panel_cli_reads_text_json_and_stdin(tmp_path: Path) -> None:
    text = run_cli("panel", str(LABELS / "65718.txt"), "--json")
    assert text.returncode == 0 and json.loads(text.stdout)["elemental_mg_max"] == 200
    rec = run_cli("panel", str(LABELS / "65718.json"), "--json")
    assert json.loads(rec.stdout)["id"] == "65718"
    plain_name = tmp_path / "label.record"
    plain_name.write_text((LABELS / "65718.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert json.loads(run_cli("panel", str(plain_name), "--dsld", "--json").stdout)["kind"] == "dsld"
    stdin = run_cli("panel", "--json", input=NESTED)
    assert json.loads(stdin.stdout)["elemental_mg_max"] == 135
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("Supplement Facts\nMagnesium 100 mg\nMagnesium Xyzate 500 mg\n", encoding="utf-8")
    unread = run_cli("panel", str(unknown))
    assert unread.returncode == 1 and "cannot read" in unread.stdout
    several = tmp_path / "two.json"
    several.write_text(json.dumps([record("65718"), record("2957")]), encoding="utf-8")
    bad = run_cli("panel", str(several))
    assert bad.returncode == 2 and "batch" in bad.stderr and bad.stderr.count("\n") == 1
    missing = run_cli("panel", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


# ---------------------------------------------------------------- hostile input

PIECES = [
    "Supplement Facts",
    "Drug Facts",
    "Serving Size 2 Tablets",
    "Servings Per Container about 30",
    "Magnesium 200 mg 50%",
    "  Magnesium Citrate 120 mg",
    "  Magnesium Malate",
    "Magnesium (as Magnesium Oxide (from",
    "Active ingredient (in each 15 mL)",
    "Magnesium hydroxide 1200 mg ...... Saline laxative",
    "Other information",
    "• magnesium 500 mg • calcium 20 mg and magnesium",
    "Other Ingredients: Talc, (Vegetable Stearate, magnesium",
    "% Daily Values are for Pregnant and Lactating women.",
    "\x1b[2J",
    "1e309 mg",
    "\u0663\u0660\u0660 mg",
    "",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14), st.integers(0, 6))
def test_any_panel_text_is_read_or_refused_cleanly(lines: list[str], indent: int) -> None:
    text = "\n".join((" " * indent if i % 2 else "") + line for i, line in enumerate(lines))
    try:
        r = read(text)
    except MgcalcError:
        return
    if r.elemental_mg_max is not None and r.elemental_mg_min is not None:
        assert 0 <= r.elemental_mg_min <= r.elemental_mg_max
    assert all(x.role in ("source", "part", "excipient", "other") for x in r.lines)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 500) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "ingredientRows",
                    "nestedRows",
                    "quantity",
                    "forms",
                    "unit",
                    "prefix",
                    "notes",
                    "dailyValueTargetGroup",
                    "percent",
                    "servingSizes",
                    "maxDailyServings",
                    "otheringredients",
                    "ingredients",
                    "ingredientGroup",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(JSONISH)
def test_any_json_is_a_record_or_a_clean_error(data: object) -> None:
    out = _records(json.dumps(data))
    for o in out:
        assert (o.get("error")) or "lines" in o
