"""An empty file name is refused as empty, never read as the current folder ('.'); an error names
the argument or option the user gave."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_cli

REGIMEN = str(Path(__file__).resolve().parent / "data" / "regimen.yaml")


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["label", "500", "--form", "citrate", "--catalogue", ""], "'--catalogue'"),
        (["label", "500", "--form", "citrate", "--catalogue="], "'--catalogue'"),
        (["forms", "--check", ""], "'--check'"),
        (["plan", ""], "'REGIMEN'"),
        (["plan", REGIMEN, "--html", ""], "'--html'"),
        (["curve", "--form", "citrate", "--svg", ""], "'--svg'"),
    ],
)
def test_an_empty_file_name_is_refused_as_empty(args: list[str], names: str) -> None:
    r = run_cli(*args)
    assert r.returncode == 2, r.stderr
    assert f"{names}: the file name is empty" in r.stderr and "'.'" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["label", "500", "--form", "citrate", "--plain"],
        ["forms", "--check", REGIMEN, "--json"],
        ["convert", "-5", "mg"],
    ],
)
def test_other_arguments_are_not_taken_for_empty_file_names(args: list[str]) -> None:
    assert "the file name is empty" not in run_cli(*args).stderr


def test_forms_names_its_form_argument_not_the_form_option() -> None:
    for name in ("", "citrat"):
        r = run_cli("forms", name)
        assert r.returncode == 2 and r.stderr.startswith("mgcalc: error: FORM: "), r.stderr
