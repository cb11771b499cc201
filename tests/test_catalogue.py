"""The packaged catalogue: stoichiometry, required entries, names and validation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from molmass import Formula

from mgcalc import MgcalcError, formula_pct
from mgcalc.core.stoichiometry import STOICHIOMETRY_TOLERANCE_PP, stoichiometry_problems
from mgcalc.reference import DATA_FILES, check_catalogue, packaged_path
from mgcalc.schema.data import Catalogue, Reference, name_key

from .conftest import REPO

RAW = yaml.safe_load((REPO / "data" / "forms.yaml").read_text(encoding="utf-8"))
IDS = [f["id"] for f in RAW["forms"]]
REQUIRED = [
    "oxide",
    "hydroxide",
    "carbonate",
    "chloride",
    "chloride-hexahydrate",
    "sulfate",
    "sulfate-heptahydrate",
    "citrate",
    "citrate-nonahydrate",
    "hydrogen-citrate",
    "glycinate",
    "malate",
    "malate-trihydrate",
    "threonate",
    "aspartate",
    "lactate",
    "lactate-dihydrate",
    "gluconate",
    "taurate",
    "orotate-dihydrate",
    "pidolate",
    "picolinate",
    "acetyl-taurate",
    "acetate",
    "acetate-tetrahydrate",
    "glycerophosphate",
    "fumarate",
]


def test_required_ids_present(cat: Catalogue) -> None:
    assert set(REQUIRED) <= set(cat.ids)


@pytest.mark.parametrize("form_id", IDS)
def test_elemental_pct_matches_molmass(cat: Catalogue, form_id: str) -> None:
    f = cat.get(form_id)
    expected = Formula(f.formula).composition()["Mg"].fraction * 100  # molmass, not mgcalc
    if f.basis == "stoichiometry":
        assert abs(f.elemental_pct - expected) <= STOICHIOMETRY_TOLERANCE_PP
        assert abs(f.elemental_pct - formula_pct(f.formula)) <= 0.001  # stored to 3 decimals
    else:  # a manufacturer's figure must say so and differ from the formula
        assert "manufacturer" in f.name.lower()
        assert abs(f.elemental_pct - expected) > STOICHIOMETRY_TOLERANCE_PP


def test_packaged_catalogue_has_no_stoichiometry_problems(cat: Catalogue) -> None:
    assert stoichiometry_problems(cat) == []


def test_citrate_nonahydrate_keeps_the_factor_three(cat: Catalogue) -> None:
    # App::MineralUtils drops the 3 Mg and reports a third of the true figure
    f = cat.get("citrate-nonahydrate")
    formula = Formula(f.formula)
    assert formula.composition()["Mg"].count == 3
    one_mg_pct = 100 * Formula("Mg").mass / formula.mass
    assert abs(f.elemental_pct - 3 * one_mg_pct) <= STOICHIOMETRY_TOLERANCE_PP


def test_every_figure_cites_a_known_source(ref: Reference) -> None:
    for f in ref.catalogue.forms:
        keys = f.sources.elemental_pct + f.sources.laxative + (f.absorption.sources if f.absorption else [])
        assert keys and all(ref.source(k) is not None for k in keys), f.id


def test_citations_live_in_sources_yaml_only() -> None:
    for stem, _ in DATA_FILES.values():
        raw = yaml.safe_load((REPO / "data" / f"{stem}.yaml").read_text(encoding="utf-8"))
        assert ("sources" in raw) == (stem == "sources"), stem


NAMES = {
    "Magnesium Citrate": "citrate",
    "mg citrate": "citrate",
    "bisglycinate": "glycinate",
    "magnesium bisglycinate chelate": "glycinate",
    "Epsom salt": "sulfate-heptahydrate",
    "milk of magnesia": "hydroxide",
    "Magtein": "threonate-magtein",
    "MgO": "oxide",
    "MgCl2.6H2O": "chloride-hexahydrate",
    "MgCl2·6H2O": "chloride-hexahydrate",
    "magnesium chloride hexahydrate": "chloride-hexahydrate",
    "Chloride-Hexahydrate": "chloride-hexahydrate",
    "citrate nonahydrate": "citrate-nonahydrate",
    "magnesium orotate": "orotate-dihydrate",
    "orotate": "orotate-dihydrate",
    "MAGNESIUM  OXIDE": "oxide",
    "Mg(OH)2": "hydroxide",
}


@pytest.mark.parametrize(("name", "form_id"), NAMES.items())
def test_names_resolve(cat: Catalogue, name: str, form_id: str) -> None:
    assert cat.resolve(name).id == form_id


@pytest.mark.parametrize("form_id", IDS)
def test_every_id_name_and_alias_resolves_to_its_entry(cat: Catalogue, form_id: str) -> None:
    f = cat.get(form_id)
    for n in (f.id, f.name, f.id.upper(), f"magnesium {f.id.replace('-', ' ')}", *f.aliases):
        assert cat.resolve(n).id == form_id


def test_family_names_resolve_to_declared_defaults(cat: Catalogue) -> None:
    for family, default in RAW["families"].items():
        assert cat.resolve(family).id == default
        assert cat.resolve(f"magnesium {family}").id == default


def test_unknown_name_lists_closest_ids(cat: Catalogue) -> None:
    with pytest.raises(MgcalcError, match=r"closest: .*citrate"):
        cat.resolve("citrat")
    with pytest.raises(MgcalcError, match="unknown form"):
        cat.resolve("unobtainium")
    with pytest.raises(MgcalcError, match="empty"):
        cat.resolve("  magnesium ")


def test_name_key_ignores_case_punctuation_and_magnesium() -> None:
    assert name_key("Magnesium Citrate") == name_key("citrate") == name_key("MG-citrate")


def test_packaged_data_ships_inside_the_installed_package() -> None:
    import mgcalc

    pkg = Path(mgcalc.__file__).resolve().parent
    if (REPO / "src") in pkg.parents:
        pytest.skip("running from a source checkout (editable install); CI installs the wheel")
    for stem, _ in DATA_FILES.values():
        assert packaged_path(f"{stem}.yaml") == pkg / "data" / f"{stem}.yaml"


def _write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "cat.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_check_lists_every_problem_with_entry_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(RAW))
    data["forms"][0]["elemental_pct"] = -1
    data["forms"][1]["laxative"] = "explosive"
    data["forms"][2]["sources"]["laxative"] = ["nowhere"]
    problems = check_catalogue(_write(tmp_path, data))
    ids = [f["id"] for f in data["forms"][:2]]
    assert any(f"id={ids[0]}" in p and "elemental_pct" in p for p in problems)
    assert any(f"id={ids[1]}" in p and "laxative" in p for p in problems)


def test_check_finds_stoichiometry_errors(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(RAW))
    data["forms"][0]["elemental_pct"] += 1
    problems = check_catalogue(_write(tmp_path, data))
    assert len(problems) == 1 and data["forms"][0]["id"] in problems[0] and "elemental_pct" in problems[0]


def test_check_rejects_duplicate_names_and_missing_family_default(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(RAW))
    data["forms"][1]["aliases"].append(data["forms"][0]["id"])
    del data["families"]["citrate"]
    problems = " ".join(check_catalogue(_write(tmp_path, data)))
    assert "also names" in problems and "citrate" in problems and "no default" in problems


def _tree(root: Path) -> set[str]:
    """Every path under ``root`` (bytecode aside: other test runs may compile the package)."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts}


def test_library_call_writes_nothing(tmp_path: Path, cat: Catalogue) -> None:
    import mgcalc

    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    home.chmod(0o500)  # read-only: a cache written under HOME would fail (or show below, as root)
    watched = [home, tmp, Path(mgcalc.__file__).resolve().parent, packaged_path("forms.yaml").parent]
    before = [_tree(d) for d in watched]
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "MGCALC_CACHE_DIR")}
    # the library reads no environment: a catalogue named for the CLI is not opened
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp),
        PYTHONDONTWRITEBYTECODE="1",
        MGCALC_CATALOGUE=str(home / "missing.yaml"),
    )
    code = "import mgcalc.api; print(repr(mgcalc.api.label(500, 'citrate').elemental_mg))"
    try:
        r = subprocess.run(
            [sys.executable, "-c", code], cwd=home, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        home.chmod(0o700)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(500 * cat.get("citrate").fraction)
    assert [_tree(d) for d in watched] == before
