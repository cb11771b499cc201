"""The one output path: JSON, --plain or the human view, always with the cautions; --fail-on; exit status.

``ExitStatus`` (defined in ``mgcalc.cli.status``) is importable from here too.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

from pydantic import BaseModel

from mgcalc.cli.status import ExitStatus
from mgcalc.cli.terminal import Environment, current, emit
from mgcalc.cli.views import View
from mgcalc.errors import literal
from mgcalc.numbers import json_float
from mgcalc.numbers import plain as plain_number
from mgcalc.schema.data import severity
from mgcalc.schema.results import Caution

__all__ = ["ExitStatus", "FailOn", "Mode", "finish", "json_ready", "to_json"]


class Mode:
    """How a result is printed: one of these constants (compared with ``is``; a plain class, as
    an Enum class costs start-up time)."""

    HUMAN: Final = "human"
    PLAIN: Final = "plain"
    JSON: Final = "json"


class FailOn(enum.StrEnum):
    """--fail-on: the caution level that makes the exit status 3."""

    caution = "caution"
    avoid = "avoid"


def json_ready(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> Any:
    """Plain JSON data for a model, models or dict: floats to ``JSON_DIGITS`` significant digits
    (no binary noise), NaN and infinities as null.

    A model becomes its fields in declaration order, as ``model_dump(mode="json")``
    would give them, without building pydantic's serializer (a share of
    start-up): mgcalc's result models hold only JSON-ready values and other
    models. Anything else is handed to pydantic.
    """
    return _plain(obj)


def _plain(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | bool | int):
        return obj
    if isinstance(obj, float):
        return json_float(obj) if math.isfinite(obj) else None
    if isinstance(obj, BaseModel):
        values = obj.__dict__
        fields = type(obj).model_fields
        if obj.__pydantic_extra__ or any(name not in values for name in fields):
            return _plain(obj.model_dump(mode="json"))
        return {(f.alias or name): _plain(values[name]) for name, f in fields.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    from pydantic_core import to_jsonable_python

    return _plain(to_jsonable_python(obj))


#: Characters JSON output never carries raw, even where JSON allows them: DEL, C1 controls,
#: bidirectional controls, line/paragraph separators and lone surrogates (written as \\uNNNN).
_JSON_UNSAFE = "[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"  # compiled on first use


def _u_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m[0]):04x}"


def json_safe(text: str) -> str:
    """JSON text with the characters a terminal could act on written as \\u escapes (same data)."""
    return text if text.isascii() and "\x7f" not in text else re.sub(_JSON_UNSAFE, _u_escape, text)


def json_bytes_safe(data: bytes, ascii_only: bool = False) -> bytes:
    """UTF-8 JSON bytes made safe like ``json_safe``; ``ascii_only`` escapes every non-ASCII character."""
    text = json_safe(data.decode("utf-8", "surrogatepass"))
    if ascii_only:
        text = re.sub("[^\x00-\x7f]", _ascii_escape, text)
    return text.encode("utf-8", "surrogatepass")


def _ascii_escape(m: re.Match[str]) -> str:
    code = ord(m[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def is_utf8(stream: Any) -> bool:
    """Whether a text stream encodes UTF-8 (else output is escaped to what it can encode)."""
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name == "utf-8"
    except LookupError:
        return False


def to_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any], ascii_only: bool = False) -> str:
    """One JSON document: never NaN or Infinity; non-ASCII kept (unless ``ascii_only``), but C1,
    bidirectional and separator characters escaped."""
    text = json.dumps(json_ready(obj), ensure_ascii=ascii_only, allow_nan=False)
    return json_safe(text)


def at_or_above(cautions: list[Caution], fail_on: FailOn | None) -> bool:
    """Whether any caution reaches the --fail-on level."""
    if fail_on is None:
        return False
    limit = severity(fail_on.value)
    return any(severity(c.level) >= limit for c in cautions)


def finish(
    result: BaseModel | Sequence[BaseModel] | dict[str, Any],
    *,
    mode: str,
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
        e.out.write(to_json(result, ascii_only=not is_utf8(e.out)) + "\n")
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
