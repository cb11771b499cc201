"""RxCUI per drug rule (issue 23): the data's codes, the documented list of generics without one, and
`check --drug <RxCUI>` finding the rule."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from mgcalc.core.safety import ingredient_codes, match_drug
from mgcalc.reference import packaged_reference
from mgcalc.schema.cautions import DrugRule

from .conftest import run_cli

REF = packaged_reference()
RULES = REF.cautions.all_rules()
DOC = (Path(__file__).parents[1] / "docs" / "codes.md").read_text(encoding="utf-8")


def _table(heading: str) -> list[list[str]]:
    """The rows (cells, backticks dropped) of the first table after a docs/codes.md heading."""
    part = DOC[DOC.index(heading) :]
    rows = []
    for line in part.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("| ") and not line.startswith("|---"):
            rows.append([c.strip().strip("`") for c in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header row


def test_documented_generics_without_a_code_are_the_datas() -> None:
    data = {(r.code, g) for r in RULES for g in r.generics if g not in r.rxcui}
    documented = [(row[0], row[1]) for row in _table("### Generic names without a code")]
    assert len(documented) == len(set(documented))
    assert set(documented) == data
    assert all(row[2] for row in _table("### Generic names without a code"))  # each says why


def test_documented_codes_are_the_datas() -> None:
    data = {(r.code, g, cui) for r in RULES for g, cui in r.rxcui.items()}
    documented = {(row[0], row[1], row[2]) for row in _table("## RxCUI per drug rule")}
    assert documented == data
    for row in _table("## RxCUI per drug rule"):
        assert re.search(r"\S+/\S+ \S+ \(commit [0-9a-f]{40}\)", row[4]), row  # where it was read


def test_codes_are_digit_strings() -> None:
    for rule in RULES:
        for generic, cui in rule.rxcui.items():
            assert re.fullmatch(r"[1-9][0-9]{0,8}", cui), (rule.code, generic, cui)


def test_one_ingredient_never_gets_two_codes() -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    for rule in RULES:
        for generic, cui in rule.rxcui.items():
            by_name[generic].add(cui)
    assert {g: c for g, c in by_name.items() if len(c) > 1} == {}


def test_one_code_never_names_two_ingredients() -> None:
    # two generic names may share a code only as two spellings of one RxNorm ingredient (frusemide
    # and furosemide): each row names RxNorm's own name for its code, and one code has one name
    names: dict[str, set[str]] = defaultdict(set)
    for row in _table("## RxCUI per drug rule"):
        assert row[3], row
        names[row[2]].add(row[3].removesuffix(" (IN)"))  # a brand's row names the code's term type
    assert {c: n for c, n in names.items() if len(n) > 1} == {}


def test_brand_only_rules_are_listed() -> None:
    part = DOC[DOC.index("### Rules without a generic name") : DOC.index("DSLD records keep their ids")]
    listed = set(re.findall(r"`([a-z0-9-]+)`", part))
    assert listed == {r.code for r in RULES if not r.generics}
    # the why-not table: every brand-only rule with a brand that carries no code, each with its reason
    why = {row[0]: row[1] for row in _table("### Rules without a generic name")}
    assert set(why) == {r.code for r in RULES if not r.generics and set(r.brands) - set(r.rxcui)}
    assert all(why.values())


@pytest.mark.parametrize(
    ("rxcui", "rule"),
    [
        ("3640", "tetracycline"),
        ("7646", "ppi"),
        ("139462", "moxifloxacin"),
        ("6581", "magnesium-product"),
        ("2122518", "dovato"),
        ("6585", "epsom-salt"),
    ],
)
def test_check_drug_accepts_an_rxcui(rxcui: str, rule: str) -> None:
    out = json.loads(run_cli("check", "--drug", rxcui, "--json").stdout)
    assert [c["code"] for c in out["cautions"]] == [rule]
    assert rxcui in out["cautions"][0]["rxcui"]
    assert out["unknown_drugs"] == []


# A medicine's code is its own ingredient's, never its class's: doxycycline under the tetracycline
# rule is 3640's ingredient only, not minocycline's too (an EHR joining on it would be misled).

CODED = [(r, g) for r in RULES for g in r.rxcui]


@pytest.mark.parametrize(("rule", "generic"), CODED, ids=lambda v: getattr(v, "code", v))
def test_a_generic_carries_its_own_code_only(rule: object, generic: str) -> None:
    assert isinstance(rule, DrugRule)
    found = match_drug(REF, generic)
    assert isinstance(found, list)
    codes = {c for r in found for c in ingredient_codes(REF, generic, r)}
    assert codes == {rule.rxcui[generic]}


def test_a_name_that_is_no_one_ingredient_gets_no_code() -> None:
    for rule in RULES:
        if len(set(rule.rxcui.values())) > 1:  # a class: its brands and class words name no one ingredient
            for brand in rule.brands:
                expected = [rule.rxcui[brand]] if brand in rule.rxcui else []  # a brand-only rule's own key
                assert ingredient_codes(REF, brand, rule) == expected, (rule.code, brand)


def test_check_and_plan_give_the_medicine_its_own_code(tmp_path: Path) -> None:
    checked = json.loads(run_cli("check", "--drug", "doxycycline", "--json").stdout)
    assert [c["rxcui"] for c in checked["cautions"] if c["code"] == "tetracycline"] == [["3640"]]
    regimen = tmp_path / "r.yaml"
    regimen.write_text(
        'day:\n  wake: "07:00"\n  sleep: "23:00"\nmedicines:\n  - name: doxycycline 100 mg\n'
        '    times: ["08:00"]\nmagnesium:\n  - label: "Magnesium (as magnesium glycinate) 200 mg"\n',
        encoding="utf-8",
    )
    planned = run_cli("plan", str(regimen), "--json")
    medicines = json.loads(planned.stdout)["medicines"]
    assert [m["rxcui"] for m in medicines] == [["3640"]]
