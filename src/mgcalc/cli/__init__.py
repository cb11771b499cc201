"""The command line: a thin shell over the core.

``main`` is the console entry point; ``mgcalc.cli.app`` assembles the commands of
``mgcalc.cli.commands``; ``mgcalc.cli.process`` is all mgcalc does to the process
(docs/architecture.md draws the layers).
"""

from mgcalc.cli import process
from mgcalc.cli.process import interrupted

__all__ = ["interrupted", "main"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``argv`` None: the console script, ``sys.argv[1:]``).

    Always ends in ``SystemExit`` with the exit status (mgcalc.cli.output.ExitStatus); the
    console script alone runs inside the process layer (mgcalc.cli.process), which may end the
    process without the interpreter's teardown.
    """
    try:
        process.run(argv)
    except KeyboardInterrupt:  # Ctrl-C as the process layer is entered, before its own catch
        if argv is not None:
            raise
        interrupted()
