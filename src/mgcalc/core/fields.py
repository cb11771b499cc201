"""``--fields a,b,c``: the field names a record is cut to (``batch``, ``parse``, ``panel``).

A module of its own so that ``parse`` and ``panel`` check their ``--fields`` without loading
the batch modules (their record models and writers).
"""

from __future__ import annotations

import difflib

from mgcalc.errors import MgcalcError, literal


def parse_fields(
    text: str, allowed: tuple[str, ...], always: tuple[str, ...] = ("line", "id")
) -> tuple[str, ...]:
    """The field names of ``text``, checked against ``allowed``, once each; ``always`` (written
    first whatever the list says) dropped from it."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise MgcalcError(
            "--fields needs at least one field name, e.g. --fields form,elemental_mg", field="fields"
        )
    for n in names:
        if n not in allowed:
            close = difflib.get_close_matches(n, allowed, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise MgcalcError(
                f"unknown field '{literal(n, 60)}'{hint} (the fields: docs/guide/batch.md, or -h)",
                field="fields",
            )
    return tuple(dict.fromkeys(n for n in names if n not in always))
