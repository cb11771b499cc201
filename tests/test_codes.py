"""Standard codes (issue 23): UNII per form, checked against its hydrate; RxCUI per drug rule."""

from __future__ import annotations

import json
import re

import pytest

from mgcalc.core.safety import match_drug
from mgcalc.reference import packaged_reference

from .conftest import run_cli

REF = packaged_reference()
FORMS = REF.catalogue.forms
WORDS = {"none": 0, "monohydrate": 1, "dihydrate": 2, "trihydrate": 3, "tetrahydrate": 4, "pentahydrate": 5,
         "hexahydrate": 6, "heptahydrate": 7, "octahydrate": 8, "nonahydrate": 9}  # fmt: skip


def _waters(formula: str) -> int:
    """Waters of crystallisation in a catalogue formula ("MgSO4.7H2O" -> 7, "Mg(OH)2" -> 0)."""
    return sum(int(n or 1) for n in re.findall(r"[.·](\d*)H2O", formula))


@pytest.mark.parametrize("form", [f for f in FORMS if f.unii], ids=lambda f: f.id)
def test_every_unii_names_the_forms_hydrate(form: object) -> None:
    note = form.unii_note  # type: ignore[attr-defined]
    assert note and form.formula, form.id  # type: ignore[attr-defined]
    m = re.match(r"hydrate: (\w+);", note)
    assert m, note
    assert WORDS[m[1]] == _waters(form.formula), (form.id, m[1], form.formula)  # type: ignore[attr-defined]
    assert form.unii in note and "http" in note  # the code and where it was checked  # type: ignore[attr-defined]


def test_every_form_says_why_it_has_no_code() -> None:
    for f in FORMS:
        assert f.unii_note, f.id
        if f.unii is None:
            assert f.unii_note.startswith("no code"), f.id


def test_codes_are_unique_to_one_substance() -> None:
    """One code names one substance: a second form may carry it only if its note names the first form."""
    seen: dict[str, str] = {}
    for f in FORMS:
        if not f.unii:
            continue
        if f.unii in seen:
            assert seen[f.unii] in (f.unii_note or ""), (f.id, f.unii, "also on", seen[f.unii])
        seen.setdefault(f.unii, f.id)


def test_a_null_form_with_a_coded_twin_points_to_its_code() -> None:
    """A product or brand entry of a coded substance (same formula) stays null and names the code it defers to."""
    coded = {f.formula: f for f in FORMS if f.unii and f.formula}
    twins = [f for f in FORMS if f.unii is None and f.formula in coded]
    assert twins
    for f in twins:
        assert coded[f.formula].unii in (f.unii_note or ""), (f.id, coded[f.formula].id)


def _docs_unii_rows() -> list[tuple[str, str, str, str]]:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "codes.md").read_text(encoding="utf-8")
    table = text.split("| form | formula | UNII | checked against |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.strip().splitlines()[1:]:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        rows.append((cells[0].strip("`"), cells[1], cells[2], cells[3]))
    return rows


def test_docs_unii_table_and_coverage_match_the_data() -> None:
    from pathlib import Path

    want = [(f.id, f.formula, f.unii, f.unii_note) for f in FORMS if f.unii]
    assert _docs_unii_rows() == want
    text = (Path(__file__).parents[1] / "docs" / "codes.md").read_text(encoding="utf-8")
    m = re.search(r"Coverage today: (\d+) of (\d+) forms have a UNII", text)
    assert m and (int(m[1]), int(m[2])) == (len(want), len(FORMS))


def test_unii_in_label_json_forms_json_and_batch_fields(tmp_path: object) -> None:
    r = run_cli("label", "500", "--form", "sulfate-heptahydrate", "--json")
    assert json.loads(r.stdout)["unii"] == REF.catalogue.get("sulfate-heptahydrate").unii
    forms = json.loads(run_cli("forms", "--json").stdout)
    assert {f["id"]: f["unii"] for f in forms}["oxide"] == REF.catalogue.get("oxide").unii
    r = run_cli(
        "batch", "-", "--fields", "id,form,unii", input="id,amount,form\na,500,oxide\nb,500,glycinate\n"
    )
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["unii"] for x in rows] == [REF.catalogue.get("oxide").unii, REF.catalogue.get("glycinate").unii]
    assert "UNII" in run_cli("forms", "oxide").stdout


def test_rxcui_resolves_to_its_rule_and_back() -> None:
    coded = [r for r in REF.cautions.all_rules() if r.rxcui]
    assert coded
    for rule in coded:
        for cui in rule.rxcui.values():
            found = match_drug(REF, cui)
            assert isinstance(found, list)
            # an ingredient's code finds the ingredient's rule; a brand's, when no ingredient rule has it
            assert rule.code in {x.code for x in found} or (
                not rule.generics and all(x.generics for x in found)
            )
    r = run_cli("check", "--drug", "levothyroxine", "--json")
    assert json.loads(r.stdout)["cautions"][0]["rxcui"] == [
        REF.cautions.rule("levothyroxine").rxcui["levothyroxine"]
    ]


def test_dsld_label_and_ingredient_ids_pass_through() -> None:
    from pathlib import Path

    path = Path(__file__).parent / "data" / "dsld" / "labels" / "266599.json"
    record = json.loads(path.read_text(encoding="utf-8"))

    def walk(rows: list[dict[str, object]]) -> set[str]:
        out = {str(r["ingredientId"]) for r in rows}
        for r in rows:
            out |= walk(r.get("nestedRows") or [])  # type: ignore[arg-type]
        return out

    ids = walk(record["ingredientRows"]) | walk(record["otheringredients"]["ingredients"])
    out = json.loads(run_cli("panel", str(path), "--json").stdout)
    assert out["id"] == str(record["id"])
    got = [line["ingredient_id"] for line in out["lines"]]
    assert got and all(g in ids for g in got)


def test_panel_lines_carry_each_forms_unii() -> None:
    """Every DSLD label of the test corpus: each line's forms map to the catalogue's UNII (or null)."""
    from pathlib import Path

    seen = 0
    for path in sorted((Path(__file__).parent / "data" / "dsld" / "labels").glob("*.json")):
        out = json.loads(run_cli("panel", str(path), "--json").stdout or "{}")
        for line in out.get("lines", []):
            assert line["unii"] == {f: REF.catalogue.get(f).unii for f in line["forms"]}
            seen += sum(code is not None for code in line["unii"].values())
    assert seen  # some line of the corpus joins to a UNII
