"""The command line: a thin shell over the core (see mgcalc.cli.app)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    from mgcalc.cli.app import main as run

    run(argv)
