"""The one output path: JSON, --plain or the human view, always with the cautions; --fail-on; exit status."""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from mgcalc.cli.terminal import Environment, current, emit
from mgcalc.cli.views import View
from mgcalc.errors import literal
from mgcalc.numbers import plain as plain_number
from mgcalc.schema.data import severity
from mgcalc.schema.results import Caution


class ExitStatus(enum.IntEnum):
    """mgcalc's exit codes (documented in the README)."""

    OK = 0
    RECORDS_FAILED = 1
    BAD_INPUT = 2
    CAUTION = 3
    OUTPUT_FAILED = 4
    INTERNAL = 70
    INTERRUPTED = 130


class Mode(enum.Enum):
    """How a result is printed."""

    HUMAN = "human"
    PLAIN = "plain"
    JSON = "json"


class FailOn(enum.StrEnum):
    """--fail-on: the caution level that makes the exit status 3."""

    caution = "caution"
    avoid = "avoid"


def _finite(obj: Any) -> Any:
    """JSON data with NaN/Infinity replaced by null (never emitted as non-JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def json_ready(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> Any:
    """Plain JSON data for a model, models or dict (floats exact, shortest repr)."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return obj
    return [o.model_dump(mode="json") for o in obj]


def to_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> str:
    """One JSON document; non-ASCII kept, but controls, bidi and C1 characters escaped."""
    text = json.dumps(_finite(json_ready(obj)), ensure_ascii=False, allow_nan=False)
    if text.isascii():
        return text
    return "".join(
        f"\\u{ord(ch):04x}" if (0x80 <= ord(ch) < 0xA0 or ch in _BIDI or ch in "\u2028\u2029") else ch
        for ch in text
    )


_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def at_or_above(cautions: list[Caution], fail_on: FailOn | None) -> bool:
    """Whether any caution reaches the --fail-on level."""
    if fail_on is None:
        return False
    limit = severity(fail_on.value)
    return any(severity(c.level) >= limit for c in cautions)


def finish(
    result: BaseModel | Sequence[BaseModel] | dict[str, Any],
    *,
    mode: Mode,
    view: Callable[[], View],
    plain: Callable[[], float] | None = None,
    cautions: list[Caution] | None = None,
    fail_on: FailOn | None = None,
    env: Environment | None = None,
    note: Callable[[], str | None] | None = None,
) -> ExitStatus:
    """Print ``result`` once, in ``mode``, with its cautions; apply --fail-on; return the exit status.

    Human views always get the cautions appended here (a view cannot drop
    them); ``--plain`` prints the bare number on stdout and, when a caution at
    caution level or above applies, a one-line note on stderr; ``note`` (what
    the bare number assumed, such as the salt read) goes to stderr too.
    """
    e = env or current()
    found = cautions or []
    if mode is Mode.JSON:
        e.out.write(to_json(result) + "\n")
    elif mode is Mode.PLAIN:
        if plain is None:
            raise ValueError("this command has no --plain number")
        e.out.write(plain_number(plain()) + "\n")
        said = note() if note is not None else None
        if said:
            e.err.write(f"mgcalc: {said}\n")
        serious = [c for c in found if severity(c.level) >= 1]
        if serious:
            worst = max(serious, key=lambda c: severity(c.level))
            more = f" (and {len(serious) - 1} more)" if len(serious) > 1 else ""
            e.err.write(
                f"mgcalc: {worst.level.upper()}: {literal(worst.message.rstrip('.'), 300)}{more}; "
                "run without --plain for details\n"
            )
    else:
        emit(view().add_cautions(found), e)
    return ExitStatus.CAUTION if at_or_above(found, fail_on) else ExitStatus.OK
