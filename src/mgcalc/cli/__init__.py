"""The command line: a thin shell over the core (see mgcalc.cli.app)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    import os

    # mgcalc uses no pydantic plugins; looking for them scans every installed
    # package's entry points, a large share of start-up. Set before pydantic loads.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from mgcalc.cli.app import main as run

    run(argv)
