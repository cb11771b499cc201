"""The terminal mgcalc writes to, decided once: streams, whether they are terminals, colour, width.

Tests inject an ``Environment`` (``use(env)``) to exercise the rich path
without a real terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from mgcalc.cli.views import View
from mgcalc.errors import literal


class Environment:
    """Where output goes and how it looks: the only place that asks the OS."""

    __slots__ = ("color", "environ", "stderr", "stderr_isatty", "stdout", "stdout_isatty", "width")

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdout_isatty: bool | None = None,
        stderr_isatty: bool | None = None,
        color: bool | None = None,
        width: int | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.environ = os.environ if environ is None else environ
        self.stdout_isatty = stdout_isatty
        self.stderr_isatty = stderr_isatty
        self.color = color
        self.width = width

    @property
    def out(self) -> TextIO:
        """Standard output (looked up late: CliRunner swaps sys.stdout)."""
        return self.stdout or sys.stdout

    @property
    def err(self) -> TextIO:
        """Standard error."""
        return self.stderr or sys.stderr

    def out_is_terminal(self) -> bool:
        """Whether stdout is a terminal."""
        if self.stdout_isatty is not None:
            return self.stdout_isatty
        try:
            return self.out.isatty()
        except (ValueError, OSError):
            return False

    def err_is_terminal(self) -> bool:
        """Whether stderr is a terminal."""
        if self.stderr_isatty is not None:
            return self.stderr_isatty
        try:
            return self.err.isatty()
        except (ValueError, OSError):
            return False

    def use_rich(self) -> bool:
        """Rich layout only on a terminal that is not dumb; plain aligned text otherwise."""
        return self.out_is_terminal() and self.environ.get("TERM") != "dumb"

    def use_color(self) -> bool:
        """Colour: --color always/never, else FORCE_COLOR / NO_COLOR, else on a terminal."""
        if self.color is not None:
            return self.color
        if self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR"):
            return True
        return self.use_rich()


_current = Environment()


def current() -> Environment:
    """The environment output goes to."""
    return _current


def use(env: Environment) -> Environment:
    """Make ``env`` the current environment; returns the previous one."""
    global _current
    previous, _current = _current, env
    return previous


def emit(view: View, env: Environment | None = None) -> None:
    """Write a view for people: rich on a terminal, aligned plain text otherwise."""
    e = env or current()
    if e.use_rich():
        _emit_rich(view, e)
    else:
        e.out.write(text_view(view))


def _footnotes(view: View) -> list[str]:
    return [f"[{n}] {s}" for n, s in enumerate(view.sources, start=1)]


def text_view(view: View) -> str:
    """A view as plain text, no escape codes: the golden-tested form."""
    lines = [literal(view.title, 10_000)]
    if view.fields:
        width = max(len(k) for k, _ in view.fields)
        lines += [f"  {k.ljust(width)}  {literal(val, 10_000)}" for k, val in view.fields]
    for block in view.blocks:  # charts drawn by mgcalc: no user text inside
        lines += ["", *block.splitlines()]
    for t in view.tables:
        lines += ["", literal(t.title, 10_000)]
        cells = [t.columns, *t.rows]
        widths = [max(len(literal(r[i], 10_000)) for r in cells) for i in range(len(t.columns))]
        for n, r in enumerate(cells):
            mark = "* " if t.highlight is not None and n - 1 == t.highlight else "  "
            lines.append(
                mark + "  ".join(literal(c, 10_000).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            )
    if view.notes:
        lines.append("")
        lines += [literal(n, 10_000) for n in view.notes]
    if view.cautions:
        lines.append("")
        lines += [f"{level.upper()}: {literal(text, 10_000)}" for level, text in view.cautions]
    if view.sources:
        lines += ["", "Sources:", *(literal(s, 10_000) for s in _footnotes(view))]
    return "\n".join(lines) + "\n"


def _emit_rich(view: View, env: Environment) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    def t(s: str, style: str = "") -> Text:
        return Text(literal(s, 10_000), style=style)

    width = env.width
    if width is None:
        try:
            width = int(env.environ.get("COLUMNS", "") or 0) or None
        except ValueError:
            width = None
    if width is not None and width < 40:
        width = 40  # never so narrow that nothing fits (COLUMNS=0)
    console = Console(
        file=env.out,
        markup=False,
        highlight=False,
        emoji=False,
        force_terminal=True,
        no_color=not env.use_color(),
        width=width,
    )
    console.print(t(view.title, "bold"))
    if view.fields:
        grid = RichTable.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        for k, val in view.fields:
            grid.add_row(t(k, "dim"), t(val))
        console.print(grid)
    for block in view.blocks:
        console.print(Text(block), overflow="ignore", crop=False)
    for tab in view.tables:
        rt = RichTable(title=t(tab.title), title_justify="left", show_lines=False)
        for n, c in enumerate(tab.columns):
            rt.add_column(t(c), no_wrap=n == 0, overflow="fold")
        for n, row in enumerate(tab.rows):
            rt.add_row(*(t(c) for c in row), style="bold cyan" if n == tab.highlight else None)
        console.print(rt)
    for note in view.notes:
        console.print(t(note, "italic"))
    styles = {"info": "blue", "caution": "bold yellow", "avoid": "bold red"}
    for level, text in view.cautions:
        line = Text(f"{level.upper()}: ", style=styles.get(level, ""))
        line.append(literal(text, 10_000))
        console.print(line)
    if view.sources:
        console.print(Text("Sources:", style="dim"))
        for s in _footnotes(view):
            console.print(t(s, "dim"))
