"""Medicine names one step off the documented path (meds probe, findings 1-6, 8 and 11).

The first rule: what mgcalc cannot identify is never cleared. A combination is read part by part,
a route word belongs to its own part, a known word never hides an unknown one, and where several
members of one class are named the strictest holds. Expected rules come from data/cautions.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError, Profile, check
from mgcalc.core.safety import match_parts, read_parts
from mgcalc.reference import packaged_reference
from mgcalc.schema.base import severity
from mgcalc.schema.cautions import Combination, DrugRule, norm_name
from mgcalc.schema.plan import minutes

from .conftest import run_cli

REF = packaged_reference()
CAUTIONS = REF.cautions
RULES: list[DrugRule] = CAUTIONS.all_rules()
DAY = {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]}


def _codes(name: str) -> list[str]:
    """The codes of the drug cautions ``check`` gives for one --drug name (sorted)."""
    return sorted(c.code for c in check(Profile(drugs=[name])).cautions)


def _unknown(name: str) -> list[str]:
    return [u.name for u in check(Profile(drugs=[name])).unknown_drugs]


def _rule(code: str) -> DrugRule:
    return CAUTIONS.rule(code)


def _rule_of(name: str) -> DrugRule:
    (rule,) = match_parts(REF, name)[0]
    return rule


def _plan(tmp_path: Path, medicines: list[dict[str, object]], form: str = "glycinate") -> tuple[int, dict]:
    """``mgcalc plan --json`` on a regimen file: (exit code, the JSON)."""
    regimen = {
        "person": {"age": 40, "sex": "male"},
        "day": DAY,
        "medicines": medicines,
        "magnesium": [{"form": form, "amount": "200 mg", "elemental": True}],
    }
    path = tmp_path / "regimen.yaml"
    path.write_text(yaml.safe_dump(regimen), encoding="utf-8")
    r = run_cli("plan", str(path), "--json")
    return r.returncode, json.loads(r.stdout)


def _magnesium_times(result: dict) -> list[int]:
    return [minutes(i["time"]) for i in result["schedule"] if i["kind"] == "magnesium"]


def _gap_ok(t: int, drug_at: int, rule: DrugRule) -> bool:
    """Whether magnesium at ``t`` keeps ``rule`` around a daily dose at ``drug_at``: the drug at least
    B h before this magnesium and at least A h after it (an open direction takes the other's hours)."""
    b, a = rule.drug_before_hours, rule.drug_after_hours
    b = a if b is None else b
    a = b if a is None else a
    assert a is not None and b is not None
    return (t - drug_at) % 1440 >= b * 60 and (drug_at - t) % 1440 >= a * 60


# ---------------------------------------------------------------- 1. a route word belongs to its part


def test_a_route_word_in_one_part_does_not_clear_the_other() -> None:
    # the report's repro: raltegravir taken by mouth next to eye drops is AVOID, not info
    assert "raltegravir" in _codes("timolol eye drops + raltegravir")
    assert "raltegravir-route" not in _codes("timolol eye drops + raltegravir")
    codes = _codes("metformin / timolol eye drops")
    assert codes.count("unknown-drug") == 1 and "unknown-drug-route" in codes  # metformin oral, timolol eye
    # one step further: the route still clears its own part, and an oral spelling of the same drug wins
    assert sorted(_codes("raltegravir + ciprofloxacin ear drops")) == ["ciprofloxacin-route", "raltegravir"]
    assert _codes("ciprofloxacin ear drops + ciprofloxacin 500 mg") == ["ciprofloxacin"]
    # a single name keeps the documented reading: its route word is its own
    assert _codes("ciprofloxacin ear drops") == ["ciprofloxacin-route"]


@pytest.mark.parametrize("flag", ["avoid", "caution"])
def test_fail_on_fires_for_the_oral_part(flag: str) -> None:
    name = "timolol eye drops + raltegravir" if flag == "avoid" else "metformin / timolol eye drops"
    assert run_cli("check", "--drug", name, "--fail-on", flag, "--brief").returncode == 3


@given(
    rule=st.sampled_from([r for r in RULES if r.oral_chelation and r.level != "info" and r.generics]),
    route=st.sampled_from(["eye drops", "ear drops", "cream", "IV infusion", "inhaled"]),
    first=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_another_parts_route_never_clears_an_oral_medicine(rule: DrugRule, route: str, first: bool) -> None:
    generic = rule.generics[0]
    other = f"zorblaxin {route}"
    name = f"{other} + {generic}" if first else f"{generic} / {other}"
    try:
        rules, _ = match_parts(REF, name)
    except MgcalcError:  # a generic that is itself ambiguous or close to another name: not this rule's case
        return
    alone = match_parts(REF, generic)[0]
    assert {r.code for r in alone} <= {r.code for r in rules}
    assert not any(p.route for p in read_parts(REF, name) if p.rules)  # the oral part has no route


def test_plan_keeps_the_oral_rule_beside_a_cream(tmp_path: Path) -> None:
    # the report's eye.yaml: magnesium at 07:30 was 30 min before oral ciprofloxacin
    rc, result = _plan(
        tmp_path, [{"name": "ciprofloxacin 500 mg + hydrocortisone cream", "times": ["08:00", "20:00"]}]
    )
    rule = _rule_of("ciprofloxacin")
    times = _magnesium_times(result)
    assert times
    for t in times:
        for at in ("08:00", "20:00"):
            assert _gap_ok(t, minutes(at), rule), (t, at)
    assert any(c["code"] == "ciprofloxacin" for c in result["cautions"])
    assert rc == 0


# ---------------------------------------------------------------- 2. the strictest member holds


@pytest.mark.parametrize(
    "name", ["dasatinib (Phyrago)", "Phyrago (dasatinib)", "Phyrago", "dasatinib Phyrago 100 mg"]
)
def test_generic_before_brand_keeps_the_brands_avoid(name: str) -> None:
    assert _codes(name) == ["dasatinib-phyrago"]
    assert run_cli("check", "--drug", name, "--fail-on", "avoid", "--brief").returncode == 3


def test_phyrago_plan_gives_no_magnesium_times(tmp_path: Path) -> None:
    rc, result = _plan(tmp_path, [{"name": "dasatinib (Phyrago) 100 mg", "times": ["08:00"]}], form="oxide")
    assert _magnesium_times(result) == [] and rc == 1


def _classes() -> list[tuple[str, str]]:
    """Pairs of names of two different rules of one class (generic or brand, one word each)."""
    combinations = {norm_name(b) for c in CAUTIONS.combinations for b in c.brands}  # read as ingredients
    by_class: dict[str, list[tuple[str, str]]] = {}
    for r in RULES:
        for n in (*r.generics, *r.brands):
            if (
                " " not in n
                and "-" not in n
                and norm_name(n) not in combinations
                and CAUTIONS.rules_named(norm_name(n)) == [r]
            ):
                by_class.setdefault(r.drug_class or r.code, []).append((r.code, n))
    pairs = []
    for names in by_class.values():
        for code_a, a in names:
            pairs += [(a, b) for code_b, b in names if code_b != code_a]
    return pairs


@given(pair=st.sampled_from(_classes()))
@settings(max_examples=80, deadline=None)
def test_two_members_named_together_are_never_milder_than_either(pair: tuple[str, str]) -> None:
    a, b = pair
    worst = max(severity(r.level) for n in (a, b) for r in match_parts(REF, n)[0])
    for name in (f"{a} ({b})", f"{b} ({a})", f"{a} {b}"):
        rules, unknown = match_parts(REF, name)
        assert unknown == []
        assert max(severity(r.level) for r in rules) == worst, name


# ---------------------------------------------------------------- 3. hyphenated combinations


def test_a_hyphen_between_two_medicines_splits_them() -> None:
    assert _codes("lamivudine-raltegravir") == ["raltegravir", "unknown-drug"]
    assert _unknown("lamivudine-raltegravir") == ["lamivudine (in lamivudine-raltegravir)"]
    assert _codes("lamivudine-raltegravir 150-300 mg") == ["raltegravir", "unknown-drug"]
    assert _codes("TRIAMTERENE-HCTZ") == _codes("triamterene/hctz")
    assert "ciprofloxacin" in _codes("cipro-metformin") and "unknown-drug" in _codes("cipro-metformin")
    assert run_cli("check", "--drug", "lamivudine-raltegravir", "--fail-on", "avoid").returncode == 3


def _one_word_generics() -> list[str]:
    """Generics of one word, each a name of exactly one rule."""
    return [
        g
        for r in RULES
        for g in r.generics
        if g.isalpha() and len(g) > 5 and CAUTIONS.rules_named(norm_name(g)) == [r]
    ]


@given(a=st.sampled_from(_one_word_generics()), b=st.sampled_from(_one_word_generics()))
@settings(max_examples=80, deadline=None)
def test_a_hyphen_between_two_known_generics_reads_as_a_slash(a: str, b: str) -> None:
    hyphen, slash = match_parts(REF, f"{a}-{b}"), match_parts(REF, f"{a}/{b}")
    assert {r.code for r in hyphen[0]} == {r.code for r in slash[0]}
    assert hyphen[1] == [] == slash[1]


@pytest.mark.parametrize(
    "name", ["L-thyroxine", "Mag-Tab SR", "Slow-Mag", "co-amilozide", "Pico-Salax", "Mag-Ox 400"]
)
def test_a_known_hyphenated_name_stays_whole(name: str) -> None:
    parts = read_parts(REF, name)
    assert len(parts) == 1 and parts[0].rules and not parts[0].unknown


def test_hyphenated_combination_plan_gives_no_magnesium_times(tmp_path: Path) -> None:
    meds = [{"name": "lamivudine-raltegravir 150-300 mg", "times": ["08:00", "20:00"]}]
    rc, result = _plan(tmp_path, meds)
    assert _magnesium_times(result) == [] and rc == 1


# ---------------------------------------------------------------- 4. words beside a known name


@pytest.mark.parametrize(
    ("name", "rule", "unknown"),
    [
        ("levothyroxine & metformin", "levothyroxine", ["metformin"]),
        ("cipro metformin", "ciprofloxacin", ["metformin"]),
        ("emtricitabine rilpivirine tenofovir", "rilpivirine", ["emtricitabine", "tenofovir"]),
        ("emtricitabine & rilpivirine & tenofovir", "rilpivirine", ["emtricitabine", "tenofovir"]),
        ("metformin 500 mg cipro bid", "ciprofloxacin", ["metformin"]),
    ],
)
def test_an_unknown_word_beside_a_known_one_is_an_unknown_part(
    name: str, rule: str, unknown: list[str]
) -> None:
    rules, lost = match_parts(REF, name)
    assert [r.code for r in rules] == [rule]
    assert [u.name for u in lost] == [f"{u} (in {name})" for u in unknown]


def test_a_misspelt_word_beside_a_known_one_is_refused() -> None:
    with pytest.raises(MgcalcError, match="levothyroxine"):
        match_parts(REF, "cipro levothyroxin")


#: the meds probe's "behaved correctly" names: each gives exactly its rule, nothing unknown
DECORATED = {
    "ciprofloxacin": [
        "cipro",
        "Cipro XR 1000",
        "Proquin XR",
        "ciprofloxacin ER",
        "Cipro 500mg BID",
        "cipro 1 tab q12h",
        "cipro x7 days",
    ],
    "levothyroxine": [
        "Synthroid",
        "Levoxyl",
        "Unithroid 50",
        "Euthyrox",
        "Tirosint",
        "Eltroxin",
        "L-thyroxine",
        "lt4",
        "liothyronine",
        "Cytomel",
        "levothyroxine sodium 50 mcg",
        "levothyroxine 50 mcg qAM",
    ],
    "alendronate": [
        "alendronic acid 70mg weekly",
        "alendronate 70 mg once weekly",
        "Fosamax 70 mg every Sunday",
        "Fosamax",
        "Fosamax gel",
    ],
    "atelvia": ["Atelvia (risedronate)", "risedronate DR", "risedronate delayed-release"],
    "tetracycline": [
        "doxy",
        "Acticlate",
        "Minocin",
        "Solodyn",
        "Targadox",
        "Monodox",
        "Periostat",
        "Doxycycline Hyclate 100 MG Oral Capsule",
        "doxycycline monohydrate",
    ],
    "raltegravir": [
        "RALTEGRAVIR 400MG TAB",
        "raltegravir potassium 400mg",
        "Isentress HD 600mg",
        "raltegravir (Isentress)",
        "Raltegravir.",
        "raltegravir, 400 mg",
    ],
    "ciprofloxacin-route": ["ciprofloxacin ear drops"],
    "moxifloxacin-route": ["moxifloxacin eye drops"],
    "iron-route": ["iron infusion"],
    "milk-of-magnesia": ["milk of magnesia"],
    "maalox-us": ["Maalox", "Maalox Advanced"],
    "maalox-uk": ["Maalox 175mg/200mg"],
    "mylanta-us": ["Mylanta Maximum Strength"],
    "magnesium-named": ["Milk of Mag", "Slow-Mag", "Mag-Tab SR", "Mag oxide 400 mg"],
    "gaviscon-advance-uk": ["Gaviscon Advance"],
    "ppi": ["omeprazole magnesium 20 mg", "esomeprazole magnesium"],
    "polystyrene-sulfonate": ["Calcium Resonium"],
}
#: pharmacy and patient sig lines: the frequency and instruction words name no medicine
SIG_LINES = {
    "levothyroxine": [
        "Synthroid 50 mcg 1 tablet by mouth daily on an empty stomach",
        "Levothyroxine 75 mcg - take in morning",
        "levothyroxine sodium tablets USP 100 mcg",
        "Levoxyl 88mcg qd",
    ],
    "tetracycline": ["Take 1 capsule of doxycycline twice a day", "doxycycline 100mg bid with food"],
    "ciprofloxacin": [
        "Cipro 500 mg PO q12h x 10d",
        "ciprofloxacin 500 mg tablet, take one tablet every 12 hours",
    ],
    "alendronate": ["Alendronate 70mg tablet weekly (Sundays)", "Fosamax 70 mg weekly on Sunday morning"],
    "raltegravir": ["raltegravir 400 mg BID PO"],
}


@pytest.mark.parametrize(
    ("code", "name"),
    [(c, n) for table in (DECORATED, SIG_LINES) for c, names in table.items() for n in names],
)
def test_decorated_names_still_give_exactly_their_rule(code: str, name: str) -> None:
    assert _codes(name) == [code]
    assert _unknown(name) == []


@given(
    rule=st.sampled_from(
        [r for r in RULES if r.generics and " " not in r.generics[0] and "-" not in r.generics[0]]
    ),
    extra=st.lists(
        st.sampled_from(
            [*CAUTIONS.instruction_words, "500 mg", "1 tab", "x7", "q12h", "20mg", "tablets", "ER"]
        ),
        max_size=4,
    ),
)
@settings(max_examples=120, deadline=None)
def test_decoration_never_changes_a_reading(rule: DrugRule, extra: list[str]) -> None:
    name = rule.generics[0]
    try:
        plain = match_parts(REF, name)
    except MgcalcError:
        return
    decorated = match_parts(REF, " ".join([name, *extra]))
    assert [r.code for r in decorated[0]] == [r.code for r in plain[0]]
    assert decorated[1] == [] == plain[1]


def test_a_word_beside_a_known_one_is_kept_in_the_plan(tmp_path: Path) -> None:
    # the report's amp.yaml: "&" hid emtricitabine and tenofovir, so magnesium went at 07:30
    _, result = _plan(tmp_path, [{"name": "emtricitabine & rilpivirine & tenofovir", "times": ["07:30"]}])
    unknown = [u["name"] for u in result["unknown_drugs"]]
    assert len(unknown) == 2
    for t in _magnesium_times(result):
        assert (t - minutes("07:30")) % 1440 >= 4 * 60  # at least the unknown-medicine gap after it


# ---------------------------------------------------------------- 5. a part of salts only


@pytest.mark.parametrize(
    "name", ["calcium acetate + doxycycline", "cipro / calcium acetate", "sodium phosphate, levothyroxine"]
)
def test_a_salt_only_part_is_an_unknown_medicine(name: str) -> None:
    assert "unknown-drug" in _codes(name)
    assert len(_unknown(name)) == 1


def test_a_strength_only_part_is_no_medicine() -> None:
    assert _unknown("raltegravir, 400 mg") == [] and _unknown("Zestoretic 20/12.5 mg") == []


# ---------------------------------------------------------------- 6. combination brands


@pytest.mark.parametrize("combo", CAUTIONS.combinations, ids=lambda c: c.brands[0])
def test_a_combination_brand_reads_as_its_generics(combo: Combination) -> None:
    generic = "/".join(combo.ingredients)
    for brand in combo.brands:
        assert {r.code for r in match_parts(REF, brand)[0]} >= {r.code for r in match_parts(REF, generic)[0]}
        assert len(match_parts(REF, brand)[1]) == len(match_parts(REF, generic)[1])
        assert combo.quote and combo.where


def test_the_reported_brands() -> None:
    assert _codes("Zestoretic") == ["magnesium-salt-listed", "thiazide-diuretic"]
    assert _codes("Prinzide") == _codes("lisinopril/hydrochlorothiazide")
    assert _unknown("Hyzaar") == ["losartan (in Hyzaar)"]
    assert _unknown("Vimovo") == ["naproxen (in Vimovo)"]
    assert _codes("Accuretic") == ["contains-magnesium", "thiazide-diuretic"]


def test_zestoretic_plan_keeps_lisinoprils_rule(tmp_path: Path) -> None:
    _, result = _plan(tmp_path, [{"name": "Zestoretic 20/12.5 mg", "times": ["07:30"]}])
    rule = _rule("magnesium-salt-listed")
    times = _magnesium_times(result)
    assert times and all(_gap_ok(t, minutes("07:30"), rule) for t in times)


# ---------------------------------------------------------------- 8. Mg, MgO, Mg(OH)2 as medicines


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Mg oxide", "oxide"),
        ("MgO", "oxide"),
        ("Mg oxide 400 mg", "oxide"),
        ("Mg(OH)2", "hydroxide"),
        ("Mg hydroxide", "hydroxide"),
    ],
)
def test_mg_abbreviations_are_magnesium(name: str, form: str) -> None:
    (rule,) = match_parts(REF, name)[0]
    assert rule.code == "magnesium-named"
    assert rule.magnesium_form is not None and REF.catalogue.find(rule.magnesium_form).family == form  # type: ignore[union-attr]


def test_500_mg_stays_a_unit() -> None:
    assert match_parts(REF, "500 mg")[0] == [] and _codes("cipro 500 mg") == ["ciprofloxacin"]


def test_mg_oxide_after_cipro_is_a_plan_conflict(tmp_path: Path) -> None:
    meds = [
        {"name": "ciprofloxacin 500 mg", "times": ["08:00"]},
        {"name": "Mg oxide 400 mg", "times": ["09:00"]},
    ]
    rc, result = _plan(tmp_path, meds)
    assert result["conflicts"] and rc == 1


# ---------------------------------------------------------------- 11. names that name nothing


@pytest.mark.parametrize("name", ["-", "other:", "other: ", " -- ", "/", "OTHER :  "])
def test_a_name_of_punctuation_only_is_empty(name: str) -> None:
    with pytest.raises(MgcalcError, match="a drug name is empty"):
        check(Profile(drugs=[name]))
    r = run_cli("check", "--drug", name)
    assert r.returncode == 2 and "a drug name is empty" in r.stderr
    assert run_cli("label", "200", "--form", "citrate", "--drug", name).returncode == 2


# ---------------------------------------------------------------- every command reads a name alike


@pytest.mark.parametrize(
    "name",
    ["timolol eye drops + raltegravir", "cipro metformin", "Hyzaar", "lamivudine-raltegravir", "Mg oxide"],
)
def test_check_label_batch_and_plan_agree(name: str, tmp_path: Path) -> None:
    want = {c.code: c.level for c in check(Profile(drugs=[name])).cautions}
    label = json.loads(run_cli("label", "200", "--form", "oxide", "--drug", name, "--json").stdout)
    assert {c["code"]: c["level"] for c in label["cautions"] if c["code"] in want} == want
    batch = run_cli("batch", "-", "--input-format", "csv", "--drug", name, input="amount,form\n200,oxide\n")
    levels = json.loads(batch.stdout.splitlines()[0])["caution_levels"]
    assert {k: v for k, v in levels.items() if k in want} == want
    _, result = _plan(tmp_path, [{"name": name, "times": ["08:00"]}], form="oxide")
    assert {c["code"] for c in result["cautions"]} >= set(want)
    assert len(result["unknown_drugs"]) == len(check(Profile(drugs=[name])).unknown_drugs)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--egfr", "30", "--ckd-stage", "4"],
            "eGFR 30 is not in CKD stage 4 (eGFR 15 to under 30 mL/min/1.73m2)",
        ),
        (["--egfr", "200.0001"], "got 200.0001"),
    ],
)
def test_kidney_refusals_show_the_value_as_given_and_the_stage_as_a_half_open_range(
    args: list[str], says: str
) -> None:
    r = run_cli("check", *args)
    assert r.returncode == 2 and says in r.stderr
