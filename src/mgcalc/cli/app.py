"""The mgcalc app: the root group, which finds a command in ``mgcalc.cli.commands`` when it runs,
and ``main``, which runs it and turns what goes wrong into one line and an exit code."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

from mgcalc import __version__
from mgcalc.cli import exits
from mgcalc.cli.commands import BUILDER, COMMANDS, HELP_NAMES, module_of
from mgcalc.cli.status import ExitStatus
from mgcalc.errors import MgcalcError

HELP = (
    "Magnesium supplement calculator: elemental magnesium from label weights, "
    "with the salt or hydrate used and its sources. Absorbed figures are estimates "
    "for a healthy adult (Fine et al., J Clin Invest 1991;88:396, scaled by form)."
)
EXIT_CODES = textwrap.fill(
    "Exit codes: " + ", ".join(f"{s.value} {s.summary}" for s in ExitStatus) + ".",
    width=72,
    break_on_hyphens=False,
)
EPILOG = f"""\b
Examples:
  mgcalc label 500 --form citrate
  mgcalc label 500 --form citrate --drug levothyroxine --age 70
  mgcalc dose 300 --form glycinate --tablet 1000
  mgcalc batch labels.csv > results.ndjson
  mgcalc COMMAND --help

\b
{EXIT_CODES}
Completion (bash): eval "$(_MGCALC_COMPLETE=source_bash mgcalc)"
(zsh: source_zsh, fish: source_fish; see docs/output.md).

\b
Docs: README.md and docs/ in the mgcalc repository (every option: docs/reference.md)."""

#: Each command's page in the repository's docs/ (the last line of its -h; docs/reference.md).
DOCS_PAGES = {name: entry.docs for name, entry in COMMANDS.items()}

#: Environment variable that asks for shell completion (typer's protocol).
COMPLETE_ENV = "_MGCALC_COMPLETE"


def build(name: str) -> typer.core.TyperCommand:
    """Command ``name`` as a click command: its module imported, its signature read."""
    func, options = getattr(getattr(importlib.import_module(module_of(name)), name), BUILDER)()
    return typer.main.get_command_from_info(  # type: ignore[return-value]
        CommandInfo(name=name, callback=func, **options),
        pretty_exceptions_short=True,
        rich_markup_mode=None,
    )


class _Commands(Mapping[str, Any]):
    """The commands by name, each built on first use (``mgcalc label`` builds only ``label``)."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._built:
            self._built[name] = build(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class Root(TyperGroup):
    """The ``mgcalc`` group: lists its commands from the static table, builds the one that runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands()  # type: ignore[assignment]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])


def _version(value: bool) -> None:
    if value:
        print(f"mgcalc {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", is_eager=True, callback=_version, help="Print the version and exit."),
    ] = False,
) -> None:
    """Magnesium supplement calculator."""


#: The whole app (``typer.main.get_command(app)`` is the root group).
app = typer.Typer(
    name="mgcalc",
    cls=Root,
    help=HELP,
    epilog=EPILOG,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP_NAMES,
)
app.callback()(_root)


def main(argv: list[str] | None = None) -> None:
    """Run mgcalc with ``argv`` (default ``sys.argv[1:]``); always ends in ``SystemExit(status)``.

    Bad input becomes one line on stderr and its exit code (ExitStatus); a closed pipe on
    stdout exits 0 quietly.
    """
    args = sys.argv[1:] if argv is None else argv
    exits.prepare_streams()
    completing = bool(os.environ.get(COMPLETE_ENV))
    try:
        rc = app(args=args if args or completing else ["--help"], prog_name="mgcalc", standalone_mode=False)
        sys.stdout.flush()
    except MgcalcError as e:
        exits.fail(exits.message(e), e.exit_code)
    except typer.TyperException as e:  # click usage errors (vendored click)
        text = e.format_message() if hasattr(e, "format_message") else str(e)
        if "unexpected extra argument" in text:
            text += exits.split_amount_hint(args)
        exits.fail(text, getattr(e, "exit_code", 2) or 2)
    except typer.Abort:
        exits.fail("aborted", ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        exits.pipe_closed()  # piped into head: not an error
    except KeyboardInterrupt:
        raise SystemExit(ExitStatus.INTERRUPTED) from None
    except OSError as e:
        exits.fail(f"cannot write the output: {e.strerror or e}", ExitStatus.OUTPUT_FAILED)
    except Exception as e:  # a bug: still one line, never a traceback
        exits.fail(f"internal error ({type(e).__name__}): {e}; please report it", ExitStatus.INTERNAL)
    raise SystemExit(rc if isinstance(rc, int) else 0)
