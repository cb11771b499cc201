"""Fail closed on medicines: unknown, misspelt and magnesium-containing medicines (issue 18).

Expected values come from data/cautions.yaml and data/intake.yaml, never restated by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError, Profile, check, label
from mgcalc.core.plan import DAY, STEP, Window, plan, unknown_rule
from mgcalc.core.safety import distance, match_drug, match_parts, near_misses, unknown_gap
from mgcalc.reference import packaged_reference
from mgcalc.schema.cautions import DrugRule, bare_name, norm_name
from mgcalc.schema.plan import Regimen, minutes
from mgcalc.schema.results import UnknownDrug

from .conftest import run_cli

REF = packaged_reference()
CAUTIONS = REF.cautions
RULES: list[DrugRule] = CAUTIONS.all_rules()
KNOWN = set(CAUTIONS.drug_names)
UNKNOWN = "zorblaxin"  # no known name within two letters
GLYCINATE = REF.catalogue.resolve("glycinate")


def _timed(rule: DrugRule) -> bool:
    return rule.level != "avoid" and (rule.drug_before_hours is not None or rule.drug_after_hours is not None)


def _form_for(rule: DrugRule) -> str:
    """A form the rule applies to: an antacid form for antacid-only rules."""
    if rule.applies_to_forms == "antacid":
        return next(f.id for f in REF.catalogue.forms if f.family in CAUTIONS.antacid_families)
    return GLYCINATE.id


def _hours(rule: DrugRule) -> tuple[float, float]:
    """(B, A) as the plan reads them: an open direction takes the other's hours."""
    b, a = rule.drug_before_hours, rule.drug_after_hours
    b = a if b is None else b
    a = b if a is None else a
    assert a is not None and b is not None
    return b, a


# ---------------------------------------------------------------- unknown is not a clearance


def test_unknown_is_a_caution_in_the_core() -> None:
    a = check(Profile(drugs=[UNKNOWN]))
    assert [u.name for u in a.unknown_drugs] == [UNKNOWN]
    (c,) = [c for c in a.cautions if c.code == "unknown-drug"]
    assert c.level == CAUTIONS.unknown_medicine.level == "caution"  # type: ignore[union-attr]


COMMANDS = [
    ["check"],
    ["label", "500", "--form", "citrate"],
    ["dose", "200", "--form", "citrate"],
    ["absorb", "200", "--form", "citrate", "--elemental"],
    ["compare", "300", "--elemental", "--form", "citrate", "--form", "oxide"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_fail_on_caution_fails_on_an_unknown_medicine_in_every_command(args: list[str]) -> None:
    r = run_cli(*args, "--drug", UNKNOWN, "--fail-on", "caution", "--json")
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert UNKNOWN in r.stdout
    ok = run_cli(*args, "--drug", UNKNOWN, "--fail-on", "avoid", "--json")
    assert ok.returncode == 0, ok.stderr


def test_fail_on_caution_fails_on_an_unknown_medicine_in_batch_and_panel(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,amount,form\na,100,glycinate\n", encoding="utf-8")
    r = run_cli("batch", str(src), "--drug", UNKNOWN, "--fail-on", "caution")
    assert r.returncode == 3, r.stderr
    panel = tmp_path / "panel.txt"
    panel.write_text("Serving size 1 tablet\nMagnesium (as magnesium glycinate) 100 mg\n", encoding="utf-8")
    r = run_cli("panel", str(panel), "--drug", UNKNOWN, "--fail-on", "caution")
    assert r.returncode == 3, r.stderr


def test_a_route_word_makes_an_unknown_medicine_info() -> None:
    for route in CAUTIONS.route_words[:6]:
        a = check(Profile(drugs=[f"{UNKNOWN} {route}"]))
        assert [c.level for c in a.cautions] == ["info"], route


def test_the_unknown_gap_is_the_longest_rule_each_way() -> None:
    for forms, antacid in (([GLYCINATE], False), ([REF.catalogue.resolve("oxide")], True), ([], True)):
        rules = [r for r in RULES if _timed(r) and r.level == "caution"]
        rules = [r for r in rules if antacid or r.applies_to_forms != "antacid"]
        want = (max(_hours(r)[0] for r in rules), max(_hours(r)[1] for r in rules))
        assert unknown_gap(REF, forms) == want


# ---------------------------------------------------------------- plans around unknown medicines

DAY_ = {"wake": "06:00", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]}


def _plan(medicines: list[dict[str, object]], form: str = "glycinate", servings: int = 1) -> object:
    reg = Regimen.model_validate(
        {
            "day": DAY_,
            "medicines": medicines,
            "magnesium": [{"form": form, "amount": "100 mg", "elemental": True, "servings": servings}],
        }
    )
    return plan(REF, reg)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(6 * 60, 23 * 60, 30)), min_size=1, max_size=2, unique=True))
def test_a_plan_keeps_the_unknown_gap_and_never_says_no_rule(times: list[int]) -> None:
    hhmm = [f"{t // 60:02d}:{t % 60:02d}" for t in times]
    r = _plan([{"name": UNKNOWN, "times": hhmm}])
    rule = unknown_rule(REF, [GLYCINATE])
    b, a = _hours(rule)
    doses = [i for i in r.schedule if i.kind == "magnesium"]  # type: ignore[attr-defined]
    if not doses:
        assert r.no_timetable_reason  # type: ignore[attr-defined]
    for d in doses:
        w = [Window(UNKNOWN, t, rule, round(b * 60), round(a * 60)) for t in times]
        assert all(x.allows(minutes(d.time)) for x in w), (d.time, hhmm)
        assert "no timing rule applies" not in d.why
        assert UNKNOWN in d.why


def test_a_cleared_unknown_medicine_keeps_no_gap_and_says_who_cleared_it() -> None:
    r = _plan([{"name": UNKNOWN, "times": ["12:30"], "cleared": True}])
    codes = {c.code: c for c in r.cautions}  # type: ignore[attr-defined]
    assert "unknown-drug" not in codes and codes["cleared-drug"].level == "info"
    assert [i.time for i in r.schedule if i.kind == "magnesium"] == ["07:30"]  # type: ignore[attr-defined]


def test_cleared_on_a_known_medicine_is_an_error() -> None:
    with pytest.raises(MgcalcError, match="cleared"):
        _plan([{"name": "ciprofloxacin", "times": ["08:00"], "cleared": True}])


@pytest.mark.parametrize("route", ["eye drops", "ear drops", "IV", "cream"])
def test_route_words_exempt_oral_rules_in_plan(route: str) -> None:
    for rule in [r for r in RULES if r.oral_chelation and _timed(r)][:25]:
        name = [*rule.generics, *rule.brands][0]
        with_route = _plan([{"name": f"{name} {route}", "times": ["07:30"]}], _form_for(rule))
        doses = [i.time for i in with_route.schedule if i.kind == "magnesium"]  # type: ignore[attr-defined]
        assert doses == ["07:30"], (rule.code, route)  # the first meal: nothing keeps it away
        oral = _plan([{"name": name, "times": ["07:30"]}], _form_for(rule))
        doses = [i.time for i in oral.schedule if i.kind == "magnesium"]  # type: ignore[attr-defined]
        assert doses != ["07:30"], rule.code


# ---------------------------------------------------------------- every rule by every name, both ways


NAMED = [(r, n) for r in RULES if _timed(r) for n in ([*r.generics][:1] + [*r.brands][:1])]


@pytest.mark.parametrize(("rule", "name"), NAMED, ids=[f"{r.code}:{n}" for r, n in NAMED])
def test_every_timed_rule_holds_in_a_plan_by_generic_and_brand(rule: DrugRule, name: str) -> None:
    """The medicine at 14:00: the magnesium dose keeps the rule's hours in both directions."""
    found = match_drug(REF, name)
    assert isinstance(found, list) and rule.code in {r.code for r in found}
    r = _plan([{"name": name, "times": ["14:00"]}], _form_for(rule))
    b, a = _hours(rule)
    for d in [i for i in r.schedule if i.kind == "magnesium"]:  # type: ignore[attr-defined]
        t = minutes(d.time)
        assert (t - 14 * 60) % DAY >= b * 60 and (14 * 60 - t) % DAY >= a * 60, (d.time, b, a)
    w = Window(name, 14 * 60, rule, round(b * 60), round(a * 60))
    assert not w.allows(14 * 60 + round(b * 60) - STEP) and w.allows(14 * 60 + round(b * 60))
    assert not w.allows(14 * 60 - round(a * 60) + STEP) and w.allows(14 * 60 - round(a * 60))


# ---------------------------------------------------------------- misspellings and abbreviations


@pytest.mark.parametrize(
    ("typed", "match"),
    [("levothyroxin", "levothyroxine"), ("ciprofloxicin", "ciprofloxacin"), ("alendronat", "alendronate")],
)
def test_a_near_miss_is_an_error_naming_the_match(typed: str, match: str) -> None:
    with pytest.raises(MgcalcError, match=match):
        check(Profile(drugs=[typed]))
    r = run_cli("label", "200", "--form", "glycinate", "--elemental", "--drug", typed, "--plain")
    assert r.returncode == 2 and match in r.stderr and "Traceback" not in r.stderr


def test_a_near_miss_in_a_regimen_names_the_medicine() -> None:
    with pytest.raises(MgcalcError, match=r"medicines\[1\].*ciprofloxacin"):
        _plan([{"name": "levothyroxine", "times": ["06:30"]}, {"name": "ciprofloxicin", "times": ["08:00"]}])


def test_other_prefix_enters_a_different_medicine_as_unknown() -> None:
    found = match_drug(REF, "other: levothyroxin")
    assert isinstance(found, UnknownDrug)


known_names = st.sampled_from(sorted(n for n in KNOWN if len(n) >= 6 and n.isalpha()))


@settings(max_examples=300, deadline=None)
@given(known_names, st.integers(1, 40), st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
def test_one_letter_off_a_known_name_is_never_an_unknown_drug(name: str, pos: int, letter: str) -> None:
    """A substitution (not of the first letter) is a known name or an error naming one: never silently
    another, unknown, drug."""
    i = 1 + pos % (len(name) - 1)
    typo = name[:i] + letter + name[i + 1 :]
    try:
        found = match_drug(REF, typo)
    except MgcalcError as e:
        assert "close to" in str(e)
        return
    assert isinstance(found, list), typo


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([(r.code, n) for r in RULES for n in [*r.generics, *r.brands]]),
    st.sampled_from(["", " 500 mg", " 10 mg tablets", " 5 mL", " oral solution"]),
    st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
)
def test_strength_and_case_never_change_which_rule(pair: tuple[str, str], suffix: str, case: object) -> None:
    code, name = pair
    typed = case(name) + suffix  # type: ignore[operator]
    found = match_drug(REF, typed)
    assert isinstance(found, list), typed
    # a data name with its own dosage word ("Maalox suspension", "Gaviscon tablets") may read as a
    # sibling of the same class once a strength is added ("Maalox"): the same class, never unknown
    dropped = set(CAUTIONS.dosage_words) | set(CAUTIONS.route_words)
    if suffix and bare_name(norm_name(name), dropped) != norm_name(name):
        assert CAUTIONS.rule(code).drug_class in {r.drug_class for r in found}, typed
    else:
        assert code in {r.code for r in found}, typed


def test_distance_counts_swaps_as_one() -> None:
    assert distance("levothyroxine", "levothyroxin", 2) == 1
    assert distance("abcd", "abdc", 2) == 1
    assert distance("maalox", "avalox", 1) == 2


def test_suggestions_stay_within_kind() -> None:
    for typed in ("heart failure", "vitamin D"):
        with pytest.raises(MgcalcError) as e:
            check(Profile(conditions=[typed]))
        assert "closest" not in str(e.value)
    assert near_misses("maalox", ["avalox"]) == []  # a different first letter is not a misspelling


def test_abbreviations_resolve_and_ambiguous_ones_are_errors() -> None:
    for short, full in CAUTIONS.abbreviations.items():
        got = match_drug(REF, short)
        want = match_drug(REF, full)
        assert isinstance(got, list) and isinstance(want, list)
        assert {r.code for r in got} == {r.code for r in want}
    for short, fulls in CAUTIONS.ambiguous_abbreviations.items():
        with pytest.raises(MgcalcError, match=" or ".join(fulls)):
            match_drug(REF, short)


def test_atelvia_by_its_generic_name_is_not_immediate_release_risedronate() -> None:
    for typed in (
        "risedronate delayed-release",
        "Risedronate sodium DR 35 mg",
        "risedronate delayed release",
    ):
        found = match_drug(REF, typed)
        assert isinstance(found, list) and [r.code for r in found] == ["atelvia"], typed
    found = match_drug(REF, "risedronate 35 mg")
    assert isinstance(found, list) and [r.code for r in found] == ["risedronate"]


# ---------------------------------------------------------------- magnesium in the medicine cabinet

MG_PRODUCTS = [r for r in RULES if r.magnesium_form is not None]


def test_every_magnesium_medicine_names_a_catalogue_form() -> None:
    assert MG_PRODUCTS
    for r in MG_PRODUCTS:
        assert REF.catalogue.get(r.magnesium_form).id == r.magnesium_form  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", MG_PRODUCTS, ids=[r.code for r in MG_PRODUCTS])
def test_a_magnesium_medicine_breaks_the_rules_of_the_drugs_around_it(rule: DrugRule) -> None:
    """Each magnesium medicine 1 h before dolutegravir (2 h before / 6 h after) is a conflict, exit 1."""
    name = [*rule.generics, *rule.brands][0]
    r = _plan([{"name": name, "times": ["07:00"]}, {"name": "Tivicay", "times": ["08:00"]}])
    assert [c.rule for c in r.conflicts] == ["dolutegravir"], name  # type: ignore[attr-defined]
    far = _plan([{"name": name, "times": ["07:00"]}, {"name": "Tivicay", "times": ["14:00"]}])
    assert far.conflicts == []  # type: ignore[attr-defined]
    assert rule.code in {c.code for c in check(Profile(drugs=[name])).cautions}


def test_the_issue_maalox_tivicay_regimen_exits_non_zero(tmp_path: Path) -> None:
    reg = {
        "medicines": [
            {"name": "Maalox 20 mL", "times": ["07:00"]},
            {"name": "Tivicay 50 mg", "times": ["08:00"]},
        ],
        "magnesium": [{"form": "glycinate", "amount": "100 mg", "elemental": True}],
    }
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(reg), encoding="utf-8")
    r = run_cli("plan", str(path), "--json")
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["conflicts"][0]["magnesium_medicine"] == "Maalox 20 mL"
    assert any(c["code"] == "medicine-conflict" for c in out["cautions"])


def test_gaviscon_formulas_without_magnesium_are_not_magnesium() -> None:
    for name in ("Gaviscon Advance", "Gaviscon Original"):
        (rule,) = match_drug(REF, name)  # type: ignore[misc]
        assert rule.magnesium_form is None and rule.level == "info"
    (rule,) = match_drug(REF, "Gaviscon")  # type: ignore[misc]
    assert rule.magnesium_form is not None  # the bare brand: the conservative reading


# ---------------------------------------------------------------- classes in JSON


def test_drug_cautions_carry_their_class() -> None:
    for rule in RULES:
        name = [*rule.generics, *rule.brands][0]
        found = match_drug(REF, name)
        assert isinstance(found, list)
        owner = next(d for d in CAUTIONS.drugs if rule.code in {r.code for r in d.rules()})
        got = {r.code: r.drug_class for r in found}
        assert got.get(rule.code) == owner.code
    r = run_cli("check", "--drug", "Fosamax", "--json")
    c = json.loads(r.stdout)["cautions"][0]
    assert (c["code"], c["drug_class"]) == ("alendronate", "bisphosphonate")


# ---------------------------------------------------------------- the UL in every age band


US_BANDS = [b for b in REF.intake.bands if b.ul_supplemental_mg is not None and b.state == "none"]


@pytest.mark.parametrize("band", US_BANDS, ids=[f"{b.standard}-{b.life_stage}" for b in US_BANDS])
def test_upper_limit_fires_just_above_the_ul_in_every_band(band: object) -> None:
    ul = band.ul_supplemental_mg  # type: ignore[attr-defined]
    age = (band.age_min + min(band.age_max, 120)) / 2  # type: ignore[attr-defined]
    sex = None if band.sex == "any" else band.sex  # type: ignore[attr-defined]
    prof = {"age": age, "sex": sex, "standard": band.standard}  # type: ignore[attr-defined]
    above = label(ul + 1, "glycinate", elemental=True, profile=Profile(**prof))  # type: ignore[arg-type]
    below = label(ul - 1, "glycinate", elemental=True, profile=Profile(**prof))  # type: ignore[arg-type]
    assert any(c.code == "upper-limit" for c in above.cautions), (band, age)
    assert not any(c.code == "upper-limit" for c in below.cautions), (band, age)


def test_names_in_data_are_not_near_misses_of_each_other_by_accident() -> None:
    """Every known name resolves exactly (a near-miss check never shadows a real name)."""
    for n in sorted(KNOWN):
        found = match_drug(REF, n)
        assert isinstance(found, list), n
    assert norm_name(UNKNOWN) not in KNOWN


def test_the_readme_states_todays_unknown_gap() -> None:
    before, after = unknown_gap(REF, [GLYCINATE])
    assert unknown_gap(REF, []) == (before, after)  # one figure for every form today
    text = " ".join((Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8").split())
    assert f"magnesium at least {after:g} h before and {before:g} h after each dose" in text


def test_mag_ox_is_magnesium_oxide_as_a_form_and_as_a_medicine() -> None:
    assert REF.catalogue.resolve("Mag-Ox 400").id == "oxide"
    found = match_drug(REF, "Mag-Ox 400")
    assert isinstance(found, list) and found[0].magnesium_form == "oxide"


def test_a_known_part_of_a_combination_never_hides_an_unknown_part() -> None:
    a = check(Profile(drugs=[f"{UNKNOWN}/lisinopril"]))
    codes = {c.code for c in a.cautions}
    assert "unknown-drug" in codes and match_drug(REF, "lisinopril")[0].code in codes  # type: ignore[index]
    both_known = check(Profile(drugs=["levothyroxine/liothyronine"]))
    assert "unknown-drug" not in {c.code for c in both_known.cautions}
    # a brand written with a slash stays one name
    (rule,) = match_drug(REF, "Maalox 175mg/200mg")  # type: ignore[misc]
    assert rule.magnesium_form is not None


def test_a_plan_keeps_the_unknown_gap_for_the_unknown_part_of_a_combination() -> None:
    r = _plan([{"name": f"lisinopril+{UNKNOWN}", "times": ["12:30"]}])
    rule = unknown_rule(REF, [GLYCINATE])
    b, a = _hours(rule)
    for d in [i for i in r.schedule if i.kind == "magnesium"]:  # type: ignore[attr-defined]
        assert Window("x", 12 * 60 + 30, rule, round(b * 60), round(a * 60)).allows(minutes(d.time))
    cleared = _plan([{"name": f"lisinopril+{UNKNOWN}", "times": ["12:30"], "cleared": True}])
    assert "cleared-drug" in {c.code for c in cleared.cautions}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- one step off (review cases)


def test_an_oral_antacid_gel_is_not_a_route() -> None:
    assert [c.level for c in check(Profile(drugs=[f"{UNKNOWN} gel"])).cautions] == ["caution"]


@pytest.mark.parametrize(
    ("typed", "form"),
    [
        ("magnesium carbonate", "carbonate"),
        ("Mag oxide 400 mg", "oxide"),
        ("aluminum hydroxide and magnesium hydroxide oral suspension", "hydroxide"),
        ("Magnesium 400 mg", None),
    ],
)
def test_a_medicine_that_names_magnesium_is_a_magnesium_product(typed: str, form: str | None) -> None:
    rules, _ = match_parts(REF, typed)
    mg = [r for r in rules if r.magnesium_form is not None]
    assert mg, typed
    if form is not None:
        assert REF.catalogue.get(mg[0].magnesium_form).family == form  # type: ignore[arg-type]
    r = _plan([{"name": typed, "times": ["08:00"]}, {"name": "Tivicay", "times": ["08:00"]}])
    assert "dolutegravir" in [c.rule for c in r.conflicts]  # type: ignore[attr-defined]


@pytest.mark.parametrize("joiner", [" and ", ", ", " with ", "; "])
def test_any_joiner_splits_a_combination(joiner: str) -> None:
    a = check(Profile(drugs=[f"{UNKNOWN}{joiner}esomeprazole magnesium"]))
    assert "unknown-drug" in {c.code for c in a.cautions}


def test_a_known_name_with_a_joiner_stays_whole() -> None:
    for name in ("Zegerid with Magnesium Hydroxide", "Actonel with Calcium", "Maalox 175mg/200mg"):
        assert "unknown-drug" not in {c.code for c in check(Profile(drugs=[name])).cautions}, name


def test_other_prefix_on_a_known_drug_is_an_error() -> None:
    with pytest.raises(MgcalcError, match="knows"):
        match_drug(REF, "other: Cipro 500 mg")


def test_buffered_glycinate_is_an_antacid_form() -> None:
    rule = _rule_named("atazanavir")
    assert rule.code in {
        c.code for c in label(200, "glycinate-buffered", profile=Profile(drugs=["atazanavir"])).cautions
    }


def _rule_named(name: str) -> DrugRule:
    found = match_drug(REF, name)
    assert isinstance(found, list)
    return found[0]


def test_a_weekly_dose_bounds_the_day_before() -> None:
    """Saturday's 06:30 moxifloxacin needs magnesium 8 h before: Friday's late dose keeps it."""
    reg = Regimen.model_validate(
        {
            "day": DAY_,
            "medicines": [{"name": "moxifloxacin", "times": ["06:30"], "days": ["sat"]}],
            "magnesium": [{"form": "glycinate", "amount": "100 mg", "elemental": True, "servings": 2}],
        }
    )
    r = plan(REF, reg)
    rule = _rule_named("moxifloxacin")
    b, a = _hours(rule)
    at = 6 * 60 + 30
    for t in r.timetables:  # type: ignore[attr-defined]
        for d in [i for i in t.schedule if i.kind == "magnesium"]:
            m = minutes(d.time)
            if "fri" in t.days:  # Saturday's dose is tomorrow: at least A h before it
                assert (at + DAY) - m >= a * 60, (t.days, d.time)
            if "sat" in t.days:
                assert Window("moxi", at, rule, round(b * 60), round(a * 60)).allows(m), (t.days, d.time)
            if "sun" in t.days:  # Saturday's dose was yesterday: at least B h after it
                assert m + DAY - at >= b * 60, (t.days, d.time)
    fri = next(t for t in r.timetables if "fri" in t.days)  # type: ignore[attr-defined]
    assert all("0.5 h before" not in i.why for i in fri.schedule)


def test_a_blocked_pattern_exits_1(tmp_path: Path) -> None:
    reg = {
        "day": DAY_,
        "medicines": [{"name": "moxifloxacin", "times": ["08:00", "14:00", "20:00"], "days": ["mon"]}],
        "magnesium": [{"form": "glycinate", "amount": "100 mg", "elemental": True}],
    }
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(reg), encoding="utf-8")
    assert run_cli("plan", str(path)).returncode == 1


def test_an_as_needed_magnesium_medicine_beside_an_avoid_drug_is_told_not_to() -> None:
    r = _plan(
        [{"name": "Isentress", "times": ["08:00"]}, {"name": "Maalox", "as_needed": True, "max_per_day": 4}]
    )
    assert "do not take it" in r.as_needed[0].rule  # type: ignore[attr-defined]


def test_an_antacid_only_avoid_rule_does_not_stop_a_non_antacid_product() -> None:
    r = _plan([{"name": "Lumakras", "times": ["08:00"]}])
    assert [i for i in r.schedule if i.kind == "magnesium"]  # type: ignore[attr-defined]
