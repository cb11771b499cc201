"""The day plan: totals, a timetable that keeps every rule (checked against brute force), files out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.cli.plan_io import handout_html, read_regimen, write_ics
from mgcalc.core.plan import DAY, STEP, Window, brute_force, plan, solve
from mgcalc.core.safety import match_drug
from mgcalc.reference import packaged_reference
from mgcalc.schema.cautions import DrugRule
from mgcalc.schema.plan import Regimen, minutes

from .conftest import run_cli

REF = packaged_reference()

ISSUE = {
    "person": {"age": 58, "sex": "female"},
    "day": {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]},
    "medicines": [
        {"name": "levothyroxine 100 mcg", "times": ["06:30"]},
        {"name": "ciprofloxacin 500 mg", "times": ["08:00", "20:00"]},
    ],
    "magnesium": [{"label": "Magnesium (as magnesium glycinate) 200 mg", "servings": 2}],
}


def _rule(name: str) -> DrugRule:
    found = match_drug(REF, name)
    assert isinstance(found, list)
    (rule,) = found
    return rule


def keeps(t: int, drug_at: int, rule: DrugRule) -> bool:
    """An independent reading of a rule for magnesium at t and a daily drug dose at drug_at:
    the drug at least B h before this magnesium and at least A h after the previous one."""
    b = rule.drug_before_hours if rule.drug_before_hours is not None else rule.drug_after_hours
    a = rule.drug_after_hours if rule.drug_after_hours is not None else rule.drug_before_hours
    assert a is not None and b is not None
    since_drug = (t - drug_at) % DAY
    until_drug = (drug_at - t) % DAY
    return since_drug >= b * 60 and until_drug >= a * 60


def test_the_issue_regimen_gets_two_times_that_keep_both_rules() -> None:
    r = plan(REF, Regimen.model_validate(ISSUE))
    doses = [i for i in r.schedule if i.kind == "magnesium"]
    assert len(doses) == 2
    for d in doses:
        t = minutes(d.time)
        assert minutes(ISSUE["day"]["wake"]) <= t <= minutes(ISSUE["day"]["sleep"])
        for med in ISSUE["medicines"]:
            rule = _rule(med["name"])
            for at in med["times"]:
                assert keeps(t, minutes(at), rule), (d.time, med["name"], at)
    assert r.daily_elemental_mg_max == 2 * 200
    assert r.ul_mg is not None and r.daily_elemental_mg_max > r.ul_mg
    assert any(c.code == "upper-limit" for c in r.cautions)
    assert r.unsatisfied == [] and r.no_timetable_reason is None
    # each product and medicine caution once
    assert len({(c.code, c.message) for c in r.cautions}) == len(r.cautions)


def test_raltegravir_gets_no_magnesium_times_and_says_why() -> None:
    data = {**ISSUE, "medicines": [*ISSUE["medicines"], {"name": "Isentress", "times": ["09:00"]}]}
    r = plan(REF, Regimen.model_validate(data))
    assert not [i for i in r.schedule if i.kind == "magnesium"]
    assert r.no_timetable_reason is not None and "raltegravir" in r.no_timetable_reason


def test_a_day_with_no_room_names_the_blocking_rule() -> None:
    data = {
        "day": {"wake": "08:00", "sleep": "20:00"},
        "medicines": [{"name": "moxifloxacin", "times": ["08:00", "14:00", "20:00"]}],
        "magnesium": [{"form": "citrate", "amount": "500 mg"}],
    }
    r = plan(REF, Regimen.model_validate(data))
    assert not [i for i in r.schedule if i.kind == "magnesium"]
    (u,) = r.unsatisfied
    assert u.rule == _rule("moxifloxacin").code and u.medicine == "moxifloxacin" and u.unblock


def test_antacid_only_rules_constrain_only_antacid_products() -> None:
    base = {
        "day": {"wake": "07:00", "sleep": "09:00"},
        "medicines": [{"name": "atazanavir", "times": ["08:00"]}],
    }
    oxide = plan(REF, Regimen.model_validate({**base, "magnesium": [{"form": "oxide", "amount": "100 mg"}]}))
    glyc = plan(
        REF, Regimen.model_validate({**base, "magnesium": [{"form": "glycinate", "amount": "100 mg"}]})
    )
    rule = _rule("atazanavir")
    for i in oxide.schedule:
        if i.kind == "magnesium":
            assert keeps(minutes(i.time), minutes("08:00"), rule)
    assert [i for i in glyc.schedule if i.kind == "magnesium"]


def test_meals_are_preferred_when_that_costs_nothing() -> None:
    data = {
        "day": {"wake": "07:00", "sleep": "22:00", "meals": ["12:30"]},
        "magnesium": [{"form": "citrate", "amount": "300 mg"}],
    }
    r = plan(REF, Regimen.model_validate(data))
    assert [i.time for i in r.schedule if i.kind == "magnesium"] == ["12:30"]


def test_daily_totals_add_every_product_and_the_diet() -> None:
    data = {
        "person": {"age": 40, "sex": "male"},
        "magnesium": [
            {"form": "citrate", "amount": "500 mg", "servings": 2},
            {"label": "Magnesium 100 mg (as magnesium oxide, citrate)"},
        ],
        "diet_mg": 250,
    }
    r = plan(REF, Regimen.model_validate(data))
    citrate = 500 * REF.catalogue.resolve("citrate").fraction
    assert r.daily_elemental_mg_min == pytest.approx(2 * citrate + 100)
    assert r.total_with_diet_mg_max == pytest.approx(r.daily_elemental_mg_max + 250)
    assert r.reference_intake_mg is not None


# ---------------------------------------------------------------- the solver against brute force

windows = st.lists(
    st.tuples(
        st.integers(0, DAY // STEP - 1).map(lambda k: k * STEP),
        st.sampled_from([0, 60, 120, 240, 360, 480]),
        st.sampled_from([0, 60, 120, 240, 360, 480]),
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(windows, windows, st.integers(0, 2), st.integers(0, 2), st.integers(6, 12), st.integers(14, 22))
def test_every_returned_time_keeps_every_rule_and_none_means_none(
    w1: list[tuple[int, int, int]], w2: list[tuple[int, int, int]], n1: int, n2: int, wake: int, sleep: int
) -> None:
    rule = _rule("levothyroxine")
    slots = list(range(wake * 60, sleep * 60 + 1, 30))  # a coarser grid keeps brute force quick
    allowed = []
    for ws in (w1, w2):
        wins = [Window("drug", at, rule, before, after) for at, before, after in ws]
        allowed.append([t for t in slots if all(w.allows(t) for w in wins)])
    meals = {slots[len(slots) // 2]}
    got = solve(allowed, [n1, n2], meals)
    truth = brute_force(allowed, [n1, n2], meals)
    if n1 + n2 == 0:
        return
    assert (got is None) == (truth is None)
    if got is not None and truth is not None:
        placed = got[1]
        assert sorted(p for _, p in placed) == [0] * n1 + [1] * n2
        for t, p in placed:
            assert t in allowed[p]
            wins = [Window("drug", at, rule, b, a) for at, b, a in (w1, w2)[p]]
            assert all(w.allows(t) for w in wins)
        if n1 + n2 >= 2:
            assert (got[0], sum(t in meals for t, _ in placed)) == truth


def test_window_matches_an_independent_reading_of_each_rule() -> None:
    for name in ("ciprofloxacin", "moxifloxacin", "gabapentin", "Fosamax", "levothyroxine"):
        rule = _rule(name)
        b = rule.drug_before_hours if rule.drug_before_hours is not None else rule.drug_after_hours
        a = rule.drug_after_hours if rule.drug_after_hours is not None else rule.drug_before_hours
        assert a is not None and b is not None
        w = Window(name, 480, rule, round(b * 60), round(a * 60))
        for t in range(0, DAY, STEP):
            assert w.allows(t) == keeps(t, 480, rule), (name, t)


# ---------------------------------------------------------------- the regimen file


def _file(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "regimen.yaml"
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return p


def test_regimen_errors_name_the_line_and_field(tmp_path: Path) -> None:
    text = "person:\n  age: 30\nmagnesium:\n  - form: citrate\n    amont: 500 mg\n"
    with pytest.raises(MgcalcError, match=r"line 5: magnesium\.0\.amont"):
        read_regimen(_file(tmp_path, text))
    with pytest.raises(MgcalcError, match=r"line 3: day\.wake"):
        read_regimen(_file(tmp_path, "magnesium: [{form: citrate, amount: 1 g}]\nday:\n  wake: '7am'\n"))
    r = run_cli("plan", str(_file(tmp_path, text)))
    assert r.returncode == 2 and "line 5" in r.stderr and "Traceback" not in r.stderr


def test_unquoted_yaml_times_are_read_as_times(tmp_path: Path) -> None:
    reg = read_regimen(
        _file(tmp_path, "day: {wake: 07:00, sleep: 23:00}\nmagnesium: [{form: citrate, amount: 1 g}]\n")
    )
    assert (reg.day.wake, reg.day.sleep) == ("07:00", "23:00")


def test_cli_plan_json_contract(tmp_path: Path) -> None:
    r = run_cli("plan", str(_file(tmp_path, ISSUE)), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for key in (
        "daily_elemental_mg_min",
        "daily_elemental_mg_max",
        "ul_mg",
        "daily_absorbed_mg",
        "schedule",
        "unsatisfied",
        "cautions",
    ):
        assert key in data
    assert {"time", "item", "kind", "elemental_mg"} <= set(data["schedule"][0])


def test_ics_has_one_daily_reminder_per_dose(tmp_path: Path) -> None:
    from icalendar import Calendar

    r = plan(REF, Regimen.model_validate(ISSUE))
    path = tmp_path / "plan.ics"
    assert write_ics(r, path, date(2026, 1, 5)) == 2
    cal = Calendar.from_ical(path.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    times = sorted(e.decoded("dtstart").strftime("%H:%M") for e in events)
    assert times == sorted(i.time for i in r.schedule if i.kind == "magnesium")
    assert all(e.get("rrule")["FREQ"] == ["DAILY"] for e in events)


def test_handout_holds_the_timetable_and_escapes_text() -> None:
    data = {**ISSUE, "medicines": [*ISSUE["medicines"], {"name": "<b>x</b> & y", "times": ["13:00"]}]}
    reg = Regimen.model_validate(data)
    html = handout_html(plan(REF, reg), reg, "test", date(2026, 1, 5))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert 'id="timetable"' in html and "<svg" in html and "2026-01-05" in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_handout_renders_on_one_page_in_a_real_browser(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (see .ci/run)")
        pytest.skip("no chromium on this machine")
    reg = Regimen.model_validate(ISSUE)
    page = tmp_path / "plan.html"
    page.write_text(handout_html(plan(REF, reg), reg, "test", date(2026, 1, 5)), encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    pdf = tmp_path / "plan.pdf"
    subprocess.run(
        [browser, *flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert pdf.is_file() and pdf.stat().st_size > 1000
    pages = pdf.read_bytes().count(b"/Type /Page") - pdf.read_bytes().count(b"/Type /Pages")
    assert pages == 1, f"the handout is {pages} pages"
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    assert 'id="timetable"' in dom and "Magnesium (as magnesium glycinate)" in dom
    png = tmp_path / "plan.png"
    subprocess.run(
        [browser, *flags, "--window-size=800,1100", f"--screenshot={png}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert png.is_file() and png.stat().st_size > 5000


@pytest.mark.parametrize("suffix", [".txt", ".json"])
def test_products_can_be_whole_panels_and_dsld_records(tmp_path: Path, suffix: str) -> None:
    """A real DSLD label (panel text or API record) beside the regimen: the plan counts what `panel` reads."""
    from mgcalc.cli.plan_io import read_panels
    from mgcalc.core.panel import panel, read_panel_text

    here = Path(__file__).resolve().parent / "data" / "dsld" / "labels"
    src = here / f"205710{suffix}"
    shutil.copy(src, tmp_path / src.name)
    reg = read_regimen(_file(tmp_path, {"magnesium": [{"panel": src.name, "servings": 2}]}))
    panels = read_panels(REF, reg, tmp_path)
    r = plan(REF, reg, panels)
    expected = panel(REF, read_panel_text((here / "205710.txt").read_text(encoding="utf-8")))
    assert expected.elemental_mg_max is not None
    assert r.daily_elemental_mg_max == pytest.approx(2 * expected.elemental_mg_max)
    assert len([i for i in r.schedule if i.kind == "magnesium"]) == 2


def test_a_missing_panel_file_is_one_line_error(tmp_path: Path) -> None:
    p = _file(tmp_path, {"magnesium": [{"panel": "nope.txt"}]})
    r = run_cli("plan", str(p))
    assert r.returncode == 2 and "nope.txt" in r.stderr and "Traceback" not in r.stderr


def test_an_endless_regimen_file_is_refused_without_reading_it_all() -> None:
    r = run_cli("plan", "/dev/zero")
    assert r.returncode == 2 and "over" in r.stderr and "Traceback" not in r.stderr
