"""Reading a label line: is the figure elemental or compound weight, which forms, how much magnesium.

Pure: ``parse_label`` turns one line of label text into a ParseResult, or
raises MgcalcError when it cannot read the line. It never guesses: where the
split between forms, the salt of a bare family name or the basis cannot be
told, it gives a range and says so.

What it reads, as real labels print it (NIH DSLD): "as"/"from" clauses, nested
parentheses ("(as Magnesium Ascorbate (reacted from ...))"), brand and process
words ("Albion", "TRAACS", "chelate"), abbreviations ("Mag."), two amounts on
one line (a compound weight and an elemental claim, cross-checked), excipients
("Vegetable Stearate", "Talc"), magnesium salts named with no amount (present,
amount not stated), other nutrients given as a magnesium salt ("Vitamin C (as
Magnesium Ascorbate)"), a %DV read against the DV of its target group, and
amounts in mmol or mEq of magnesium.
"""

from __future__ import annotations

import re
from typing import Any, Literal, NamedTuple

from mgcalc.core.intake import reference
from mgcalc.core.stoichiometry import pct_span, same_salt, spread
from mgcalc.core.units import (
    MAX_MG,
    NUMBER,
    UNIT,
    ambiguous_number,
    amount_in_text,
    badly_grouped,
    drop_format,
    normalise,
    read_number,
    to_mg,
    unit_key,
)
from mgcalc.core.volumes import read_volume, volume_words
from mgcalc.errors import MgcalcError, Refused, literal
from mgcalc.numbers import mg as _fmt
from mgcalc.numbers import num
from mgcalc.schema.build import make
from mgcalc.schema.data import Form, Reference, name_key
from mgcalc.schema.labels import Excipient, LabelData
from mgcalc.schema.records import ParseResult
from mgcalc.schema.results import Basis

#: Longest label line read, in characters: a real one is far shorter.
MAX_LINE = 10_000

Role = Literal["source", "part", "excipient", "other"]

#: The error for a line that names no magnesium (panels skip such lines).
NO_MAGNESIUM = "no magnesium on this label line"

_DV = re.compile(
    r"(?<![\w.,])(?P<lt><\s*)?(?P<num>\d+(?:[.,]\d+)?)\s*%(?:\s*(?:dv|daily\s+value|d\.v\.|nrv|ri)\b)?"
)
#: The start of an ingredient list that is not the Supplement Facts table.
_SECTION = re.compile(
    r"^\s*(?:(?:other|inactive)\s+ingredients?|may\s+also\s+contain|contains\s+(?:less\s+than\s+)?2\s*%\s*(?:or\s+less\s+)?of)\s*:?"
)
#: Raw materials a salt was made from: not forms ("reacted from Magnesium Oxide, and Citric Acid").
_REACTED = re.compile(r"\b(?:reacted|made|derived|produced|prepared)\s+(?:from|with)\b.*$")
_PREFIX = re.compile(r"^\s*(?P<p>as|from)\b\s*:?")
_SPLIT = re.compile(r"[,;/&+]|\b(?:and|or|with)\b")
#: Dot leaders of a Drug Facts line: the purpose column follows ("1200 mg ........ Saline laxative").
_LEADER = re.compile(r"\s*(?:\.\s*){3,}.*$")
_MARKS = re.compile("[*†‡§¶•◊\u204e\u2217]+")  # \u204e low asterisk, \u2217 asterisk operator
#: A number with letters in it before a unit ("2OO mg", "l00 mg": O for 0, l or I for 1).
_LETTERED = re.compile(
    rf"(?<![\w.,])(?=[0-9oli.,]*[0-9])(?=[0-9.,]*[oli])(?P<num>[0-9oli][0-9oli.,]*)\s*(?P<unit>{UNIT})(?![a-zµμ(])"
)
_NEAR_DIGIT = re.compile(r"[0-9][oli]|[oli][0-9]")
#: A footnote mark in parentheses once the marks are spaces: "(1)", "(a)", "( )" (from "[1]", "⁽¹⁾", "(†)").
_MARK_PAREN = re.compile(r"\(\s*(?:\d{1,2}|[a-z])?\s*\)")
#: A footnote number run into "Magnesium" ("Magnesium2", "Magnesium²" pasted from a PDF), not an
#: amount of its own ("Magnesium25 mg" is refused as an amount run into a word).
_MARK_RUN_IN = re.compile(rf"magnesium\d{{1,2}}(?![\d.,]|\s*{UNIT}(?![a-z]))")
#: An operator before an amount: a bound, not the amount ("<250 mg", "up to 250 mg").
_BOUND = re.compile(
    r"(?:[<>≤≥]=?|=[<>]|[~≈]|\b(?:less|more|fewer|greater)\s+than|\bup\s+to|\bat\s+(?:least|most)|\bapprox(?:\.|imately)?"
    r"|\babout|\bunder|\bover|\bmax(?:\.|imum)?|\bmin(?:\.|imum)?|\bca\.)\s*$"
)
#: What every bound has (most lines have none, and then no amount is checked for one).
_MAY_BOUND = re.compile(r"[<>≤≥~≈]|than|up\s+to|at\s+(?:least|most)|approx|about|under|over|max|min|ca\.")
#: A number and a unit still on the line once its amounts are read: an amount mgcalc did not read.
_UNREAD = re.compile(rf"\d\s*{UNIT}(?![a-z])")
_DIGIT = re.compile(r"\d")
_PAREN = re.compile(r"[()]")
#: What every per-measure statement has (v.measure is a long pattern, and most lines have none).
_MAY_MEASURE = re.compile(r"each|per|every|/")
_DIGIT_FOR = str.maketrans({"o": "0", "l": "1", "i": "1"})
_WORD = re.compile(r"[0-9a-zµμ·]+(?:[-'.][0-9a-zµμ·]+)*")
_FILLER = frozenset(
    [
        "as",
        "from",
        "total",
        "elemental",
        "of",
        "each",
        "per",
        "serving",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "contains",
        "contain",
        "content",
        "containing",
        "provides",
        "providing",
        "supplying",
        "yielding",
        "amount",
        "supplement",
        "facts",
        "mineral",
        "minerals",
        "dv",
        "daily",
        "value",
        "the",
        "a",
        "in",
        "equivalent",
        "to",
        "form",
        "forms",
    ]
)

#: Tolerance of a %DV, as printed rounded to a whole percent (0.5% of the DV) plus 1 mg.
DV_TOLERANCE_FRACTION = 0.005
#: Tolerance of a cross-check between a compound weight and an elemental claim (label rounding).
CROSS_CHECK_FRACTION = 0.01


class Item(NamedTuple):
    """One item of an ingredient list, classified."""

    kind: str  # form, excipient, magnesium, unknown, foreign, plain, empty
    text: str
    forms: tuple[Form, ...] = ()
    excipient: Excipient | None = None
    trade: tuple[str, ...] = ()


class Group(NamedTuple):
    """A top-level parenthesised clause: its own text (nested clauses apart), prefix and amounts."""

    text: str
    prefix: str | None
    amounts: list[tuple[float, bool, str]]
    nested: list[str]


class _Vocab:
    """The label vocabulary of a Reference, compiled once (memoised on the bundle)."""

    def __init__(self, data: LabelData) -> None:
        self.data = data

        def phrase(words: list[str]) -> re.Pattern[str]:
            alts = sorted({w.casefold().replace("-", " ") for w in words}, key=len, reverse=True)
            body = "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in alts)
            return re.compile(rf"(?<![0-9a-z])(?:{body})(?![0-9a-z])")

        self.brands = [(t.name, phrase(t.words)) for t in data.trade_words if t.kind == "brand"]
        self.process = [(t.name, phrase(t.words)) for t in data.trade_words if t.kind == "process"]
        # one search for any of them: most items name none, and then no pattern is tried one by one
        self.any_brand = phrase([w for t in data.trade_words if t.kind == "brand" for w in t.words] or ["\0"])
        self.any_process = phrase(
            [w for t in data.trade_words if t.kind == "process" for w in t.words] or ["\0"]
        )
        self.powder = re.compile(r"(?<![0-9a-z])(?:powder|granular|granules)(?![0-9a-z])")
        abbr = sorted(data.abbreviations, key=len, reverse=True)
        # one lookbehind for every alternative: the pattern is tried at each position of a line
        alts = "|".join(re.escape(a.casefold()) + ("" if a.endswith(".") else r"(?![0-9a-z])") for a in abbr)
        self.abbr = re.compile(rf"(?<![0-9a-z])(?:{alts})") if abbr else None
        self.expand = {a.casefold(): v for a, v in data.abbreviations.items()}
        self.mg_words = frozenset(w.casefold() for w in data.magnesium_words)
        self.elements = frozenset(w.casefold() for w in data.other_elements)
        self.modifiers = frozenset(w.casefold() for w in data.excipient_modifiers)
        self.excipients = {w.casefold(): e for e in data.excipients for w in e.words}
        self.markers = [m.casefold() for m in data.elemental_markers]
        self.only_magnesium = frozenset(w.casefold() for w in data.magnesium_only_names)
        self.nutrient_words = frozenset(w.casefold() for w in data.magnesium_nutrient_words)
        # any word of any %DV target group: most lines name none, and then no group is tried
        self.dv_group_words = re.compile(
            "|".join(re.escape(w) for g in data.daily_value.groups for w in g.words) or "(?!)"
        )
        self.measure: re.Pattern[str] | None = None
        if data.volumes:
            vol = volume_words(data)
            # "each teaspoon contains:", "per 1 fl oz (30 mL)", "/5 mL", "each 15 mL tablespoonful contains"
            self.measure = re.compile(
                rf"(?:(?<![0-9a-z])(?:in\s+)?(?:each|per|every)\s+(?:level\s+)?|/\s*)"
                rf"(?P<m>(?:{NUMBER}\s*)?(?:{vol})(?![a-z])(?:\s*\(\s*{NUMBER}\s*(?:{vol})\s*\))?)"
                rf"(?:\s+(?:{vol})(?![a-z]))?(?:\s+contains?)?\s*:?"
            )


def _vocab(ref: Reference) -> _Vocab:
    # a bundle's sections never change once built, so the memo needs no key but its own
    v = ref.memo.get("label-vocab")
    if v is None:
        v = ref.memo["label-vocab"] = _Vocab(ref.labels)
    assert isinstance(v, _Vocab)
    return v


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _lookup(ref: Reference, text: str) -> Form | None:
    """The catalogue form a name resolves to, or None (never raises)."""
    return ref.catalogue.find(text)


def _strip(
    patterns: list[tuple[str, re.Pattern[str]]],
    text: str,
    by_word: bool = False,
    any_of: re.Pattern[str] | None = None,
) -> tuple[str, list[str]]:
    """``text`` without the words of ``patterns``, and what was found (the entry's name, or
    with ``by_word`` the word itself). ``any_of`` matches any of them: when it does not, nothing is."""
    if any_of is not None and any_of.search(text) is None:
        return text, []
    found = []
    for name, pat in patterns:
        for m in pat.finditer(text):
            found.append(" ".join(m.group(0).split()) if by_word else name)
        text = pat.sub(" ", text)
    return text, list(dict.fromkeys(found))


_FORMULA = re.compile(r"(?<![a-z])mg(?:\d|o\b|\(|[a-z]{1,2}\d|s\b|so\d|cl)")


def _magnesium_name(v: _Vocab, text: str) -> bool:
    """Whether a name that does not say "magnesium" still names magnesium: a formula ("MgO",
    "MgCl2.6H2O"), "magnesia", or a name only magnesium compounds have ("Epsom salt", "Magtein").
    "Chloride", "Citrate" or "Amino Acid Chelate" alone do not: calcium has them too."""
    low = text.casefold()
    return bool(_FORMULA.search(low)) or "magnes" in low or any(w in v.only_magnesium for w in _words(low))


def _grade_words(ref: Reference) -> dict[str, Form]:
    """Single words that name a supplier's grade by themselves ("magtein", "sucrosomial"), memoised."""
    key = ("grade-words", id(ref.catalogue))
    found = ref.memo.get(key)
    if found is None:
        found = {}
        for f in ref.catalogue.forms:
            if f.basis != "manufacturer":
                continue
            for name in [f.id, f.name, *f.aliases]:
                for w in _words(name.casefold()):
                    if w not in found and _lookup(ref, w) is f:
                        found[w] = f
        ref.memo[key] = found
    assert isinstance(found, dict)
    return found


def _supplier_grade(ref: Reference, v: _Vocab, text: str) -> Form | None:
    """A supplier's raw material named with the salt it is ("Magtein Magnesium L-Threonate",
    "Sucrosomial Magnesium Oxide"): the catalogue's entry for that supplier's grade, when one
    word of the name is that entry (a manufacturer's figure) and the rest names its family's
    salt, or it has no single formula (a branded blend that names its own content)."""
    ws = [w for w in _words(text) if w not in _FILLER and w not in v.mg_words]
    if len(ws) < 2:
        return None
    words = _grade_words(ref)
    for w in ws:
        grade = words.get(w)
        if grade is None:
            continue
        rest = _lookup(ref, " ".join(x for x in _words(text) if x != w))
        if grade.formula is None or (rest is not None and rest.family == grade.family):
            return grade
    return None


def classify(ref: Reference, raw: str, anion_ok: bool = False) -> Item:
    """One ingredient-list item: a catalogue form, an excipient, magnesium itself, a magnesium
    compound not in the catalogue (unknown), another mineral's compound (foreign), or neither (plain).

    ``anion_ok``: a bare anion ("oxide", "citrate") names a magnesium salt here (after
    "Magnesium (as ...", or after a magnesium compound in the same list).
    """
    v = _vocab(ref)
    text = raw.strip(" -,.;:'\"")
    text, brands = _strip(v.brands, text, any_of=v.any_brand)
    ws = [w for w in _words(text) if w not in _FILLER]
    if not ws:
        return Item("empty", raw, trade=tuple(brands))
    mg_named = any(w in v.mg_words for w in ws)
    foreign = any(w in v.elements for w in ws)
    exc_words = [w for w in ws if w in v.excipients]
    if exc_words and not foreign:
        rest = [w for w in ws if w not in v.excipients and w not in v.mg_words and w not in v.modifiers]
        # "citrate laurate" (one name, the fatty acid last) is a laurate salt; a list is not one name
        one_name = ws[-1] in v.excipients and not _SPLIT.search(text)
        if not rest or (one_name and all(_lookup(ref, w) is not None for w in rest)):
            return Item("excipient", raw, excipient=v.excipients[exc_words[-1]], trade=tuple(brands))
    meaningful = [w for w in ws if w not in v.mg_words]
    if not meaningful or (mg_named and all(w in v.nutrient_words for w in meaningful)):
        return Item("magnesium", raw, trade=tuple(brands))
    if foreign and not mg_named:
        return Item("foreign", raw, trade=tuple(brands))
    # a name is looked up only where it can be a magnesium salt's (most lines of a panel are not)
    if mg_named or anion_ok or _magnesium_name(v, text):
        form = _lookup(ref, text)
        if form is None:
            form = _supplier_grade(ref, v, text)
        if form is not None:
            return Item("form", raw, forms=(form,), trade=tuple(brands))
    bare, process = _strip(v.process, text, by_word=True, any_of=v.any_process)
    bare = v.powder.sub(" ", bare)
    if bare != text:
        rest = [w for w in _words(bare) if w not in _FILLER and w not in v.mg_words]
        if rest and (mg_named or anion_ok or _magnesium_name(v, bare)):
            form = _lookup(ref, bare)
            if form is not None:
                return Item("form", raw, forms=(form,), trade=tuple(brands + process))
    kind = "unknown" if mg_named else "plain"
    return Item(kind, raw, trade=tuple(brands + process))


def items(ref: Reference, text: str, anion_ok: bool = False) -> list[Item]:
    """The items of a list ("Magnesium Oxide, Magnesium Citrate, and Magnesium Gluconate").

    The whole text is tried as one name first ("Magnesium chloride, anhydrous",
    "Glycinate/Lysinate Chelate"), then its parts; in a list that names
    magnesium, a bare anion is a magnesium salt ("Magnesium oxide and citrate").
    """
    text = _REACTED.sub(" ", text)
    whole = classify(ref, text, anion_ok)
    if whole.kind in ("form", "excipient", "magnesium", "empty"):
        return [whole]
    parts = [p for p in _SPLIT.split(text) if p.strip(" -,.;:")]
    if len(parts) <= 1:
        return [whole]
    if "/" in text and "," not in text and whole.kind == "unknown" and whole.trade:
        # "Glycinate/Lysinate Chelate": one chelate of two ligands, not two salts
        last = _words(text)[-1] if _words(text) else ""
        if any(last in t.split() for t in whole.trade):
            return [whole]
    out = [classify(ref, p, anion_ok) for p in parts]
    if not anion_ok and any(i.kind in ("form", "unknown") for i in out):
        out = [classify(ref, p, True) if i.kind == "plain" else i for p, i in zip(parts, out, strict=True)]
    return [i for i in out if i.kind != "empty" or i.trade]


# ---------------------------------------------------------------- the line


def _prepare(ref: Reference, text: str, refusals: list[str]) -> str:
    """The line as the readers see it; an invisible character inside a number is added to
    ``refusals`` (refused once the line is known to name magnesium)."""
    if len(text) > MAX_LINE:
        raise MgcalcError(
            f"label line is {len(text):,} characters long; mgcalc reads lines up to {MAX_LINE:,}"
        )
    try:
        t = normalise(text)
    except MgcalcError as e:  # an invisible character inside a number
        refusals.append(str(e))
        t = normalise(drop_format(text))
    t = t.replace("{", "").replace("}", "")  # DSLD braces mark words it added: the word stays
    t = t.replace("[", "(").replace("]", ")")
    if t.count(".") >= 3:  # a leader is three dots or more
        t = _LEADER.sub("", t)
    t = _MARKS.sub(" ", t)
    if "(" in t:
        t = _MARK_PAREN.sub(" ", t)
    if "magnesium" in t:
        t = _MARK_RUN_IN.sub(lambda m: "magnesium" + " " * (m.end() - m.start() - 9), t)
    v = _vocab(ref)
    if v.abbr is not None:
        t = v.abbr.sub(lambda m: v.expand[m.group(0)], t)
    return t


def measure_of(ref: Reference, text: str) -> str | None:
    """The measure a dose statement names ("each teaspoon contains" -> "teaspoon"), or None."""
    v = _vocab(ref)
    if v.measure is None:
        return None
    try:
        m = v.measure.search(normalise(text))
    except MgcalcError:  # a number mgcalc will not read: the line itself is refused
        return None
    return " ".join(m["m"].split()) if m is not None else None


def _spans(t: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Depth of every character (inside parentheses) and the spans of top-level groups."""
    depth = [0] * len(t)
    spans: list[tuple[int, int]] = []
    d, start, after = 0, 0, 0  # depth, start of the open group, position after the last parenthesis
    for m in _PAREN.finditer(t):
        i = m.start()
        depth[after:i] = [d] * (i - after)
        if t[i] == "(":
            if d == 0:
                start = i
            d += 1
            depth[i] = d
        elif d > 0:
            d -= 1
            if d == 0:
                spans.append((start, i + 1))
            depth[i] = d or 1  # a closing parenthesis belongs to its group
        # an unmatched ")" stays at depth 0
        after = i + 1
    depth[after:] = [d] * (len(t) - after)
    if d > 0:  # an unclosed parenthesis runs to the end
        spans.append((start, len(t)))
    return depth, spans


def _mask(t: str, ranges: list[tuple[int, int]]) -> str:
    """``t`` with the characters of ``ranges`` (spans inside it) made spaces."""
    out, pos = [], 0
    for a, b in sorted(ranges):
        if b <= pos:
            continue
        a = max(a, pos)
        out += [t[pos:a], " " * (b - a)]
        pos = b
    out.append(t[pos:])
    return "".join(out)


def _dv_values(data: LabelData, group: str | None) -> tuple[str | None, tuple[float, ...]]:
    g = data.daily_value.group(group) if group else None
    if g is None and data.daily_value.groups:
        g = data.daily_value.groups[0]
    if g is None:
        return None, (data.daily_value.adult_mg, data.daily_value.older_mg)
    return g.id, g.values


def _fits(value: float, dv: float, lt: bool, dvs: tuple[float, ...]) -> float | None:
    """The DV (of ``dvs``) that makes ``value`` mg print as ``dv`` %, or None."""
    for v in dvs:
        if lt and 100 * value / v < dv:
            return v
        if not lt and abs(value - dv / 100 * v) <= DV_TOLERANCE_FRACTION * v + 1:
            return v
    return None


class _Reading(NamedTuple):
    basis: Basis
    reason: str
    lo: float
    hi: float
    checks: list[str]


class _Amount(NamedTuple):
    """An amount on the line: where it is (-1 the head, else the index of its group), in mg,
    whether it was molar (mmol, mEq), and as written."""

    where: int
    mg: float
    molar: bool
    written: str


class _Line(NamedTuple):
    """A label line taken apart, before it is read as a source, an excipient or a mention."""

    t: str  # prepared (normalised, marks and abbreviations expanded), the words already read blanked
    head_items: list[Item]  # the items outside any parenthesis
    group_items: list[list[Item]]  # the items of each top-level parenthesised group
    groups: list[Group]
    every: list[Item]
    excipients: list[Excipient]
    stated: _Amount | None  # the amount outside the parentheses
    claim: _Amount | None  # the amount inside them
    dv: tuple[float, bool] | None  # the first %DV, and whether it was "<"
    dv_group: str | None
    other_ingredient: bool
    checks: list[str]  # grows as the line is read; the result carries it
    common: dict[str, Any]  # the fields of ParseResult every role fills the same way


def parse_label(
    ref: Reference, text: str, *, dv_group: str | None = None, other_ingredient: bool = False
) -> ParseResult:
    """Read one label line: role, basis (elemental/compound/unknown) and why, forms, elemental mg.

    ``dv_group`` names the %DV's target group (a DV group id or DSLD name) when
    the panel says it; ``other_ingredient`` says the line is from an Other
    Ingredients list. Raises MgcalcError for a line it cannot read (no
    magnesium, no amount where one is needed, several amounts, an unknown form
    where the form decides the amount, over MAX_LINE characters).
    """
    line = _take_apart(ref, text, dv_group, other_ingredient)
    kinds = {i.kind for i in line.head_items}
    sources_named = any(i.kind in ("form", "unknown") for i in line.every)
    head_nutrient_amount = "magnesium" in kinds and line.stated is not None
    if line.excipients and not sources_named and not head_nutrient_amount:
        return _excipient_line(line)  # "Magnesium Stearate": not counted
    if kinds <= {"magnesium", "empty"} and ("magnesium" in kinds or any(g.prefix for g in line.groups)):
        return _nutrient_line(ref, line)  # "Magnesium (as citrate) 200 mg": elemental
    return _compound_line(ref, line)  # "Magnesium Citrate 500 mg": the compound's weight unless told


# ---------------------------------------------------------------- taking the line apart


def _take_apart(ref: Reference, text: str, dv_group: str | None, other_ingredient: bool) -> _Line:
    """The line's items, amounts and %DV, in the order a reader meets them; raises for a line
    with no magnesium, several amounts, or an amount it will not read."""
    bounds: list[str] = []  # refusals that wait until the line is known to name magnesium
    t = _prepare(ref, text, bounds)
    t, other_ingredient = _other_section(t, other_ingredient)
    t, dv_group = _dv_group_words(_vocab(ref), t, dv_group)
    t, per_measure = _per_measure(ref, t)
    depth, spans = _spans(t)
    amounts, rest = _amounts(ref, t, depth, spans, bounds)
    dv_found = list(_DV.finditer(rest)) if "%" in rest else []
    dvs = [(m["num"], bool(m["lt"])) for m in dv_found]
    rest = _mask(rest, [m.span() for m in dv_found])
    head_amounts = [a for a in amounts if a.where == -1]
    group_amounts = [a for a in amounts if a.where != -1]
    groups = _groups(t, rest, depth, spans, group_amounts)
    head_items, group_items, groups = _read_items(ref, _mask(rest, spans), groups)
    every = [*head_items, *(k for gi in group_items for k in gi)]
    trade = [w for item in every for w in item.trade]
    if not any(i.kind in ("form", "excipient", "magnesium", "unknown") for i in every):
        raise MgcalcError(NO_MAGNESIUM)
    if bounds:
        raise Refused(bounds[0])
    unread = _UNREAD.search(rest) if _DIGIT.search(rest) else None
    if unread is not None:
        at = max(0, unread.start() - 12)
        raise Refused(
            f"cannot read the amount in '...{literal(t[at : unread.end()].strip())}': a number run into the "
            "text before it, or printed in a form mgcalc does not read; retype it as e.g. 250 mg"
        )
    _refuse_amounts(amounts, head_amounts, group_amounts)
    if spans and t.count("(") > t.count(")"):
        a, b = spans[-1]
        if b == len(t) and any(x.where == len(spans) - 1 for x in group_amounts):
            raise Refused(
                f"the parenthesis opened at '{literal(t[a : a + 30].strip())}' is not closed: the amount "
                f"{literal(next(x.written for x in group_amounts if x.where == len(spans) - 1))} may be inside "
                "it (a compound's weight) or after it (magnesium itself); close it where the label does"
            )
    excipients = [i.excipient for i in every if i.excipient is not None]
    checks: list[str] = [per_measure] if per_measure else []
    dv = (read_number(dvs[0][0]), dvs[0][1]) if dvs else None
    if len(dvs) > 1:
        checks.append(f"several %DV figures on the line; read the first ({num(dv[0], 0) if dv else ''}%)")
    common: dict[str, Any] = {
        "text": text,
        "excipients": list(dict.fromkeys(e.name for e in excipients)),
        "trade_words": list(dict.fromkeys(trade)),
        "percent_dv": dv[0] if dv else None,
    }
    return _Line(
        t,
        head_items,
        group_items,
        groups,
        every,
        excipients,
        head_amounts[0] if head_amounts else None,
        group_amounts[0] if group_amounts else None,
        dv,
        dv_group,
        other_ingredient,
        checks,
        common,
    )


def _other_section(t: str, other_ingredient: bool) -> tuple[str, bool]:
    """An "Other ingredients:" heading at the start: the line is from that list, the heading is blanked."""
    section = _SECTION.match(t)
    if section is None:
        return t, other_ingredient
    return " " * section.end() + t[section.end() :], True


def _dv_group_words(v: _Vocab, t: str, dv_group: str | None) -> tuple[str, str | None]:
    """The %DV's target group named on the line ("% DV for pregnant and lactating women"): the
    group is read, and its words are blanked (they are not an ingredient)."""
    if v.dv_group_words.search(t) is None:
        return t, dv_group
    found = next((g for g in v.data.daily_value.groups if any(w in t for w in g.words)), None)
    if found is None:
        return t, dv_group
    words = "|".join(re.escape(w) for w in sorted(found.words, key=len, reverse=True))
    t = re.sub(
        rf"(?:\bfor\s+)?(?:{words})(?:\s+(?:and|or|&)\s+(?:{words}))*(?:\s+(?:women|woman|mothers))?",
        " ",
        t,
    )
    return t, found.id if dv_group is None else dv_group


def _per_measure(ref: Reference, t: str) -> tuple[str, str | None]:
    """A liquid's dose: the figure is per that measure ("each teaspoon contains: magnesium 495 mg").
    The statement is blanked; the check saying so is returned (None if no measure, or one not read)."""
    v = _vocab(ref)
    if v.measure is None or not _MAY_MEASURE.search(t) or (mm := v.measure.search(t)) is None:
        return t, None
    per_measure: str | None = None
    measure = read_volume(v.data, mm["m"])
    if measure is not None:
        per_measure = f"the figure is per {' '.join(mm['m'].split())}" + (
            f" ({measure.assumed})" if measure.assumed else ""
        )
    return t[: mm.start()] + " " * (mm.end() - mm.start()) + t[mm.end() :], per_measure


def _amounts(
    ref: Reference, t: str, depth: list[int], spans: list[tuple[int, int]], bounds: list[str]
) -> tuple[list[_Amount], str]:
    """Every amount with a unit, in mg, and the text with them blanked. Refuses a number with
    letters in it, an ambiguous point ("1.000 mg") and a mark run into a figure; an amount after
    an operator ("<250 mg") is added to ``bounds`` (refused once the line is known to name magnesium)."""
    if not _DIGIT.search(t):  # every amount and every lettered number has a digit
        return [], t
    lettered = _LETTERED.search(t) if _NEAR_DIGIT.search(t) else None
    if lettered is not None:
        guess = lettered["num"].translate(_DIGIT_FOR)
        raise Refused(
            f"'{literal(lettered.group(0).strip())}' has letters in its number (O for 0, l or I for 1?): "
            f"it may be {guess} {lettered['unit']}, but mgcalc will not guess; retype the figure"
        )
    constants = ref.catalogue.constants
    amounts: list[_Amount] = []
    ranges = []
    may_bound = _MAY_BOUND.search(t) is not None
    for m in amount_in_text().finditer(t):
        unit = unit_key(m["unit"])
        if unit is None:  # pragma: no cover - the pattern only matches units
            continue
        bound = _BOUND.search(t, max(0, m.start() - 16), m.start()) if may_bound else None
        if bound is not None:
            bounds.append(
                f"'{literal((bound.group(0) + m.group(0)).strip())}' is a bound, not an amount: mgcalc will not "
                f"read it as {m.group(0).strip()}; check the label"
            )
        bad = badly_grouped(m["num"]) if len(m["num"]) > 4 else None
        if bad is not None:
            raise Refused(f"the amount {bad}")
        why = ambiguous_number(m["num"])
        if why is not None and to_mg(float(m["num"].replace(".", "")), unit, constants)[0] <= MAX_MG:
            # "1.745 g" has one reading: 1,745 g is over the largest amount read
            raise Refused(f"the amount {why}")
        if " " in m["num"] and m.start() > 0 and not t[m.start() - 1].isspace() and t[m.start() - 1] != "(":
            first, _, rest = m["num"].partition(" ")
            raise Refused(
                f"'{literal(m.group(0).strip())}' can be read as {num(read_number(m['num']), 0)} {m['unit']} or as "
                f"a mark {first} run into {rest} {m['unit']} (a footnote?); put a space before the amount or remove the mark"
            )
        value, molar = to_mg(read_number(m["num"]), unit, constants)
        amounts.append(_Amount(_where(depth, spans, m.start()), value, molar, m.group(0).strip()))
        ranges.append(m.span())
    return amounts, _mask(t, ranges)


def _where(depth: list[int], spans: list[tuple[int, int]], pos: int) -> int:
    """-1 for the head, else the index of the group holding ``pos``."""
    if depth[pos] == 0:
        return -1
    return next(i for i, (a, b) in enumerate(spans) if a <= pos < b)


def _groups(
    t: str, rest: str, depth: list[int], spans: list[tuple[int, int]], group_amounts: list[_Amount]
) -> list[Group]:
    """The top-level parenthesised groups of ``rest`` (``t`` with amounts and %DV blanked)."""
    groups: list[Group] = []
    for n, (a, b) in enumerate(spans):
        inner = rest[a + 1 : b - 1] if b <= len(t) and t[b - 1 : b] == ")" else rest[a + 1 : b]
        nested_depth = depth[a + 1 : a + 1 + len(inner)]
        own = (
            inner
            if max(nested_depth, default=0) <= 1
            else "".join(ch if d <= 1 else " " for ch, d in zip(inner, nested_depth, strict=False))
        )
        nested = re.findall(r"\(([^()]*)\)", inner)
        pm = _PREFIX.match(own)
        prefix = pm["p"] if pm else None
        body = own[pm.end() :] if pm else own
        ga = [(x.mg, x.molar, x.written) for x in group_amounts if x.where == n]
        groups.append(Group(body, prefix, ga, [s for s in nested if not _REACTED.search(s.strip())]))
    return groups


def _read_items(
    ref: Reference, head: str, groups: list[Group]
) -> tuple[list[Item], list[list[Item]], list[Group]]:
    """The items of the head and of each group. A bare anion in a group reads as a magnesium
    salt when the head is magnesium itself; a whole name with a parenthesis in it ("Magnesium
    citrate (trimagnesium dicitrate, anhydrous)") is one form, and then there are no groups."""
    head_items = items(ref, head)
    magnesium_head = {i.kind for i in head_items} <= {"magnesium", "empty"}
    group_items = [items(ref, " , ".join([g.text, *g.nested]), magnesium_head) for g in groups]
    if groups and not any(g.prefix or g.amounts for g in groups):
        whole_text = head + " " + " ".join(g.text for g in groups)
        whole = _lookup(ref, whole_text)
        grade = _supplier_grade(ref, _vocab(ref), whole_text) if whole is None else None
        head_is_form = len(head_items) == 1 and head_items[0].kind == "form"
        unread = any(k.kind in ("unknown", "plain") for gi in group_items for k in gi)
        whole = whole or grade
        if whole is not None and (unread or not head_is_form or grade is not None):
            return [Item("form", whole_text, forms=(whole,))], [], []
    return head_items, group_items, groups


def _refuse_amounts(
    amounts: list[_Amount], head_amounts: list[_Amount], group_amounts: list[_Amount]
) -> None:
    """Several amounts in the head or in the groups, a zero, or an amount out of range: refused."""
    if len(head_amounts) > 1 or len(group_amounts) > 1:
        listed = ", ".join(literal(a.written) for a in amounts[:4])
        raise MgcalcError(f"several amounts on one line ({listed}): give one ingredient per line")
    for found in amounts:
        if found.mg == 0:
            raise Refused(
                f"the amount '{literal(found.written)}' on this line naming magnesium reads as zero: "
                "mgcalc will not count it as no magnesium; check the label"
            )
        if not 0 < found.mg <= MAX_MG:
            raise MgcalcError(f"amount {found.mg:g} mg on this line is not between 0 and {MAX_MG:,.0f} mg")


# ---------------------------------------------------------------- reading it


def _present(
    line: _Line, reason: str, forms: list[Form], unknown: list[str], amount: float | None = None
) -> ParseResult:
    """Magnesium is present but its amount is not stated on the line (role "other")."""
    return make(
        ParseResult,
        **line.common,
        role="other",
        basis="unknown",
        reason=reason,
        forms=[f.id for f in forms],
        unknown_forms=unknown,
        stated_mg=amount,
        elemental_mg_min=None,
        elemental_mg_max=None,
        excipient=bool(line.excipients),
        checks=line.checks,
        trap=None,
    )


def _excipient_line(line: _Line) -> ParseResult:
    """An excipient (magnesium stearate, talc) and no magnesium source: not counted."""
    e = line.excipients[0]
    return make(
        ParseResult,
        **line.common,
        role="excipient",
        basis="unknown",
        reason=f"{e.name} is {e.role}, not a magnesium source",
        forms=[],
        unknown_forms=[],  # given: a default factory costs pydantic an inspect.signature per model
        stated_mg=line.stated.mg if line.stated else None,
        elemental_mg_min=0.0,
        elemental_mg_max=0.0,
        excipient=True,
        checks=line.checks,
        trap=f"{e.name[0].upper() + e.name[1:]} is {e.role}, not a magnesium source: it is not counted.",
    )


def _nutrient_line(ref: Reference, line: _Line) -> ParseResult:
    """A nutrient line ("Magnesium (as citrate) 200 mg"): it names magnesium, its salts in the parentheses."""
    v = _vocab(ref)
    forms: list[Form] = []
    unknown: list[str] = []
    compound_group: tuple[list[Form], list[str], tuple[float, bool, str]] | None = None
    for g, gi in zip(line.groups, line.group_items, strict=True):
        g_forms = _unique(f for i in gi for f in i.forms)
        g_unknown = [_show(_v_strip(v, i.text)) for i in gi if i.kind in ("unknown", "plain")]
        if g.amounts and (g_forms or g_unknown):
            compound_group = (g_forms, g_unknown, g.amounts[0])
        forms += g_forms
        unknown += g_unknown
    forms = _unique(forms)
    unknown = list(dict.fromkeys(unknown))
    stated, claim = line.stated, line.claim
    if stated is None and claim is not None and compound_group is None:
        stated, claim = claim, None
    if stated is None:
        if line.other_ingredient or (compound_group is not None and claim is None):
            return _present(
                line,
                "magnesium is named with no amount of its own: present, amount not stated",
                forms,
                unknown,
                claim.mg if claim else None,
            )
        if compound_group is not None and claim is not None:
            # "Magnesium (from 520 mg Magnesium Chloride)": the only amount is the compound's weight
            g_forms, g_unknown, _ = compound_group
            if g_unknown:
                raise _not_in_catalogue(
                    g_unknown[0], f", and the only amount, {literal(claim.written)}, is the compound's weight"
                )
            where = line.group_items[claim.where]
            return _compound_result(ref, line, claim, None, g_forms, _bare_ids(ref, v, where))
        raise MgcalcError("no amount with a unit (mg, g, mcg, mmol) on this label line: it names magnesium")
    checks = line.checks
    reading = _nutrient_reading(
        ref, stated, claim, compound_group, forms, line.dv, line.dv_group, line.groups
    )
    checks += reading.checks
    told = set(compound_group[1]) if compound_group is not None else set()
    if [u for u in unknown if u not in told]:
        checks.append(
            f"{', '.join(u for u in unknown if u not in told)}: not a form in the catalogue; "
            "the figure is elemental magnesium whatever the salt"
        )
    return make(
        ParseResult,
        **line.common,
        role="source",
        basis=reading.basis,
        reason=reading.reason,
        forms=[f.id for f in forms],
        unknown_forms=unknown,
        stated_mg=stated.mg,
        stated_elemental_mg=stated.mg if reading.basis == "elemental" else None,
        stated_compound_mg=compound_group[2][0] if compound_group else None,
        elemental_mg_min=reading.lo,
        elemental_mg_max=reading.hi,
        excipient=bool(line.excipients),
        dv_group=_dv_values(ref.labels, line.dv_group)[0] if line.dv else None,
        checks=checks,
        trap=_trap(ref, stated.mg, reading, forms, None, compound_group[2][0] if compound_group else None),
    )


def _compound_line(ref: Reference, line: _Line) -> ParseResult:
    """A line naming a compound ("Magnesium Citrate 500 mg"), another nutrient given as a
    magnesium salt, or magnesium compounds in a list of other ingredients."""
    v = _vocab(ref)
    head_items, group_items, stated, claim = line.head_items, line.group_items, line.stated, line.claim
    head_forms = _unique(f for i in head_items for f in i.forms)
    head_unknown = [_show(_v_strip(v, i.text)) for i in head_items if i.kind == "unknown"]
    head_other = [i for i in head_items if i.kind in ("foreign", "plain")]
    g_forms = _unique(f for gi in group_items for i in gi for f in i.forms)
    g_unknown = [_show(_v_strip(v, i.text)) for gi in group_items for i in gi if i.kind == "unknown"]
    g_unread = [_show(_v_strip(v, i.text)) for gi in group_items for i in gi if i.kind == "plain"]
    if not head_forms and not head_unknown:
        # another nutrient whose form is a magnesium salt, or a list of other ingredients
        what = _show(" ".join(i.text for i in head_other)) or "this line"
        if stated is None:
            reason = "a magnesium salt named with no amount (an Other Ingredients entry): present, amount not stated"
        else:
            reason = (
                f"the {_fmt(stated.mg)} is the amount of {what}, given as a magnesium salt: "
                "magnesium is present, its amount is not stated on this line"
            )
        return _present(line, reason, g_forms, g_unknown, stated.mg if stated else None)
    if head_other:
        names = ", ".join(_show(i.text) for i in head_other)
        if stated is None:
            return _present(
                line,
                "magnesium compounds listed with other ingredients and no amount: present, amount not stated",
                head_forms,
                head_unknown,
            )
        return _present(
            line,
            f"{_fmt(stated.mg)} is the combined weight of several ingredients ({names} with the magnesium): "
            "magnesium's share is not stated",
            head_forms,
            head_unknown,
            stated.mg,
        )
    if stated is None and claim is not None and not line.other_ingredient:
        # "Magnesium Citrate (500 mg)": the only amount is inside the parentheses
        inside = line.group_items[claim.where]
        kinds = {i.kind for i in inside}
        if kinds <= {"empty"} or (
            kinds <= {"empty", "form"} and all(f in head_forms for i in inside for f in i.forms)
        ):
            stated, claim = claim, None
        elif kinds <= {"empty", "magnesium"}:
            if head_unknown:
                raise _not_in_catalogue(head_unknown[0])
            reason = f"the figure in the parentheses, {claim.written}, is stated as magnesium itself"
            reading = _Reading("elemental", reason, claim.mg, claim.mg, [])
            return _result(ref, line, claim, None, reading, head_forms, None)
        else:
            raise Refused(
                f"the only amount on this line, {literal(claim.written)}, is inside parentheses with "
                f"'{literal(_show(' '.join(i.text for i in inside)))}': mgcalc cannot tell what it is the "
                "amount of; check the label"
            )
    if stated is None:
        return _present(
            line,
            "a magnesium compound named with no amount (as in an Other Ingredients list): present, amount not stated",
            head_forms,
            head_unknown + g_unknown,
            claim.mg if claim else None,
        )
    if head_unknown:
        raise _not_in_catalogue(head_unknown[0], ", and the amount is the compound's weight")
    if (g_unknown or g_unread) and claim is None:
        raise MgcalcError(f"cannot read '{literal((g_unknown or g_unread)[0])}' on this label line")
    forms = _unique([*head_forms, *g_forms])
    return _compound_result(ref, line, stated, claim, forms, _bare_ids(ref, v, head_items))


def _not_in_catalogue(name: str, more: str = "") -> MgcalcError:
    """The refusal of a line whose form is not in the catalogue (``more``: what that leaves unread)."""
    return MgcalcError(
        f"cannot read the form '{literal(name)}' on this label line: it is not in the catalogue{more}"
    )


def _bare_ids(ref: Reference, v: _Vocab, named: list[Item]) -> set[str]:
    """The forms of ``named`` given by their bare family name ("Magnesium Glycinate")."""
    return {
        f.id
        for i in named
        for f in i.forms
        if len(ref.catalogue.family_of(f)) > 1 and name_key(_v_strip(v, i.text)) == name_key(f.family)
    }


def _compound_result(
    ref: Reference,
    line: _Line,
    stated: _Amount,
    claim: _Amount | None,
    forms: list[Form],
    bare: set[str],
) -> ParseResult:
    """A compound's weight read against its forms (``bare``: those named by family name)."""
    reading, default, identified = _compound_reading(
        ref, stated, claim, forms, line.dv, line.dv_group, line.t, bare
    )
    return _result(ref, line, stated, claim, reading, identified or forms, default)


def _result(
    ref: Reference,
    line: _Line,
    stated: _Amount,
    claim: _Amount | None,
    reading: _Reading,
    forms: list[Form],
    default: Form | None,
) -> ParseResult:
    """A source line's result from its reading."""
    checks = line.checks
    checks += reading.checks
    return make(
        ParseResult,
        **line.common,
        role="source",
        basis=reading.basis,
        reason=reading.reason,
        forms=[f.id for f in forms],
        unknown_forms=[],  # given: a default factory costs pydantic an inspect.signature per model
        stated_mg=stated.mg,
        stated_compound_mg=stated.mg if reading.basis == "compound" else None,
        stated_elemental_mg=claim.mg if claim else (stated.mg if reading.basis == "elemental" else None),
        elemental_mg_min=reading.lo,
        elemental_mg_max=reading.hi,
        excipient=bool(line.excipients),
        default_form=default.id if default is not None else None,
        dv_group=_dv_values(ref.labels, line.dv_group)[0] if line.dv else None,
        checks=checks,
        trap=_trap(ref, stated.mg, reading, forms, default),
    )


def _unique(forms: Any) -> list[Form]:
    return list({f.id: f for f in forms}.values())


def _show(text: str) -> str:
    """An item as written, tidied for a message."""
    return " ".join(text.replace("(", " ").replace(")", " ").split()).strip(" ,.;:-")


def _v_strip(v: _Vocab, text: str) -> str:
    """An item's name without brand words and filler ("Albion Magnesium Chloride" -> "magnesium chloride")."""
    text, _ = _strip(v.brands, text, any_of=v.any_brand)
    return " ".join(w for w in _words(text) if w not in _FILLER)


def _range(ref: Reference, forms: list[Form], bare: bool | set[str]) -> tuple[float, float]:
    """Lowest and highest elemental fraction: over the whole family of each form named by its
    bare family name (``bare``: all of them, or the ids of those), else over the grades of its
    salt (``stoichiometry.same_salt``), by the one rule of ``stoichiometry.pct_span``."""
    members: list[Form] = []
    for f in forms:
        whole_family = bare if isinstance(bare, bool) else f.id in bare
        members += ref.catalogue.family_of(f) if whole_family else same_salt(ref.catalogue, f)
    lo, hi = pct_span(members)
    return lo / 100.0, hi / 100.0


def _nutrient_reading(
    ref: Reference,
    stated: _Amount,
    claim: _Amount | None,
    compound_group: tuple[list[Form], list[str], tuple[float, bool, str]] | None,
    forms: list[Form],
    dv: tuple[float, bool] | None,
    dv_group: str | None,
    groups: list[Group],
) -> _Reading:
    """A "Magnesium ... N mg" line: elemental by the Supplement Facts convention, cross-checked."""
    data = ref.labels
    value = stated.mg
    checks: list[str] = []
    has_prefix = any(g.prefix for g in groups)
    if stated.molar:
        reason = f"{stated.written} is an amount of magnesium itself (1 mmol = {num(ref.catalogue.constants.mg_molar_mass.value, 3)} mg)"
    elif has_prefix:
        reason = "the figure is on the magnesium line with the compound after 'as'/'from': a Supplement Facts line states elemental magnesium (21 CFR 101.36)"
    else:
        reason = "the line names magnesium and no compound: a nutrient line states elemental magnesium"
    basis: Basis = "elemental"
    lo = hi = value
    confirmed = False
    if dv is not None:
        _, values = _dv_values(data, dv_group)
        fit = _fits(value, dv[0], dv[1], values)
        if fit is not None:
            confirmed = True
            reason = (
                f"{num(dv[0], 0)}% DV matches {_fmt(value)} of elemental magnesium (DV {fit:g} mg); " + reason
            )
        else:
            frac = _range(ref, forms, True) if forms else None
            compound_fit = frac is not None and any(
                _fits(value * fr, dv[0], dv[1], values) is not None for fr in frac
            )
            alt = _other_group_fit(data, value, dv, dv_group)
            if compound_fit and frac is not None:
                basis, lo, hi = "unknown", value * frac[0], value
                reason = (
                    f"{num(dv[0], 0)}% DV matches the magnesium in {_fmt(value)} of the compound, not "
                    f"{_fmt(value)} of magnesium: the label contradicts itself"
                )
                checks.append(
                    f"label error: the magnesium line says {_fmt(value)} but its {num(dv[0], 0)}% DV fits {_fmt(value)} of the compound; both readings are given"
                )
            elif alt is not None:
                checks.append(
                    f"the {num(dv[0], 0)}% DV fits {_fmt(value)} under the DV of {alt[0]} ({alt[1]:g} mg), "
                    "not the adult DV: the panel's %DV is probably for that group"
                )
            else:
                checks.append(
                    f"the {num(dv[0], 0)}% DV does not fit {_fmt(value)} of magnesium "
                    f"({num(100 * value / values[0], 0)}% of {values[0]:g} mg): a label or data-entry error; "
                    "the figure is read as elemental by the label convention"
                )
    if compound_group is not None:
        g_forms, g_unknown, (cmg, _molar, _written) = compound_group
        if g_unknown:
            checks.append(
                f"the compound weight {_fmt(cmg)} cannot be cross-checked: "
                f"{', '.join(g_unknown)} is not a form in the catalogue"
            )
        elif g_forms:
            flo, fhi = _range(ref, g_forms, True)
            elo, ehi = cmg * flo, cmg * fhi
            tol = CROSS_CHECK_FRACTION * value + 0.05
            names = _listed([f.family.replace("-", " ") for f in g_forms])
            if elo - tol <= value <= ehi + tol:
                match = _identify(ref, g_forms, cmg, value)
                which = f"; it fits {', '.join(m.name.lower() for m in match)}" if match else ""
                checks.append(
                    f"{_fmt(cmg)} of {names} can hold {_fmt(value)} of magnesium: the two figures agree{which}"
                )
            else:
                checks.append(
                    f"label error: {_fmt(cmg)} of {names} holds {_span(elo, ehi)} of magnesium, not the "
                    f"{_fmt(value)} stated"
                )
                if not confirmed and basis == "elemental":
                    lo, hi = min(value, elo), max(value, ehi)
                    basis = "elemental"
    return _Reading(basis, reason, lo, hi, checks)


def _other_group_fit(
    data: LabelData, value: float, dv: tuple[float, bool], dv_group: str | None
) -> tuple[str, float] | None:
    """The first other DV group whose DV makes ``value`` print as ``dv`` % (only when no group was named)."""
    if dv_group is not None:
        return None
    for g in data.daily_value.groups[1:]:
        fit = _fits(value, dv[0], dv[1], g.values)
        if fit is not None:
            return g.name, fit
    return None


def _identify(ref: Reference, forms: list[Form], compound_mg: float, elemental_mg: float) -> list[Form]:
    """The family members whose stoichiometry makes ``compound_mg`` hold ``elemental_mg``."""
    tol = CROSS_CHECK_FRACTION * elemental_mg + 0.05
    out = []
    for f in forms:
        for m in ref.catalogue.family_of(f):
            if abs(compound_mg * m.fraction - elemental_mg) <= tol:
                out.append(m)
    out = _unique(out)
    if len(out) > 1:
        # several entries of one salt (a product type such as enteric-coated chloride shares the
        # hexahydrate's figure): the family default if it fits, else the plain stoichiometric salts
        default = ref.catalogue.family_default(out[0])
        plain = [m for m in out if m.basis == "stoichiometry"]
        out = [default] if default in out else plain or out
    return out


def _compound_reading(
    ref: Reference,
    stated: _Amount,
    claim: _Amount | None,
    forms: list[Form],
    dv: tuple[float, bool] | None,
    dv_group: str | None,
    text: str,
    bare_ids: set[str],
) -> tuple[_Reading, Form | None, list[Form]]:
    """A line naming the compound ("Magnesium Citrate 500 mg"): the compound's weight unless told otherwise.

    Returns the reading, the family default used for a bare family name, and
    the salt identified by a cross-check (or []).
    """
    data = ref.labels
    cat = ref.catalogue
    value = stated.mg
    checks: list[str] = []
    bare = len(forms) == 1 and forms[0].id in bare_ids
    default = cat.family_default(forms[0]) if bare else None
    flo, fhi = _range(ref, forms, bare_ids)
    if stated.molar:
        reason = f"{stated.written} is an amount of magnesium itself (1 mmol = {num(cat.constants.mg_molar_mass.value, 3)} mg), not of the compound"
        return _Reading("elemental", reason, value, value, checks), None, []
    if claim is not None:
        e = claim.mg
        tol = CROSS_CHECK_FRACTION * e + 0.05
        names = _listed([f.family.replace("-", " ") for f in forms])
        cand = forms if not bare else cat.family_of(forms[0])
        match = _identify(ref, cand, value, e) if len(forms) == 1 else []
        if match or (value * flo - tol <= e <= value * fhi + tol and len(forms) > 1):
            which = ", ".join(m.name.lower() for m in match) if match else names
            checks.append(
                f"{_fmt(e)} of magnesium in {_fmt(value)} is {num(100 * e / value, 2)}%: it fits {which}; "
                "the label's two figures agree"
            )
            reason = (
                f"{_fmt(value)} is the compound's weight and the label states the magnesium in it, {_fmt(e)}"
            )
            return _Reading("compound", reason, e, e, checks), None, match
        checks.append(
            f"label error: {_fmt(value)} of {names} holds {_span(value * flo, value * fhi)} of magnesium, "
            f"not the {_fmt(e)} the label states; both figures are given"
        )
        reason = f"{_fmt(value)} is the compound's weight; the elemental figure on the label ({_fmt(e)}) disagrees with it"
        return (
            _Reading("compound", reason, min(e, value * flo), max(e, value * fhi), checks),
            default,
            [],
        )
    if dv is not None:
        _, values = _dv_values(data, dv_group)
        if _fits(value, dv[0], dv[1], values) is not None:
            fit = _fits(value, dv[0], dv[1], values)
            reason = f"{num(dv[0], 0)}% DV matches {_fmt(value)} of elemental magnesium (DV {fit:g} mg)"
            return _Reading("elemental", reason, value, value, checks), None, []
        if any(_fits(value * fr, dv[0], dv[1], values) is not None for fr in (flo, fhi)) or any(
            _fits(value * f.fraction, dv[0], dv[1], values) is not None for f in forms
        ):
            reason = f"{num(dv[0], 0)}% DV matches the magnesium in {_fmt(value)} of the compound, not {_fmt(value)} itself"
            return _Reading("compound", reason, value * flo, value * fhi, checks), default, []
        alt = _other_group_fit(data, value, dv, dv_group)
        if alt is not None:
            checks.append(
                f"the {num(dv[0], 0)}% DV fits {_fmt(value)} of magnesium only under the DV of {alt[0]} "
                f"({alt[1]:g} mg), which the line does not name; both readings are given"
            )
            reason = f"{num(dv[0], 0)}% DV fits {_fmt(value)} of magnesium only if it is for {alt[0]}"
        else:
            reason = f"{num(dv[0], 0)}% DV fits neither {_fmt(value)} of magnesium nor {_fmt(value)} of the compound"
        return _Reading("unknown", reason, value * flo, value, checks), default, []
    marker = next((w for w in data.elemental_markers if re.search(rf"\b{re.escape(w)}\b", text)), None)
    if marker is not None:
        return _Reading("elemental", f"the line says '{marker}'", value, value, checks), None, []
    reason = "the compound is named as the ingredient, so the figure is the compound's weight"
    return _Reading("compound", reason, value * flo, value * fhi, checks), default, []


def _listed(names: list[str]) -> str:
    names = list(dict.fromkeys(names))
    if len(names) <= 1:
        return names[0] if names else ""
    return ", ".join(names[:-1]) + " and " + names[-1]


def _span(lo: float, hi: float) -> str:
    return _fmt(lo) if abs(hi - lo) < 0.05 else f"{_fmt(lo)} to {_fmt(hi)}"


def _trap(
    ref: Reference,
    stated: float,
    reading: _Reading,
    forms: list[Form],
    default: Form | None,
    compound_mg: float | None = None,
) -> str | None:
    cat, tr = ref.catalogue, ref.labels.trap_reference
    basis, reason, lo, hi = reading.basis, reading.reason, reading.lo, reading.hi
    r = reference(ref, tr.age, tr.sex, "none", tr.standard)
    rda = r.rda_mg or r.ai_mg or 0.0
    names = [f.family.replace("-", " ") for f in forms]
    listed = _listed(names)
    share = f"{100 * hi / rda:.0f}% of {tr.wording}" if rda else ""
    if basis == "compound" and default is not None:
        f = default
        return (
            f"{_fmt(stated)} is the weight of the {names[0]} salt; it gives {_span(lo, hi)} of magnesium "
            f"depending on which {names[0]} salt or hydrate it is ({_fmt(stated * f.fraction)} if it is "
            f"{f.name[0].lower() + f.name[1:]}, the usual one; up to {share})."
        )
    if basis == "compound" and len(forms) == 1:
        f = forms[0]
        sp = spread(cat, f, stated * f.fraction, stated)
        extra = ""
        if sp is not None and abs(hi - lo) < 0.05 and abs(hi - stated * f.fraction) < 0.05 * hi + 0.05:
            extra = (
                f" (from {_fmt(sp['elemental_mg_min'])} to {_fmt(sp['elemental_mg_max'])} across the "
                f"{names[0]} salts and hydrates)"
            )
        what = f.name[0].lower() + f.name[1:]
        return (
            f"{_fmt(stated)} is the weight of {what}; it gives {_span(lo, hi)} of magnesium, {share}{extra}."
        )
    if basis == "compound":
        return f"{_fmt(stated)} is the combined weight of {listed} in an unknown split; it gives {_fmt(lo)} to {_fmt(hi)} of magnesium."
    if basis == "elemental" and compound_mg is not None:
        what = f"the {listed}" if listed else "the compound"
        return f"{_fmt(stated)} is elemental magnesium, {share}, in the {_fmt(compound_mg)} of {what} the label states."
    if basis == "elemental" and forms:
        weights = [stated / f.fraction for f in forms]
        if len(weights) == 1:
            inside = f"in {_fmt(weights[0])} of the {listed} salt"
        else:
            inside = f"in {_fmt(min(weights))} to {_fmt(max(weights))} of the compounds, depending on the unknown split"
        return f"{_fmt(stated)} is elemental magnesium, not the weight of the {listed}: {share}, {inside}."
    if basis == "unknown":
        what = f"the weight of the {listed}" if listed else "a compound's weight"
        return f"mgcalc cannot tell whether {_fmt(stated)} is elemental magnesium or {what} ({reason}): between {_fmt(lo)} and {_fmt(hi)} of magnesium."
    return None
