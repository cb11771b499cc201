"""Safety: drug rules in both directions, route words, antacid-only rules, kidneys, ages, --fail-on.

Expected values come from data/cautions.yaml and data/intake.yaml (and, for the
hours, from the label sentence each rule quotes), never restated by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mgcalc import MgcalcError, Profile, check, intake, label
from mgcalc.core.safety import match_drug
from mgcalc.numbers import hours
from mgcalc.reference import packaged_reference
from mgcalc.schema.base import severity
from mgcalc.schema.cautions import DrugRule, norm_name
from mgcalc.schema.results import UnknownDrug

from .conftest import run_cli

REF = packaged_reference()
CAUTIONS = REF.cautions
RULES: list[tuple[str, DrugRule]] = [(d.code, r) for d in CAUTIONS.drugs for r in d.rules()]
ANTACID_FORM = next(f for f in REF.catalogue.forms if f.family in CAUTIONS.antacid_families)
NON_ANTACID_FORM = REF.catalogue.resolve("glycinate")


def _names(rule: DrugRule) -> list[str]:
    return [*rule.generics, *rule.brands]


def _codes(name: str, form: str | None = None) -> dict[str, object]:
    """The drug cautions a name gives, by code (``check``, or ``label`` with a form)."""
    if form is None:
        cautions = check(Profile(drugs=[name])).cautions
    else:
        cautions = label(100, form, elemental=True, profile=Profile(drugs=[name])).cautions
    return {c.code: c for c in cautions}


# ---------------------------------------------------------------- the data itself


@pytest.mark.parametrize(("klass", "rule"), RULES, ids=[r.code for _, r in RULES])
def test_every_rule_rests_on_a_quote_or_says_why_not(klass: str, rule: DrugRule) -> None:
    assert rule.quote or rule.conflicts, f"{rule.code}: no quote and no explanation"
    assert all(REF.source(k) is not None for k in rule.sources)
    if rule.level == "avoid":
        assert rule.drug_before_hours is None and rule.drug_after_hours is None


@pytest.mark.parametrize(("klass", "rule"), RULES, ids=[r.code for _, r in RULES])
def test_advice_states_the_rules_own_hours(klass: str, rule: DrugRule) -> None:
    """The words people read say the same hours, in the same direction, as the structured fields."""
    for h, word in ((rule.drug_before_hours, "before"), (rule.drug_after_hours, "after")):
        if h is not None:
            assert re.search(rf"{re.escape(hours(h))} (?:{word}|later|away|apart)", rule.advice), rule.advice


_DRUG_FIRST = re.compile(
    r"(?:take|administer|administered|taken)\s+[\w\s-]*?at least (\w+(?:-\w+)?) hours? before or (\w+) hours? after",
    re.I,
)
_ANTACID_WINDOW = re.compile(
    r"during the (\d+) hours before you take \w+, or for at least (\d+) hours after you take it", re.I
)
_ANTACID_FIRST = re.compile(
    r"(?:take|administer) (?:it|the antacid)(?: either)? at least (\d+) hours? (?:before|prior to) or "
    r"(?:at least )?(\d+) hours? after",
    re.I,
)
_WORDS = {"two": 2, "four": 4, "one-half": 0.5}


def _num(text: str) -> float:
    return float(_WORDS.get(text.lower(), text))


def label_hours(quote: str) -> tuple[float, float] | None:
    """(drug before, drug after) hours as a label sentence states them, read independently of the data."""
    if m := _ANTACID_WINDOW.search(quote):  # "no antacid during the 6 h before ... or 2 h after"
        return _num(m[2]), _num(m[1])
    if m := _ANTACID_FIRST.search(quote):  # the antacid is the subject: swap
        return _num(m[2]), _num(m[1])
    if m := _DRUG_FIRST.search(quote):
        return _num(m[1]), _num(m[2])
    return None


def test_label_hours_reader() -> None:
    assert label_hours("Administer CIPRO at least 2 hours before or 6 hours after magnesium") == (2, 6)
    assert label_hours(
        "Do not take an antacid during the 6 hours before you take Juluca, or for at least 4 hours after you take it."
    ) == (4, 6)
    assert label_hours(
        "Take the antacid either at least 2 hours before or at least 4 hours after EDURANT"
    ) == (4, 2)


QUOTED = [(r, label_hours(r.quote or "")) for _, r in RULES]
QUOTED = [(r, h) for r, h in QUOTED if h is not None]


@pytest.mark.parametrize(("rule", "stated"), QUOTED, ids=[r.code for r, _ in QUOTED])
def test_hours_are_never_shorter_than_the_quoted_label(rule: DrugRule, stated: tuple[float, float]) -> None:
    """Conservative reading: each direction is at least what the quoted label sentence asks."""
    before, after = stated
    if rule.level == "avoid":
        return  # stricter than any separation
    assert rule.drug_before_hours is not None and rule.drug_before_hours >= before, rule.code
    assert rule.drug_after_hours is not None and rule.drug_after_hours >= after, rule.code
    if rule.conflicts is None or (
        "longer" not in rule.conflicts and "conservative" not in rule.conflicts.lower()
    ):
        # where the data does not say it took a longer reading, it is the label's own figure
        assert (rule.drug_before_hours, rule.drug_after_hours) == (before, after), rule.code


def test_the_label_quotes_the_issue_names_are_read() -> None:
    """The drugs the review found wrong are each read from a quote (not a hand-typed number)."""
    by_code = {r.code: h for r, h in QUOTED}
    assert {"ciprofloxacin", "levofloxacin", "moxifloxacin", "juluca", "rilpivirine"} <= set(by_code)


# ---------------------------------------------------------------- names: every rule by a generic and a brand

NAMED = [(r, n) for _, r in RULES for n in _names(r)]


@pytest.mark.parametrize(("rule", "name"), NAMED, ids=[f"{r.code}:{n}" for r, n in NAMED])
def test_every_generic_and_brand_finds_its_rule(rule: DrugRule, name: str) -> None:
    found = match_drug(REF, name)
    assert not isinstance(found, UnknownDrug), name
    assert rule.code in {r.code for r in found}, (name, [r.code for r in found])


@pytest.mark.parametrize(("klass", "rule"), RULES, ids=[r.code for _, r in RULES])
def test_json_carries_the_rules_facts(klass: str, rule: DrugRule) -> None:
    name = _names(rule)[0]
    c = _codes(name).get(rule.code)
    if (
        rule.oral_chelation
        and CAUTIONS.route_words
        and any(w in norm_name(name).split() for w in CAUTIONS.route_words)
    ):
        pytest.skip("a route word in the name itself")
    assert c is not None, (name, list(_codes(name)))
    data = c.model_dump()  # type: ignore[attr-defined]
    assert data["level"] == rule.level
    assert data["drug_before_hours"] == rule.drug_before_hours
    assert data["drug_after_hours"] == rule.drug_after_hours
    assert data["separate_hours"] == rule.separate_hours
    assert data["applies_to_forms"] == rule.applies_to_forms
    assert (data["quote"] is None) == (rule.quote is None)
    if rule.quote:
        assert rule.quote in data["quote"]


def test_members_override_their_class_and_keep_the_rest() -> None:
    for d in CAUTIONS.drugs:
        for m, r in zip(d.members, d.rules()[1:], strict=True):
            assert r.code == m.code
            assert r.sources == m.sources
            if m.level is None:
                assert r.level == d.level


def test_a_brand_combining_two_classes_gives_both() -> None:
    two = [
        n for n in {n for _, r in RULES for n in r.brands} if len({r.code for r in match_drug(REF, n)}) > 1
    ]  # type: ignore[union-attr]
    assert two, "the data has no combination brand (e.g. triamterene/HCTZ)"
    for name in two:
        codes = _codes(name)
        assert len([c for c in codes if c != "unknown-drug"]) >= 2


def test_unknown_drug_is_listed_not_cleared() -> None:
    a = check(Profile(drugs=["notadrugatall"]))
    assert [c.code for c in a.cautions] == ["unknown-drug"]
    assert a.unknown_drugs[0].name == "notadrugatall"


# ---------------------------------------------------------------- routes

ORAL = [r for _, r in RULES if r.oral_chelation]


@pytest.mark.parametrize("route", CAUTIONS.route_words)
def test_route_words_suppress_oral_chelation_rules(route: str) -> None:
    for rule in ORAL[:: max(1, len(ORAL) // 8)]:
        name = f"{rule.generics[0] if rule.generics else rule.brands[0]} {route}"
        codes = _codes(name)
        assert rule.code not in codes, name
        assert f"{rule.code}-route" in codes, name


def test_drops_alone_are_oral() -> None:
    """Fluoride and vitamin drops are swallowed: 'drops' alone keeps the gut rule."""
    fluoride = next(r for _, r in RULES if r.code == "fluoride")
    assert "fluoride" in _codes("sodium fluoride drops")
    assert "drops" not in CAUTIONS.route_words
    assert fluoride.oral_chelation


def test_route_words_do_not_hide_systemic_rules() -> None:
    systemic = [r for _, r in RULES if not r.oral_chelation and r.generics and r.level != "avoid"]
    for rule in systemic:
        assert rule.code in _codes(f"{rule.generics[0]} injection"), rule.code


# ---------------------------------------------------------------- antacid-only rules

ANTACID_RULES = [r for _, r in RULES if r.applies_to_forms == "antacid"]


@pytest.mark.parametrize("rule", ANTACID_RULES, ids=[r.code for r in ANTACID_RULES])
def test_antacid_rules_fire_only_for_antacid_forms(rule: DrugRule) -> None:
    name = _names(rule)[0]
    assert rule.code in _codes(name, ANTACID_FORM.id)
    assert rule.code not in _codes(name, NON_ANTACID_FORM.id)
    in_check = _codes(name)[rule.code]
    assert "antacid forms of magnesium" in in_check.message  # type: ignore[attr-defined]
    with_form = _codes(name, ANTACID_FORM.id)[rule.code]
    assert "antacid forms of magnesium:" not in with_form.message  # type: ignore[attr-defined]


def test_label_with_atazanavir_by_form_through_the_cli() -> None:
    oxide = json.loads(run_cli("label", "500", "--form", "oxide", "--drug", "atazanavir", "--json").stdout)
    glyc = json.loads(run_cli("label", "500", "--form", "glycinate", "--drug", "atazanavir", "--json").stdout)
    assert any(c["applies_to_forms"] == "antacid" for c in oxide["cautions"])
    assert not any(c["applies_to_forms"] == "antacid" for c in glyc["cautions"])


# ---------------------------------------------------------------- kidneys


def _band(egfr: float) -> str | None:
    return next((b.level for b in CAUTIONS.kidney.bands if b.egfr_min <= egfr < b.egfr_max), None)


@pytest.mark.parametrize("word", CAUTIONS.kidney.failure_words)
def test_kidney_failure_words_are_the_lowest_band(word: str) -> None:
    a = check(Profile(conditions=[word]))
    assert [c.level for c in a.cautions if c.code == "ckd"] == [_band(0)]
    assert _band(0) == "avoid"


@pytest.mark.parametrize("stage", ["1", "2", "3", "3a", "3b", "4", "5"])
def test_ckd_stages(stage: str) -> None:
    stages = {"3": ("3a", "3b")}.get(stage, (stage,))
    lo = min(CAUTIONS.kidney.stages[s].egfr_min for s in stages)
    levels = [c.level for c in check(Profile(ckd_stage=stage)).cautions if c.code == "ckd"]
    assert levels == ([_band(lo)] if _band(lo) else [])


@given(st.floats(min_value=0, max_value=200, allow_nan=False))
def test_egfr_band_matches_data(egfr: float) -> None:
    levels = [c.level for c in check(Profile(egfr=egfr)).cautions if c.code == "ckd"]
    assert levels == ([_band(egfr)] if _band(egfr) else [])


def test_dose_with_low_egfr_shows_avoid_on_screen_and_fails_on() -> None:
    r = run_cli("dose", "300", "--form", "citrate", "--egfr", "20")
    assert "AVOID:" in r.stdout
    assert run_cli("dose", "300", "--form", "citrate", "--egfr", "20", "--fail-on", "avoid").returncode == 3


def test_plain_keeps_stdout_bare_and_warns_on_stderr() -> None:
    r = run_cli("label", "500", "--form", "citrate", "--egfr", "20", "--plain")
    assert re.fullmatch(r"\d+\.\d\n", r.stdout)
    # one line names the salt read (citrate is a family of salts), one the worst caution
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and "read as" in lines[0] and "AVOID" in lines[1]
    quiet = run_cli("label", "100", "--form", "citrate", "--plain")
    assert quiet.stderr.startswith("mgcalc: read as ") and len(quiet.stderr.splitlines()) == 1
    alone = run_cli("label", "100", "--form", "taurate", "--plain")  # a family of one: nothing to name
    assert alone.stderr == ""


# ---------------------------------------------------------------- ages


def test_infant_supplement_is_avoid_up_to_the_edge() -> None:
    edge = CAUTIONS.rules.infant_age_max
    below = label(50, "citrate", profile=Profile(age=edge - 0.01)).cautions
    at = label(50, "citrate", profile=Profile(age=edge)).cautions
    assert any(c.code == "infant" and c.level == "avoid" for c in below)
    assert not any(c.code == "infant" for c in at)


def test_pregnancy_and_lactation_bands_start_where_the_iom_does() -> None:
    """IOM 1997 gives pregnancy and lactation from 14 years ("14 through 18 years"): from 14 the
    band's RDA holds; at 13 the girl's own band does, with the lower of the two upper levels."""
    for state in ("pregnant", "lactating"):
        bands = [b for b in REF.intake.bands if b.standard == "us" and b.state == state]
        first = min(bands, key=lambda b: b.age_min)
        assert first.age_min == 14
        for age in (15, first.age_max - 0.5):
            assert intake(age, "female", **{state: True}).rda_mg == first.mg  # type: ignore[arg-type]
        own = intake(13, "female")
        r = intake(13, "female", **{state: True})  # type: ignore[arg-type]
        assert r.rda_mg == own.rda_mg
        assert r.ul_supplemental_mg == min(own.ul_supplemental_mg, first.ul_supplemental_mg)  # type: ignore[type-var]


def test_cli_pregnant_at_13() -> None:
    r = run_cli("intake", "--age", "13", "--sex", "female", "--pregnant", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rda_mg"] is not None


def test_eu_children_under_4_get_the_iom_ul_and_whose_it_is() -> None:
    us = next(b for b in REF.intake.bands if b.standard == "us" and b.age_min <= 2 < b.age_max)
    for age in (1, 2, 3.5):
        r = intake(age, standard="eu")
        assert r.ul_supplemental_mg == us.ul_supplemental_mg
        assert r.ul_standard is not None and "Institute of Medicine" in r.ul_standard
    above = label(
        us.ul_supplemental_mg + 10, "citrate", elemental=True, profile=Profile(age=2, standard="eu")
    )
    assert any(c.code == "upper-limit" for c in above.cautions)


def test_child_estimates_say_the_model_is_for_adults() -> None:
    assert any(c.code == "child-estimate" for c in label(100, "citrate", profile=Profile(age=17.9)).cautions)
    assert not any(
        c.code == "child-estimate" for c in label(100, "citrate", profile=Profile(age=18)).cautions
    )


def test_older_adults_on_oxide() -> None:
    edge = CAUTIONS.rules.older_adult_age_min
    assert any(c.code == "older-adult-oxide" for c in label(400, "oxide", profile=Profile(age=edge)).cautions)
    assert not any(
        c.code == "older-adult-oxide" for c in label(400, "oxide", profile=Profile(age=edge - 1)).cautions
    )
    assert not any(
        c.code == "older-adult-oxide" for c in label(400, "glycinate", profile=Profile(age=80)).cautions
    )


# ---------------------------------------------------------------- the upper level and --fail-on


@given(st.floats(min_value=1, max_value=2000), st.integers(min_value=1, max_value=4))
def test_upper_limit_caution_iff_daily_above_ul(mg: float, per_day: int) -> None:
    ul = next(
        b
        for b in REF.intake.bands
        if (b.standard == "us" and b.covers(30, None, "none"))
        or (b.standard == "us" and b.covers(30, "female", "none"))
    ).ul_supplemental_mg
    assert ul is not None
    r = label(mg, "citrate", elemental=True, profile=Profile(per_day=per_day))
    assert any(c.code == "upper-limit" for c in r.cautions) == (mg * per_day > ul)


def test_fail_on_levels() -> None:
    assert run_cli("check", "--drug", "ciprofloxacin", "--fail-on", "caution").returncode == 3
    assert run_cli("check", "--drug", "ciprofloxacin", "--fail-on", "avoid").returncode == 0
    assert run_cli("check", "--drug", "raltegravir", "--fail-on", "avoid").returncode == 3
    bad = run_cli("check", "--fail-on", "sometimes")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_check_mentions_unknown_drugs_only_when_drugs_were_given() -> None:
    assert "not cleared" not in run_cli("check", "--egfr", "45").stdout
    assert "not cleared" not in run_cli("check", "--drug", "ciprofloxacin").stdout
    assert "not cleared" in run_cli("check", "--drug", "zorblaxin").stdout


def test_severity_order() -> None:
    assert severity("info") < severity("caution") < severity("avoid")


def test_impossible_profiles_are_bad_input() -> None:
    for p in (Profile(egfr=-1), Profile(ckd_stage="9"), Profile(age=200), Profile(sex="male", pregnant=True)):
        with pytest.raises(MgcalcError):
            check(p)
    with pytest.raises(MgcalcError, match="unknown condition"):
        check(Profile(conditions=["sniffles"]))


def test_a_form_s_laxative_basis_is_looked_up_in_its_own_reference(tmp_path: Path) -> None:
    """The laxative dose a form borrows (``like``) is kept per reference: a user catalogue without
    the form it borrows from gets the class default, before and after the packaged data is asked,
    and the packaged data keeps its own answer (two runs in one process do not mix)."""
    from mgcalc.core.safety import laxative_basis, laxative_floor
    from mgcalc.reference.files import load_reference

    data = yaml.safe_load((Path(__file__).parent.parent / "data" / "forms.yaml").read_text(encoding="utf-8"))
    borrower = next(f for f in data["forms"] if f.get("laxative_evidence", {}).get("like"))
    lender = borrower["laxative_evidence"]["like"]
    data["forms"] = [borrower]  # without the form it borrows from
    data["families"] = {}
    path = tmp_path / "forms.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    user = load_reference(path)
    packaged = laxative_basis(REF, REF.catalogue.resolve(borrower["id"]))
    assert packaged == (
        REF.catalogue.resolve(lender).laxative_evidence.own_dose_mg,
        REF.catalogue.resolve(lender).laxative_evidence,
    )
    mine = laxative_basis(user, user.catalogue.resolve(borrower["id"]))
    assert mine == laxative_floor(user)
    assert laxative_basis(REF, REF.catalogue.resolve(borrower["id"])) == packaged
