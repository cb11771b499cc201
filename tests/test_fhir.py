"""``plan --fhir``: the plan as a FHIR R4 Bundle of MedicationStatements, validated.

The validator is fhir.resources (a ``test`` extra only, never loaded by mgcalc itself): its R4B
models, whose MedicationStatement, Dosage, Timing, Bundle, Patient, CodeableConcept, Ratio, Quantity
and Period have the elements of R4 (4.0.1) (see docs/codes.md, "FHIR"). The models check structure,
cardinality and datatypes (a "HH:MM:SS" time, a date); they do not check that a code is in its
required value set, so ``_codes_in_value_sets`` walks the parsed bundle for that.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhir.resources.R4B import bundle as fhir_bundle  # the test extra; a missing validator fails, not skips
from pydantic import BaseModel

from mgcalc.core.fhir import RXNORM_SYSTEM, UNII_SYSTEM, plan_bundle
from mgcalc.core.plan import plan
from mgcalc.reference import packaged_reference
from mgcalc.schema.plan import Regimen

REF = packaged_reference()
DAY_ = {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]}
WEEK = {
    "person": {"age": 58, "sex": "female"},
    "day": DAY_,
    "medicines": [
        {"name": "alendronate 70 mg", "times": ["07:00"], "days": ["sun"]},
        {"name": "levothyroxine", "times": ["06:30"]},
        {"name": "ciprofloxacin", "times": ["08:00", "20:00"], "from": "2026-12-07", "until": "2026-12-13"},
        {"name": "Maalox", "as_needed": True, "max_per_day": 4},
    ],
    "magnesium": [
        {"form": "glycinate", "amount": "200 mg", "elemental": True, "servings": 2, "unit": "2 capsules"},
        {"form": "citrate", "amount": "150 mg", "elemental": True, "as_needed": True, "max_per_day": 2},
    ],
}


def _bundle(data: dict[str, Any] = WEEK) -> dict[str, Any]:
    return plan_bundle(plan(REF, Regimen.model_validate(data)), REF.catalogue)


def _codes_in_value_sets(node: object, where: str = "Bundle") -> list[str]:
    """Every coded element with a required value set (``enum_values`` in the model) holds one of its
    codes: what the pydantic models leave unchecked."""
    bad: list[str] = []
    if isinstance(node, list):
        for i, x in enumerate(node):
            bad += _codes_in_value_sets(x, f"{where}[{i}]")
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            value = getattr(node, name, None)
            if value is None:
                continue
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            allowed = extra.get("enum_values")
            if allowed:
                for v in value if isinstance(value, list) else [value]:
                    if v is not None and v not in allowed:
                        bad.append(f"{where}.{name}: {v!r} not in {allowed}")
            bad += _codes_in_value_sets(value, f"{where}.{name}")
    return bad


def _valid(b: dict[str, Any]) -> None:
    model = fhir_bundle.Bundle.model_validate(b)
    kinds = [type(e.resource).__name__ for e in model.entry]
    assert kinds[0] == "Patient" and set(kinds[1:]) == {"MedicationStatement"}, kinds
    assert _codes_in_value_sets(model) == []
    # and it survives the validator's own round trip
    fhir_bundle.Bundle.model_validate_json(model.model_dump_json())


def _statements(b: dict[str, Any], text: str) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in b["entry"]
        if e["resource"]["resourceType"] == "MedicationStatement"
        and e["resource"]["medicationCodeableConcept"]["text"].startswith(text)
    ]


def test_the_bundle_validates() -> None:
    b = _bundle()
    assert b["resourceType"] == "Bundle" and b["type"] == "collection"
    _valid(b)
    fulls = [e["fullUrl"] for e in b["entry"]]
    assert len(set(fulls)) == len(fulls) and all(u.startswith("urn:uuid:") for u in fulls)
    assert _bundle() == b  # the same plan, the same bundle


def test_the_readme_plan_validates() -> None:
    data = yaml.safe_load((Path(__file__).parent / "data" / "regimen.yaml").read_text(encoding="utf-8"))
    b = _bundle(data)
    _valid(b)
    (mg,) = _statements(b, "Magnesium")
    (dosage,) = mg["dosage"]
    assert dosage["timing"]["repeat"] == {"timeOfDay": ["10:30:00", "23:00:00"]}  # every day, no end


def test_two_lines_with_one_name_are_two_entries_with_their_own_ids() -> None:
    same = {"form": "citrate", "amount": "100 mg", "elemental": True}
    data = {
        "day": DAY_,
        "medicines": [
            {"name": "Maalox", "times": ["12:00"]},
            {"name": "Maalox", "as_needed": True, "max_per_day": 2},
        ],
        "magnesium": [same, {**same, "as_needed": True, "max_per_day": 2}],
    }
    b = _bundle(data)
    _valid(b)
    fulls = [e["fullUrl"] for e in b["entry"]]
    assert len(set(fulls)) == len(fulls)
    assert len(_statements(b, "Maalox")) == 2 and len(_statements(b, "Magnesium citrate")) == 2


def test_every_item_is_a_statement_the_validator_catches_a_broken_one() -> None:
    b = _bundle()
    for name in ("alendronate", "levothyroxine", "ciprofloxacin", "Maalox", "Magnesium"):
        assert _statements(b, name), name
    broken = json.loads(json.dumps(b))
    broken["entry"][1]["resource"]["dosage"][0]["timing"]["repeat"]["timeOfDay"] = ["8:00"]
    with pytest.raises(ValueError, match="timeOfDay"):
        fhir_bundle.Bundle.model_validate(broken)
    broken = json.loads(json.dumps(b))
    broken["entry"][1]["resource"]["status"] = "prescribed"
    assert _codes_in_value_sets(fhir_bundle.Bundle.model_validate(broken))


def test_a_weekly_medicine_gives_day_of_week() -> None:
    b = _bundle()
    (alendronate,) = _statements(b, "alendronate")
    (dosage,) = alendronate["dosage"]
    assert dosage["timing"]["repeat"] == {"timeOfDay": ["07:00:00"], "dayOfWeek": ["sun"]}
    (levo,) = _statements(b, "levothyroxine")
    assert levo["dosage"][0]["timing"]["repeat"] == {"timeOfDay": ["06:30:00"]}  # every day
    # the magnesium moves on Sundays: one statement per set of times, each with its days
    mg = {
        tuple(s["dosage"][0]["timing"]["repeat"].get("dayOfWeek", [])): s["dosage"][0]
        for s in _statements(b, "Magnesium bisglycinate")
    }
    # Sunday's times, which its neighbours share where Sunday's dose reaches them, and the rest
    assert sorted(d for days in mg for d in days) == ["fri", "mon", "sat", "sun", "thu", "tue", "wed"]
    assert len(mg) >= 2 and any("sun" in days for days in mg)
    for dosage in mg.values():
        assert dosage["doseAndRate"] == [{"doseQuantity": {"value": 2, "unit": "capsules"}}]
        assert dosage["text"].startswith("2 capsules at ")
        assert "boundsPeriod" not in dosage["timing"]["repeat"]


def test_a_course_gives_bounds_period() -> None:
    (cipro,) = _statements(_bundle(), "ciprofloxacin")
    repeat = cipro["dosage"][0]["timing"]["repeat"]
    assert repeat["boundsPeriod"] == {"start": "2026-12-07", "end": "2026-12-13"}
    assert repeat["timeOfDay"] == ["08:00:00", "20:00:00"] and "dayOfWeek" not in repeat


def test_a_product_whose_times_change_for_a_course_has_a_statement_for_each_span() -> None:
    data = dict(WEEK)
    data["medicines"] = [
        {"name": "levothyroxine", "times": ["06:30"]},
        {"name": "ciprofloxacin", "times": ["09:00", "21:00"], "from": "2026-12-07", "until": "2026-12-13"},
    ]
    b = _bundle(data)
    _valid(b)
    mg = _statements(b, "Magnesium bisglycinate")
    spans = sorted(
        (
            s["dosage"][0]["timing"]["repeat"].get("boundsPeriod", {}).get("start", ""),
            s["dosage"][0]["timing"]["repeat"].get("boundsPeriod", {}).get("end", ""),
        )
        for s in mg
    )
    times = {tuple(s["dosage"][0]["timing"]["repeat"]["timeOfDay"]) for s in mg}
    if len(times) == 1:  # the course did not move it: one statement, no bounds
        assert spans == [("", "")]
    else:  # before and after the course (the same times) are one statement with a gap: two spans
        assert ("2026-12-07", "2026-12-13") in spans
        assert ("", "2026-12-06") in spans and ("2026-12-14", "") in spans


def test_as_needed_gives_as_needed_boolean_and_max_dose_per_period() -> None:
    b = _bundle()
    for name, most in (("Maalox", 4), ("Magnesium citrate", 2)):
        (s,) = _statements(b, name)
        (dosage,) = s["dosage"]
        assert dosage["asNeededBoolean"] is True
        assert dosage["maxDosePerPeriod"]["numerator"] == {"value": most}
        assert dosage["maxDosePerPeriod"]["denominator"]["code"] == "d"
        assert dosage["timing"]["repeat"] == {"frequency": most, "period": 1, "periodUnit": "d"}
        assert dosage["text"] and dosage["patientInstruction"] == dosage["text"]


def test_codes_appear_where_known_and_text_always() -> None:
    r = plan(REF, Regimen.model_validate(WEEK))
    b = plan_bundle(r, REF.catalogue)
    forms = {f.id: f for f in REF.catalogue.forms}
    for p in r.products:
        (s, *_) = _statements(b, p.name)
        concept = s["medicationCodeableConcept"]
        assert concept["text"] == p.name
        want = forms[p.form].unii if p.form else None
        got = [c["code"] for c in concept.get("coding", []) if c["system"] == UNII_SYSTEM]
        assert got == ([want] if want else [])
    assert any(forms[p.form].unii for p in r.products if p.form)  # glycinate has its UNII
    for m in r.medicines:
        (s, *_) = _statements(b, m.name)
        got = [
            c["code"]
            for c in s["medicationCodeableConcept"].get("coding", [])
            if c["system"] == RXNORM_SYSTEM
        ]
        assert got == m.rxcui and s["medicationCodeableConcept"]["text"] == m.name
    (levo,) = _statements(b, "levothyroxine")
    assert {"system": RXNORM_SYSTEM, "code": "10582"} in levo["medicationCodeableConcept"]["coding"]


def test_an_unknown_medicine_and_a_label_product_have_text_only() -> None:
    data = {
        "day": DAY_,
        "medicines": [{"name": "zzmadeupium", "times": ["08:00"]}],
        "magnesium": [{"label": "Magnesium 200 mg"}],
    }
    b = _bundle(data)
    _valid(b)
    for s in _statements(b, ""):
        concept = s["medicationCodeableConcept"]
        assert concept["text"]
        if concept["text"] == "zzmadeupium":
            assert "coding" not in concept


def test_a_product_with_no_time_is_on_hold_with_the_reason_not_left_out() -> None:
    data = {
        "day": {"wake": "07:00", "sleep": "09:00"},
        "medicines": [{"name": "ciprofloxacin", "times": ["07:30", "08:30"]}],
        "magnesium": [{"form": "glycinate", "amount": "200 mg", "elemental": True, "servings": 2}],
    }
    r = plan(REF, Regimen.model_validate(data))
    assert r.no_timetable_reason is not None
    b = plan_bundle(r, REF.catalogue, Regimen.model_validate(data))
    _valid(b)
    (mg,) = _statements(b, "Magnesium bisglycinate")
    assert mg["status"] == "on-hold" and "ciprofloxacin" in mg["statusReason"][0]["text"]
    (dosage,) = mg["dosage"]
    assert dosage["timing"]["repeat"] == {"frequency": 2, "period": 1, "periodUnit": "d"}
    assert dosage["text"].startswith("no time found every day: ")
    (cipro,) = _statements(b, "ciprofloxacin")
    assert cipro["status"] == "active"


def test_a_product_blocked_on_one_pattern_only_is_on_hold_for_those_days() -> None:
    data = {
        "day": {"wake": "07:00", "sleep": "10:00"},
        "medicines": [{"name": "ciprofloxacin", "times": ["07:30", "09:30"], "days": ["sun"]}],
        "magnesium": [{"form": "glycinate", "amount": "200 mg", "elemental": True}],
    }
    b = _bundle(data)
    _valid(b)
    mg = {s["status"]: s for s in _statements(b, "Magnesium bisglycinate")}
    assert set(mg) == {"active", "on-hold"}
    assert mg["on-hold"]["dosage"][0]["timing"]["repeat"]["dayOfWeek"] == ["sun"]
    assert "sun" not in mg["active"]["dosage"][0]["timing"]["repeat"]["dayOfWeek"]


def test_a_night_shift_dose_after_midnight_is_on_the_next_weekday_and_date() -> None:
    """A waking day 14:00-06:00: a weekly Sunday medicine at 02:00 is taken early on Monday."""
    data = {
        "day": {"wake": "14:00", "sleep": "06:00"},
        "medicines": [
            {
                "name": "alendronate 70 mg",
                "times": ["15:00", "02:00"],
                "days": ["sun"],
                "until": "2026-12-13",
            },
            {"name": "levothyroxine", "times": ["13:30"], "days": ["sat"]},
        ],
        "magnesium": [{"form": "glycinate", "amount": "200 mg", "elemental": True}],
    }
    reg = Regimen.model_validate(data)
    b = plan_bundle(plan(REF, reg), REF.catalogue, reg)
    _valid(b)
    (alendronate,) = _statements(b, "alendronate")
    got = [d["timing"]["repeat"] for d in alendronate["dosage"]]
    assert got == [
        {"timeOfDay": ["15:00:00"], "dayOfWeek": ["sun"], "boundsPeriod": {"end": "2026-12-13"}},
        {"timeOfDay": ["02:00:00"], "dayOfWeek": ["mon"], "boundsPeriod": {"end": "2026-12-14"}},
    ]
    # just before waking is the same day, not the next
    (levo,) = _statements(b, "levothyroxine")
    assert [d["timing"]["repeat"]["dayOfWeek"] for d in levo["dosage"]] == [["sat"]]
    # without the regimen the builder cannot tell: the waking day's weekday
    (plain,) = _statements(plan_bundle(plan(REF, reg), REF.catalogue), "alendronate")
    assert [d["timing"]["repeat"]["dayOfWeek"] for d in plain["dosage"]] == [["sun"]]


# ---------------------------------------------------------------- the command


def _mgcalc(*args: str, cwd: Path, pre: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{pre}\nfrom mgcalc.cli.app import main\nmain({list(args)!r})"
    env = {k: v for k, v in os.environ.items() if k not in ("MGCALC_CATALOGUE", "NO_COLOR")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env, timeout=60
    )


def _regimen(folder: Path) -> Path:
    p = folder / "regimen.yaml"
    p.write_text(yaml.safe_dump(WEEK), encoding="utf-8")
    return p


def test_cli_writes_the_bundle(tmp_path: Path) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", "--fhir", "plan.fhir.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "FHIR bundle saved to plan.fhir.json" in r.stderr
    b = json.loads((tmp_path / "plan.fhir.json").read_text(encoding="utf-8"))
    _valid(b)
    assert b == _bundle()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.fhir.json", "regimen.yaml"]


def test_cli_dash_writes_the_bundle_to_stdout(tmp_path: Path) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", "--fhir", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    _valid(json.loads(r.stdout))
    assert "Magnesium plan for the day" in r.stderr


def test_cli_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    _regimen(tmp_path)
    (tmp_path / "out.json").write_text("previous", encoding="utf-8")
    disk_full = (
        "import os, errno\n"
        "def full(*a, **k):\n"
        f"    raise OSError({errno.ENOSPC}, os.strerror({errno.ENOSPC}))\n"
        "os.fsync = full\n"
    )
    r = _mgcalc("plan", "regimen.yaml", "--fhir", "out.json", cwd=tmp_path, pre=disk_full)
    assert r.returncode == 4, r.stderr
    assert "--fhir: cannot write 'out.json'" in r.stderr
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "regimen.yaml"]


@pytest.mark.parametrize("target", ["regimen.yaml", "./regimen.yaml", "{tmp}/regimen.yaml"])
def test_cli_refuses_fhir_onto_the_regimen(tmp_path: Path, target: str) -> None:
    reg = _regimen(tmp_path)
    before = reg.read_bytes()
    r = _mgcalc("plan", "regimen.yaml", "--fhir", target.format(tmp=tmp_path), cwd=tmp_path)
    assert r.returncode == 2 and "--fhir:" in r.stderr and "is an input of this command" in r.stderr
    assert reg.read_bytes() == before


@pytest.mark.parametrize("other", ["--html", "--ics"])
@pytest.mark.parametrize("path", ["same.out", "-"])
def test_cli_refuses_fhir_and_another_output_to_one_path(tmp_path: Path, other: str, path: str) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", other, path, "--fhir", path, cwd=tmp_path)
    assert r.returncode == 2 and f"{other} and --fhir" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regimen.yaml"] and r.stdout == ""


def test_cli_refuses_fhir_dash_with_json(tmp_path: Path) -> None:
    _regimen(tmp_path)
    r = _mgcalc("plan", "regimen.yaml", "--fhir", "-", "--json", cwd=tmp_path)
    assert r.returncode == 2 and "--fhir - and --json" in r.stderr


def test_mgcalc_does_not_load_the_validator(tmp_path: Path) -> None:
    _regimen(tmp_path)
    pre = (
        "import sys, atexit\natexit.register(lambda: print('fhir.resources' in sys.modules, file=sys.stderr))"
    )
    r = _mgcalc("plan", "regimen.yaml", "--fhir", "out.json", cwd=tmp_path, pre=pre)
    assert r.returncode == 0 and r.stderr.rstrip().endswith("False"), r.stderr
