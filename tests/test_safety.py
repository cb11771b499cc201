"""Safety: reference intakes, upper levels, drug and condition cautions, kidney bands, --fail-on."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgcalc import MgcalcError, label
from mgcalc.cautions import (
    Profile,
    UnknownDrug,
    amount_cautions,
    assess,
    match_drug,
    packaged_cautions,
    severity,
)
from mgcalc.intake import packaged_intake, reference

from .conftest import run_cli

CAUTIONS = packaged_cautions()
INTAKE = packaged_intake()

STABLE_CODES = [
    "ckd",
    "ppi",
    "digoxin",
    "bisphosphonate",
    "tetracycline",
    "fluoroquinolone",
    "levothyroxine",
    "gabapentin",
    "integrase-inhibitor",
    "loop-diuretic",
    "thiazide-diuretic",
    "potassium-sparing-diuretic",
    "upper-limit",
    "laxative",
    "chronic-diarrhea",
    "myasthenia-gravis",
    "heart-block",
    "pregnancy",
]

BRANDS_FROM_THE_ISSUE = [
    "Nexium",
    "Prilosec",
    "Protonix",
    "Losec",
    "Lasix",
    "Fosamax",
    "Actonel",
    "Synthroid",
    "Eltroxin",
    "Cipro",
    "Levaquin",
    "Vibramycin",
    "Neurontin",
    "Tivicay",
    "Biktarvy",
    "Lanoxin",
    "Aldactone",
    "Microzide",
]


def _codes(p: Profile, daily: float | None = None) -> list[str]:
    return [c.code for c in assess(p, daily).cautions]


def test_stable_codes_are_produced() -> None:
    p = Profile(
        egfr=20,
        drugs=[d.generics[0] for d in CAUTIONS.drugs],
        conditions=[c.code for c in CAUTIONS.conditions if c.code != "ckd"],
        pregnant=True,
        age=30,
    )
    produced = {c.code for c in label(2000, "oxide", elemental=True, profile=p).cautions}
    produced |= {c.code for c in label(2000, "oxide", elemental=True, profile=Profile(age=30)).cautions}
    assert set(STABLE_CODES) <= produced, set(STABLE_CODES) - produced


@pytest.mark.parametrize("dc", CAUTIONS.drugs, ids=lambda d: d.code)
def test_every_drug_class_matches_by_generic_and_brand(dc: object) -> None:
    from mgcalc.cautions import DrugClass

    assert isinstance(dc, DrugClass)
    for name in (dc.generics[0], dc.generics[-1], *dc.brands[:2]):
        found = match_drug(name)
        assert not isinstance(found, UnknownDrug) and dc.code in [d.code for d in found], name
    assert dc.sources


@pytest.mark.parametrize("brand", BRANDS_FROM_THE_ISSUE)
def test_brands_named_in_the_issue_match(brand: str) -> None:
    assert not isinstance(match_drug(brand.upper()), UnknownDrug)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("omeprazole magnesium 20 mg", "ppi"),
        ("Levothyroxine sodium", "levothyroxine"),
        ("levothyroxine sodium 100mcg tablets", "levothyroxine"),
        ("Doxycycline hyclate 100 mg capsules", "tetracycline"),
        ("ciprofloxacin HCl 500mg", "fluoroquinolone"),
        ("alendronic acid 70 mg", "bisphosphonate"),
        ("ferrous sulfate 200 mg", "iron"),
        ("Slow Fe", "iron"),
        ("bictegravir/emtricitabine/tenofovir alafenamide", "integrase-inhibitor"),
    ],
)
def test_drug_names_ignore_salts_and_strengths(text: str, code: str) -> None:
    found = match_drug(text)
    assert not isinstance(found, UnknownDrug) and code in [d.code for d in found]


def test_unknown_drug_is_reported_with_close_matches() -> None:
    found = match_drug("omeprazol")
    assert isinstance(found, UnknownDrug) and "omeprazole" in found.close_matches
    a = assess(Profile(drugs=["omeprazol", "aspirin"]))
    assert [u.name for u in a.unknown_drugs] == ["omeprazol", "aspirin"]
    assert [c.code for c in a.cautions] == ["unknown-drug", "unknown-drug"]


def test_unknown_condition_is_an_error_naming_close_ones() -> None:
    with pytest.raises(MgcalcError, match="myasthenia-gravis"):
        assess(Profile(conditions=["myasthenia grav"]))


def _kidney_level(egfr: float) -> str | None:
    c = [x for x in assess(Profile(egfr=egfr)).cautions if x.code == "ckd"]
    return c[0].level if c else None


@pytest.mark.parametrize("band", CAUTIONS.kidney.bands, ids=lambda b: f"{b.egfr_min}-{b.egfr_max}")
def test_every_egfr_band_edge(band: object) -> None:
    from mgcalc.cautions import KidneyBand

    assert isinstance(band, KidneyBand)
    assert _kidney_level(band.egfr_min) == band.level
    assert _kidney_level(band.egfr_max - 0.01) == band.level
    covered = any(b.egfr_min <= band.egfr_max < b.egfr_max for b in CAUTIONS.kidney.bands)
    assert covered or _kidney_level(band.egfr_max) is None


def test_kidney_levels_follow_the_issue() -> None:
    assert _kidney_level(29.9) == "avoid" and _kidney_level(30) == "caution"
    assert _kidney_level(59.9) == "caution" and _kidney_level(60) is None
    assert _kidney_level(0) == "avoid" and _kidney_level(CAUTIONS.kidney.max_egfr) is None


@pytest.mark.parametrize(
    ("stage", "level"),
    [("1", None), ("2", None), ("3a", "caution"), ("3B", "caution"), ("4", "avoid"), ("5", "avoid")],
)
def test_ckd_stages(stage: str, level: str | None) -> None:
    c = [x.level for x in assess(Profile(ckd_stage=stage)).cautions if x.code == "ckd"]
    assert (c[0] if c else None) == level


@pytest.mark.parametrize("egfr", [-1, 200.5, float("nan"), float("inf")])
def test_impossible_egfr_is_bad_input(egfr: float) -> None:
    with pytest.raises(MgcalcError):
        assess(Profile(egfr=egfr))


@pytest.mark.parametrize("band", INTAKE.bands, ids=lambda b: f"{b.standard}-{b.life_stage}")
def test_upper_level_per_life_stage(band: object) -> None:
    from mgcalc.intake import Band

    assert isinstance(band, Band)
    age = (band.age_min + min(band.age_max, band.age_min + 10)) / 2
    sex = None if band.sex == "any" else band.sex
    ref = reference(age, sex, band.state, band.standard)
    assert ref.ul_supplemental_mg == band.ul_supplemental_mg
    assert (ref.rda_mg if band.kind == "rda" else ref.ai_mg) == band.mg
    p = Profile(
        age=age,
        sex=sex,
        pregnant=band.state == "pregnant",
        lactating=band.state == "lactating",
        standard=band.standard,
    )
    if band.ul_supplemental_mg is None:
        assert "upper-limit" in [c.code for c in amount_cautions(p, 10)]
    else:
        assert "upper-limit" not in [c.code for c in amount_cautions(p, band.ul_supplemental_mg)]
        over = [c for c in amount_cautions(p, band.ul_supplemental_mg + 1) if c.code == "upper-limit"]
        assert (
            over and over[0].level == "caution" and "Institute" in over[0].source + over[0].message
        ) or "SCF" in over[0].source


def test_upper_level_does_not_depend_on_sex() -> None:
    for b in INTAKE.bands:
        twins = [
            x
            for x in INTAKE.bands
            if x.standard == b.standard and x.state == b.state and x.age_min == b.age_min
        ]
        assert len({x.ul_supplemental_mg for x in twins}) == 1


def test_infants_have_no_ul_and_say_so() -> None:
    ref = reference(0.25)
    assert ref.ul_supplemental_mg is None and "infant" in ref.ul_note


def test_sex_needed_only_where_values_differ() -> None:
    assert reference(5).rda_mg is not None
    with pytest.raises(MgcalcError, match="sex"):
        reference(40)


@given(st.floats(min_value=1, max_value=3000), st.integers(1, 6))
def test_rda_percentage_is_daily_over_rda(per_intake: float, per_day: int) -> None:
    r = label(per_intake, "glycinate", elemental=True, profile=Profile(age=40, sex="female", per_day=per_day))
    assert r.daily_elemental_mg == pytest.approx(per_intake * per_day)
    ref = reference(40, "female")
    assert ref.rda_mg is not None
    info = next(c for c in r.cautions if c.code == "reference-intake")
    assert f"{100 * per_intake * per_day / ref.rda_mg:.0f}%" in info.message
    assert [severity(c.level) for c in r.cautions] == sorted(
        (severity(c.level) for c in r.cautions), reverse=True
    )


def test_laxative_forms_near_the_ul_and_with_diarrhoea() -> None:
    ul = reference(40, "male").ul_supplemental_mg
    assert ul is not None
    near = label(ul * 0.9, "oxide", elemental=True, profile=Profile(age=40))
    assert "laxative" in [c.code for c in near.cautions]
    gentle = label(ul * 0.9, "glycinate", elemental=True, profile=Profile(age=40))
    assert "laxative" not in [c.code for c in gentle.cautions]
    d = label(50, "citrate", elemental=True, profile=Profile(conditions=["chronic diarrhoea"]))
    assert {"laxative", "chronic-diarrhea"} <= {c.code for c in d.cautions}


def test_check_and_intake_as_processes() -> None:
    r = run_cli("check", "--egfr", "25", "--drug", "Synthroid", "--drug", "aspirn", "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 0
    assert data["cautions"][0]["code"] == "ckd" and data["cautions"][0]["level"] == "avoid"
    assert {"code", "level", "message", "separate_hours", "source"} <= data["cautions"][0].keys()
    thyro = next(c for c in data["cautions"] if c["code"] == "levothyroxine")
    assert thyro["separate_hours"] == CAUTIONS.drug("levothyroxine").separate_hours
    assert data["unknown_drugs"][0]["name"] == "aspirn"
    human = run_cli("check", "--drug", "levothyroxine").stdout
    assert "at least 4 h apart" in human
    i = json.loads(run_cli("intake", "--age", "40", "--sex", "male", "--json").stdout)
    assert {"standard", "life_stage", "rda_mg", "ul_supplemental_mg"} <= i.keys()
    assert i["rda_mg"] == reference(40, "male").rda_mg
    eu = json.loads(run_cli("intake", "--age", "2", "--standard", "eu", "--json").stdout)
    assert eu["ai_mg"] is not None and eu["ul_supplemental_mg"] is None


def test_fail_on_sets_exit_code_3() -> None:
    base = ["label", "500", "--form", "citrate", "--drug", "levothyroxine"]
    assert run_cli(*base).returncode == 0
    assert run_cli(*base, "--fail-on", "caution").returncode == 3
    assert run_cli(*base, "--fail-on", "avoid").returncode == 0
    assert run_cli(*base, "--egfr", "20", "--fail-on", "avoid").returncode == 3
    assert run_cli("check", "--drug", "nexium", "--fail-on", "caution").returncode == 0
    r = run_cli(*base, "--fail-on", "sometimes")
    assert r.returncode == 2 and "--fail-on" in r.stderr


def test_every_dosing_command_carries_cautions() -> None:
    common = ["--egfr", "40", "--drug", "Cipro", "--json"]
    for args in (
        ["label", "500", "--form", "citrate"],
        ["dose", "300", "--form", "oxide"],
        ["absorb", "400", "--form", "citrate"],
        ["compare", "500", "--form", "oxide"],
    ):
        data = json.loads(run_cli(*args, *common).stdout)
        assert {"ckd", "fluoroquinolone"} <= {c["code"] for c in data["cautions"]}, args


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--egfr", "-5"],
        ["check", "--egfr", "250"],
        ["check", "--ckd-stage", "6"],
        ["check", "--condition", "gout"],
        ["check", "--sex", "other"],
        ["label", "500", "--form", "citrate", "--age", "-3"],
        ["label", "500", "--form", "citrate", "--pregnant", "--lactating"],
        ["label", "500", "--form", "citrate", "--sex", "male", "--pregnant"],
        ["label", "500", "--form", "citrate", "--per-day", "0"],
        ["intake", "--age", "40"],
        ["intake", "--age", "12", "--pregnant"],
        ["intake", "--age", "200"],
    ],
)
def test_bad_profiles_are_one_line_exit_2(args: list[str]) -> None:
    r = run_cli(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, (
        r.stderr
    )
