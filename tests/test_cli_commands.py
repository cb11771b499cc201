"""The shell's structure, as a user or a newcomer meets it: one module per command, the help
listed from a static table that matches the commands, only the command run is imported, and
``main(argv)`` ends in SystemExit with the exit status (never ending the calling process)."""

from __future__ import annotations

import importlib
import inspect
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import mgcalc.cli.app as cli_app
from mgcalc.cli import main
from mgcalc.cli.commands import BUILDER, COMMANDS, module_of
from mgcalc.cli.status import ExitStatus

SRC = Path(__file__).resolve().parent.parent / "src"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_lives_in_a_module_named_for_it(name: str) -> None:
    module = importlib.import_module(module_of(name))
    func = getattr(module, name)
    assert callable(getattr(func, BUILDER))
    assert Path(inspect.getfile(func)).name == f"{name}.py"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_help_list_says_what_each_command_says_of_itself(name: str) -> None:
    """``mgcalc --help`` lists commands from the static table: its line is the first line of the
    command's own docstring (the start of ``mgcalc NAME --help``)."""
    func = getattr(importlib.import_module(module_of(name)), name)
    assert (func.__doc__ or "").strip().split("\n")[0] == COMMANDS[name].summary
    command = typer.main.get_command(cli_app.app).commands[name]  # type: ignore[attr-defined]
    assert command.help.split("\n")[0] == COMMANDS[name].summary
    assert f"See {COMMANDS[name].docs} in the mgcalc repository." in command.epilog


def test_help_lists_every_command_in_the_table_order() -> None:
    out = CliRunner().invoke(cli_app.app, ["--help"]).output
    listed = [
        line.split()[0]
        for line in out.split("Commands:\n")[1].split("\n\n")[0].splitlines()
        if line[2] != " "
    ]
    assert listed == list(COMMANDS)


def _imported(argv: list[str]) -> set[str]:
    code = (
        "import sys\nfrom mgcalc.cli.app import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(m for m in sys.modules if m.startswith('mgcalc')), file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return set(r.stderr.split())


def test_version_and_help_import_no_command_and_no_data() -> None:
    for argv in (["--version"], ["--help"]):
        loaded = _imported(argv)
        assert not {
            m for m in loaded if m.startswith(("mgcalc.cli.commands.", "mgcalc.schema", "mgcalc.core"))
        }
        assert "mgcalc.cli.options" not in loaded


def test_a_command_imports_its_own_module_only() -> None:
    loaded = {
        m for m in _imported(["label", "500", "--form", "citrate"]) if m.startswith("mgcalc.cli.commands.")
    }
    assert loaded == {"mgcalc.cli.commands.label"}


def test_main_with_argv_raises_systemexit_and_never_ends_the_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(code: int) -> None:
        raise AssertionError(f"os._exit({code}) called")

    monkeypatch.setattr(os, "_exit", refuse)
    with pytest.raises(SystemExit) as done:
        main(["label", "500", "--form", "citrate", "--plain"])
    assert done.value.code == ExitStatus.OK and capsys.readouterr().out == "80.8\n"
    with pytest.raises(SystemExit) as done:
        main(["label", "500", "--form", "unobtainium"])
    assert done.value.code == ExitStatus.BAD_INPUT
    assert capsys.readouterr().err.startswith("mgcalc: error: --form: ")


def test_a_failed_output_exits_4_in_process_without_ending_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Full(io.StringIO):
        def flush(self) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "_exit", lambda code: pytest.fail(f"os._exit({code})"))
    monkeypatch.setattr(sys, "stdout", Full())
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as done:
        main(["convert", "400", "mg"])
    assert done.value.code == ExitStatus.OUTPUT_FAILED
    assert err.getvalue() == "mgcalc: error: cannot write the output: No space left on device\n"
