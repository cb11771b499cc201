"""``mgcalc parse``: read a label line, or every line on stdin."""

from __future__ import annotations

from typing import Annotated

import typer

from mgcalc.cli.batch_io import parse_stdin_lines
from mgcalc.cli.fields import chosen_fields, pick
from mgcalc.cli.options import CatalogueOpt, FieldsOpt, JsonOpt, command, mode, reference
from mgcalc.cli.output import ExitStatus, Mode, finish, is_utf8, to_json
from mgcalc.cli.terminal import current, emit
from mgcalc.cli.views import parse_view
from mgcalc.core.labels import parse_label
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.records import ParseError, ParseLine


@command(
    examples=[
        'mgcalc parse "Magnesium (as magnesium citrate) 200 mg 48% DV"',
        "mgcalc parse --json < label-lines.txt",
    ]
)
def parse(
    text: Annotated[
        str | None,
        typer.Argument(metavar="TEXT", help="A label line; omit it (or give -) to read lines from stdin."),
    ] = None,
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
    catalogue: CatalogueOpt = None,
) -> int:
    """Read a label line: elemental or compound weight and why, forms, elemental mg, the trap.

    With several lines on stdin, one result each; a line it cannot read is an
    error for that line (exit 1 at the end), never a guess.
    """

    chosen = chosen_fields(fields, tuple(ParseLine.model_fields), ("line",))
    m = mode(json_ or chosen is not None)
    ref = reference(catalogue)
    if text is not None and text != "-":
        r = parse_label(ref, text)
        return finish(r if chosen is None else pick(r, chosen), mode=m, view=lambda: parse_view(r))
    env = current()
    ascii_only = not is_utf8(env.out)
    failed = 0
    for n, line, problem in parse_stdin_lines(env):
        error = problem
        if not problem:
            try:
                r = parse_label(ref, line)
            except MgcalcError as e:
                error = str(e)
        if error:
            failed += 1
            if m is Mode.JSON:
                env.out.write(to_json(ParseError(line=n, text=line, error=error), ascii_only) + "\n")
            else:
                env.out.write(f"line {n}: error: {literal(error, 1000)}\n")
        elif m is Mode.JSON:
            result = ParseLine(line=n, **r.model_dump())
            shown = result if chosen is None else pick(result, ("line", *chosen))
            env.out.write(to_json(shown, ascii_only) + "\n")
        else:
            emit(parse_view(r, n), env)
    if failed:
        env.err.write(f"mgcalc: {failed:,} line(s) could not be read\n")
    return ExitStatus.RECORDS_FAILED if failed else ExitStatus.OK
