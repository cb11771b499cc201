"""A patient's real week (issue 20): weekdays, courses, as-needed items, night shifts, times as
written, a solver that scales."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.cli.plan_io import read_regimen
from mgcalc.core.plan import DAY, STEP, Window, brute_force, plan, solve
from mgcalc.core.safety import match_drug
from mgcalc.reference import packaged_reference
from mgcalc.schema.cautions import DrugRule
from mgcalc.schema.plan import Regimen, minutes

from .conftest import run_cli

REF = packaged_reference()
DAY_ = {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]}


def _rule(name: str) -> DrugRule:
    found = match_drug(REF, name)
    assert isinstance(found, list)
    return found[0]


def _hours(rule: DrugRule) -> tuple[int, int]:
    b, a = rule.drug_before_hours, rule.drug_after_hours
    b = a if b is None else b
    a = b if a is None else a
    assert a is not None and b is not None
    return round(b * 60), round(a * 60)


def _file(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "regimen.yaml"
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return p


def _keeps(t: int, drug_at: int, rule: DrugRule) -> bool:
    b, a = _hours(rule)
    return (t - drug_at) % DAY >= b and (drug_at - t) % DAY >= a


# ---------------------------------------------------------------- times as written


def test_bare_hours_are_refused_with_the_fix(tmp_path: Path) -> None:
    text = "medicines: [{name: ciprofloxacin, times: [8, 20]}]\nmagnesium: [{form: citrate, amount: 1 g}]\n"
    with pytest.raises(MgcalcError, match=r'line 1: medicines\.0\.times.*write "08:00"'):
        read_regimen(_file(tmp_path, text))
    r = run_cli("plan", str(_file(tmp_path, text)))
    assert r.returncode == 2 and '"08:00"' in r.stderr and "Traceback" not in r.stderr


def test_unquoted_times_are_text_and_a_malformed_one_is_refused(tmp_path: Path) -> None:
    ok = "day: {wake: 06:30, sleep: 22:00}\nmagnesium: [{form: citrate, amount: 1 g}]\n"
    reg = read_regimen(_file(tmp_path, ok))
    assert (reg.day.wake, reg.day.sleep) == ("06:30", "22:00")
    bad = "medicines: [{name: ciprofloxacin, times: [7:5]}]\nmagnesium: [{form: citrate, amount: 1 g}]\n"
    with pytest.raises(MgcalcError, match="7:5"):
        read_regimen(_file(tmp_path, bad))
    quoted = bad.replace("[7:5]", '["7:5"]')
    with pytest.raises(MgcalcError, match="7:5"):
        read_regimen(_file(tmp_path, quoted))


def test_yaml_aliases_are_refused_before_they_expand(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    text = "\n".join(lines) + "\nmagnesium: [{form: citrate, amount: 1 g}]\n"
    assert len(text) < 1000
    started = time.process_time()
    with pytest.raises(MgcalcError, match="aliases"):
        read_regimen(_file(tmp_path, text))
    assert time.process_time() - started < 5  # a guard against the expansion, not a benchmark


def test_a_medicine_needs_times_unless_as_needed() -> None:
    with pytest.raises(ValueError, match="as_needed"):
        Regimen.model_validate(
            {"medicines": [{"name": "x", "times": []}], "magnesium": [{"form": "citrate", "amount": "1 g"}]}
        )
    with pytest.raises(ValueError, match="max_per_day"):
        Regimen.model_validate(
            {
                "medicines": [{"name": "Maalox", "as_needed": True}],
                "magnesium": [{"form": "citrate", "amount": "1 g"}],
            }
        )


# ---------------------------------------------------------------- night shifts


def test_a_night_shift_gets_times_across_midnight_that_keep_the_rules() -> None:
    reg = Regimen.model_validate(
        {
            "day": {"wake": "14:00", "sleep": "06:00", "meals": ["15:00", "22:00", "03:00"]},
            "medicines": [
                {"name": "levothyroxine", "times": ["14:30"]},
                {"name": "ciprofloxacin", "times": ["22:00"]},
            ],
            "magnesium": [{"form": "glycinate", "amount": "100 mg", "elemental": True, "servings": 2}],
        }
    )
    r = plan(REF, reg)
    doses = [minutes(i.time) for i in r.schedule if i.kind == "magnesium"]
    assert len(doses) == 2, r.no_timetable_reason
    for t in doses:
        assert (t - 14 * 60) % DAY <= 16 * 60  # inside the waking window 14:00-06:00
        assert _keeps(t, 14 * 60 + 30, _rule("levothyroxine"))
        assert _keeps(t, 22 * 60, _rule("ciprofloxacin"))
    # the listing reads in the order the day is lived: from after sleep round to sleep
    times = [i.time for i in r.schedule]
    assert times.index("14:30") < times.index("22:00") < times.index("03:00")


def test_sleep_only_minutes_after_wake_is_refused() -> None:
    with pytest.raises(ValueError, match="at least an hour"):
        Regimen.model_validate(
            {"day": {"wake": "07:00", "sleep": "07:30"}, "magnesium": [{"form": "citrate", "amount": "1 g"}]}
        )


# ---------------------------------------------------------------- weekly medicines and courses


WEEKLY = {
    "day": DAY_,
    "medicines": [
        {"name": "alendronate 70 mg", "times": ["07:00"], "days": ["sun"]},
        {"name": "levothyroxine", "times": ["06:30"]},
    ],
    "magnesium": [
        {"form": "glycinate", "amount": "200 mg", "elemental": True, "servings": 2, "unit": "2 capsules"}
    ],
}


def test_a_weekly_drug_gets_its_own_timetable_for_its_day() -> None:
    r = plan(REF, Regimen.model_validate(WEEKLY))
    assert r.schedule == []  # the days differ: read the timetables
    by_days = {tuple(t.days): t for t in r.timetables}
    # Sunday alone; the other days, split where Sunday's dose reaches them (Saturday night, Monday)
    assert sorted(d for days in by_days for d in days) == sorted(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    sunday = by_days[("sun",)]
    assert sunday.label == "Sundays"
    assert any(i.item.startswith("alendronate") for i in sunday.schedule)
    for t in [minutes(i.time) for i in sunday.schedule if i.kind == "magnesium"]:
        assert _keeps(t, 7 * 60, _rule("alendronate"))
    for days, t in by_days.items():
        if "sun" not in days:
            assert not any(i.item.startswith("alendronate") for i in t.schedule)
    assert {i.take for t in r.timetables for i in t.schedule if i.kind == "magnesium"} == {"2 capsules"}


def test_a_course_ends_and_the_plan_says_when() -> None:
    reg = dict(WEEKLY)
    reg["medicines"] = [
        {"name": "ciprofloxacin", "times": ["08:00", "20:00"], "from": "2026-12-07", "until": "2026-12-13"}
    ]
    r = plan(REF, Regimen.model_validate(reg))
    spans = [(t.from_, t.until) for t in r.timetables]
    assert spans == [(None, "2026-12-06"), ("2026-12-07", "2026-12-13"), ("2026-12-14", None)]
    during = r.timetables[1]
    assert "7 Dec 2026 to 13 Dec 2026" in during.label
    for t in [minutes(i.time) for i in during.schedule if i.kind == "magnesium"]:
        for at in (8 * 60, 20 * 60):
            assert _keeps(t, at, _rule("ciprofloxacin"))
    before = [i for i in r.timetables[0].schedule if i.kind == "medicine"]
    assert before == []


def test_timetables_json_shape(tmp_path: Path) -> None:
    r = run_cli("plan", str(_file(tmp_path, WEEKLY)), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    t = out["timetables"][0]
    assert set(t) >= {"days", "from", "until", "label", "schedule"}


# ---------------------------------------------------------------- as needed


def test_an_as_needed_antacid_says_when_not_to_take_it() -> None:
    reg = {
        "day": DAY_,
        "medicines": [
            {"name": "Tivicay", "times": ["08:00"]},
            {"name": "Maalox", "as_needed": True, "max_per_day": 4},
        ],
        "magnesium": [{"form": "glycinate", "amount": "100 mg", "elemental": True}],
    }
    r = plan(REF, Regimen.model_validate(reg))
    (a,) = r.as_needed
    b, after = _hours(_rule("Tivicay"))
    assert a.item == "Maalox" and a.max_per_day == 4
    want = f"{(8 * 60 - after) // 60 % 24:02d}:{(8 * 60 - after) % 60:02d}-{(8 * 60 + b) // 60:02d}:{(8 * 60 + b) % 60:02d}"
    assert a.avoid[0].startswith(want), a.avoid


def test_an_as_needed_magnesium_product_counts_at_its_maximum() -> None:
    reg = {
        "day": DAY_,
        "magnesium": [
            {"form": "glycinate", "amount": "100 mg", "elemental": True},
            {"form": "citrate", "amount": "150 mg", "elemental": True, "as_needed": True, "max_per_day": 2},
        ],
    }
    r = plan(REF, Regimen.model_validate(reg))
    assert r.daily_elemental_mg_max == pytest.approx(100 + 2 * 150)
    assert any(c.code == "upper-limit" for c in r.cautions)
    assert [i.item for i in r.schedule if i.kind == "magnesium"] == [r.products[0].name]
    assert r.as_needed[0].kind == "magnesium"


# ---------------------------------------------------------------- the solver


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=3),
    st.lists(st.integers(0, 40), min_size=1, max_size=3),
    st.integers(1, 2),
    st.integers(0, 2),
    st.integers(0, 2),
)
def test_grouped_solver_matches_brute_force(a: list[int], b: list[int], n_a: int, n_b: int, n_c: int) -> None:
    """Three products, two of them with the same allowed times (one group): the same optimum."""
    slots_a = sorted({x * STEP for x in a})
    slots_b = sorted({x * STEP for x in b})
    allowed = [slots_a, slots_b, slots_a]
    counts = [n_a, n_b, n_c]
    meals = {0, 60, 120}
    got = solve(allowed, counts, meals)
    truth = brute_force(allowed, counts, meals)
    if truth is None:
        assert got is None
        return
    assert got is not None
    gap, placed = got
    for t, p in placed:
        assert t in allowed[p]
    assert sorted(p for _, p in placed) == sorted(p for p, c in enumerate(counts) for _ in range(c))
    if sum(counts) >= 2:
        assert (gap, sum(t in meals for t, _ in placed)) == truth


def test_ten_products_of_six_servings_are_planned() -> None:
    """The case that took 24 GB: it now plans (its time and memory are measured by
    benchmarks/plan_scaling.py, not here)."""
    reg = {
        "day": DAY_,
        "medicines": [
            {"name": "ciprofloxacin", "times": ["08:00"]},
            {"name": "atazanavir", "times": ["21:00"]},
        ],
        "magnesium": [
            {"form": ("glycinate", "oxide")[i % 2], "amount": "10 mg", "elemental": True, "servings": 6}
            for i in range(10)
        ],
    }
    r = plan(REF, Regimen.model_validate(reg))
    doses = [i for i in r.schedule if i.kind == "magnesium"]
    assert len(doses) == 60, r.no_timetable_reason
    ata = _rule("atazanavir")
    for i in doses:
        t = minutes(i.time)
        assert _keeps(t, 8 * 60, _rule("ciprofloxacin"))
        if "oxide" in i.item.lower():
            assert _keeps(t, 21 * 60, ata)


def test_window_reading_is_unchanged_by_grouping() -> None:
    rule = _rule("ciprofloxacin")
    b, a = _hours(rule)
    w = Window("cipro", 480, rule, b, a)
    assert [t for t in range(0, DAY, STEP) if w.allows(t)] == [
        t for t in range(0, DAY, STEP) if _keeps(t, 480, rule)
    ]
