"""mgcalc for people at a terminal and for scripts reading its output: layout, colour, footnotes,
help, completion, output hygiene. The terminal cases run on a pseudo-terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from mgcalc.cli.terminal import Environment, layout, render
from mgcalc.cli.views import Table, View

from .conftest import run_cli
from .pty_helper import ANSI, run_pty

COMPARE_ALL = ["compare", "500", "--price", "citrate=5", "--price", "oxide=3"]


def _json(*args: str) -> dict[str, object]:
    r = run_cli(*args, "--json")
    assert r.returncode == 0, r.stderr
    data: dict[str, object] = json.loads(r.stdout)
    return data


def _words(text: str) -> set[str]:
    """The words of a text (a short citation's closing '...' and punctuation aside)."""
    return {w.removesuffix("...").rstrip(",;:") for w in text.split()}


# ---------------------------------------------------------------- layout at 80 and 60 columns


@pytest.mark.parametrize("cols", [80, 60])
def test_compare_fits_the_terminal_and_never_cuts_an_id(cols: int) -> None:
    run = run_pty(COMPARE_ALL, cols=cols)
    assert run.returncode == 0
    lines = run.text.splitlines()
    assert all(len(line) <= cols for line in lines), max(lines, key=len)
    rows = _json(*COMPARE_ALL)["rows"]
    assert isinstance(rows, list)
    for row in rows:  # every id whole, at the start of its row (or of its block), with its absorbed figure
        (at,) = [n for n, x in enumerate(lines) if x.split()[:1] == [row["form"]]]
        block = [lines[at]]
        for x in lines[at + 1 :]:  # a narrow layout gives each row a block of indented fields
            if len(x) - len(x.lstrip()) <= len(lines[at]) - len(lines[at].lstrip()):
                break
            block.append(x)
        assert any("mg" in x for x in block), block
    assert "…" not in run.text and "citra…" not in run.text


@pytest.mark.parametrize("cols", [80, 60])
@pytest.mark.parametrize(
    "args",
    [
        ["label", "500", "--form", "citrate", "--drug", "Synthroid", "--drug", "cipro", "--age", "80"],
        ["dose", "300", "--form", "citrate", "--egfr", "20", "--tablet", "500"],
        ["absorb", "400", "--form", "citrate", "--elemental"],
        ["curve", "--form", "citrate", "--form", "oxide"],
        ["forms"],
        ["forms", "citrate"],
        ["check", "--drug", "ciprofloxacin", "--egfr", "45"],
        ["intake", "--age", "40", "--sex", "female"],
    ],
    ids=lambda a: " ".join(a)[:30],
)
def test_every_view_fits_and_keeps_its_words_whole(cols: int, args: list[str]) -> None:
    """On a terminal of 80 or 60 columns nothing is wider, and no word or figure is split: every
    word on screen is a word of the plain (non-terminal) output."""
    run = run_pty(args, cols=cols)
    assert run.returncode == 0, run.text
    screen = [line for line in run.text.splitlines() if not line.startswith("(not shown")]
    # a single unbreakable word (a web address) may run past the edge; it is never cut
    assert all(len(line) <= cols or " " not in line.strip() for line in screen), max(screen, key=len)
    if args[0] != "curve":  # charts are drawn for the width
        plain = run_cli(*args).stdout
        assert _words("\n".join(screen)) <= _words(plain) | {"*"}


def test_columns_0_on_a_terminal_still_shows_everything_including_avoid() -> None:
    run = run_pty(["label", "500", "--form", "oxide", "--egfr", "20"], cols=80, env={"COLUMNS": "0"})
    assert run.returncode == 0
    assert "AVOID: eGFR below 30" in run.text and "301.5 mg" in run.text


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"NO_COLOR": "1"}])
def test_dumb_or_no_color_terminals_get_plain_text_wrapped_at_spaces(env: dict[str, str]) -> None:
    args = ["dose", "300", "--form", "citrate", "--egfr", "20"]
    run = run_pty(args, cols=60, env=env)
    assert "\x1b[" not in run.screen
    assert all(len(line) <= 60 for line in run.text.splitlines())
    assert _words(run.text) <= _words(run_cli(*args).stdout)
    assert "AVOID:" in run.text


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, False),  # not a terminal
        (["--color", "always"], {}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag beats the environment
        (["--color", "auto"], {"FORCE_COLOR": "0"}, False),
    ],
)
def test_color_auto_always_never_and_the_environment(
    args: list[str], env: dict[str, str], coloured: bool
) -> None:
    r = run_cli("label", "500", "--form", "citrate", *args, env={"FORCE_COLOR": "", **env})
    assert r.returncode == 0
    assert ("\x1b[" in r.stdout) is coloured


def test_a_terminal_is_coloured_unless_no_color() -> None:
    assert "\x1b[1m" in run_pty(["label", "500", "--form", "citrate"]).screen
    assert "\x1b[" not in run_pty(["label", "500", "--form", "citrate"], env={"NO_COLOR": "1"}).screen


# ---------------------------------------------------------------- footnotes


LABEL_DRUGS = ["label", "500", "--form", "citrate", "--drug", "Synthroid", "--drug", "cipro", "--age", "80"]


def test_footnotes_short_by_default_full_with_sources_none_with_brief() -> None:
    cautions = _json(*LABEL_DRUGS)["cautions"]
    assert isinstance(cautions, list)
    short, full, brief = (run_cli(*LABEL_DRUGS, *flag).stdout for flag in ([], ["--sources"], ["--brief"]))
    for c in cautions:
        assert c["source"] in full
        assert c["message"] in brief
    sources = short[short.index("Sources:") :]
    assert all(len(line) <= 80 for line in sources.splitlines())
    assert "--sources" in sources and len(sources) < 0.2 * len(short)
    assert "Sources:" not in brief and not re.search(r"\[\d+\]", brief)
    # the numbers first: the headline figure comes before any caution or footnote
    assert short.index("80.8 mg") < short.index("CAUTION:") < short.index("Sources:")
    assert run_cli(*LABEL_DRUGS, "--sources", "--brief").returncode == 2


def test_compare_prints_each_citation_once() -> None:
    out = run_cli("compare", "500", "--sources").stdout
    footnotes = out[out.index("Sources:") :].splitlines()[1:]
    assert out.count("Sources:") == 1
    texts = [f.split("] ", 1)[1] for f in footnotes]
    assert len(texts) == len(set(texts))
    for text in texts:
        assert out.count(text) == 1


def test_layout_keeps_numbered_footnotes_and_marks_consistent() -> None:
    v = View("t", notes=["n"])
    v.cautions = [("caution", "a", 1), ("avoid", "b", 2)]
    v.sources = ["first source", "second source"]
    text = render(layout(v, None, "full"), color=False)
    assert "CAUTION: a [1]" in text and "[2] second source" in text
    none = render(layout(v, None, "none"), color=False)
    assert "[1]" not in none and "Sources" not in none and "AVOID: b" in none


def test_tables_hide_optional_columns_then_stack_rows_never_cutting_the_first_column() -> None:
    long_id = "a-very-long-identifier-that-is-wider-than-the-screen"
    t = Table("T", ["id", "alpha", "beta"], [[long_id, "1 mg", "2 mg"], ["b", "3 mg", "4 mg"]], optional=(2,))
    v = View("title", tables=[t])
    text = render(layout(v, 40, "short"), color=False)
    assert long_id in text and "3 mg" in text and "4 mg" in text


# ---------------------------------------------------------------- help, version, typos, completion


def test_bare_mgcalc_prints_readable_help_and_exits_0() -> None:
    r = run_cli()
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("Usage: mgcalc") and "\\x0a" not in r.stdout
    assert len(r.stdout.splitlines()) > 20 and "Examples:" in r.stdout and "Exit codes" in r.stdout


def test_version_and_short_help() -> None:
    from mgcalc import __version__

    for flag in ("--version", "-V"):
        r = run_cli(flag)
        assert r.returncode == 0 and r.stdout == f"mgcalc {__version__}\n"
    assert run_cli("-h").stdout == run_cli("--help").stdout
    assert run_cli("label", "-h").stdout == run_cli("label", "--help").stdout


COMMANDS = ["label", "dose", "absorb", "compare", "curve", "check", "intake", "parse", "batch", "forms"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples_real_metavars_and_choices(command: str) -> None:
    r = run_cli(command, "--help")
    assert r.returncode == 0
    text = r.stdout
    assert "Examples:" in text and f"mgcalc {command}" in text.split("Examples:")[1]
    assert not re.search(r"<(str|int|float|list\[[a-z]+\]|path)>", text), text
    assert "{" not in text.splitlines()[0]  # usage: AMOUNT, not {AMOUNT}
    assert "--color <auto|always|never>" in text
    for option, choices in {
        "--sex": "<female|male>",
        "--standard": "<us|eu>",
        "--fail-on": "<caution|avoid>",
        "--input-format": "<csv|ndjson|dsld>",
        "--output-format": "<ndjson|csv>",
    }.items():
        if f"{option} " in text:
            assert f"{option} {choices}" in text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["label", "500", "--from", "citrate"], "no such option: --from; did you mean --form?"),
        (["batch", "--delimter", "tab"], "did you mean --delimiter?"),
        (["label", "500", "--form", "citrate", "--jsn"], "did you mean --json?"),
        (["label", "-5", "--form", "citrate"], "AMOUNT: amount must be greater than 0 mg"),
        (["lable", "500"], "Did you mean 'label'?"),
    ],
)
def test_typos_are_named_with_a_suggestion(args: list[str], says: str) -> None:
    r = run_cli(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1


def _complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    r = run_cli(
        env={
            "_MGCALC_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
            **(env or {}),
        }
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_shell_completion_by_environment_variable() -> None:
    assert _complete("mgcalc la") == ["label"]
    assert "citrate" in _complete("mgcalc label 500 --form cit")
    assert _complete("mgcalc label 500 --sex ") == ["female", "male"]
    assert "--delimiter" in _complete("mgcalc batch --")
    script = run_cli(env={"_MGCALC_COMPLETE": "source_bash"})
    assert script.returncode == 0 and "_mgcalc_completion" in script.stdout


# ---------------------------------------------------------------- output hygiene


def test_csv_cells_are_neutralised_and_escaped(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_bytes(
        b'id,amount,form\n"=HYPERLINK(""http://x"")",500,citrate\n"\x1b]8;;x\x07e",500,citrate\n+cmd,500,oxide\n'
        b"@x,500,oxide\n-1,500,oxide\nplain,500,oxide\n\xc2\x9b\xe2\x80\xaeid,500,oxide\n"
    )
    r = run_cli("batch", str(f), "--output-format", "csv")
    assert r.returncode == 0
    ids = [row["id"] for row in csv.DictReader(io.StringIO(r.stdout))]
    assert ids == [
        '\'=HYPERLINK("http://x")',
        "\\x1b]8;;x\\x07e",
        "'+cmd",
        "'@x",
        "'-1",
        "plain",
        "\\x9b\\u202eid",
    ]
    assert "\x1b" not in r.stdout and "\x9b" not in r.stdout


def test_json_output_escapes_c1_and_bidi_but_keeps_the_data(tmp_path: Path) -> None:
    f = tmp_path / "in.ndjson"
    f.write_text(
        '{"id": "a\\u009bb\\u202ec\\u2028\\u007f", "amount": 500, "form": "citrate"}\n', encoding="utf-8"
    )
    r = run_cli("batch", str(f))
    assert "\\u009b" in r.stdout and "\\u202e" in r.stdout and "\\u2028" in r.stdout and "\\u007f" in r.stdout
    assert "\x9b" not in r.stdout and "\u202e" not in r.stdout and "\x7f" not in r.stdout
    assert json.loads(r.stdout)["id"] == "a\u009bb\u202ec\u2028\x7f"
    one = run_cli("parse", "Magnesium citrate 500 mg \u202e", "--json")
    assert "\\u202e" in one.stdout and json.loads(one.stdout)["text"].endswith("\u202e")


def test_user_text_is_escaped_on_every_human_path() -> None:
    for args in (
        ["parse", "Magnesium citrate 500 mg \u202e"],
        ["parse", "Magnesium \x1b[2J citrate 500 mg"],
        ["label", "500", "--form", "citrate", "--drug", "\x1b]0;pwned\x07x"],
        ["label", "500", "--form", "\x1b[31mcitrate"],
    ):
        r = run_cli(*args)
        assert r.returncode in (0, 2), r.stderr
        for text in (r.stdout, r.stderr):
            assert (
                not ANSI.search(text) and "\u202e" not in text and "\x07" not in text and "\x1b" not in text
            )


@pytest.mark.parametrize(
    "args",
    [
        ["label", "5e-324", "--form", "citrate"],
        ["absorb", "5e-324", "--form", "citrate"],
        ["compare", "5e-324"],
        ["curve", "--form", "citrate", "--max", "5e-324"],
        ["dose", "300", "--form", "citrate", "--tablet", "5e-324"],
        ["compare", "500", "--price", "citrate=1e306"],
        ["compare", "500", "--price", "citrate=1e308", "--json"],
        ["compare", "500", "--price", "citrate=inf"],
        ["compare", "500", "--price", "citrate=nan"],
        ["absorb", "500", "--form", "citrate", "--with-meal", "--meal-mg", "1e308"],
        ["label", "500", "--form", "citrate", "--age", "1e308"],
        ["label", "500", "--form", "citrate", "--per-day", "99999999999999999999"],
    ],
)
def test_extreme_numbers_are_one_line_errors(args: list[str]) -> None:
    r = run_cli(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "1e-6", "--elemental", "--price", "citrate=1e9", "--price", "oxide=0"],
        ["compare", "1000000", "--price", "citrate=1e9"],
        ["label", "1e-6", "--form", "oxide", "--count", "10000", "--per-day", "24"],
        ["absorb", "1000000", "--form", "oxide", "--with-meal", "--meal-mg", "2000", "--splits", "12"],
        ["curve", "--form", "oxide", "--max", "1000000"],
        ["dose", "1e-6", "--form", "citrate", "--tablet", "1000000"],
    ],
)
def test_bounded_extremes_give_finite_json(args: list[str]) -> None:
    r = run_cli(*args, "--json")
    assert r.returncode == 0, r.stderr
    assert "Infinity" not in r.stdout and "NaN" not in r.stdout
    json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"non-finite {c}"))


def test_json_ready_matches_model_dump() -> None:
    from mgcalc.api import absorb, check, compare, curve, dose, intake, label, parse_label
    from mgcalc.cli.output import json_ready
    from mgcalc.numbers import rounded
    from mgcalc.schema.inputs import Profile

    p = Profile(age=70, sex="female", drugs=["Synthroid", "cipro"], egfr=40)
    for result in (
        label(500, "citrate", profile=p),
        dose(300, "oxide", tablet_mg=250, profile=p),
        absorb(400, "citrate", elemental=True, profile=p),
        compare(500, ["oxide", "citrate"], prices={"oxide": 4.99}),
        curve(["oxide"]),
        check(p),
        intake(40, "female"),
        parse_label("Mg (as oxide) 250mg 60% DV"),
    ):
        # the same data, numbers to 12 significant digits (mgcalc.numbers.JSON_DIGITS)
        assert json_ready(result) == rounded(result.model_dump(mode="json"))


def test_environment_width_ignores_a_zero_or_junk_columns() -> None:
    for value in ("0", "-3", "junk", ""):
        env = Environment(stdout=io.StringIO(), stdout_isatty=True, environ={"COLUMNS": value})
        assert env.columns() >= 30
    assert Environment(environ={"COLUMNS": "100"}).columns() == 100
    assert os.environ.get("COLUMNS", "x") is not None
