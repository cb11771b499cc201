"""The commands, one module each (``mgcalc.cli.commands.label`` holds ``mgcalc label``).

``COMMANDS`` is the static table the root group reads: the order of ``mgcalc --help``, each
command's line there and its page in docs/. It is all ``mgcalc --help`` and ``mgcalc
--version`` need: a command's module is imported, and the command built, only when it runs
(``mgcalc.cli.app``). tests/test_cli_commands.py holds each line to its command's docstring.
"""

from __future__ import annotations

from typing import NamedTuple

#: The attribute of a command function (set by ``mgcalc.cli.options.command``) holding what
#: builds it for typer: () -> (function, options).
BUILDER = "typer_command"

#: The -h/--help spellings of every command and of the root.
HELP_NAMES = {"help_option_names": ["-h", "--help"]}


class Entry(NamedTuple):
    """One command of the table."""

    summary: str  # its line in ``mgcalc --help``: the first line of its docstring
    docs: str  # its page in the repository's docs/ (the last line of its -h; docs/reference.md)


#: name -> its line in ``mgcalc --help`` and its page in docs/, in the order of the help.
COMMANDS: dict[str, Entry] = {
    "label": Entry(
        "Elemental magnesium, mmol and mEq in a label amount of a compound, with cautions.",
        "docs/guide/read-a-bottle.md",
    ),
    "dose": Entry(
        "Compound weight that delivers TARGET mg of elemental magnesium, with cautions.",
        "docs/guide/read-a-bottle.md",
    ),
    "absorb": Entry(
        "Estimated absorbed magnesium, and the gain from splitting the daily amount.",
        "docs/absorption.md",
    ),
    "compare": Entry(
        "The same amount across forms: elemental, absorbed (estimate), laxative, cost per 100 mg absorbed.",
        "docs/absorption.md",
    ),
    "curve": Entry(
        "Chart of absorbed mg and fraction absorbed against elemental dose (estimates).",
        "docs/absorption.md",
    ),
    "check": Entry(
        "The cautions for kidney function, medicines, conditions and age, most severe first.",
        "docs/guide/check-medicines.md",
    ),
    "intake": Entry(
        "Reference intake (RDA or AI) and the upper level for supplemental magnesium.",
        "docs/guide/check-medicines.md",
    ),
    "parse": Entry(
        "Read a label line: elemental or compound weight and why, forms, elemental mg, the trap.",
        "docs/guide/read-a-bottle.md",
    ),
    "batch": Entry(
        "Label many records: CSV or NDJSON in, one NDJSON (or CSV) record out per record, in order.",
        "docs/guide/batch.md",
    ),
    "panel": Entry(
        "Read a whole panel: each magnesium line and its role, elemental Mg per serving, checks, cautions.",
        "docs/guide/read-a-bottle.md",
    ),
    "convert": Entry(
        "Convert elemental magnesium mg <-> mmol <-> mEq, or serum magnesium mg/dL <-> mmol/L <-> mEq/L.",
        "docs/guide/read-a-bottle.md",
    ),
    "plan": Entry(
        "A day's plan: every product and medicine together, the daily total, and a timetable.",
        "docs/guide/plan-a-day.md",
    ),
    "forms": Entry(
        "The form catalogue as a table, one entry in full, or --check a catalogue file.",
        "docs/guide/read-a-bottle.md",
    ),
}


def module_of(name: str) -> str:
    """The module holding command ``name``."""
    return f"{__name__}.{name}"
