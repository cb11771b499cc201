"""The mgcalc command as a real process: output modes, JSON contract, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from molmass import Formula

from mgcalc.schema.data import Catalogue

from .conftest import REPO, elemental, human_mg, run_cli


def _molmass_mg(amount: float, formula: str) -> float:
    return amount * Formula(formula).composition()["Mg"].fraction


def test_label_plain_matches_molmass(cat: Catalogue) -> None:
    for form_id in ("citrate", "citrate-nonahydrate"):
        r = run_cli("label", "500", "--form", form_id, "--plain")
        assert r.returncode == 0, r.stderr
        # rounded half-up from the catalogue's 3-decimal figure
        assert abs(float(r.stdout) - _molmass_mg(500, cat.get(form_id).formula)) <= 0.051
        assert r.stdout == f"{elemental(500, cat.get(form_id).elemental_pct)}\n"


def test_label_human_output_names_variant_and_spread(cat: Catalogue) -> None:
    r = run_cli("label", "500 mg", "--form", "Magnesium Citrate")
    assert r.returncode == 0
    out = r.stdout
    family = [f for f in cat.forms if f.family == "citrate"]
    assert "[citrate]" in out and human_mg(500, cat.get("citrate").elemental_pct) in out
    for f in family:
        assert f.id in out and human_mg(500, f.elemental_pct) in out
    low, high = (human_mg(500, p(f.elemental_pct for f in family)) for p in (min, max))
    assert f"{low} to {high}" in out
    assert "\x1b" not in out  # not a terminal: no escape codes


LABEL_KEYS = {
    "form",
    "form_name",
    "compound_mg",
    "elemental_pct",
    "elemental_mg",
    "elemental_mmol",
    "elemental_meq",
    "laxative",
    "variants",
}


def test_label_json_contract(cat: Catalogue) -> None:
    r = run_cli("label", "0.5g", "--form", "chloride", "--count", "2", "--json")
    data = json.loads(r.stdout)
    assert data.keys() >= LABEL_KEYS
    f = cat.get("chloride-hexahydrate")  # the bare family name reads the article of commerce
    assert f.formula is not None
    assert data["form"] == "chloride-hexahydrate" and data["compound_mg"] == 1000
    assert abs(data["elemental_mg"] - _molmass_mg(1000, f.formula)) < 0.05
    assert {"form", "elemental_pct", "elemental_mg"} <= data["variants"][0].keys()
    assert data["variants"][0]["form"] == "chloride-anhydrous"
    assert data["absorbed_mg_min"] <= data["absorbed_mg"] <= data["absorbed_mg_max"]


def test_label_elemental_reports_compound_weight(cat: Catalogue) -> None:
    r = run_cli("label", "200", "--form", "citrate", "--elemental", "--json")
    data = json.loads(r.stdout)
    assert abs(data["compound_mg"] - 200 / cat.get("citrate").fraction) < 0.01
    assert data["elemental_mg"] == 200
    plain = run_cli("label", "200", "--form", "citrate", "--elemental", "--plain").stdout
    assert abs(float(plain) - data["compound_mg"]) <= 0.05


def test_dose_json_contract_and_plain(cat: Catalogue) -> None:
    data = json.loads(run_cli("dose", "300", "--form", "oxide", "--tablet", "250mg", "--json").stdout)
    keys = {
        "form",
        "target_elemental_mg",
        "compound_mg",
        "tablet_mg",
        "tablets_below",
        "tablets_above",
        "elemental_mg_below",
        "elemental_mg_above",
    }
    assert keys <= data.keys()
    assert abs(data["compound_mg"] - 300 / cat.get("oxide").fraction) < 0.01
    assert data["tablets_below"] == 1 and data["tablets_above"] == 2
    plain = run_cli("dose", "300", "--form", "oxide", "--plain")
    assert abs(float(plain.stdout) - data["compound_mg"]) <= 0.05
    human = run_cli("dose", "300", "--form", "oxide", "--tablet", "250")
    assert "Tablets of 250 mg" in human.stdout


def test_forms_table_json_and_entry(cat: Catalogue) -> None:
    data = json.loads(run_cli("forms", "--json").stdout)
    assert [d["id"] for d in data] == cat.ids
    assert {"id", "formula", "elemental_pct", "laxative"} <= data[0].keys()
    table = run_cli("forms").stdout
    assert all(i in table for i in cat.ids)
    entry = run_cli("forms", "Epsom salt").stdout
    assert "[sulfate-heptahydrate]" in entry and "Sources" in entry and "molmass" in entry


def test_forms_check(tmp_path: Path) -> None:
    good = run_cli("forms", "--check", str(REPO / "data" / "forms.yaml"))
    assert good.returncode == 0 and "ok" in good.stderr
    data = yaml.safe_load((REPO / "data" / "forms.yaml").read_text(encoding="utf-8"))
    data["forms"][0]["elemental_pct"] = "lots"
    data["forms"][3]["formula"] = "Xx9"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    r = run_cli("forms", "--check", str(bad))
    assert r.returncode == 1
    assert f"id={data['forms'][0]['id']}" in r.stdout and "elemental_pct" in r.stdout


def test_user_catalogue_option_and_env(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "data" / "forms.yaml").read_text(encoding="utf-8"))
    data["forms"] = [f for f in data["forms"] if f["family"] == "oxide"]
    data["families"] = {}
    p = tmp_path / "mine.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert run_cli("label", "100", "--form", "MgO", "--plain", "--catalogue", str(p)).returncode == 0
    r = run_cli("label", "100", "--form", "citrate", "--plain", env={"MGCALC_CATALOGUE": str(p)})
    assert r.returncode == 2 and "unknown form" in r.stderr


def _one_line_error(r: object) -> None:
    import subprocess

    assert isinstance(r, subprocess.CompletedProcess)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "\x1b" not in r.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["label", "0", "--form", "citrate"], "greater than 0"),
        (["label", "-5", "--form", "citrate"], "greater than 0"),
        (["label", "nan", "--form", "citrate"], "finite"),
        (["label", "inf", "--form", "citrate"], "finite"),
        (["label", "2000000", "--form", "citrate"], "over the limit"),
        (["label", "500 oz", "--form", "citrate"], "unknown unit"),
        (["label", "500", "--form", ""], "empty"),
        (["label", "500", "--form", "unobtainium"], "unknown form"),
        (["label", "500", "--form", "citrat"], "closest: citrate"),
        (["label", "500"], "--form"),
        (["label", "500", "--form", "citrate", "--json", "--plain"], "--json"),
        (["dose", "0", "--form", "oxide"], "greater than 0"),
        (["dose", "300", "--form", "oxide", "--tablet", "0"], "tablet"),
        (["label", "500", "--form", "citrate", "--count", "0"], "count"),
        (["label", "500", "--form", "citrate", "--count", "x"], "count"),
        (["forms", "nonsense"], "unknown form"),
        (["frobnicate"], "frobnicate"),
        (["absorb", "400", "--form", "citrate", "--meal-mg", "50"], "mgcalc: error: --meal-mg: "),
        (["label", "500", "--form", "citrate", "--count", "0"], "mgcalc: error: --count: "),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    r = run_cli(*args)
    _one_line_error(r)
    assert says in r.stderr


def test_user_text_is_shown_literally() -> None:
    for text in ("[red]x", "\x1b[2Jevil", "[bold]citrate[/bold]"):
        r = run_cli("label", "500", "--form", text)
        _one_line_error(r)
        assert "[red]x" in r.stderr or "\\x1b[2J" in r.stderr or "[bold]" in r.stderr


def _catalogue_file(tmp_path: Path, name: str, text: str | None) -> str:
    p = tmp_path / name
    if text is not None:
        p.write_text(text, encoding="utf-8")
    return str(p)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "does not exist"),
        ("forms: [unclosed\n  x: : :", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
        ("schema: 1\nforms: []\n", "invalid catalogue"),
    ],
)
def test_bad_catalogue_files(tmp_path: Path, text: str | None, says: str) -> None:
    path = _catalogue_file(tmp_path, "c.yaml", text)
    for args in (
        ["label", "500", "--form", "citrate", "--catalogue", path],
        ["forms", "--catalogue", path],
    ):
        r = run_cli(*args)
        _one_line_error(r)
        assert says in r.stderr
    r = run_cli("label", "500", "--form", "citrate", env={"MGCALC_CATALOGUE": path})
    _one_line_error(r)


def test_no_color_and_help() -> None:
    r = run_cli("label", "500", "--form", "oxide", env={"NO_COLOR": "1"})
    assert r.returncode == 0 and "\x1b" not in r.stdout
    h = run_cli("--help")
    assert h.returncode == 0 and "label" in h.stdout and "dose" in h.stdout


def test_absorb_json_and_human() -> None:
    r = run_cli("absorb", "400", "--form", "citrate", "--elemental", "--json")
    data = json.loads(r.stdout)
    assert {"form", "elemental_mg", "absorbed_mg", "absorbed_pct", "splits"} <= data.keys()
    assert {"doses", "per_dose_mg", "absorbed_mg"} <= data["splits"][0].keys()
    assert data["splits"][1]["absorbed_mg"] > data["splits"][0]["absorbed_mg"]
    assert {"vmax_mg", "km_mg", "linear_fraction"} <= data["model"].keys()
    human = run_cli(
        "absorb", "400", "--form", "citrate", "--elemental", "--with-meal", "--splits", "2"
    ).stdout
    assert "2 doses of 200 mg absorb" in human and "healthy adult" in human


def test_label_json_has_absorbed() -> None:
    data = json.loads(run_cli("label", "500", "--form", "oxide", "--json").stdout)
    assert 0 < data["absorbed_mg"] < data["elemental_mg"] and "absorbed_pct" in data


def test_compare_json_and_prices() -> None:
    r = run_cli("compare", "500", "--form", "oxide", "--form", "citrate", "--price", "citrate=9.5", "--json")
    rows = json.loads(r.stdout)["rows"]
    assert [x["form"] for x in rows] == ["oxide", "citrate"]
    assert {"form", "elemental_mg", "absorbed_mg", "laxative"} <= rows[0].keys()
    assert rows[1]["cost_per_100mg_absorbed"] > 0
    bad = run_cli("compare", "500", "--price", "citrate")
    _one_line_error(bad)


def test_curve_chart_and_svg(tmp_path: Path) -> None:
    out = tmp_path / "c.svg"
    r = run_cli("curve", "--form", "oxide", "--form", "citrate", "--max", "800", "--svg", str(out))
    assert r.returncode == 0 and "fraction absorbed" in r.stdout
    assert out.read_text().startswith("<svg") and "Magnesium oxide" in out.read_text()
    _one_line_error(run_cli("curve", "--form", "oxide", "--svg", str(tmp_path / "missing" / "x.svg")))


@pytest.mark.parametrize(
    ("args", "model"),
    [
        (["label", "500", "--form", "citrate", "--json"], "mgcalc.schema.results:LabelResult"),
        (
            ["label", "200", "--form", "chloride", "--elemental", "--json"],
            "mgcalc.schema.results:LabelResult",
        ),
        (["dose", "300", "--form", "oxide", "--tablet", "250", "--json"], "mgcalc.schema.results:DoseResult"),
        (["absorb", "400", "--form", "citrate", "--json"], "mgcalc.schema.estimates:AbsorbResult"),
        (["compare", "500", "--json"], "mgcalc.schema.estimates:CompareResult"),
        (["curve", "--form", "oxide", "--json"], "mgcalc.schema.estimates:CurveResult"),
        (["parse", "Mg (as oxide) 250mg 60% DV", "--json"], "mgcalc.schema.records:ParseResult"),
        (["forms", "Epsom salt", "--json"], "mgcalc.schema.records:FormEntry"),
        (["check", "--drug", "Synthroid", "--json"], "mgcalc.schema.results:Assessment"),
        (["intake", "--age", "40", "--sex", "female", "--json"], "mgcalc.schema.results:IntakeReference"),
    ],
)
def test_json_output_validates_against_its_model(args: list[str], model: str) -> None:
    import importlib

    module, name = model.split(":")
    cls = getattr(importlib.import_module(module), name)
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    cls.model_validate_json(r.stdout)


def test_cautions_cite_numbered_sources() -> None:
    args = ("label", "500", "--form", "citrate", "--drug", "Synthroid", "--drug", "cipro", "--age", "80")
    cautions = json.loads(run_cli(*args, "--json").stdout)["cautions"]
    lines = run_cli(*args, "--sources").stdout.splitlines()
    footnotes = lines[lines.index("Sources:") + 1 :]
    assert len(cautions) >= 2 and footnotes
    for c in cautions:
        (line,) = [x for x in lines if x.startswith(f"{c['level'].upper()}: {c['message']}")]
        n = int(line.rsplit("[", 1)[1].rstrip("]"))
        assert footnotes[n - 1] == f"[{n}] {c['source']}"
    assert [int(f[1 : f.index("]")]) for f in footnotes] == list(range(1, len(footnotes) + 1))


def test_issue10_done_when_names_and_figures(cat: Catalogue) -> None:
    r = run_cli("label", "520", "--form", "magnesium chloride", "--plain")
    assert r.stdout == "62.2\n" and "hexahydrate" in r.stderr and "132.7 mg" in r.stderr
    for name, want in (
        ("Epsom salt", "sulfate-heptahydrate"),
        ("magnesium sulfate", "sulfate-heptahydrate"),
        ("magnesium acetate", "acetate-tetrahydrate"),
        ("magnesium lactate", "lactate-dihydrate"),
        ("magnesium gluconate", "gluconate-dihydrate"),
        ("magnesium aspartate", "aspartate-dihydrate"),
        ("magnesium carbonate", "basic-carbonate"),
    ):
        data = json.loads(run_cli("label", "500", "--form", name, "--json").stdout)
        assert data["form"] == want and data["spread"] is not None
        assert data["elemental_mg"] == pytest.approx(500 * cat.get(want).fraction)
    # the old anhydrous figures are reachable by id and formula
    for name, want in (
        ("chloride-anhydrous", "chloride-anhydrous"),
        ("MgCl2", "chloride-anhydrous"),
        ("MgSO4", "sulfate-anhydrous"),
    ):
        assert json.loads(run_cli("label", "520", "--form", name, "--json").stdout)["form"] == want
    for name in (
        "trisilicate",
        "dibasic magnesium phosphate",
        "trimagnesium phosphate",
        "magnesium lysinate glycinate chelate",
        "hydrotalcite",
        "enteric-coated magnesium chloride",
    ):
        assert run_cli("forms", name).returncode == 0, name
    dmm = json.loads(run_cli("label", "1000", "--form", "dimagnesium malate", "--json").stdout)
    assert dmm["elemental_mg"] > 170
    fasting = json.loads(run_cli("absorb", "400", "--form", "citrate", "--elemental", "--json").stdout)
    fed = json.loads(
        run_cli("absorb", "400", "--form", "citrate", "--elemental", "--with-meal", "--json").stdout
    )
    assert fed["absorbed_mg"] >= fasting["absorbed_mg"]
    oxide = json.loads(run_cli("label", "500", "--form", "oxide", "--json").stdout)
    assert oxide["absorbed_mg_max"] > 2 * oxide["absorbed_mg_min"]
