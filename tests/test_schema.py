"""The JSON contract of every command, as a committed JSON-Schema snapshot.

``tests/schema/MODEL.json`` holds ``MODEL.model_json_schema(mode="serialization")``
for every model a command prints; a change to an output contract is then a
visible diff in review. Regenerate after an intended change with::

    MGCALC_UPDATE_GOLDEN=1 python -m pytest tests/test_schema.py

(the same switch as the golden output files, see tests/test_golden.py).

The contract test runs real commands and checks their ``--json`` output
against the schema of the command's model: every key is a property of the
schema (recursively), every required property is present, and each value has
the schema's type. Unlike validating the output with the model that printed
it, this fails when a command prints a key the contract does not have, or
prints another model than its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mgcalc.schema import estimates, plan, records, results
from mgcalc.schema.data import Form

from .test_golden import (
    ABSORB,
    BATCH_CSV,
    BATCH_DSLD,
    CHECK,
    COMPARE,
    CONVERT,
    CONVERT_MMOL,
    CURVE,
    DOSE_CKD,
    DOSE_TABLET,
    INTAKE,
    LABEL,
    LABEL_DAILY,
    LABEL_ELEMENTAL,
    PANEL,
    PANEL_DRUG,
    PANEL_DSLD,
    PARSE,
    PARSE_STDIN,
    PARSE_TWO,
    fill,
    invoke,
    parse_json_output,
    placeholders,
    updating,
)

SNAPSHOTS = Path(__file__).resolve().parent / "schema"

#: Every model a command prints (``forms --json`` prints the catalogue's ``Form`` entries).
MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m
    for m in (
        results.LabelResult,
        results.DoseResult,
        estimates.AbsorbResult,
        estimates.CompareResult,
        estimates.CurveResult,
        results.Assessment,
        results.IntakeReference,
        records.ParseResult,
        records.PanelResult,
        records.ConvertResult,
        records.ParseLine,
        records.ParseError,
        records.BatchOutput,
        records.FormEntry,
        records.CatalogueCheck,
        plan.PlanResult,
        Form,
    )
}


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


@pytest.fixture(autouse=True)
def _packaged_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MGCALC_CATALOGUE", raising=False)
    yield


# ---------------------------------------------------------------- the snapshot


@pytest.mark.parametrize("name", sorted(MODELS))
def test_schema_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.json"
    actual = schema_of(MODELS[name])
    if updating():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no snapshot for {name}: run with MGCALC_UPDATE_GOLDEN=1"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected, f"the JSON contract of {name} changed (regenerate with MGCALC_UPDATE_GOLDEN=1)"


def test_no_stale_snapshot() -> None:
    stale = sorted(p.name for p in SNAPSHOTS.glob("*.json") if p.stem not in MODELS)
    assert not stale, f"snapshots of models no command prints: {stale}"


def test_every_printed_result_model_is_snapshotted() -> None:
    """A new result model in mgcalc.schema (results, estimates, records) must join MODELS (or be part of one)."""
    parts = set()
    for model in MODELS.values():
        parts |= set(schema_of(model).get("$defs", {}))
    for module in (results, estimates, records, plan):
        for name, obj in vars(module).items():
            if (
                isinstance(obj, type)
                and issubclass(obj, results.Result)
                and obj.__module__ == module.__name__
            ):
                if obj is results.Result or obj is results.SafetyFields:
                    continue  # bases, never printed alone
                assert name in MODELS or name in parts, (
                    f"{name} is neither snapshotted nor part of a snapshot"
                )


# ---------------------------------------------------------------- checking output against a schema

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        schema = root["$defs"][ref.removeprefix("#/$defs/")]
    return schema


def contract_problems(
    data: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, path: str = "$"
) -> list[str]:
    """How ``data`` breaks ``schema``: unknown keys, missing required keys, wrong types, values off an enum."""
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf", schema.get("oneOf"))
        tries = [contract_problems(data, option, root, path) for option in options]
        if any(not t for t in tries):
            return []
        return min(tries, key=len)
    problems: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        ok = any(isinstance(data, JSON_TYPES[k]) for k in kinds)
        if isinstance(data, bool) and "boolean" not in kinds:
            ok = False
        if not ok:
            return [f"{path}: {type(data).__name__} where the schema has {kind}"]
    if "const" in schema and data != schema["const"]:
        problems.append(f"{path}: {data!r} is not {schema['const']!r}")
    if "enum" in schema and data not in schema["enum"]:
        problems.append(f"{path}: {data!r} is not one of {schema['enum']}")
    if isinstance(data, dict):
        props = schema.get("properties")
        if props is not None:
            problems += [f"{path}: key {k!r} is not in the schema" for k in data if k not in props]
            problems += [
                f"{path}: required key {k!r} missing" for k in schema.get("required", []) if k not in data
            ]
            for k, v in data.items():
                if k in props:
                    problems += contract_problems(v, props[k], root, f"{path}.{k}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for k, v in data.items():
                if props is None or k not in props:
                    problems += contract_problems(v, extra, root, f"{path}.{k}")
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        for i, v in enumerate(data):
            problems += contract_problems(v, schema["items"], root, f"{path}[{i}]")
    return problems


def test_contract_check_can_fail() -> None:
    """The checker catches an unknown key, a missing required key, a wrong type, at any depth."""
    schema = schema_of(results.LabelResult)
    good = json.loads(invoke([*LABEL, "--json"]).stdout)
    assert contract_problems(good, schema) == []
    assert contract_problems({**good, "surprise": 1}, schema) == ["$: key 'surprise' is not in the schema"]
    missing = {k: v for k, v in good.items() if k != "elemental_mg"}
    assert contract_problems(missing, schema) == ["$: required key 'elemental_mg' missing"]
    wrong = {**good, "elemental_mg": "80.8"}
    assert contract_problems(wrong, schema) == ["$.elemental_mg: str where the schema has number"]
    nested = json.loads(json.dumps(good))
    nested["variants"][0]["surprise"] = True
    assert contract_problems(nested, schema) == ["$.variants[0]: key 'surprise' is not in the schema"]
    nested = json.loads(json.dumps(good))
    nested["absorption_model"]["relative_basis"] = "guessed"
    assert contract_problems(nested, schema)
    assert contract_problems({**good, "laxative": "very"}, schema)
    assert contract_problems({**good, "count": True}, schema)
    # another command's output is not this command's contract
    assert contract_problems(json.loads(invoke([*DOSE_TABLET, "--json"]).stdout), schema)


#: (argv, stdin, model of each printed document or record)
CONTRACT_RUNS: list[tuple[str, list[str], str | None, str]] = [
    ("label", LABEL, None, "LabelResult"),
    ("label-elemental", LABEL_ELEMENTAL, None, "LabelResult"),
    ("label-daily", LABEL_DAILY, None, "LabelResult"),
    ("dose-ckd", DOSE_CKD, None, "DoseResult"),
    ("dose-tablet", DOSE_TABLET, None, "DoseResult"),
    ("absorb", ABSORB, None, "AbsorbResult"),
    ("absorb-meal", ["absorb", "300", "--form", "oxide", "--with-meal"], None, "AbsorbResult"),
    ("compare", COMPARE, None, "CompareResult"),
    ("compare-elemental", ["compare", "300", "--elemental", "--form", "glycinate"], None, "CompareResult"),
    ("curve", CURVE, None, "CurveResult"),
    ("check", CHECK, None, "Assessment"),
    ("check-unknown-drug", ["check", "--drug", "zorblaxin"], None, "Assessment"),
    ("intake", INTAKE, None, "IntakeReference"),
    ("intake-eu-child", ["intake", "--age", "2", "--standard", "eu"], None, "IntakeReference"),
    ("parse", PARSE, None, "ParseResult"),
    ("parse-two-amounts", PARSE_TWO, None, "ParseResult"),
    ("panel", PANEL, None, "PanelResult"),
    ("panel-drug-facts", PANEL_DRUG, None, "PanelResult"),
    ("panel-dsld", PANEL_DSLD, None, "PanelResult"),
    ("convert", CONVERT, None, "ConvertResult"),
    ("convert-mmol", CONVERT_MMOL, None, "ConvertResult"),
    ("forms-citrate", ["forms", "citrate"], None, "FormEntry"),
    ("forms-check", ["forms", "--check", "{forms_yaml}"], None, "CatalogueCheck"),
]


@pytest.mark.parametrize(
    ("argv", "stdin", "model"), [pytest.param(a, s, m, id=i) for i, a, s, m in CONTRACT_RUNS]
)
def test_json_output_keeps_its_contract(argv: list[str], stdin: str | None, model: str) -> None:
    subs = placeholders()
    argv = fill(argv, subs)
    run = invoke([*argv, "--json"], stdin)
    assert run.exception is None and run.exit_code == 0, run.stderr
    assert contract_problems(json.loads(run.stdout), schema_of(MODELS[model])) == []


def test_forms_list_keeps_the_form_contract() -> None:
    data = json.loads(invoke(["forms", "--json"]).stdout)
    assert isinstance(data, list) and len(data) > 10
    schema = schema_of(Form)
    assert [p for entry in data for p in contract_problems(entry, schema)] == []


def test_parse_stdin_records_keep_their_contract() -> None:
    out = parse_json_output(invoke(["parse", "--json"], PARSE_STDIN).stdout, ndjson=True)
    assert len(out) == 2
    for r in out:
        model = "ParseError" if "error" in r else "ParseLine"
        assert contract_problems(r, schema_of(MODELS[model])) == [], r


def test_batch_records_keep_their_contract() -> None:
    run = invoke(["batch", "--age", "70", "--sex", "female"], BATCH_CSV)
    out = parse_json_output(run.stdout, ndjson=True)
    assert len(out) == BATCH_CSV.count("\n") - 1
    schema = schema_of(MODELS["BatchOutput"])
    assert [p for r in out for p in contract_problems(r, schema)] == []
    text = invoke(["batch", "--input-format", "csv"], "id,text\nt1,Magnesium (as oxide) 250 mg\n")
    (record,) = parse_json_output(text.stdout, ndjson=True)
    assert record["basis"] == "elemental"
    assert contract_problems(record, schema) == []


def test_dsld_batch_records_keep_their_contract() -> None:
    subs = placeholders()
    run = invoke(fill(BATCH_DSLD, subs))
    out = parse_json_output(run.stdout, ndjson=True)
    assert len(out) == 1 and out[0]["id"] == "65718"
    assert [p for r in out for p in contract_problems(r, schema_of(MODELS["BatchOutput"]))] == []


def test_batch_csv_columns_are_the_contract_properties() -> None:
    from mgcalc.core.batch import ALWAYS, DEFAULT_FIELDS

    full = invoke(["batch", "--output-format", "csv", "--full"], BATCH_CSV).stdout.splitlines()[0]
    assert full.split(",") == list(schema_of(records.BatchOutput)["properties"])
    default = invoke(["batch", "--output-format", "csv"], BATCH_CSV).stdout.splitlines()[0]
    assert default.split(",") == [*ALWAYS, *DEFAULT_FIELDS]
    assert set(DEFAULT_FIELDS) <= set(schema_of(records.BatchOutput)["properties"])
    picked = invoke(["batch", "--output-format", "csv", "--fields", "elemental_mg,form"], BATCH_CSV)
    assert picked.stdout.splitlines()[0] == "line,id,error,id_hex,elemental_mg,form"
