"""The terminal mgcalc writes to, decided once: streams, whether they are terminals, colour, width;
and the layout of a view for people.

Off a terminal a view is plain aligned text, one line per item, no escape
codes (the golden-tested form). On a terminal it is laid out to the width:
prose wraps at spaces, tables wrap their prose columns, then hide their
optional columns, then stack each row under its id; ids and figures are never
cut. Colour (ANSI) only when ``use_color``. Output taller than the terminal
goes through a pager (see ``Environment.pager``), never when piped. Tests inject an ``Environment``
(``use(env)``) to exercise the terminal path without a real terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import BinaryIO, TextIO

from mgcalc.cli.views import Table, View
from mgcalc.errors import MgcalcError, literal

#: Narrowest layout: below it lines may overflow rather than become unreadable.
MIN_WIDTH = 30
#: How footnotes are printed: short citations (default), full citations (--sources), none (--brief).
SOURCES = ("short", "full", "none")
#: Longest short citation, in characters.
SHORT_CITE = 72


class _Discard:
    """Where stderr goes when it is closed: nothing to report to."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class Environment:
    """Where output goes and how it looks: the only place that asks the OS."""

    __slots__ = (
        "color",
        "environ",
        "footnote_flags",
        "paging",
        "sources",
        "stderr",
        "stderr_isatty",
        "stdout",
        "stdout_isatty",
        "width",
    )

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdout_isatty: bool | None = None,
        stderr_isatty: bool | None = None,
        color: bool | None = None,
        width: int | None = None,
        environ: Mapping[str, str] | None = None,
        sources: str = "short",
        paging: bool = True,
        footnote_flags: bool = False,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.environ = os.environ if environ is None else environ
        self.stdout_isatty = stdout_isatty
        self.stderr_isatty = stderr_isatty
        self.color = color
        self.width = width
        self.sources = sources
        #: False with --no-pager.
        self.paging = paging
        #: Whether the command accepts --sources and --brief (its footnotes then name them).
        self.footnote_flags = footnote_flags

    @property
    def out(self) -> TextIO:
        """Standard output (looked up late: CliRunner swaps sys.stdout)."""
        return self.stdout or sys.stdout

    @property
    def err(self) -> TextIO:
        """Standard error (a sink that drops everything when stderr is closed)."""
        return self.stderr or sys.stderr or _Discard()  # type: ignore[return-value]

    def out_is_terminal(self) -> bool:
        """Whether stdout is a terminal."""
        if self.stdout_isatty is not None:
            return self.stdout_isatty
        try:
            return self.out.isatty()
        except (ValueError, OSError, AttributeError):
            return False

    def err_is_terminal(self) -> bool:
        """Whether stderr is a terminal."""
        if self.stderr_isatty is not None:
            return self.stderr_isatty
        try:
            return self.err.isatty()
        except (ValueError, OSError, AttributeError):
            return False

    def use_color(self) -> bool:
        """Colour: --color always/never; else NO_COLOR (off), FORCE_COLOR (on); else on a terminal
        that is not dumb."""
        if self.color is not None:
            return self.color
        if self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR", "") not in ("", "0", "false"):
            return True
        return self.out_is_terminal() and self.environ.get("TERM") != "dumb"

    def columns(self) -> int:
        """The terminal's width: the injected one, else $COLUMNS (when a positive number), else
        the terminal's own size, else 80; never below MIN_WIDTH."""
        width = self.width
        if width is None:
            try:
                width = int(self.environ.get("COLUMNS", "") or 0) or None
            except ValueError:
                width = None
        if width is None or width <= 0:
            try:
                width = os.get_terminal_size(self.out.fileno()).columns or 80
            except (OSError, ValueError, AttributeError):
                width = 80
        return max(width, MIN_WIDTH)

    def rows(self) -> int | None:
        """The terminal's height: $LINES (when a positive number), else the terminal's own size."""
        try:
            lines = int(self.environ.get("LINES", "") or 0)
        except ValueError:
            lines = 0
        if lines > 0:
            return lines
        try:
            return os.get_terminal_size(self.out.fileno()).lines or None
        except (OSError, ValueError, AttributeError):
            return None

    def pager(self) -> str | None:
        """The pager command, as git and gh choose it: $MGCALC_PAGER, else $PAGER, else ``less -FRX``
        when less is installed; None when there is none (set to empty or ``cat``: no pager)."""
        for name in ("MGCALC_PAGER", "PAGER"):
            if name in self.environ:
                command = self.environ[name].strip()
                return None if command in ("", "cat") else command
        import shutil

        return "less -FRX" if shutil.which("less") else None

    def real_terminal_out(self) -> bool:
        """Whether stdout is a real terminal file descriptor (not an injected stream)."""
        try:
            return os.isatty(self.out.fileno())
        except (OSError, ValueError, AttributeError):
            return False


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
    """Write a view for people: laid out to the width on a terminal, coloured when ``use_color``;
    through the pager when it is taller than the terminal (see ``page``)."""
    e = env or current()
    width = e.columns() if e.out_is_terminal() else None
    text = render(layout(view, width, e.sources, hint=e.footnote_flags), color=e.use_color())
    if width is None or not page(text, e):
        e.out.write(text)


def page(text: str, e: Environment) -> bool:
    """Show ``text`` through the pager when stdout is a terminal, paging is on (no --no-pager) and
    the text is taller than the terminal; whether it did. The pager reads the text on its stdin
    and writes to the terminal; a pager that cannot start leaves the text to be written as usual."""
    if not e.paging or not e.real_terminal_out():
        return False
    rows = e.rows()
    if rows is None or text.count("\n") < rows:
        return False
    command = e.pager()
    if command is None:
        return False
    import subprocess

    environ = dict(e.environ)
    environ.setdefault("LESS", "FRX")  # as git: quit if one screen, keep colour, leave the screen as is
    environ.setdefault("LV", "-c")
    e.out.flush()
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=environ)
    except OSError:
        return False
    assert proc.stdin is not None
    encoding = getattr(e.out, "encoding", None) or "utf-8"
    try:
        proc.stdin.write(text.encode(encoding, "replace"))
        proc.stdin.close()
    except (BrokenPipeError, OSError):  # the reader quit before the end: nothing more to show
        pass
    while True:
        try:
            proc.wait()
            return True
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (as in git); wait for it to end
            continue


def text_view(view: View, sources: str = "short", width: int | None = None) -> str:
    """A view as plain text, no escape codes (``width`` None: one line per item, as off a terminal)."""
    return render(layout(view, width, sources), color=False)


# ---------------------------------------------------------------- layout

#: A run of text and its style name (see ANSI); a line is a list of runs.
Seg = tuple[str, str]
Line = list[Seg]

#: SGR codes of each style.
ANSI = {
    "title": "1",
    "key": "2",
    "head": "1",
    "hi": "1;36",
    "note": "3",
    "dim": "2",
    "info": "1;34",
    "caution": "1;33",
    "avoid": "1;31",
}


def render(lines: list[Line], *, color: bool) -> str:
    """Lines of styled runs as text, with ANSI colour or without any escape code; no trailing spaces."""
    out = []
    for line in lines:
        runs = list(line)
        while runs and not runs[-1][0].rstrip():
            runs.pop()
        if runs:
            runs[-1] = (runs[-1][0].rstrip(), runs[-1][1])
        if color:
            out.append("".join(f"\x1b[{ANSI[s]}m{t}\x1b[0m" if s in ANSI and t else t for t, s in runs))
        else:
            out.append("".join(t for t, _ in runs))
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int | None, indent: int = 0, first: int = 0) -> list[str]:
    """Text wrapped at spaces to ``width`` (None: one line); words are never split.

    ``first`` is how much of the first line is already taken; following lines
    start after ``indent`` spaces (not included in the result).
    """
    if width is None or first + len(text) <= width:
        return [text]
    import re
    import textwrap

    glued = re.sub(_FIGURE, "\\1" + _GLUE, text)  # "2 h", "80.8 mg" stay on one line
    avail = max(width - indent, 10)
    lines = textwrap.wrap(glued, max(width - first, 10), break_long_words=False, break_on_hyphens=False)
    if len(lines) > 1:
        rest = textwrap.wrap(" ".join(lines[1:]), avail, break_long_words=False, break_on_hyphens=False)
        lines = [lines[0], *rest]
    return [line.replace(_GLUE, " ") for line in lines] or [""]


#: A figure and its unit, kept together when prose wraps (joined by _GLUE meanwhile).
_FIGURE = r"(\d) (?=(?:h|mg|g|mcg|µg|mmol|mEq|mL|kg|%|years?|doses?|tablets?)\b)"
_GLUE = "\ue001"


def _prose(
    text: str, style: str, width: int | None, indent: int = 0, lead: str = "", lead_style: str = ""
) -> list[Line]:
    """A paragraph: ``lead`` (a label) then ``text`` wrapped with a hanging indent."""
    parts = _wrap(text, width, indent, len(lead))
    lines: list[Line] = [[(lead, lead_style), (parts[0], style)] if lead else [(parts[0], style)]]
    lines += [[(" " * indent + p, style)] for p in parts[1:]]
    return lines


def layout(view: View, width: int | None, sources: str = "short", hint: bool = True) -> list[Line]:
    """A view as styled lines, fitted to ``width`` (None: no limit); ``hint``: end short citations
    with the flags that change them (only for commands that accept --sources and --brief)."""
    if width is not None:
        width = max(width, MIN_WIDTH)
    lines: list[Line] = _prose(literal(view.title, 10_000), "title", width, 2)
    if view.fields:
        kw = max(len(k) for k, _ in view.fields)
        narrow = width is not None and width - (kw + 4) < 24
        for k, val in view.fields:
            text = literal(val, 10_000)
            if narrow:
                lines.append([("  " + k, "key")])
                lines += _prose(text, "", width, 4, "    ")
            else:
                lines += _prose(text, "", width, kw + 4, f"  {k.ljust(kw)}  ", "key")
    for block in view.blocks:  # charts drawn by mgcalc: no user text inside
        drawn = block(width) if callable(block) else block
        lines.append([])
        lines += [[(row, "")] for row in drawn.splitlines()]
    for t in view.tables:
        lines.append([])
        lines += _prose(literal(t.title, 10_000), "", width, 2)
        lines += _table(t, width)
    if view.notes:
        lines.append([])
        for note in view.notes:
            lines += _prose(literal(note, 10_000), "note", width, 2)
    marks = sources != "none"
    if view.cautions:
        lines.append([])
        for level, message, mark in view.cautions:
            body = literal(message, 10_000) + (f" [{mark}]" if marks else "")
            lines += _prose(body, "", width, 2, f"{level.upper()}: ", level)
    if view.sources and marks:
        lines += [[], [("Sources:", "dim")]]
        for n, cite in enumerate(view.sources, start=1):
            lead = f"[{n}] "
            text = literal(cite, 10_000)
            if sources == "short":
                limit = SHORT_CITE if width is None else min(SHORT_CITE, width - len(lead))
                text = _short(text, limit)
            lines += _prose(text, "dim", width, len(lead), lead, "dim")
        if sources == "short" and hint:
            lines.append([("(full citations: --sources; none: --brief)", "dim")])
    return lines


def _short(text: str, limit: int) -> str:
    """A citation cut at a word boundary to at most ``limit`` characters, marked with '...'."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 3, 10)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.(") + "..."


def _cells(t: Table) -> list[list[str]]:
    return [[literal(c, 10_000) for c in row] for row in [t.columns, *t.rows]]


def _table(t: Table, width: int | None) -> list[Line]:
    """A table's lines: aligned columns; on a narrow terminal wrapped, then thinned, then stacked."""
    cells = _cells(t)
    ncol = len(t.columns)
    shown = list(range(ncol))
    natural = [max(len(r[i]) for r in cells) for i in range(ncol)]

    def total(widths: dict[int, int]) -> int:
        return 2 + sum(widths[i] for i in shown) + 2 * (len(shown) - 1)

    widths = dict(enumerate(natural))
    if width is None or total(widths) <= width:
        return _aligned(t, cells, shown, widths, wrap_head=False)
    # 1. headers over several lines (a column then needs only its longest header word), widest first
    narrowest = {}
    for i in range(ncol):
        longest = max([len(r[i]) for r in cells[1:]] or [0])
        narrowest[i] = max(longest, max((len(w) for w in cells[0][i].split()), default=0))
    for i in sorted(range(ncol), key=lambda i: narrowest[i] - widths[i]):
        if total(widths) <= width:
            break
        widths[i] = narrowest[i]
    # 2. prose columns wrap at spaces, down to their longest word (at least 12)
    for i in t.wrap:
        if total(widths) <= width:
            break
        floor = max(12, max((len(w) for r in cells for w in r[i].split()), default=0))
        widths[i] = max(floor, widths[i] - (total(widths) - width))
    # 3. hide optional columns, least needed first
    hidden = []
    for i in t.optional:
        if total(widths) <= width:
            break
        shown.remove(i)
        hidden.append(t.columns[i])
    if total(widths) <= width:
        # give the room left back to the columns squeezed in steps 1 and 2
        for i in shown:
            spare = width - total(widths)
            if spare > 0 and widths[i] < natural[i]:
                widths[i] = min(natural[i], widths[i] + spare)
        lines = _aligned(t, cells, shown, widths, wrap_head=True)
        if hidden:
            lines += _prose(f"(not shown at this width: {', '.join(hidden)}; see --json)", "dim", width, 1)
        return lines
    # 4. one block per row: the id, then each column's header and value
    return _stacked(t, cells, width)


def _aligned(
    t: Table, cells: list[list[str]], shown: list[int], widths: dict[int, int], wrap_head: bool
) -> list[Line]:
    import textwrap

    out: list[Line] = []
    for n, row in enumerate(cells):
        header = n == 0
        parts: list[list[str]] = []
        for i in shown:
            text = row[i]
            if len(text) > widths[i] and i != 0 and (i in t.wrap or (header and wrap_head)):
                parts.append(textwrap.wrap(text, widths[i], break_long_words=False, break_on_hyphens=False))
            else:
                parts.append([text])
        height = max(len(p) for p in parts)
        hi = t.highlight is not None and n - 1 == t.highlight
        style = "head" if header else "hi" if hi else ""
        for k in range(height):
            mark = "* " if hi and k == 0 else "  "
            text = "  ".join(
                (p[k] if k < len(p) else "").ljust(widths[i]) for p, i in zip(parts, shown, strict=True)
            )
            out.append([(mark, style), (text, style)])
    return out


def _stacked(t: Table, cells: list[list[str]], width: int) -> list[Line]:
    out: list[Line] = []
    heads = cells[0]
    kw = max(len(h) for h in heads[1:]) if len(heads) > 1 else 0
    for n, row in enumerate(cells[1:]):
        hi = t.highlight is not None and n == t.highlight
        out.append([("* " if hi else "  ", "hi" if hi else ""), (row[0], "hi" if hi else "head")])
        for h, v in zip(heads[1:], row[1:], strict=True):
            out += _prose(v, "", width, kw + 6, f"    {h.ljust(kw)}  ", "key")
    return out


def stdin_binary(env: Environment, hint: str) -> BinaryIO:
    """Standard input as bytes; a one-line error when it is closed, a hint when it is a terminal."""
    stdin = sys.stdin
    try:
        if stdin is None:
            raise ValueError
        buffer: BinaryIO = stdin.buffer
        is_tty = stdin.isatty()
    except (AttributeError, ValueError, OSError):
        raise MgcalcError("standard input is closed: give a file, or pipe the records in") from None
    if is_tty:
        env.err.write(hint)
        env.err.flush()
    return buffer
