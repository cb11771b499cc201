"""docs/reference.md is what the code says (every command, argument, option and JSON key); each
command's -h ends with its docs page; help texts match what is printed; the small traps of the
command line say how to get out of them."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import typer.main

from mgcalc import MgcalcError
from mgcalc.cli.app import DOCS_PAGES, app
from mgcalc.cli.reference_doc import REGENERATE, build, json_models

from .conftest import REPO, run_cli

PAGE = REPO / "docs" / "reference.md"


def test_the_committed_reference_is_not_stale() -> None:
    built = build()
    committed = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if committed != built:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    built.splitlines(keepends=True),
                    "docs/reference.md (committed)",
                    "docs/reference.md (from the code)",
                    n=1,
                )
            )[:40]
        )
        raise AssertionError(f"docs/reference.md is stale: run `{REGENERATE}`\n{diff}")


def test_the_reference_covers_every_command_option_and_json_output() -> None:
    group = typer.main.get_command(app)
    text = build()
    models = json_models()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"## mgcalc {name}\n" in text, name
        for p in command.params:
            for opt in getattr(p, "opts", []) if p.param_type_name == "option" else []:
                assert opt in text, (name, opt)
        if any("--json" in getattr(p, "opts", []) for p in command.params):
            assert name in models, f"{name} prints JSON: say which model in reference_doc.json_models"
        for _, model in models.get(name, []):
            assert f"`{model.__name__}`" in text
            assert (REPO / "tests" / "schema" / f"{model.__name__}.json").exists(), model.__name__


def test_every_command_help_ends_with_its_docs_page() -> None:
    group = typer.main.get_command(app)
    for name in group.commands:  # type: ignore[attr-defined]
        page = DOCS_PAGES[name]
        assert (REPO / page).exists(), page
        r = run_cli(name, "-h")
        assert r.returncode == 0
        assert r.stdout.rstrip().splitlines()[-1].strip() == f"See {page} in the mgcalc repository.", name


# ---------------------------------------------------------------- help that matches what is printed; small traps


def test_forms_json_help_says_it_prints_an_array() -> None:
    import json

    help_text = " ".join(run_cli("forms", "-h").stdout.split())
    assert "an array of every catalogue entry" in help_text
    assert "Print one JSON object" not in help_text
    assert isinstance(json.loads(run_cli("forms", "--json").stdout), list)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["label", "500", "mg", "--form", "citrate"], 'write "500 mg" in quotes, or 500mg'),
        (["dose", "300", "mg", "--form", "oxide"], 'write "300 mg" in quotes, or 300mg'),
        (["label", "0.5", "g", "--form", "oxide"], 'write "0.5 g" in quotes, or 0.5g'),
    ],
)
def test_an_unquoted_amount_and_unit_says_to_quote_them(args: list[str], hint: str) -> None:
    r = run_cli(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert "unexpected extra argument" in r.stderr and hint in r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_another_extra_argument_gets_no_unit_hint() -> None:
    r = run_cli("label", "500", "tablets", "--form", "citrate")
    assert r.returncode == 2 and "unexpected extra argument" in r.stderr and "in quotes" not in r.stderr


def test_regimen_errors_list_every_problem_with_its_line_and_the_key_meant(tmp_path: Path) -> None:
    from mgcalc.cli.plan_io import read_regimen

    regimen = tmp_path / "regimen.yaml"
    regimen.write_text(
        "person:\n  age: 30\nmedicine:\n  - name: ciprofloxacin\nmagnesium:\n  - form: citrate\n"
        "    amont: 500 mg\n",
        encoding="utf-8",
    )
    with pytest.raises(MgcalcError) as e:
        read_regimen(regimen)
    text = str(e.value)
    assert "more)" not in text and "Extra inputs are not permitted" not in text
    assert "2 problems" in text
    assert "line 3: medicine: unknown key 'medicine'; did you mean 'medicines'?" in text
    assert "line 7: magnesium.0.amont: unknown key 'amont'; did you mean 'amount'?" in text
    assert text.index("line 3") < text.index("line 7")
    r = run_cli("plan", str(regimen))
    assert r.returncode == 2 and "did you mean 'medicines'?" in r.stderr and "line 7" in r.stderr


def test_an_unknown_key_with_no_near_miss_lists_the_keys(tmp_path: Path) -> None:
    from mgcalc.cli.plan_io import read_regimen

    regimen = tmp_path / "regimen.yaml"
    regimen.write_text("magnesium:\n  - form: citrate\n    amount: 1 g\n    zzz: 1\n", encoding="utf-8")
    with pytest.raises(
        MgcalcError, match=r"line 4: magnesium\.0\.zzz: unknown key 'zzz' \(the keys here: .*amount"
    ):
        read_regimen(regimen)
