"""How a run ends: an error becomes one line on stderr and its exit code (never a traceback)."""

from __future__ import annotations

import itertools
import os
import re
import sys
from typing import NoReturn

from mgcalc.cli.status import ExitStatus
from mgcalc.errors import MgcalcError, literal

#: Domain field names (MgcalcError.field) -> what the person typed.
FLAGS = {
    "amount": "AMOUNT",
    "concentration": "--concentration",
    "target": "TARGET",
    "text": "TEXT",
    "file": "FILE",
    "form": "--form",
    "form_argument": "FORM",  # mgcalc forms FORM
    "count": "--count",
    "tablet": "--tablet",
    "meal_mg": "--meal-mg",
    "splits": "--splits",
    "price": "--price",
    "max": "--max",
    "age": "--age",
    "sex": "--sex",
    "pregnant": "--pregnant",
    "egfr": "--egfr",
    "ckd_stage": "--ckd-stage",
    "drug": "--drug",
    "condition": "--condition",
    "per_day": "--per-day",
    "catalogue": "--catalogue",
    "check": "--check",
    "regimen": "REGIMEN",
    "html": "--html",
    "ics": "--ics",
    "value": "VALUE",
    "delimiter": "--delimiter",
}


class OutputFailed(MgcalcError):
    """An output file or stream could not be written: exit 4."""

    exit_code = ExitStatus.OUTPUT_FAILED


def fail(message: str, code: int = ExitStatus.BAD_INPUT) -> NoReturn:
    """Say ``message`` as one line on stderr and exit with ``code``.

    When the output failed (exit 4), what stdout still holds is dropped (stdout is pointed at
    /dev/null), so that the interpreter's last flush does not fail and report it a second time.
    """
    try:
        sys.stderr.write(f"mgcalc: error: {literal(message, 1000)}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    if code == ExitStatus.OUTPUT_FAILED:
        drop_stdout()
    raise SystemExit(code)


def drop_stdout() -> None:
    """Point stdout at /dev/null: what it still holds is written nowhere (a closed pipe, a full disk)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def message(e: MgcalcError) -> str:
    """The error's message, led by the flag it is about (``--egfr: ...``) unless it names it."""
    flag = FLAGS.get(e.field or "")
    text = str(e)
    if flag is not None and flag not in text:
        return f"{flag}: {text}"
    return text


#: Unit words that, written apart from their number ("500 mg"), become an extra argument.
_UNIT_WORDS = frozenset(
    {
        "mg",
        "g",
        "mcg",
        "µg",
        "ug",
        "mmol",
        "meq",
        "milligram",
        "milligrams",
        "gram",
        "grams",
        "microgram",
        "micrograms",
    }
)


def split_amount_hint(args: list[str]) -> str:
    """'500 mg' unquoted is two arguments: say to quote it or write 500mg."""
    for before, word in itertools.pairwise(args):
        if word.lower() in _UNIT_WORDS and re.fullmatch(r"[\d.,]+", before):
            return (
                f'; an amount and its unit are one argument: write "{literal(before)} {literal(word)}" '
                f"in quotes, or {literal(before)}{literal(word)}"
            )
    return ""


def prepare_streams() -> None:
    """Check the standard streams before any work.

    A closed stdout is an error (exit 4); closed descriptors are held open on
    /dev/null so that no file mgcalc opens takes their number (a closed stdin
    or stderr is still reported as closed: Python has set them to None); a
    stdout that cannot encode every character escapes what it cannot.
    """
    if sys.stdout is None:
        fail("standard output is closed: nowhere to write the result", ExitStatus.OUTPUT_FAILED)
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower()
    if encoding not in ("utf-8", "utf8") and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def pipe_closed() -> NoReturn:
    """stdout is a closed pipe (``mgcalc ... | head -1``): not an error. Stop quietly with exit 0."""
    drop_stdout()
    raise SystemExit(ExitStatus.OK)
