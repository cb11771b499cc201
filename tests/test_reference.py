"""The data edge: packaged data (YAML or the wheel's JSON), user catalogues, hostile files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mgcalc import MgcalcError
from mgcalc.reference import load_reference, packaged_path, packaged_reference
from mgcalc.reference.files import (
    DATA_FILES,
    MAX_FILE_BYTES,
    _built_json,
    check_catalogue,
    validate_raw,
)
from mgcalc.schema.base import Source
from mgcalc.schema.cautions import CautionData

from .conftest import REPO, run_cli


def _yaml_raw() -> dict[str, Any]:
    out = {}
    for field, (stem, _) in DATA_FILES.items():
        out[field] = yaml.safe_load(packaged_path(f"{stem}.yaml").read_text(encoding="utf-8"))
    return out


def test_packaged_bundle_equals_a_full_validation_of_the_yaml() -> None:
    """The installed JSON (constructed without revalidation) holds exactly what the YAML validates to."""
    validated = validate_raw(_yaml_raw())
    loaded = packaged_reference()
    for field in DATA_FILES:
        a, b = getattr(validated, field), getattr(loaded, field)
        dump = (
            (lambda x: {k: v.model_dump() for k, v in x.items()})
            if isinstance(a, dict)
            else (lambda x: x.model_dump())
        )
        assert dump(a) == dump(b), field
    assert [f.id for f in loaded.catalogue.forms] == [f.id for f in validated.catalogue.forms]
    assert loaded.catalogue.resolve("Epsom salt").id == validated.catalogue.resolve("Epsom salt").id
    assert loaded.cautions.drug_names == validated.cautions.drug_names
    # the name index shipped beside the wheel's JSON is the one a full validation builds
    assert loaded.catalogue.name_index() == validated.catalogue.name_index()
    assert {k: [f.id for f in v] for k, v in loaded.catalogue.__pydantic_private__["_members"].items()} == {
        k: [f.id for f in v] for k, v in validated.catalogue.__pydantic_private__["_members"].items()
    }


def _typed(model: Any) -> str:
    """A model's values as JSON written from Python's own types (4 and 4.0 differ)."""
    import json

    return json.dumps(model.model_dump(), sort_keys=True)


def test_constructing_the_packaged_data_equals_validating_it() -> None:
    """What an installed wheel does (construct from the JSON, no validation) gives the same models,
    value for value and type for type (a float field holds 4.0, not the 4 JSON wrote), as validation."""
    import json

    from mgcalc.schema.build import construct

    raw = json.loads(json.dumps(_yaml_raw()))  # the JSON copy the wheel carries
    validated = validate_raw(_yaml_raw())
    for field, (_, model) in DATA_FILES.items():
        if field == "sources":
            continue  # the bundle keeps the mapping, checked below
        built = construct(model, raw[field])
        assert _typed(built) == _typed(getattr(validated, field)), field
    sources = {k: construct(Source, v) for k, v in raw["sources"]["sources"].items()}
    assert {k: _typed(v) for k, v in sources.items()} == {k: _typed(v) for k, v in validated.sources.items()}
    # constructed cautions build their name lookups on first use, without the validator's checks
    cautions, checked = construct(CautionData, raw["cautions"]), validated.cautions
    assert cautions.drug_names == checked.drug_names
    assert cautions.condition_names == checked.condition_names
    assert [_typed(r) for r in cautions.all_rules()] == [_typed(r) for r in checked.all_rules()]
    # ... or from the name index the wheel ships (cautions.index.json), the one validation builds
    index = json.loads(json.dumps(checked.name_index()))
    indexed = construct(CautionData, raw["cautions"]).use_name_index(lambda: index)
    for built in (cautions, indexed):
        assert built.name_index() == checked.name_index()
        for name in checked.drug_names:
            assert [r.code for r in built.rules_named(name)] == [r.code for r in checked.rules_named(name)]
    named = checked.conditions[0].name
    assert indexed.condition_code(named) == checked.condition_code(named) == checked.conditions[0].code
    assert [_typed(r) for r in indexed.all_rules()] == [_typed(r) for r in checked.all_rules()]


def test_installed_json_matches_the_yaml_when_present() -> None:
    import json

    built = [(f, stem) for f, (stem, _) in DATA_FILES.items() if _built_json(stem).is_file()]
    if not built:
        pytest.skip("a source checkout: no JSON copies (they are made when the wheel is built)")
    raw = _yaml_raw()
    for field, stem in built:
        assert json.loads(_built_json(stem).read_text(encoding="utf-8")) == raw[field], stem
    # the name index shipped beside the JSON is the one a full validation builds
    index = json.loads(_built_json("forms.index").read_text(encoding="utf-8"))
    assert index == validate_raw(raw).catalogue.name_index()
    names = json.loads(_built_json("cautions.index").read_text(encoding="utf-8"))
    assert names == validate_raw(raw).cautions.name_index()


def test_every_source_key_is_cited_once() -> None:
    for stem, _ in DATA_FILES.values():
        data = yaml.safe_load((REPO / "data" / f"{stem}.yaml").read_text(encoding="utf-8"))
        assert ("sources" in data) == (stem == "sources"), stem


def _write(tmp_path: Path, text: str | bytes) -> Path:
    p = tmp_path / "c.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def _forms() -> dict[str, Any]:
    return yaml.safe_load((REPO / "data" / "forms.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 60_000, "nested too deeply"),
        ("schema: 1\nschema: 1\n", "duplicate key"),
        (b"\xff\xfe junk", "not UTF-8"),
        ("a: [1, 2\n", "not valid YAML"),
    ],
)
def test_hostile_catalogue_files_are_one_line_errors(tmp_path: Path, text: str | bytes, says: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(MgcalcError, match=says):
        load_reference(path)
    r = run_cli("label", "500", "--form", "citrate", "--catalogue", str(path))
    assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_oversized_and_endless_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 10))
    with pytest.raises(MgcalcError, match="over"):
        load_reference(big)
    r = run_cli("label", "500", "--form", "citrate", "--catalogue", "/dev/zero")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_duplicate_keys_in_a_form_are_refused(tmp_path: Path) -> None:
    text = (REPO / "data" / "forms.yaml").read_text(encoding="utf-8")
    text = text.replace("    elemental_pct:", "    elemental_pct: 1\n    elemental_pct:", 1)
    problems_path = _write(tmp_path, text)
    with pytest.raises(MgcalcError, match="duplicate key"):
        check_catalogue(problems_path)


@pytest.mark.parametrize(("constant", "value"), [("mg_molar_mass", 12.0), ("mg_charge", 3)])
def test_constants_are_checked_against_physics(tmp_path: Path, constant: str, value: float) -> None:
    data = _forms()
    data["constants"][constant]["value"] = value
    problems = check_catalogue(_write(tmp_path, yaml.safe_dump(data)))
    assert any(constant in p for p in problems), problems


def test_a_manufacturer_figure_cannot_exceed_its_formula(tmp_path: Path) -> None:
    data = _forms()
    from mgcalc.core.stoichiometry import formula_pct

    entry = next(f for f in data["forms"] if f["basis"] == "manufacturer" and f.get("formula"))
    entry.pop("elemental_pct_min", None)
    entry.pop("elemental_pct_max", None)
    entry["elemental_pct"] = round(formula_pct(entry["formula"]) + 1, 3)  # no raw material holds more
    problems = check_catalogue(_write(tmp_path, yaml.safe_dump(data)))
    assert any(f"id={entry['id']}" in p and "more magnesium than the formula" in p for p in problems), (
        problems
    )
    r = run_cli("label", "500", "--form", entry["id"], "--catalogue", str(tmp_path / "c.yaml"))
    assert r.returncode == 2 and "more magnesium than the formula" in r.stderr
    data["forms"][0]["elemental_pct"] = "x"  # with a structural error too, the bound is still checked
    problems = check_catalogue(_write(tmp_path, yaml.safe_dump(data)))
    assert any("more magnesium than the formula" in p for p in problems), problems


def test_a_user_catalogue_replaces_only_the_forms(tmp_path: Path) -> None:
    data = _forms()
    data["forms"] = [f for f in data["forms"] if f["family"] == "oxide"]
    data["families"] = {}
    ref = load_reference(_write(tmp_path, yaml.safe_dump(data)))
    assert {f.family for f in ref.catalogue.forms} == {"oxide"}
    assert ref.cautions is packaged_reference().cautions


def test_the_cautions_validator_still_checks_names_and_codes() -> None:
    """Validation (the YAML, and the wheel's build) runs the checks the lookups skip on built data."""
    from pydantic import ValidationError

    raw = _yaml_raw()["cautions"]
    coded = next(d for d in raw["drugs"] if d.get("rxcui"))
    coded["rxcui"] = {next(iter(coded["rxcui"])): "R123"}
    raw["abbreviations"] = {**raw.get("abbreviations", {}), "zz": "no such drug"}
    with pytest.raises(ValidationError) as err:
        CautionData.model_validate(raw)
    assert "'R123' is not an RxCUI" in str(err.value)
    assert "'zz' stands for 'no such drug', which is not a known drug name" in str(err.value)
