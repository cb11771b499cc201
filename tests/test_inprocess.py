"""run_cli runs mgcalc in this process: it must give what the real process gives.

Every command, each output mode, bad input, exit codes 0/1/2/3, stdin, environment variables,
run both ways and compared exactly (exit code, stdout, stderr); and in a row, so that anything
one in-process run leaves behind shows in the next. ``MGCALC_TEST_PROCESS=1 python -m pytest``
runs every other run_cli test on a real process too.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml

from mgcalc.reference import packaged_path

from .conftest import process_state, run_in_process, run_process

HERE = Path(__file__).resolve().parent
REGIMEN = str(HERE / "data" / "regimen.yaml")
BATCH = "id,amount,form,unit,basis,count\nsku-1,500,citrate,mg,,2\nsku-2,670.1,oxide,mg,compound,1\n"
BAD_BATCH = BATCH + "sku-3,500,unobtanium,,,\n"
PANEL = "Supplement Facts\nServing Size 2 capsules\nMagnesium (as magnesium oxide) 500 mg 119% DV\n"
LABEL = ["label", "500", "--form", "citrate"]
DRUGS = [*LABEL, "--drug", "Synthroid", "--drug", "cipro", "--age", "80"]

#: (argv, stdin, environment): {batch} is a CSV file, {catalogue} a user catalogue (oxides only).
CASES: list[tuple[list[str], str | None, dict[str, str]]] = [
    # every command, human / --json / --plain
    (LABEL, None, {}),
    ([*LABEL, "--json"], None, {}),
    ([*LABEL, "--plain"], None, {}),
    (DRUGS, None, {}),
    ([*DRUGS, "--plain", "--fail-on", "caution"], None, {}),  # exit 3, a note on stderr
    ([*DRUGS, "--sources"], None, {}),
    (["dose", "300", "--form", "citrate", "--egfr", "20"], None, {}),
    (["dose", "300", "--form", "oxide", "--tablet", "250", "--json"], None, {}),
    (["absorb", "400", "--form", "citrate", "--elemental"], None, {}),
    (["absorb", "400", "--form", "citrate", "--elemental", "--plain"], None, {}),
    (["compare", "500", "--price", "citrate=5", "--price", "oxide=3"], None, {}),
    (["compare", "500", "--json"], None, {}),
    (["curve", "--form", "citrate", "--form", "oxide"], None, {}),
    (["check", "--drug", "ciprofloxacin", "--egfr", "45"], None, {}),
    (["check", "--drug", "ciprofloxacin", "--json"], None, {}),
    (["intake", "--age", "40", "--sex", "female"], None, {}),
    (["parse", "Magnesium (as magnesium citrate) 200 mg", "--json"], None, {}),
    (["parse"], "Magnesium Citrate 500 mg\nVitamin C 100 mg\n", {}),
    (["batch", "{batch}"], None, {}),
    (["batch", "{batch}", "--output-format", "csv"], None, {}),
    (["batch", "-"], BATCH, {}),
    (["batch", "-", "--output-format", "csv"], BAD_BATCH, {}),  # exit 1
    (["batch", "{batch}", "--egfr", "20", "--fail-on", "avoid"], None, {}),  # exit 3
    (["panel", "-"], PANEL, {}),
    (["panel", "-", "--json"], PANEL, {}),
    (["convert", "2.1", "mg/dL", "--json"], None, {}),
    (["convert", "4mmol"], None, {}),
    (["plan", REGIMEN], None, {}),
    (["plan", REGIMEN, "--json"], None, {}),
    (["forms"], None, {}),
    (["forms", "citrate"], None, {}),
    (["forms", "--json"], None, {}),
    # help, version, completion
    ([], None, {}),
    (["--help"], None, {}),
    (["--version"], None, {}),
    (["label", "--help"], None, {}),
    (
        [],
        None,
        {"_MGCALC_COMPLETE": "complete_bash", "COMP_WORDS": "mgcalc label 500 --form cit", "COMP_CWORD": "4"},
    ),
    # bad input: exit 2, one line
    (["label", "500", "--form", "unobtanium"], None, {}),
    (["label", "500", "--from", "citrate"], None, {}),
    (["lable", "500"], None, {}),
    (["label", "500", "mg", "--form", "citrate"], None, {}),
    (["compare", "500", "--price", "citrate=inf"], None, {}),
    (["batch"], None, {}),  # stdin empty: no records
    (["batch", "/nonexistent/in.csv"], None, {}),
    # the environment
    (LABEL, None, {"FORCE_COLOR": "1"}),
    ([*LABEL, "--color", "always"], None, {"NO_COLOR": "1"}),
    (DRUGS, None, {"COLUMNS": "60", "FORCE_COLOR": "1"}),
    (["label", "100", "--form", "MgO", "--plain"], None, {"MGCALC_CATALOGUE": "{catalogue}"}),
    (["label", "100", "--form", "citrate", "--plain"], None, {"MGCALC_CATALOGUE": "{catalogue}"}),
    (["parse", "Magnesium citrate 500 mg €", "--json"], None, {"PYTHONIOENCODING": "latin-1"}),
    (["label", "500", "--form", "citrate", "--drug", "Düsseldorf-€"], None, {"PYTHONIOENCODING": "ascii"}),
    (
        ["batch", "-", "--output-format", "csv"],
        "id,amount,form\né€,500,citrate\n",
        {"PYTHONIOENCODING": "latin-1"},
    ),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("inprocess")
    (tmp / "in.csv").write_text(BATCH, encoding="utf-8")
    data = yaml.safe_load(packaged_path("forms.yaml").read_text(encoding="utf-8"))
    data["forms"] = [f for f in data["forms"] if f["family"] == "oxide"]
    data["families"] = {}
    (tmp / "mine.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return {"{batch}": str(tmp / "in.csv"), "{catalogue}": str(tmp / "mine.yaml")}


def _fill(text: str, files: dict[str, str]) -> str:
    for token, real in files.items():
        text = text.replace(token, real)
    return text


def _same(argv: list[str], stdin: str | None, env: dict[str, str], files: dict[str, str]) -> int:
    """Run both ways; assert they are equal; the exit code."""
    args = [_fill(a, files) for a in argv]
    environ = {k: _fill(v, files) for k, v in env.items()}
    process = run_process(*args, env=environ, input=stdin)
    inside = run_in_process(*args, env=environ, input=stdin)
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        process.returncode,
        process.stdout,
        process.stderr,
    ), f"mgcalc {' '.join(args)} differs in-process"
    return process.returncode


@pytest.mark.parametrize(
    ("argv", "stdin", "env"), CASES, ids=lambda v: " ".join(v)[:50] if isinstance(v, list) else None
)
def test_in_process_equals_the_real_process(
    argv: list[str], stdin: str | None, env: dict[str, str], files: dict[str, str]
) -> None:
    _same(argv, stdin, env, files)


def test_the_cases_cover_every_command_and_exit_code(files: dict[str, str]) -> None:
    complete = {"_MGCALC_COMPLETE": "complete_bash", "COMP_WORDS": "mgcalc ", "COMP_CWORD": "1"}
    commands = set(run_in_process(env=complete).stdout.split())
    assert len(commands) > 10 and commands <= {argv[0] for argv, _, _ in CASES if argv}
    codes = {
        run_in_process(
            *[_fill(a, files) for a in argv], input=stdin, env={k: _fill(v, files) for k, v in env.items()}
        ).returncode
        for argv, stdin, env in CASES
    }
    assert {0, 1, 2, 3} <= codes


def test_runs_in_a_row_leave_nothing_to_the_next(files: dict[str, str]) -> None:
    """Options that set process-wide state (colour, footnotes, a catalogue, the locale), each
    followed by the same plain command: every in-process run still equals its process."""
    for argv, env in (
        ([*DRUGS, "--color", "always", "--sources"], {}),
        (DRUGS, {}),
        ([*DRUGS, "--brief", "--no-pager"], {"FORCE_COLOR": "1"}),
        (DRUGS, {}),
        (["label", "100", "--form", "MgO"], {"MGCALC_CATALOGUE": "{catalogue}"}),
        (["label", "100", "--form", "citrate"], {}),
        (["parse", "Magnesium citrate 500 mg €"], {"PYTHONIOENCODING": "ascii"}),
        (["parse", "Magnesium citrate 500 mg €"], {}),
    ):
        _same(argv, None, env, files)


def test_main_puts_the_process_back_as_it_found_it(files: dict[str, str]) -> None:
    """What main() changes for its run (SIGINT handler, collector, os.environ, cwd, streams) it
    restores itself: run_in_process would hide it, so this checks around main() directly."""
    import io
    import os
    import sys

    from mgcalc.cli import main

    for argv in (LABEL, ["batch", files["{batch}"]], ["--version"], ["label", "5", "--form", "nope"]):
        before, environ = process_state(), dict(os.environ)
        streams = sys.stdin, sys.stdout, sys.stderr
        sys.stdin = io.TextIOWrapper(io.BytesIO(b""))
        sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO()), io.TextIOWrapper(io.BytesIO())
        try:
            with pytest.raises(SystemExit):
                main(argv)
        finally:
            sys.stdin, sys.stdout, sys.stderr = streams
        after = process_state()
        assert after == before, argv
        assert after["sigint"] is signal.getsignal(signal.SIGINT)
        leaked = {k: v for k, v in os.environ.items() if environ.get(k) != v}
        os.environ.clear()
        os.environ.update(environ)
        assert leaked.keys() <= {"PYDANTIC_DISABLE_PLUGINS"}, leaked


def test_main_leaves_the_terminal_environment_as_it_found_it() -> None:
    import io
    import sys

    from mgcalc.cli import main
    from mgcalc.cli.terminal import Environment, current, use

    previous = use(Environment())
    stdout = sys.stdout
    sys.stdout = io.TextIOWrapper(io.BytesIO())
    try:
        with pytest.raises(SystemExit):
            main([*LABEL, "--color", "always", "--sources", "--no-pager"])
        env = current()
        assert (env.color, env.sources, env.paging) == (None, "short", True)
    finally:
        sys.stdout = stdout
        use(previous)
