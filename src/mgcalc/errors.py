"""Errors that mean "bad input", and a helper to show user text literally."""

from __future__ import annotations

import unicodedata


class MgcalcError(ValueError):
    """Bad input: shown as one line on stderr, exit code 2.

    ``field`` names the input the error is about in domain terms (``amount``,
    ``meal_mg``, ``egfr``...); the command line maps it to the flag a person typed.
    """

    #: The exit status of the command line when this error ends a command.
    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Refused(MgcalcError):
    """Input that can be read more than one way (``1.000 mg``, ``2OO mg``, a footnote mark run into
    the amount) or that reads as no magnesium on a line naming it: mgcalc will not guess.

    Shown as one line naming the readings, exit code 1 (a line that could not be read).
    """

    exit_code = 1


def literal(text: object, limit: int = 200) -> str:
    """Return ``text`` safe to echo: control, format and bidi characters become escapes.

    Escape sequences such as ``\\x1b[2J`` are shown, never interpreted by the
    terminal; bytes that were not UTF-8 (surrogate escapes) show as ``\\xNN``;
    long text is cut to ``limit`` characters.
    """
    s = str(text)
    if len(s) > limit:
        s = s[:limit] + "..."
    if s.isascii() and s.isprintable():
        return s
    out = []
    for ch in s:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            code = ord(ch)
            if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogate escape): show the byte
                code -= 0xDC00
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
