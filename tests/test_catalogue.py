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
    "basic-carbonate",
    "carbonate-anhydrous",
    "carbonate-trihydrate",
    "chloride-anhydrous",
    "chloride-hexahydrate",
    "chloride-enteric-coated",
    "sulfate-anhydrous",
    "sulfate-heptahydrate",
    "citrate",
    "citrate-nonahydrate",
    "hydrogen-citrate",
    "citrate-now",
    "citrate-malate",
    "glycinate",
    "glycinate-buffered",
    "lysinate-glycinate",
    "malate",
    "malate-trihydrate",
    "dimagnesium-malate",
    "threonate",
    "threonate-magtein",
    "aspartate-anhydrous",
    "aspartate-dihydrate",
    "aspartate-hcl-trihydrate",
    "lactate-anhydrous",
    "lactate-dihydrate",
    "gluconate-anhydrous",
    "gluconate-monohydrate",
    "gluconate-dihydrate",
    "taurate",
    "orotate-dihydrate",
    "pidolate",
    "picolinate",
    "acetyl-taurate",
    "acetate-anhydrous",
    "acetate-tetrahydrate",
    "glycerophosphate",
    "glycerophosphate-monohydrate",
    "fumarate",
    "trisilicate",
    "phosphate-dibasic",
    "phosphate-tribasic",
    "magaldrate",
    "hydrotalcite",
    "alginate",
    "salicylate-tetrahydrate",
    "creatine-chelate",
    "sucrosomial",
    "magshape",
]

#: The families whose bare name used to read the anhydrous salt: the default is
#: now the article of commerce, with the sentence it rests on in the data.
ARTICLE_OF_COMMERCE = {
    "chloride": "chloride-hexahydrate",
    "sulfate": "sulfate-heptahydrate",
    "acetate": "acetate-tetrahydrate",
    "lactate": "lactate-dihydrate",
    "gluconate": "gluconate-dihydrate",
    "aspartate": "aspartate-dihydrate",
    "carbonate": "basic-carbonate",
}


def test_required_ids_present(cat: Catalogue) -> None:
    assert set(REQUIRED) <= set(cat.ids)


@pytest.mark.parametrize("form_id", IDS)
def test_elemental_pct_matches_molmass(cat: Catalogue, form_id: str) -> None:
    f = cat.get(form_id)
    lo, hi = f.pct_range
    assert lo <= f.elemental_pct <= hi
    if f.basis == "stoichiometry":
        assert f.formula is not None
        expected = Formula(f.formula).composition()["Mg"].fraction * 100  # molmass, not mgcalc
        assert abs(f.elemental_pct - expected) <= STOICHIOMETRY_TOLERANCE_PP
        assert abs(f.elemental_pct - formula_pct(f.formula)) <= 0.001  # stored to 3 decimals
        return
    # not stoichiometry: the figure is quoted from its source, with where it is
    assert any(q.about == "elemental_pct" for q in f.evidence), form_id
    if f.basis == "manufacturer":  # a manufacturer's figure must say so and differ from any formula
        assert "manufacturer" in f.name.lower()
        if f.formula is not None:
            expected = Formula(f.formula).composition()["Mg"].fraction * 100
            assert abs(f.elemental_pct - expected) > STOICHIOMETRY_TOLERANCE_PP


@pytest.mark.parametrize(("family", "form_id"), ARTICLE_OF_COMMERCE.items())
def test_bare_family_names_read_the_article_of_commerce(cat: Catalogue, family: str, form_id: str) -> None:
    f = cat.resolve(family)
    assert f.id == form_id == cat.resolve(f"magnesium {family}").id
    defaults = [q for q in f.evidence if q.about == "default"]
    assert defaults and all(q.quote.strip() and q.where.strip() for q in defaults)
    # the family still spans the other salts (the anhydrous one among them)
    pcts = [g.elemental_pct for g in cat.family_of(f)]
    assert len(pcts) > 1 and max(pcts) > f.elemental_pct


def test_chloride_dsld_label_reads_the_hexahydrate(cat: Catalogue) -> None:
    # "Magnesium 62.17 mg (from 520 mg Magnesium Chloride)": 520 x 11.955% = 62.17
    f = cat.resolve("magnesium chloride")
    assert round(520 * f.fraction, 2) == 62.17
    assert round(520 * cat.get("chloride-anhydrous").fraction, 1) == 132.7


def test_dimagnesium_malate_has_two_magnesium_per_malate(cat: Catalogue) -> None:
    f = cat.resolve("dimagnesium malate")
    assert f.id == "dimagnesium-malate" and f.formula is not None
    assert Formula(f.formula).composition()["Mg"].count == 2 and f.elemental_pct > 17
    assert cat.resolve("malate").id == "malate"  # the 1:1 salt keeps its name


def test_ambiguous_chelate_names_resolve_to_a_family_that_spans_them(cat: Catalogue) -> None:
    for name in ("amino acid chelate", "magnesium chelate", "bisglycinate chelate", "buffered glycinate"):
        f = cat.resolve(name)
        pcts = [p for g in cat.family_of(f) for p in g.pct_range]
        assert f.family == "glycinate" and min(pcts) < 11 and max(pcts) > 20, name


def test_quotes_are_whole_sentences_with_a_place(cat: Catalogue) -> None:
    for f in cat.forms:
        for q in [*f.evidence, *(f.absorption.evidence if f.absorption else [])]:
            assert len(q.quote.split()) >= 3 and q.where and q.sources, f.id


def test_every_salt_is_at_least_low_laxative(cat: Catalogue) -> None:
    # IOM 1997: "all dissociable magnesium salts" are assumed to share the osmotic effect
    assert all(f.laxative != "none" for f in cat.forms)
    for form_id in ("glycinate", "taurate", "threonate", "orotate-dihydrate", "acetyl-taurate"):
        f = cat.get(form_id)
        assert f.laxative == "low" and "iom1997" in f.sources.laxative
        assert any(q.about == "laxative" and "dissociable" in q.quote for q in f.evidence)


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
    "magnesium chloride": "chloride-hexahydrate",
    "MgCl2": "chloride-anhydrous",
    "dimagnesium malate": "dimagnesium-malate",
    "light magnesium carbonate": "basic-carbonate",
    "heavy magnesium carbonate": "basic-carbonate",
    "trimagnesium phosphate": "phosphate-tribasic",
    "dibasic magnesium phosphate": "phosphate-dibasic",
    "Slow-Mag": "chloride-enteric-coated",
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


def test_the_resolve_cache_stays_bounded() -> None:
    """A batch of many distinct spellings, or of very long names, does not grow the cache without end."""
    from mgcalc.schema.data import RESOLVE_CACHE_NAME_CHARS, RESOLVE_CACHE_SIZE

    cat = validate_raw_catalogue()
    cache = cat.__pydantic_private__["_resolved"]  # type: ignore[index]
    for i in range(3 * RESOLVE_CACHE_SIZE):
        spelling = "magnesium" + " " * (1 + i % 50) + "citrate" + "," * (i // 50)
        assert cat.resolve(spelling).id == "citrate"
        assert len(cache) <= RESOLVE_CACHE_SIZE
    cache.clear()
    long_name = "magnesium " * 1000 + "citrate"
    assert len(long_name) > RESOLVE_CACHE_NAME_CHARS
    assert cat.resolve(long_name).id == "citrate"
    assert cache == {}
    assert cat.resolve("citrate").id == "citrate"
    assert list(cache) == ["citrate"]  # short names are still remembered


def validate_raw_catalogue() -> Catalogue:
    """A catalogue of its own (the shared one's cache is left alone)."""
    raw = yaml.safe_load((REPO / "data" / "forms.yaml").read_text(encoding="utf-8"))
    return Catalogue.model_validate(raw)
