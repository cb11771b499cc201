"""docs/reference.md is what the code says (every command, argument, option and JSON key); each
command's -h ends with its docs page; help texts match what is printed; the small traps of the
command line say how to get out of them."""

from __future__ import annotations

import difflib

import typer.main

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
