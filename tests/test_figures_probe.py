"""The figures probe's findings (research/probe/figures): each repro, and the input one step on."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError, api
from mgcalc.core.stoichiometry import anhydrous, ceiling_pct, formula_pct, pct_problems
from mgcalc.reference import check_catalogue, load_reference, packaged_path, packaged_reference

from .conftest import run_cli

REF = packaged_reference()
PACKAGED: dict[str, Any] = yaml.safe_load(packaged_path("forms.yaml").read_text(encoding="utf-8"))


def _catalogue(tmp_path: Path, change: dict[str, dict[str, Any]], name: str = "cat.yaml") -> Path:
    """A copy of the packaged catalogue with some entries' keys replaced (by form id)."""
    data = copy.deepcopy(PACKAGED)
    for f in data["forms"]:
        for key, value in change.get(f["id"], {}).items():
            if isinstance(value, dict) and isinstance(f.get(key), dict):
                f[key] = {**f[key], **value}
            else:
                f[key] = value
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


# ---- 3: a liquid's concentration in mmol or mEq is magnesium itself


@pytest.mark.parametrize("conc", ["4 mmol per 5 mL", "8 mEq/5 mL", "0.8 mmol/mL"])
def test_a_molar_concentration_without_elemental_is_refused(conc: str) -> None:
    r = run_cli("label", "5 mL", "--form", "hydroxide", "--concentration", conc, "--plain")
    assert r.returncode == 2 and r.stdout == ""
    assert "magnesium itself (mmol/mEq)" in r.stderr and "--elemental" in r.stderr


def test_a_molar_concentration_with_elemental_is_elemental_as_label_4_mmol() -> None:
    by_volume = run_cli(
        "label", "5 mL", "--form", "hydroxide", "--concentration", "4 mmol per 5 mL", "--elemental", "--json"
    )
    plain = run_cli("label", "4 mmol", "--form", "hydroxide", "--elemental", "--json")
    assert by_volume.returncode == plain.returncode == 0
    a, b = json.loads(by_volume.stdout), json.loads(plain.stdout)
    assert a["elemental_mg"] == pytest.approx(b["elemental_mg"]) == pytest.approx(4 * 24.305)


def test_a_mass_concentration_still_reads_as_compound_weight() -> None:
    r = run_cli("label", "5 mL", "--form", "hydroxide", "--concentration", "400 mg per 5 mL", "--plain")
    assert r.returncode == 0 and float(r.stdout) == pytest.approx(
        400 * REF.catalogue.get("hydroxide").fraction, 0.01
    )


# ---- 5: every %Mg figure, any basis, at most the anhydrous formula's


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (  # the probe's pharm_withformula.yaml
            {
                "citrate": {
                    "basis": "pharmacopoeia",
                    "elemental_pct": 40.0,
                    "elemental_pct_min": 39.0,
                    "elemental_pct_max": 41.0,
                }
            },
            "forms[id=citrate].elemental_pct",
        ),
        ({"citrate-now": {"elemental_pct_max": 60.0}}, "forms[id=citrate-now].elemental_pct_max"),
        (
            {"basic-carbonate": {"elemental_pct_min": 1.0, "elemental_pct_max": 99.0}},
            "forms[id=basic-carbonate].elemental_pct_max",
        ),
        (
            {"citrate": {"formula": None, "basis": "manufacturer", "elemental_pct": 90.0}},
            "forms[id=citrate].elemental_pct",
        ),
        ({"trisilicate": {"elemental_pct_max": 31.0}}, "forms[id=trisilicate].elemental_pct_max"),
    ],
)
def test_an_impossible_pct_is_refused_whatever_its_basis(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    path = _catalogue(tmp_path, change)
    problems = check_catalogue(path)
    assert any(p.startswith(field) and "more magnesium" in p for p in problems), problems
    r = run_cli("label", "500", "--form", "citrate", "--catalogue", str(path))
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1


def test_the_packaged_ranges_sit_under_the_anhydrous_ceiling() -> None:
    # tribasic phosphate pentahydrate's range reaches 21.8%, above its hydrate's 20.7%: drying is why
    for f in REF.catalogue.forms:
        _lo, hi = f.pct_range
        assert hi <= ceiling_pct(f.formula) + 0.05, f.id
    assert anhydrous("Mg3(PO4)2.5H2O") == "Mg3(PO4)2" and anhydrous("4MgCO3.Mg(OH)2.4H2O") == "4MgCO3.Mg(OH)2"
    assert anhydrous("MgSO4·7H2O") == "MgSO4"


@given(st.sampled_from([f for f in REF.catalogue.forms if f.formula]), st.floats(0.06, 40))
@settings(max_examples=60, deadline=None)
def test_any_figure_above_the_ceiling_is_refused(form: Any, over: float) -> None:
    ceiling = ceiling_pct(form.formula)
    for field in ("elemental_pct", "elemental_pct_min", "elemental_pct_max"):
        value = ceiling + over
        problems = pct_problems(form.formula, form.basis, {field: value})
        assert problems and problems[-1].startswith(field), (form.id, field, value)
    assert formula_pct(form.formula) <= ceiling + 1e-9


def test_a_five_thousand_digit_number_is_a_one_line_refusal(tmp_path: Path) -> None:
    text = packaged_path("forms.yaml").read_text(encoding="utf-8")
    p = tmp_path / "big.yaml"
    p.write_text(text.replace("elemental_pct: 16.163", "elemental_pct: 1" + "0" * 5000, 1), encoding="utf-8")
    for args in (("forms", "--check", str(p)), ("label", "500", "--form", "citrate", "--catalogue", str(p))):
        r = run_cli(*args)
        assert r.returncode == 2 and "number too long" in r.stderr and r.stderr.count("\n") == 1


@pytest.mark.parametrize("digits", [400, 4000])
def test_a_long_number_too_big_for_a_float_is_a_problem_not_a_crash(tmp_path: Path, digits: int) -> None:
    text = packaged_path("forms.yaml").read_text(encoding="utf-8")
    p = tmp_path / "big.yaml"
    p.write_text(
        text.replace("elemental_pct: 16.163", "elemental_pct: 1" + "0" * digits, 1), encoding="utf-8"
    )
    r = run_cli("forms", "--check", str(p))
    assert r.returncode == 1 and "forms[id=citrate].elemental_pct" in r.stdout + r.stderr


@pytest.mark.parametrize("name", ["[red]Magnesium citrate[/red] \x1b[31mX", "\u202eetartic"])
def test_a_name_with_control_or_direction_characters_is_refused(tmp_path: Path, name: str) -> None:
    path = _catalogue(tmp_path, {"citrate": {"aliases": [name]}})
    assert any("control or direction character" in p for p in check_catalogue(path))


# ---- 6: a laxative dose that would quiet the caution


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"hydroxide": {"laxative_evidence": {"dose_mg": 1e300}}}, "same formula"),  # the probe's repro
        ({"hydroxide": {"laxative_evidence": {"dose_mg": 1500}}}, "same formula"),
        ({"citrate": {"laxative_evidence": {"dose_mg": 2000}}}, "same formula"),
    ],
)
def test_a_laxative_dose_cannot_turn_the_packaged_caution_off(
    tmp_path: Path, change: dict[str, Any], why: str
) -> None:
    path = _catalogue(tmp_path, change)
    problems = check_catalogue(path)
    assert any("laxative_evidence.dose_mg" in p and why in p for p in problems), problems


def test_a_new_forms_laxative_dose_is_held_to_the_largest_packaged_dose(tmp_path: Path) -> None:
    ev = {"read": "full text", "quote": "q", "source": "ods", "where": "w", "dose_mg": 5000, "describes": "d"}
    problems = check_catalogue(_catalogue(tmp_path, {"glycinate": {"laxative_evidence": ev}}))
    assert any("largest dose at once" in p for p in problems), problems
    ev["dose_mg"] = float("inf")
    problems = check_catalogue(_catalogue(tmp_path, {"glycinate": {"laxative_evidence": ev}}))
    assert any("largest dose at once" in p for p in problems), problems
    ev["dose_mg"] = 1500  # below the citrate solution's 1885 mg: a stricter-than-citrate claim is allowed
    assert check_catalogue(_catalogue(tmp_path, {"glycinate": {"laxative_evidence": ev}})) == []


def test_a_stricter_laxative_dose_is_accepted_and_used(tmp_path: Path) -> None:
    path = _catalogue(tmp_path, {"hydroxide": {"laxative_evidence": {"dose_mg": 800, "daily_mg": 1600}}})
    assert check_catalogue(path) == []
    r = api.label(900, "hydroxide", elemental=True, reference=load_reference(path))
    assert any(c.code == "laxative" and c.level == "caution" for c in r.cautions)


# ---- 7: dose --tablet carries label's cautions for the counts it offers


@pytest.mark.parametrize(
    ("args", "count", "tablet"),
    [(("60", "--tablet", "500", "--age", "2"), 1, "500"), (("340", "--tablet", "2000"), 2, "2000")],
)
def test_a_tablet_count_offered_carries_labels_caution(
    args: tuple[str, ...], count: int, tablet: str
) -> None:
    rest = list(args[1:])
    age = rest[rest.index("--age") : rest.index("--age") + 2] if "--age" in rest else []
    d = run_cli("dose", args[0], "--form", "citrate", *rest, "--fail-on", "caution", "--json")
    lab = run_cli(
        "label", tablet, "--form", "citrate", "--count", str(count), *age, "--fail-on", "caution", "--json"
    )
    assert d.returncode == lab.returncode == 3
    ul = [c for c in json.loads(d.stdout)["cautions"] if c["code"] == "upper-limit"]
    assert ul and ul[0]["level"] == "caution" and ul[0]["message"].startswith(f"with {count} tablet")


def test_a_tablet_count_under_every_limit_adds_nothing() -> None:
    with_tablet = json.loads(run_cli("dose", "300", "--form", "citrate", "--tablet", "500", "--json").stdout)
    without = json.loads(run_cli("dose", "300", "--form", "citrate", "--json").stdout)
    assert with_tablet["tablets_above"] * 500 * 0.16163 < 350
    assert [c["code"] for c in with_tablet["cautions"]] == [c["code"] for c in without["cautions"]]


# ---- 8: pregnancy and lactation bands start at 14 (IOM 1997)


@pytest.mark.parametrize("state", ["pregnant", "lactating"])
def test_the_us_state_bands_start_at_14(state: str) -> None:
    bands = [b for b in REF.intake.bands if b.standard == "us" and b.state == state]
    assert min(b.age_min for b in bands) == 14 and max(b.age_max for b in bands) == 51


@pytest.mark.parametrize("standard", ["us", "eu"])
@pytest.mark.parametrize("age", [1, 2, 5, 8, 12, 13.9])
@pytest.mark.parametrize("state", ["pregnant", "lactating"])
def test_a_wrong_flag_never_raises_a_childs_ul(standard: str, age: float, state: str) -> None:
    child = api.intake(age, "female", standard=standard)  # type: ignore[arg-type]
    flagged = api.intake(age, "female", standard=standard, **{state: True})  # type: ignore[arg-type]
    assert flagged.ul_supplemental_mg == child.ul_supplemental_mg
    covered = any(
        b.standard == standard and b.state == state and b.age_min <= age < b.age_max for b in REF.intake.bands
    )
    assert flagged.state == state and (covered or "no " in flagged.life_stage)


def test_the_probes_pregnant_two_year_old_keeps_the_ul_caution() -> None:
    r = run_cli(
        "label", "300", "--form", "citrate", "--elemental", "--age", "2", "--pregnant", "--fail-on", "caution"
    )
    assert r.returncode == 3 and "65 mg/day" in r.stdout
    eu = run_cli(
        "label",
        "300",
        "--form",
        "citrate",
        "--elemental",
        "--age",
        "2",
        "--pregnant",
        "--standard",
        "eu",
        "--fail-on",
        "caution",
    )
    assert eu.returncode == 3 and "65 mg/day" in eu.stdout


def test_within_the_bands_the_iom_figures_apply() -> None:
    assert api.intake(16, "female", pregnant=True).rda_mg == 400
    assert api.intake(16, "female", lactating=True).rda_mg == 360
    assert api.intake(25, "female", pregnant=True).rda_mg == 350
    assert api.intake(40, "female", lactating=True).rda_mg == 320


# ---- 10: --plain escapes, serum range ends, the Python API's types


def test_plain_shows_a_names_escapes(tmp_path: Path) -> None:
    # a catalogue validated before the name rule (or a packaged one) must still not reach the terminal raw
    from mgcalc.cli.views import label_plain_note

    r = api.label(500, "citrate")
    note = label_plain_note(r.model_copy(update={"form_name": "Mg \x1b[31mX"}))
    assert note is not None and "\x1b" not in note and "\\x1b" in note


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("1.82 mg/dL", "within"),
        ("1.819 mg/dL", "within"),
        ("1.81 mg/dL", "below"),
        ("2.31 mg/dL", "within"),
        ("2.32 mg/dL", "above"),
        ("0.75 mmol/L", "within"),
        ("0.749 mmol/L", "below"),
        ("0.95 mmol/L", "within"),
        ("0.951 mmol/L", "above"),
        ("1.5 mEq/L", "within"),
        ("1.498 mEq/L", "below"),
        ("1.9 mEq/L", "within"),
    ],
)
def test_a_value_printing_as_a_range_end_is_within(value: str, position: str) -> None:
    assert api.convert(value).position == position


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: api.label("500 mg", "citrate"), "amount"),  # type: ignore[arg-type]
        (lambda: api.dose("4 mmol", "oxide"), "target"),  # type: ignore[arg-type]
        (lambda: api.dose(300, "oxide", tablet_mg="250 mg"), "tablet"),  # type: ignore[arg-type]
        (lambda: api.label(500, None), "form"),  # type: ignore[arg-type]
        (lambda: api.absorb(500, "citrate", splits=2.5), "splits"),  # type: ignore[arg-type]
        (lambda: api.label(500, "citrate", count=2.5), "count"),  # type: ignore[arg-type]
        (lambda: api.label(True, "citrate"), "amount"),
        (lambda: api.intake(30, standard="xx"), "standard"),  # type: ignore[arg-type]
        (lambda: api.curve(["citrate"], points=2.5), "points"),  # type: ignore[arg-type]
    ],
)
def test_the_api_refuses_wrong_types_with_mgcalc_error(call: Any, field: str) -> None:
    with pytest.raises(MgcalcError) as e:
        call()
    assert e.value.field == field


def test_a_whole_float_count_is_that_count() -> None:
    assert (
        api.label(500, "citrate", count=2.0).elemental_mg == api.label(500, "citrate", count=2).elemental_mg
    )


@given(
    st.floats(1, 800),
    st.sampled_from([100.0, 250.0, 500.0, 1000.0, 2000.0]),
    st.sampled_from([None, 2, 6, 10, 30]),
    st.sampled_from(["citrate", "oxide", "hydroxide", "glycinate"]),
)
@settings(max_examples=80, deadline=None)
def test_dose_cautions_are_never_below_labels_for_a_count_it_offers(
    target: float, tablet: float, age: int | None, form: str
) -> None:
    from mgcalc.schema.base import severity
    from mgcalc.schema.inputs import Profile

    profile = Profile(age=age)
    d = api.dose(target, form, tablet_mg=tablet, profile=profile)
    worst = {c.code: severity(c.level) for c in d.cautions}
    for n in {d.tablets_below, d.tablets_above}:
        if n:
            for c in api.label(tablet, form, count=n, profile=profile).cautions:
                if c.code in ("upper-limit", "laxative"):
                    assert worst.get(c.code, -1) >= severity(c.level), (n, c.code, c.level)
