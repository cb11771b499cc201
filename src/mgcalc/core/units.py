"""Amounts and units: the one amount grammar of every command and of label text.

"500 mg", "0.5g", "1,000 mg", "0,5 g", "1.000,5 mg", "500000µg", "500 milligrams",
"7 Gram(s)", "4 mmol", "8 mEq", and any Unicode digits (Arabic-Indic, fullwidth). An amount
in mmol or mEq is an amount of magnesium (elemental); turning it into mg needs
the molar mass and charge of magnesium, which the catalogue's constants carry.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache, partial
from typing import NamedTuple

from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Constants

#: Largest amount accepted, in mg (1 kg): anything above is a typo, not a dose.
MAX_MG = 1_000_000.0
#: Smallest amount accepted, in mg (1 ng): below it arithmetic underflows, and no label says so little.
MIN_MG = 1e-6

#: Mass units accepted after a number, and their size in mg.
UNITS_MG: dict[str, float] = {
    "": 1.0,
    "mg": 1.0,
    "milligram": 1.0,
    "milligrams": 1.0,
    "g": 1000.0,
    "gram": 1000.0,
    "grams": 1000.0,
    "mcg": 0.001,
    "ug": 0.001,
    "µg": 0.001,  # micro sign U+00B5
    "μg": 0.001,  # Greek mu U+03BC
    "microgram": 0.001,
    "micrograms": 0.001,
}

#: Amount-of-substance units of magnesium: the factor turns the figure into mmol of Mg
#: (``None``: divide by the charge, 1 mEq of Mg2+ = 1/2 mmol).
MOLAR_UNITS: dict[str, float | None] = {
    "mmol": 1.0,
    "millimole": 1.0,
    "millimoles": 1.0,
    "millimol": 1.0,
    "meq": None,
    "milliequivalent": None,
    "milliequivalents": None,
}

#: Spellings folded onto the units above ("Gram(s)" as DSLD writes it, "gm").
_ALIASES = {
    "gram(s)": "grams",
    "milligram(s)": "milligrams",
    "microgram(s)": "micrograms",
    "gm": "g",
    "gms": "g",
    "mgs": "mg",
    "mcgs": "mcg",
    "mmol(s)": "mmol",
    "meq(s)": "meq",
    "m.eq": "meq",
    "m.eq.": "meq",
}

UNITS_TEXT = "mg, g, mcg, µg, mmol or mEq"

# A number as labels print it: thousands grouped by comma, dot, space or apostrophe
# ("1,000", "1 000", "1.000,5"), a decimal point or comma ("0,5"), an exponent ("5e2").
NUMBER = r"(?:\d{1,3}(?:[,. ']\d{3})+(?!\d)(?:[.,]\d+)?|\d+(?:[.,]\d+)?|[.,]\d+)(?:e[+-]?\d+)?"
UNIT = (
    r"(?:milligrams?|milligram\(s\)|micrograms?|microgram\(s\)|grams?|gram\(s\)|gms?|mgs?|mcgs?"
    r"|mg|mcg|µg|μg|ug|g|millimoles?|millimol|mmol|milliequivalents?|meq|m\.eq\.?)"
)


@cache
def amount_in_text() -> re.Pattern[str]:
    """An amount inside label text (normalised by ``normalise``): number, optional space, unit.

    Compiled on first use: ``mgcalc label 500`` never needs it (start-up time).
    """
    return re.compile(rf"(?<![\w.,])(?P<num>{NUMBER})\s*(?P<unit>{UNIT})(?![a-zµμ]|{_NOT_A_MARK})")


#: After a unit, a parenthesis that is not a footnote mark ("(1)", "(a)", "( )" once the marks
#: are spaces) belongs to the unit or a formula ("mg(oh)2"): the match is not an amount.
_NOT_A_MARK = r"\((?!\s*(?:\d{1,2}|[a-z])?\s*\))"


@cache
def _whole() -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<sign>[+-])?(?P<num>{NUMBER}|nan|inf(?:inity)?)\s*(?P<unit>[^\d\s+-]*)$", re.IGNORECASE
    )


class Amount(NamedTuple):
    """An amount read from text: the figure in mg, and whether it was given in mmol or mEq."""

    mg: float
    molar: bool
    text: str  # the amount as written ("4 mmol")


#: Amount(mg, molar, text) from a tuple, without NamedTuple's keyword handling.
_amount = partial(tuple.__new__, Amount)


#: Footnote marks, a space, never a digit or a letter of the text (NFKC would make
#: "oxide)\u00b9 250 mg" read "1 250 mg" and "\u2460 250 mg" read "1 250 mg"): superscript digits,
#: letters and parentheses (U+00B9, U+00B2, U+00B3, U+2070-U+207F but + - =, U+00AA, U+00BA, U+02B0-U+02B8,
#: U+1D2C-U+1D6A),
#: and numbers and letters in circles or parentheses or with a stop (U+2460-U+24FF, U+2776-U+2793,
#: U+3251-U+325F, U+32B1-U+32BF, U+1F100-U+1F10C).
_SUPERSCRIPTS = {
    ord(c): " "
    for c in (
        "\u00b9\u00b2\u00b3\u00aa\u00ba"
        + "\u2070\u2071\u2074\u2075\u2076\u2077\u2078\u2079\u207d\u207e\u207f"
        + "".join(map(chr, range(0x02B0, 0x02B9)))
        + "".join(map(chr, range(0x1D2C, 0x1D6B)))
        + "".join(map(chr, range(0x2460, 0x2500)))
        + "".join(map(chr, range(0x2776, 0x2794)))
        + "".join(map(chr, range(0x3251, 0x3260)))
        + "".join(map(chr, range(0x32B1, 0x32C0)))
        + "".join(map(chr, range(0x1F100, 0x1F10D)))
    )
}
#: An escape sequence a terminal shows as nothing (colour, cursor): "oxide\x1b[0m)". The patterns
#: here are strings, compiled by ``re`` on first use: most commands never need them (start-up).
_ESCAPE = r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])"
#: A format character (soft hyphen, zero-width, bidi control) inside a number: "1\u202e2 mg" shows
#: as "1gm 2" and would read 12 mg once the character is dropped.
_HIDDEN = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_HIDDEN_IN_NUMBER = rf"\d[.,' ]?[{_HIDDEN}]+[.,' ]?\d"


def hidden_in_number(text: str) -> str | None:
    """Why ``text`` cannot be read: a format character (bidi control, zero-width, soft hyphen) inside
    a number, which would join the digits on either side of it; None when there is none."""
    if text.isascii():
        return None
    m = re.search(_HIDDEN_IN_NUMBER, text)
    if m is None:
        return None
    ch = next(c for c in m.group(0) if not c.isdigit() and c not in ".,' ")
    return (
        f"the number '{literal(m.group(0))}' has an invisible character in it (U+{ord(ch):04X} "
        f"{unicodedata.name(ch, 'format character')}): mgcalc will not join the digits around it; "
        "retype the amount"
    )


def normalise(text: str) -> str:
    """Text as the readers see it: NFKC, every Unicode digit as ASCII, controls and odd
    spaces as plain spaces, lower case. Footnote marks (superscripts, circled numbers) are
    spaces; terminal escape sequences are dropped; format characters (soft hyphen, zero-width space and joiners, BOM) are dropped, as a
    reader does not see them."""
    if text.isascii() and text.isprintable():  # most text: NFKC leaves it as it is
        return text.casefold()
    if "\x1b" in text:
        text = re.sub(_ESCAPE, "", text)
    if not text.isascii():
        text = text.translate(_SUPERSCRIPTS)
    out = []
    hidden = False
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isascii():
            out.append(" " if ch in "\t\r\n\x0b\x0c" or not ch.isprintable() else ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif cat == "Cf":
            hidden = True
            continue
        elif cat[0] in "CZ":
            out.append(" ")
        else:
            out.append(ch)
    if hidden and (why := hidden_in_number(text)) is not None:
        raise MgcalcError(why)
    return "".join(out).casefold()


def drop_format(text: str) -> str:
    """``text`` without its format characters (soft hyphen, zero-width, bidi controls): for finding
    a panel's headings in a line whose number ``normalise`` refuses."""
    return re.sub(f"[{_HIDDEN}]", "", text)


#: "1.000": a point before three digits, with a whole part that is not 0. A thousands point (1,000,
#: as most of Europe prints it) and a decimal point (1.000) are both read somewhere: refused.
_POINT_GROUP = re.compile(r"^(?P<whole>[1-9]\d{0,2})\.(?P<frac>\d{3})$")


def ambiguous_number(raw: str) -> str | None:
    """Why a number in label text has two readings (``1.000``), or None.

    Label text only: an AMOUNT typed or written by a program ("1.125") has a decimal point."""
    m = _POINT_GROUP.match(raw)
    if m is None:
        return None
    grouped = int(m["whole"] + m["frac"])
    return (
        f"'{raw}' can be read as {grouped:,} (a thousands point) or as {float(raw):g} (a decimal point); "
        f"write {grouped:,} or {float(raw):g}"
    )


#: The number forms with one reading: groups of three after a first of one to three digits, one
#: separator for the groups and another for the decimals ("1,000.5", "1.000,5", "1 000,5").
_WELL_GROUPED = r"(?i)^(?:\d{1,3}(?:(?P<g>[,. '])\d{3})(?:(?P=g)\d{3})*(?:(?!(?P=g))[.,]\d+)?|\d+(?:[.,]\d+)?|[.,]\d+)(?:e[+-]?\d+)?$"


def badly_grouped(raw: str) -> str | None:
    """Why a number's separators give it no one reading ("1,000,5": a group of one digit, or
    "1.000.5"), or None."""
    if re.match(_WELL_GROUPED, raw):
        return None
    return f"'{raw}' mixes thousands groups and decimals with one separator: it has no one reading; retype the figure"


def _check_groups(raw: str) -> None:
    why = badly_grouped(raw)
    if why is not None:
        raise MgcalcError(f"cannot read the number {why}")


def read_number(raw: str) -> float:
    """A label number: thousands separators and decimal commas ("1,000", "1 000", "0,5", "1.000,5").

    Raises MgcalcError for a number whose separators give it no one reading ("1,000,5")."""
    s = raw.replace(" ", "").replace("'", "")
    if len(s) != len(raw):  # grouped by spaces or apostrophes
        _check_groups(raw)
    exp = ""
    if "e" in s:
        s, _, power = s.partition("e")
        exp = "e" + power
    if "," in s and "." in s:
        _check_groups(raw)
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if dec == "," else ",", "").replace(",", ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        _check_groups(raw)
        s = s.replace(",", "").replace(".", "")
    elif "," in s:
        whole, frac = s.split(",")
        s = s.replace(",", "") if len(frac) == 3 and whole not in ("0", "") else s.replace(",", ".")
    return float(s + exp)


def unit_key(unit: str) -> str | None:
    """The canonical unit for a spelling (case ignored), or None if it is not a unit mgcalc reads."""
    u = unit.strip().casefold().replace("μ", "µ")
    u = _ALIASES.get(u, u)
    if u in UNITS_MG:
        return u
    if u == "µg":
        return "µg"
    if u in MOLAR_UNITS:
        return "mmol" if MOLAR_UNITS[u] == 1.0 else "meq"
    return None


def to_mg(value: float, unit: str, constants: Constants | None, what: str = "amount") -> tuple[float, bool]:
    """``value`` in ``unit`` (a canonical unit) as mg of substance, and whether it was molar.

    mmol and mEq are of magnesium, so they convert with its molar mass (and charge).
    """
    if unit in UNITS_MG:
        return value * UNITS_MG[unit], False
    if constants is None:
        raise MgcalcError(
            f"{what} in {unit} needs the molar mass of magnesium: give it in mg", field=what.replace(" ", "_")
        )
    mmol = value if unit == "mmol" else value / constants.mg_charge.value
    return mmol * constants.mg_molar_mass.value, True


def check_mg(value: float, what: str = "amount") -> float:
    """Check that ``value`` mg is a usable amount: finite, above 0, at most MAX_MG."""
    if MIN_MG <= value <= MAX_MG:  # the usual case (NaN fails the comparison)
        return value
    field = what.replace(" ", "_")
    if math.isnan(value) or math.isinf(value):
        raise MgcalcError(f"{what} must be a finite number, not {value}", field=field)
    if value <= 0:
        raise MgcalcError(f"{what} must be greater than 0 mg, got {value:g}", field=field)
    if value < MIN_MG:
        raise MgcalcError(
            f"{what} {value:g} mg is below the smallest amount read, {MIN_MG:g} mg", field=field
        )
    if value > MAX_MG:
        raise MgcalcError(f"{what} {value:g} mg is over the limit of {MAX_MG:,.0f} mg (1 kg)", field=field)
    return value


def read_amount(text: str | float | int, what: str = "amount", constants: Constants | None = None) -> Amount:
    """Read a whole string as one amount (``500``, ``500 mg``, ``1,000mg``, ``0,5 g``, ``4 mmol``).

    Raises MgcalcError for garbage, unknown units, zero, negative, NaN,
    infinity or more than MAX_MG; an amount in mmol or mEq without ``constants``.
    """
    return _amount(amount_parts(text, what, constants))


def amount_parts(
    text: str | float | int, what: str = "amount", constants: Constants | None = None
) -> tuple[float, bool, str]:
    """``read_amount``'s (mg, molar, text) as a plain tuple (a batch reads one per record)."""
    if text.__class__ is str:  # the usual cases first (``int | float`` builds a union each call)
        raw = text
    elif text.__class__ is float or (isinstance(text, int | float) and not isinstance(text, bool)):
        return check_mg(float(text), what), False, f"{text:g}"
    else:
        raw = str(text)
    if raw.isascii() and raw.replace(".", "", 1).isdigit():  # the common plain number: no regex
        return check_mg(float(raw), what), False, raw
    field = what.replace(" ", "_")
    # a no-break, thin or other width of space (Zs) is a space, as ``normalise`` makes it in label
    # text ("500\u00a0mg"); any other character that does not print is refused
    if not (raw.isprintable() or all(c.isprintable() or unicodedata.category(c) == "Zs" for c in raw)):
        m = None
    else:
        m = _whole().match(raw.strip().lower() if raw.isascii() else normalise(raw).strip())
    if m is None:
        raise MgcalcError(
            f"cannot read {what} '{literal(raw)}': expected a number with an optional unit "
            f"({UNITS_TEXT}), e.g. 500, 500mg, 0.5 g, 1,000 mg, 4 mmol",
            field=field,
        )
    unit = unit_key(m["unit"]) if m["unit"] else ""
    if unit is None:
        raise MgcalcError(
            f"unknown unit '{literal(m['unit'])}' in {what} '{literal(raw)}': use {UNITS_TEXT}", field=field
        )
    num = m["num"]
    try:
        value = float(num) if num.isalpha() or num.startswith("inf") else read_number(num)
    except MgcalcError:  # separators with no one reading ("1,000,5")
        raise MgcalcError(f"cannot read {what} '{literal(raw)}': {badly_grouped(num)}", field=field) from None
    if m["sign"] == "-":
        value = -value
    mg, molar = to_mg(value, unit, constants, what)
    return check_mg(mg, what), molar, raw.strip()


def parse_amount(text: str | float | int, what: str = "amount", constants: Constants | None = None) -> float:
    """An amount such as ``500``, ``500 mg``, ``0.5g``, ``1,000 mg`` or ``500000µg`` in mg.

    mmol and mEq (of magnesium) need ``constants`` (the catalogue's). Raises
    MgcalcError for garbage, unknown units, zero, negative, NaN, infinity or
    more than MAX_MG.
    """
    return read_amount(text, what, constants).mg
