"""--fields of parse and panel: which fields of a result to print."""

from __future__ import annotations

from typing import Any

from mgcalc.cli.output import json_ready
from mgcalc.core.fields import parse_fields


def chosen_fields(
    text: str | None, allowed: tuple[str, ...], always: tuple[str, ...] = ()
) -> tuple[str, ...] | None:
    """--fields: names checked against the result's fields (None: all)."""
    if text is None:
        return None
    return parse_fields(text, allowed, always)


def pick(result: Any, chosen: tuple[str, ...]) -> dict[str, Any]:
    """Only the ``chosen`` fields of a result, in that order, as JSON data."""
    data = json_ready(result)
    return {k: data[k] for k in dict.fromkeys(chosen) if k in data}
