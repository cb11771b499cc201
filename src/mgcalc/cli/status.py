"""mgcalc's exit codes, defined once (imports nothing: ``mgcalc --version`` and ``--help`` read it)."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """mgcalc's exit codes: their one definition (``mgcalc --help`` lists them from here;
    docs/exit-codes.md explains each, held to this list by tests/test_cli_exit_codes.py)."""

    OK = 0
    RECORDS_FAILED = 1
    BAD_INPUT = 2
    CAUTION = 3
    OUTPUT_FAILED = 4
    INTERNAL = 70
    INTERRUPTED = 130

    @property
    def summary(self) -> str:
        """A few words for the list in ``mgcalc --help``."""
        return _SUMMARIES[self]


_SUMMARIES = {
    ExitStatus.OK: "ok",
    ExitStatus.RECORDS_FAILED: "records failed",
    ExitStatus.BAD_INPUT: "bad input",
    ExitStatus.CAUTION: "--fail-on triggered",
    ExitStatus.OUTPUT_FAILED: "output failed",
    ExitStatus.INTERNAL: "internal error",
    ExitStatus.INTERRUPTED: "interrupted",
}
