"""Golden tests: exactly what people and scripts see from every command.

Each case in ``CASES`` is an argv (plus optional stdin), the exit code it must
give and what kind of output it prints. The expected output is committed in
``tests/golden/``:

- ``NAME.txt``: stdout of a human view or of ``--plain``, compared exactly
  (plain text: stdout is not a terminal under the test runner);
- ``NAME.json``: ``--json`` stdout, compared as data, floats to 1e-9
  relative (an NDJSON stream is stored as a list of its records);
- ``NAME.csv``: ``batch --output-format csv``, compared cell by cell, numbers
  to 1e-9 relative and nested JSON cells as data;
- ``NAME.svg``: a picture a command saves (``curve --svg``), compared exactly;
- ``NAME.stderr.txt``: stderr, when the case writes any; no such file means
  stderr must be empty (so a ``--plain`` that should warn, and does not, fails).

Paths in argv and output are written as placeholders (``{forms_yaml}`` for the
packaged catalogue, ``{tmp}`` for a temporary directory), so the files do not
depend on where the checkout lives.

Regenerating after an intended change of output::

    MGCALC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py tests/test_schema.py

rewrites the expected files instead of comparing (exit codes are not
regenerated: they live in ``CASES`` and are always checked). Review
``git diff tests/golden tests/schema`` before committing.

Most cases run in-process through ``typer.testing.CliRunner`` against
``mgcalc.cli.app.app``. Bad input is turned into a one-line message and exit
2 by ``mgcalc.cli.app.main``, not by the typer app, so the ``ERROR_CASES`` run
``main(argv)`` under the same runner's stream isolation.

The terminal path is tested separately, through an injected
``mgcalc.cli.terminal.Environment``: it is not golden (it depends on the
width), but its content and its width are checked (and on a real
pseudo-terminal in tests/test_terminal.py).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mgcalc.cli.app import app, main
from mgcalc.cli.terminal import Environment, current, use
from mgcalc.reference import packaged_path, packaged_reference

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
UPDATE_ENV = "MGCALC_UPDATE_GOLDEN"
REL_TOL = 1e-9
ABS_TOL = 1e-12  # only so that 0.0 and 1e-17 of float noise compare equal
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def updating() -> bool:
    """Whether this run rewrites the expected files (MGCALC_UPDATE_GOLDEN=1)."""
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


# ---------------------------------------------------------------- comparing


def approx_diff(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Where two JSON values differ (None if they do not): floats to 1e-9 relative.

    Dicts must have the same keys, lists the same length; a bool is never a
    number; an int and a float compare as numbers (JSON does not keep the type).
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if expected is actual else f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return None
        return f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            missing = sorted(expected.keys() - actual.keys())
            extra = sorted(actual.keys() - expected.keys())
            return f"{path}: keys differ: missing {missing}, unexpected {extra}"
        for k in expected:
            if (d := approx_diff(expected[k], actual[k], f"{path}.{k}")) is not None:
                return d
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            if (d := approx_diff(e, a, f"{path}[{i}]")) is not None:
                return d
        return None
    if type(expected) is not type(actual) or expected != actual:
        return f"{path}: expected {expected!r}, got {actual!r}"
    return None


def _cell(text: str) -> Any:
    """A CSV cell as data: a number, nested JSON, or the text itself."""
    try:
        return float(text)
    except ValueError:
        pass
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def csv_diff(expected: str, actual: str) -> str | None:
    """Where two CSV texts differ, cell by cell (numbers and nested JSON compared as data)."""
    exp = list(csv.reader(io.StringIO(expected)))
    act = list(csv.reader(io.StringIO(actual)))
    return approx_diff([[_cell(c) for c in r] for r in exp], [[_cell(c) for c in r] for r in act], "csv")


def parse_json_output(text: str, ndjson: bool) -> Any:
    """--json stdout as data: one document, or the list of NDJSON records (one per line)."""
    if ndjson:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_text(path: Path, actual: str) -> None:
    """Compare ``actual`` with the golden file (or rewrite it in update mode); empty = no file."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        if actual:
            path.write_text(actual, encoding="utf-8", newline="")
        elif path.exists():
            path.unlink()
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    assert actual == expected, f"{path.name} differs (regenerate with {UPDATE_ENV}=1 if intended)"


def check_json(path: Path, actual: Any) -> None:
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_json(actual), encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    diff = approx_diff(expected, actual)
    assert diff is None, f"{path.name}: {diff} (regenerate with {UPDATE_ENV}=1 if intended)"


def check_csv(path: Path, actual: str) -> None:
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    diff = csv_diff(path.read_text(encoding="utf-8"), actual)
    assert diff is None, f"{path.name}: {diff} (regenerate with {UPDATE_ENV}=1 if intended)"


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class Run:
    """What one invocation printed."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


def placeholders(tmp: Path | None = None) -> dict[str, str]:
    """Placeholder -> real path, for argv; reversed on the output."""
    out = {
        "{forms_yaml}": str(packaged_path("forms.yaml")),
        "{regimen}": str(HERE / "data" / "regimen.yaml"),
        "{tests}": str(HERE),
    }
    if tmp is not None:
        out["{tmp}"] = str(tmp)
    return out


def fill(argv: list[str], subs: Mapping[str, str]) -> list[str]:
    out = []
    for a in argv:
        for token, real in subs.items():
            a = a.replace(token, real)
        out.append(a)
    return out


def unfill(text: str, subs: Mapping[str, str]) -> str:
    # longest path first, in case one contains another
    for token, real in sorted(subs.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(real, token)
    return text


def invoke(argv: list[str], input: str | None = None) -> Run:
    """Run the typer app in-process (CliRunner: stdout and stderr kept apart)."""
    r = CliRunner().invoke(app, argv, input=input)
    exc = r.exception if not isinstance(r.exception, SystemExit) else None
    return Run(r.exit_code, r.stdout, r.stderr, exc)


def run_main(argv: list[str], input: str | None = None) -> Run:
    """Run ``mgcalc.cli.app.main`` in-process, as the console script does (errors -> exit 2)."""
    runner = CliRunner()
    # main() sets PYDANTIC_DISABLE_PLUGINS; listing it here restores it afterwards
    with runner.isolation(input=input, env={"PYDANTIC_DISABLE_PLUGINS": None}) as (out, err, _):
        import sys

        try:
            main(argv)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue(), err.getvalue()
    return Run(code, stdout.decode("utf-8"), stderr.decode("utf-8"))


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The packaged data, and a fresh output environment (whatever another test left)."""
    monkeypatch.delenv("MGCALC_CATALOGUE", raising=False)
    previous = use(Environment())
    try:
        yield
    finally:
        use(previous)


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One golden case: ``kind`` is text (human or --plain), json, ndjson or csv."""

    name: str
    argv: list[str]
    exit_code: int = 0
    kind: str = "text"
    input: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # golden name -> path (with placeholders) written

    @property
    def id(self) -> str:
        return self.name

    @property
    def stdout_file(self) -> str:
        """The golden file of stdout: the name, with the kind's extension unless it has it."""
        suffix = SUFFIX[self.kind]
        return self.name if self.name.endswith(suffix) else self.name + suffix

    @property
    def stderr_file(self) -> str:
        return f"{self.name}.stderr.txt"


PARSE_STDIN = "Magnesium Citrate 500 mg\nVitamin C 100 mg\n"
BATCH_CSV = (
    "id,amount,form,unit,basis,count\n"
    "sku-1,500,citrate,mg,,2\n"
    "sku-2,0.5,oxide,g,compound,1\n"
    "sku-3,200,glycinate,,elemental,\n"
    "sku-5,500,unobtanium,,,\n"
)

LABEL = ["label", "500", "--form", "citrate"]
LABEL_ELEMENTAL = ["label", "200", "--form", "citrate", "--elemental"]
LABEL_DAILY = ["label", "500", "--form", "citrate", "--count", "2", "--per-day", "3", "--age", "30"]
DOSE_CKD = ["dose", "300", "--form", "citrate", "--egfr", "20"]
DOSE_TABLET = ["dose", "300", "--form", "oxide", "--tablet", "250"]
ABSORB = ["absorb", "400", "--form", "citrate", "--elemental"]
COMPARE = [
    "compare",
    "500",
    "--form",
    "citrate",
    "--form",
    "oxide",
    "--price",
    "citrate=10",
    "--price",
    "oxide=5",
]
CURVE = ["curve", "--form", "citrate", "--form", "oxide", "--max", "500"]
CHECK = ["check", "--drug", "ciprofloxacin", "--egfr", "45"]
INTAKE = ["intake", "--age", "40", "--sex", "female"]
PARSE = ["parse", "Magnesium (as magnesium citrate) 200 mg"]
PARSE_TWO = ["parse", "Magnesium Oxide 400mg (241.3mg elemental magnesium)"]
PARSE_FAMILY = ["parse", "Magnesium Chloride 520 mg"]
PANEL = ["panel", "{tests}/data/dsld/labels/65718.txt"]
PANEL_DRUG = ["panel", "{tests}/data/panels/milk-of-magnesia-dailymed-30fb7b5e.txt"]
PANEL_DSLD = ["panel", "{tests}/data/dsld/labels/2957.json", "--age", "30", "--sex", "female"]
PANEL_OXIDE = ["panel", "-", "--age", "30", "--sex", "female"]
OXIDE_CAPSULE = "Supplement Facts\nServing Size 1 Capsule\nMagnesium (as Magnesium Oxide) 420 mg 100% DV\n"
CONVERT = ["convert", "2.1", "mg/dL"]
CONVERT_MMOL = ["convert", "4", "mmol"]
BATCH_DSLD = ["batch", "{tests}/data/dsld/labels/65718.json", "--input-format", "dsld"]

CASES = [
    # label
    Case("label-citrate", LABEL),
    Case("label-citrate.plain", [*LABEL, "--plain"]),
    Case("label-citrate.json", [*LABEL, "--json"], kind="json"),
    Case("label-citrate-elemental", LABEL_ELEMENTAL),
    Case("label-citrate-elemental.plain", [*LABEL_ELEMENTAL, "--plain"]),
    Case("label-citrate-elemental.json", [*LABEL_ELEMENTAL, "--json"], kind="json"),
    Case("label-citrate-count2-perday3", LABEL_DAILY),
    Case("label-citrate-count2-perday3.plain", [*LABEL_DAILY, "--plain"]),
    Case("label-citrate-count2-perday3.json", [*LABEL_DAILY, "--json"], kind="json"),
    Case(
        "label-citrate-count2-perday3.fail-on", [*LABEL_DAILY, "--plain", "--fail-on", "caution"], exit_code=3
    ),
    # dose
    Case("dose-citrate-egfr20", DOSE_CKD),
    Case("dose-citrate-egfr20.plain", [*DOSE_CKD, "--plain"]),
    Case("dose-citrate-egfr20.json", [*DOSE_CKD, "--json"], kind="json"),
    Case("dose-citrate-egfr20.fail-on", [*DOSE_CKD, "--plain", "--fail-on", "avoid"], exit_code=3),
    Case("dose-oxide-tablet", DOSE_TABLET),
    Case("dose-oxide-tablet.plain", [*DOSE_TABLET, "--plain"]),
    Case("dose-oxide-tablet.json", [*DOSE_TABLET, "--json"], kind="json"),
    # absorb
    Case("absorb-citrate-elemental", ABSORB),
    Case("absorb-citrate-elemental.plain", [*ABSORB, "--plain"]),
    Case("absorb-citrate-elemental.json", [*ABSORB, "--json"], kind="json"),
    # compare, curve
    Case("compare-citrate-oxide-priced", COMPARE),
    Case("compare-citrate-oxide-priced.json", [*COMPARE, "--json"], kind="json"),
    Case("curve-citrate-oxide", CURVE),
    Case("curve-citrate-oxide.json", [*CURVE, "--json"], kind="json"),
    Case(
        "curve-citrate-oxide.svg-saved",
        [*CURVE, "--svg", "{tmp}/chart.svg"],
        files={"curve-citrate-oxide.svg": "{tmp}/chart.svg"},
    ),
    # check, intake
    Case("check-ciprofloxacin-egfr45", CHECK),
    Case("check-ciprofloxacin-egfr45.json", [*CHECK, "--json"], kind="json"),
    Case("check-nothing", ["check"]),
    Case("check-nothing.json", ["check", "--json"], kind="json"),
    Case("intake-40-female", INTAKE),
    Case("intake-40-female.json", [*INTAKE, "--json"], kind="json"),
    # parse
    Case("parse-elemental-line", PARSE),
    Case("parse-elemental-line.json", [*PARSE, "--json"], kind="json"),
    Case("parse-stdin", ["parse"], exit_code=1, input=PARSE_STDIN),
    Case("parse-stdin.json", ["parse", "--json"], exit_code=1, kind="ndjson", input=PARSE_STDIN),
    Case("parse-two-amounts", PARSE_TWO),
    Case("parse-two-amounts.json", [*PARSE_TWO, "--json"], kind="json"),
    Case("parse-bare-family", PARSE_FAMILY),
    # panel
    Case("panel-nested", PANEL),
    Case("panel-nested.json", [*PANEL, "--json"], kind="json"),
    Case("panel-milk-of-magnesia", PANEL_DRUG),
    Case("panel-milk-of-magnesia.json", [*PANEL_DRUG, "--json"], kind="json"),
    Case("panel-dsld-record", PANEL_DSLD),
    Case("panel-dsld-record.json", [*PANEL_DSLD, "--json"], kind="json"),
    Case("panel-oxide-ul", PANEL_OXIDE, input=OXIDE_CAPSULE),
    Case("panel-oxide-ul.fail-on", [*PANEL_OXIDE, "--fail-on", "caution"], exit_code=3, input=OXIDE_CAPSULE),
    # convert
    Case("convert-serum", CONVERT),
    Case("convert-serum.json", [*CONVERT, "--json"], kind="json"),
    Case("convert-mmol", CONVERT_MMOL),
    Case("convert-mmol.json", [*CONVERT_MMOL, "--json"], kind="json"),
    # batch
    Case("batch-dsld.json", BATCH_DSLD, kind="ndjson"),
    Case("batch-stdin.json", ["batch"], exit_code=1, kind="ndjson", input=BATCH_CSV),
    Case("batch-stdin.csv", ["batch", "--output-format", "csv"], exit_code=1, kind="csv", input=BATCH_CSV),
    Case("batch-stdin-full.json", ["batch", "--full"], exit_code=1, kind="ndjson", input=BATCH_CSV),
    Case(
        "batch-stdin-fields.json",
        ["batch", "--fields", "form,elemental_mg,elemental_mmol"],
        exit_code=1,
        kind="ndjson",
        input=BATCH_CSV,
    ),
    Case(
        "batch-stdin-full.csv",
        ["batch", "--output-format", "csv", "--full"],
        exit_code=1,
        kind="csv",
        input=BATCH_CSV,
    ),
    # forms
    Case("forms", ["forms"]),
    Case("forms.json", ["forms", "--json"], kind="json"),
    Case("forms-citrate", ["forms", "citrate"]),
    Case("forms-citrate.json", ["forms", "citrate", "--json"], kind="json"),
    Case("forms-check-packaged", ["forms", "--check", "{forms_yaml}"]),
    Case("forms-check-packaged.json", ["forms", "--check", "{forms_yaml}", "--json"], kind="json"),
    Case("forms-check-bad", ["forms", "--check", "{tmp}/bad.yaml"], exit_code=1),
    Case("forms-check-bad.json", ["forms", "--check", "{tmp}/bad.yaml", "--json"], exit_code=1, kind="json"),
    # plan
    Case("plan-regimen", ["plan", "{regimen}"]),
    Case("plan-regimen.json", ["plan", "{regimen}", "--json"], kind="json"),
]

#: Bad input, through main(): one line on stderr, exit 2, nothing on stdout.
ERROR_CASES = [
    Case("error-unknown-form", ["label", "500", "--form", "unobtanium"], exit_code=2),
    Case("error-negative-amount", ["label", "-5", "--form", "citrate"], exit_code=2),
    Case("error-json-and-plain", ["label", "500", "--form", "citrate", "--json", "--plain"], exit_code=2),
    Case("error-bad-price", ["compare", "500", "--form", "citrate", "--price", "citrate"], exit_code=2),
    Case("error-mmol-without-elemental", ["label", "4mmol", "--form", "glycerophosphate"], exit_code=2),
    Case("error-convert-unit", ["convert", "400", "furlongs"], exit_code=2),
]

SUFFIX = {"text": ".txt", "json": ".json", "ndjson": ".json", "csv": ".csv"}


def bad_catalogue(tmp: Path) -> None:
    """A copy of the packaged catalogue with one wrong elemental % (a stoichiometry problem)."""
    text = packaged_path("forms.yaml").read_text(encoding="utf-8")
    assert "elemental_pct: 60.304" in text
    (tmp / "bad.yaml").write_text(text.replace("elemental_pct: 60.304", "elemental_pct: 50.304", 1), "utf-8")


def run_case(case: Case, tmp: Path, *, through_main: bool = False) -> tuple[Run, dict[str, str]]:
    bad_catalogue(tmp)
    subs = placeholders(tmp)
    argv = fill(case.argv, subs)
    run = run_main(argv, case.input) if through_main else invoke(argv, case.input)
    return Run(run.exit_code, unfill(run.stdout, subs), unfill(run.stderr, subs), run.exception), subs


def check_case(case: Case, run: Run) -> None:
    assert run.exception is None, f"{case.name} raised {run.exception!r}"
    assert run.exit_code == case.exit_code, (
        f"{case.name}: exit {run.exit_code}, expected {case.exit_code}; stderr: {run.stderr}"
    )
    assert not ANSI.search(run.stdout) and not ANSI.search(run.stderr), "escape codes off a terminal"
    stdout_file = GOLDEN / case.stdout_file
    if case.kind == "text":
        check_text(stdout_file, run.stdout)
    elif case.kind == "csv":
        check_csv(stdout_file, run.stdout)
    else:
        check_json(stdout_file, parse_json_output(run.stdout, ndjson=case.kind == "ndjson"))
    check_text(GOLDEN / case.stderr_file, run.stderr)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden(case: Case, tmp_path: Path) -> None:
    run, subs = run_case(case, tmp_path)
    check_case(case, run)
    for golden_name, written in case.files.items():
        path = Path(fill([written], subs)[0])
        assert path.is_file(), f"{case.name} did not write {written}"
        check_text(GOLDEN / golden_name, unfill(path.read_text(encoding="utf-8"), subs))


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.id)
def test_golden_errors(case: Case, tmp_path: Path) -> None:
    run, _ = run_case(case, tmp_path, through_main=True)
    check_case(case, run)
    assert run.stdout == ""
    assert run.stderr.startswith("mgcalc: error: ") and run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr


def test_every_golden_file_belongs_to_a_case() -> None:
    """No stale golden file survives a renamed or removed case."""
    names = set()
    for case in [*CASES, *ERROR_CASES]:
        names |= {case.stdout_file, case.stderr_file, *case.files}
    stale = sorted(p.name for p in GOLDEN.iterdir() if p.name not in names)
    if updating():
        for name in stale:
            (GOLDEN / name).unlink()
        return
    assert not stale, f"golden files without a case: {stale}"


def test_every_command_has_human_plain_and_json_cases() -> None:
    """Each command has a human case and a --json case; each with --plain has a --plain case."""
    from mgcalc.cli.app import COMMANDS

    for command in COMMANDS:
        argvs = [c.argv for c in CASES if c.argv[0] == command]
        assert any("--json" not in a and "--plain" not in a for a in argvs), f"{command}: no human case"
        assert any("--json" in a for a in argvs) or command == "batch", f"{command}: no --json case"
    for command in ("label", "dose", "absorb"):
        assert any(c.argv[0] == command and "--plain" in c.argv for c in CASES), f"{command}: no --plain case"


# ---------------------------------------------------------------- cross-checks


def _json(argv: list[str]) -> Any:
    run = invoke([*argv, "--json"])
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def _plain(argv: list[str]) -> Run:
    run = invoke([*argv, "--plain"])
    assert run.exit_code == 0, run.stderr
    assert re.fullmatch(r"-?\d+\.\d\n", run.stdout), repr(run.stdout)
    return run


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (LABEL, "elemental_mg"),
        (LABEL_ELEMENTAL, "compound_mg"),
        (DOSE_TABLET, "compound_mg"),
        (ABSORB, "absorbed_mg"),
    ],
    ids=["label", "label-elemental", "dose", "absorb"],
)
def test_plain_is_the_rounded_json_headline(argv: list[str], key: str) -> None:
    assert float(_plain(argv).stdout) == round(_json(argv)[key], 1)


def test_per_day_multiplies_the_daily_amount() -> None:
    data = _json(LABEL_DAILY)
    assert data["count"] == 2 and data["per_day"] == 3
    assert math.isclose(data["daily_elemental_mg"], 3 * data["elemental_mg"], rel_tol=1e-12)
    human = invoke(LABEL_DAILY).stdout
    assert "484.9 mg/day" in human  # 2 x 80.8 mg x 3 a day, above the UL of 350
    codes = {c["code"] for c in data["cautions"]}
    # the laxative caution speaks of the dose taken at once (161.6 mg), below every laxative dose
    assert "upper-limit" in codes and "laxative" not in codes


def test_avoid_caution_is_on_screen_and_on_stderr_with_plain() -> None:
    human = invoke(DOSE_CKD)
    assert "\nAVOID: eGFR below 30" in human.stdout
    plain = _plain(DOSE_CKD)
    assert plain.stderr.startswith("mgcalc: AVOID: eGFR below 30")
    assert plain.stderr.count("\n") == 1
    assert _json(DOSE_CKD)["cautions"][0]["level"] == "avoid"  # most severe first


def test_plain_without_cautions_names_only_the_salt_read_on_stderr() -> None:
    err = _plain(LABEL).stderr
    assert err.startswith("mgcalc: read as ") and err.count("\n") == 1
    assert "CAUTION" not in err and "AVOID" not in err


def _table(text: str, title: str) -> list[list[str]]:
    """The rows (header first) of a plain-text table, split on runs of 2+ spaces."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(re.split(r" {2,}", line[2:].strip()))
    return rows


def test_compare_columns_hold_the_json_figures() -> None:
    """Each human column is the figure of its header (a swapped or shifted column fails)."""
    data = _json(COMPARE)
    rows = _table(invoke(COMPARE).stdout, "2 forms")
    header, body = rows[0], rows[1:]
    assert header == [
        "form",
        "%Mg",
        "compound",
        "elemental",
        "absorbed",
        "range",
        "basis",
        "laxative",
        "price",
        "per 100 mg absorbed",
    ]
    assert [r[0] for r in body] == [r["form"] for r in data["rows"]] == ["citrate", "oxide"]
    for cells, row in zip(body, data["rows"], strict=True):
        cell = dict(zip(header, cells, strict=True))
        assert float(cell["%Mg"]) == pytest.approx(row["elemental_pct"], abs=0.005)
        assert float(cell["elemental"].removesuffix(" mg").replace(",", "")) == pytest.approx(
            row["elemental_mg"], abs=0.05
        )
        assert float(cell["absorbed"].removesuffix(" mg")) == pytest.approx(row["absorbed_mg"], abs=0.05)
        low, high = cell["range"].removesuffix(" mg").split("-")
        assert float(low) == pytest.approx(row["absorbed_mg_min"], abs=0.05)
        assert float(high) == pytest.approx(row["absorbed_mg_max"], abs=0.05)
        # an assumed relative bioavailability is marked
        assert cell["basis"] == row["relative_basis"] + ("*" if row["relative_basis"] == "assumed" else "")
        assert cell["laxative"] == row["laxative"]
        assert float(cell["price"]) == row["price"]
        per_100 = 100 * row["price"] / row["absorbed_mg"]
        assert row["cost_per_100mg_absorbed"] == pytest.approx(per_100)
        assert float(cell["per 100 mg absorbed"]) == pytest.approx(per_100, abs=0.005)


def test_parse_stdin_reports_each_line() -> None:
    records = parse_json_output(invoke(["parse", "--json"], PARSE_STDIN).stdout, ndjson=True)
    assert [r["line"] for r in records] == [1, 2]
    assert records[0]["basis"] == "compound" and "error" not in records[0]
    assert records[1]["error"] == "no magnesium on this label line"


# ---------------------------------------------------------------- the terminal path

#: (argv, what must be on screen): the headline figure and, where one applies, the caution level.
RICH_CASES = {
    "dose-citrate-egfr20": (DOSE_CKD, ["1,856.1 mg", "AVOID", "eGFR below 30"]),
    "label-citrate": (LABEL, ["80.8 mg", "citrate-nonahydrate"]),
    "label-citrate-count2-perday3": (LABEL_DAILY, ["161.6 mg", "CAUTION", "484.9 mg/day"]),
    "absorb-citrate-elemental": (ABSORB, ["56.2 mg", "47.4-75.4 mg", "CAUTION"]),
    "compare-citrate-oxide-priced": (COMPARE, ["38.59", "22.87", "INFO"]),
    "curve-citrate-oxide": (CURVE, ["63.2 mg", "28.2 mg"]),
    "check-ciprofloxacin-egfr45": (CHECK, ["2 cautions", "CAUTION", "ciprofloxacin"]),
    "intake-40-female": (INTAKE, ["320 mg/day", "350 mg/day"]),
    "parse-elemental-line": (PARSE, ["200 mg is elemental magnesium"]),
    "panel-nested": (PANEL, ["200 mg", "part"]),
    "convert-serum": (CONVERT, ["0.864", "within"]),
    "forms": (["forms"], [f"{len(packaged_reference().catalogue.forms)} forms", "60.30"]),
    "forms-citrate": (["forms", "citrate"], ["16.163%"]),
}

#: Known problems of the terminal path at a narrow terminal (see each reason); strict, so a fix shows.
RICH_KNOWN: dict[tuple[str, int], str] = {}
WIDTH_KNOWN: dict[tuple[str, int], str] = {}


def rich_run(argv: list[str], width: int) -> tuple[Run, str]:
    """Run a command in-process with stdout a (fake) terminal; the screen text, escapes removed."""
    screen = io.StringIO()
    argv = fill(argv, placeholders())
    # environ={}: the test's own TERM (dumb on some CI) must not switch the rich path off
    previous = use(Environment(stdout=screen, stdout_isatty=True, color=False, width=width, environ={}))
    try:
        r = CliRunner().invoke(app, argv, catch_exceptions=False)
    finally:
        use(previous)
    assert current() is previous
    return Run(r.exit_code, r.stdout, r.stderr), ANSI.sub("", screen.getvalue())


def _rich_params(known: dict[tuple[str, int], str]) -> list[Any]:
    out = []
    for name in RICH_CASES:
        for width in (100, 60):
            marks = (
                [pytest.mark.xfail(strict=True, reason=known[name, width])] if (name, width) in known else []
            )
            out.append(pytest.param(name, width, id=f"{name}-{width}", marks=marks))
    return out


@pytest.mark.parametrize(("name", "width"), _rich_params(RICH_KNOWN))
def test_rich_view_shows_headline_and_cautions(name: str, width: int) -> None:
    argv, wanted = RICH_CASES[name]
    run, screen = rich_run(argv, width)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "", "everything goes to the injected terminal"
    assert screen.strip()
    for text in wanted:
        # rich may wrap prose at the width; figures and words must survive whole
        assert text in screen or text in " ".join(screen.split()), f"{text!r} not on screen:\n{screen}"
    plain = invoke(fill(argv, placeholders())).stdout
    for level in ("AVOID:", "CAUTION:", "INFO:"):
        assert (level in plain) == (level in screen), f"{level} differs between plain and rich"


@pytest.mark.parametrize(("name", "width"), _rich_params(WIDTH_KNOWN))
def test_rich_view_fits_the_terminal(name: str, width: int) -> None:
    _, screen = rich_run(RICH_CASES[name][0], width)
    # a single unbreakable word (a web address) may run past the edge; it is never cut
    too_wide = [line for line in screen.splitlines() if len(line) > width and " " in line.strip()]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {width}: {too_wide[0]!r}"


def test_rich_dose_ckd_does_not_raise_and_restores_environment() -> None:
    """Kidney failure on a terminal: the AVOID caution and the headline figure, at 100 and 60 columns."""
    before = current()
    for width in (100, 60):
        run, screen = rich_run(DOSE_CKD, width)
        assert run.exit_code == 0
        assert "AVOID" in screen and "1,856.1 mg" in screen
    assert current() is before
