"""Views that never mislead (issue 22, item 4): repeated cautions merged, long output paged on a
terminal, the laxative column kept at 80 columns, overlapping curves visible, panel in the label's
own words with a per-tablet amount, footnote hints that name only accepted flags."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgcalc.cli.app import app
from mgcalc.cli.terminal import Environment, current, use
from mgcalc.cli.views import View
from mgcalc.schema.results import Caution

from .conftest import run_cli
from .pty_helper import ANSI, run_pty

HINT = "(full citations: --sources; none: --brief)"


def _screen(argv: list[str], width: int) -> str:
    """A command run in-process with stdout a (fake) terminal of ``width`` columns; the screen text."""
    screen = io.StringIO()
    previous = use(Environment(stdout=screen, stdout_isatty=True, color=False, width=width, environ={}))
    try:
        r = CliRunner().invoke(app, argv, catch_exceptions=False)
    finally:
        use(previous)
    assert current() is previous
    assert r.exit_code == 0, r.output
    return ANSI.sub("", screen.getvalue())


# ---------------------------------------------------------------- 1. one caution, naming its forms


def _caution(message: str, source: str = "s", level: str = "caution") -> Caution:
    return Caution(code="laxative", level=level, message=message, source=source)  # type: ignore[arg-type]


def test_the_same_caution_for_several_forms_is_one_naming_them() -> None:
    v = View("t")
    v.subjects = {
        "Magnesium oxide": "oxide",
        "Magnesium citrate": "citrate",
        "Magnesium chloride": "chloride",
    }
    rest = "is strongly laxative and 300 mg/day is near or above the UL (350 mg/day)."
    v.add_cautions(
        [
            _caution(f"Magnesium oxide {rest}"),
            _caution(f"Magnesium citrate {rest}"),
            _caution(f"Magnesium chloride {rest}", source="other"),
            _caution("Something else.", level="avoid"),
        ]
    )
    assert [m for _, m, _ in v.cautions] == [
        "Something else.",
        f"2 forms (oxide, citrate) are {rest[3:]}",
        f"Magnesium chloride {rest}",
    ]
    assert v.sources == ["s", "other"]


def test_a_subject_within_the_sentence_is_merged_too() -> None:
    v = View("t")
    v.subjects = {"Magnesium citrate": "citrate", "Magnesium citrate, NOW Foods powder": "citrate-now"}
    v.add_cautions(
        [
            _caution("500 mg at once from Magnesium citrate: no dose is known for this form."),
            _caution(
                "500 mg at once from Magnesium citrate, NOW Foods powder: no dose is known for this form."
            ),
        ]
    )
    assert [m for _, m, _ in v.cautions] == [
        "500 mg at once from 2 forms (citrate, citrate-now): no dose is known for each of these forms."
    ]


@pytest.mark.parametrize("amount", ["300", "500"])
def test_compare_never_repeats_a_caution_once_per_form(amount: str) -> None:
    data = json.loads(run_cli("compare", amount, "--elemental", "--json").stdout)
    names = sorted((row["form_name"] for row in data["rows"]), key=len, reverse=True)

    def template(text: str) -> str:
        for name in names:
            if name in text:
                return text.replace(name, "#", 1)
        return text

    per_form = [
        (c["level"], template(c["message"]), c["source"]) for row in data["rows"] for c in row["cautions"]
    ]
    r = run_cli("compare", amount, "--elemental")
    assert r.returncode == 0, r.stderr
    shown = [template(x) for x in r.stdout.splitlines() if x.startswith(("CAUTION: ", "AVOID: ", "INFO: "))]
    assert len(shown) == len(set(shown)), shown
    if len(per_form) > len(set(per_form)):  # the same caution for several forms: one line names them
        assert any(" forms (" in x for x in shown), shown


def test_compare_json_keeps_a_caution_per_form() -> None:
    data = json.loads(run_cli("compare", "500", "--elemental", "--json").stdout)
    assert sum(bool(row["cautions"]) for row in data["rows"]) > 1


# ---------------------------------------------------------------- 2. a pager on a terminal


def _fake_pager(tmp_path: Path) -> str:
    script = tmp_path / "pager.py"
    script.write_text(
        "import sys\ntext = sys.stdin.read()\nprint('PAGED', len(text.splitlines()), 'lines')\n"
    )
    return f"{sys.executable} {script}"


def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    run = run_pty(["compare", "500", "--elemental"], env={"MGCALC_PAGER": _fake_pager(tmp_path)})
    assert run.returncode == 0
    assert "PAGED" in run.text and "CAUTION" not in run.text


def test_pager_honours_PAGER_when_MGCALC_PAGER_is_unset(tmp_path: Path) -> None:
    env = {"PAGER": _fake_pager(tmp_path)}
    run = run_pty(["compare", "500", "--elemental"], env=env)
    assert "PAGED" in run.text


def test_no_pager_flag_short_output_and_pipes_are_never_paged(tmp_path: Path) -> None:
    pager = {"MGCALC_PAGER": _fake_pager(tmp_path)}
    run = run_pty(["compare", "500", "--elemental", "--no-pager"], env=pager)
    assert "PAGED" not in run.text and "forms (" in run.text
    short = run_pty(["convert", "400", "mg"], env=pager)
    assert "PAGED" not in short.text and "mmol" in short.text
    piped = run_cli("compare", "500", "--elemental", env=pager)
    assert "PAGED" not in piped.stdout and "CAUTION" in piped.stdout


def test_an_empty_pager_means_none(tmp_path: Path) -> None:
    run = run_pty(["compare", "500", "--elemental"], env={"MGCALC_PAGER": "", "PAGER": _fake_pager(tmp_path)})
    assert "PAGED" not in run.text and "CAUTION" in run.text


# ---------------------------------------------------------------- 3. the safety column stays


@pytest.mark.parametrize("width", [80, 60])
def test_a_priced_four_form_compare_keeps_the_laxative_column_and_drops_the_price_first(width: int) -> None:
    argv = ["compare", "500", "--form", "citrate", "--form", "oxide", "--form", "glycinate"]
    argv += ["--form", "chloride", "--price", "citrate=9", "--price", "oxide=4"]
    screen = _screen(argv, width)
    assert all(len(x) <= width for x in screen.splitlines()), screen
    assert "laxative" in screen and "strong" in screen and "mild" in screen, screen
    if "price" not in screen:  # something had to go: the price the user gave, before any safety column
        assert (
            "not shown at this width: " in screen and "price" in screen.split("not shown at this width:")[1]
        )


# ---------------------------------------------------------------- 4. overlapping curves stay visible


def test_curve_of_two_forms_on_the_same_curve_shows_both() -> None:
    r = run_cli("curve", "--form", "citrate", "--form", "glycinate")
    assert r.returncode == 0, r.stderr
    assert "=: several series at the same point" in r.stdout
    text = " ".join(r.stdout.split())
    assert "Same curve: citrate (*) and glycinate (o) give the same figures at every dose" in text


def test_curve_of_distinct_forms_says_no_curve_is_shared() -> None:
    r = run_cli("curve", "--form", "citrate", "--form", "oxide")
    assert "Same curve" not in r.stdout


# ---------------------------------------------------------------- 5. the label's own words


PANEL = (
    "Supplement Facts\nServing Size 2 Tablets\nMagnesium (as magnesium oxide) 400 mg\n"
    "Other ingredients: Cellulose, Vegetable Stearate.\n"
)


def test_panel_names_excipients_as_the_label_does_and_gives_a_per_tablet_amount() -> None:
    r = run_cli("panel", "-", input=PANEL)
    assert r.returncode == 0, r.stderr
    assert "Excipients (not counted): Vegetable Stearate (read as magnesium stearate)." in r.stdout
    assert "Excipients (not counted): magnesium stearate" not in r.stdout
    assert "per tablet                200 mg (derived: per serving / 2)" in r.stdout


def test_units_per_serving() -> None:
    from mgcalc.core.panel import units_per_serving

    assert units_per_serving("2 Tablets") == (2.0, "tablet")
    assert units_per_serving("3 gummies") == (3.0, "gummy")
    assert units_per_serving("1 capsule") is None
    assert units_per_serving("15 mL") is None
    assert units_per_serving(None) is None


# ---------------------------------------------------------------- 6. hints name accepted flags

CASES = [
    ["compare", "300", "--elemental", "--form", "oxide"],
    ["convert", "2.1", "mg/dL"],
    ["curve", "--form", "citrate"],
    ["forms", "citrate"],
    ["check", "--drug", "ciprofloxacin"],
    ["intake", "--age", "40", "--sex", "female"],
    ["panel", "-"],
]


@pytest.mark.parametrize("argv", CASES, ids=lambda a: a[0])
def test_footnote_hints_name_only_flags_the_command_accepts(argv: list[str]) -> None:
    r = run_cli(*argv, input=PANEL)
    assert r.returncode in (0, 3), r.stderr
    if HINT in r.stdout:
        for flag in ("--sources", "--brief"):
            again = run_cli(*argv, flag, input=PANEL)
            assert again.returncode in (0, 3), again.stderr
    assert "--sources" not in r.stdout.replace(HINT, "")


def test_panel_accepts_brief_and_sources() -> None:
    brief = run_cli("panel", "-", "--brief", input=PANEL)
    assert brief.returncode == 0, brief.stderr
    assert "Sources:" not in brief.stdout and "[1]" not in brief.stdout
    full = run_cli("panel", "-", "--sources", input=PANEL)
    assert full.returncode == 0 and "National Academies Press" in full.stdout
