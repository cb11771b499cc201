"""The exit codes have one definition (ExitStatus); the help and docs/exit-codes.md follow it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from mgcalc.cli.app import app
from mgcalc.cli.output import ExitStatus as FromOutput
from mgcalc.cli.status import ExitStatus

DOC = Path(__file__).resolve().parent.parent / "docs" / "exit-codes.md"


def test_the_doc_explains_exactly_the_codes_mgcalc_uses() -> None:
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", DOC.read_text(encoding="utf-8"), re.M)
    assert [int(code) for code, _ in rows] == [s.value for s in ExitStatus]


def test_help_lists_every_exit_code() -> None:
    out = " ".join(CliRunner().invoke(app, ["--help"]).output.split())
    listed = ", ".join(f"{s.value} {s.summary}" for s in ExitStatus)
    assert f"Exit codes: {listed}." in out


def test_output_gives_the_same_definition() -> None:
    assert FromOutput is ExitStatus
