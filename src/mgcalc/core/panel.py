"""Whole panels: a Supplement Facts or Drug Facts panel as text, or a DSLD label record.

Pure: ``read_panel_text`` turns pasted panel text into rows (with their
indentation and section), ``mgcalc.core.dsld.record_panel`` does the same for a
DSLD record, and ``panel`` reads every row with the line reader, works out the
role of each magnesium line (a source, a per-form ``part`` under its parent, an
excipient, or ``other``: present with no amount of its own), counts each amount
once, cross-checks what can be cross-checked, and adds the cautions for the
person taking it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from mgcalc.core.labels import NO_MAGNESIUM, measure_of, parse_label
from mgcalc.core.safety import assess
from mgcalc.core.units import amount_in_text, drop_format, normalise
from mgcalc.core.volumes import read_volume
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import mg
from mgcalc.schema.build import make
from mgcalc.schema.data import Form, Reference, severity
from mgcalc.schema.inputs import Profile
from mgcalc.schema.records import PanelLine, PanelResult, ParseResult
from mgcalc.schema.results import Caution

#: Longest panel read, in characters (a real one is a few thousand).
MAX_PANEL = 200_000
#: Per-form rows match their parent within 1% plus 0.5 mg per row (rounding on labels).
SUM_TOLERANCE_FRACTION = 0.01


class PanelRow(NamedTuple):
    """One row of a panel: its text, indentation (nesting), section and %DV target group."""

    text: str
    indent: int = 0
    section: str = (
        "facts"  # facts, other (ingredients), active (Drug Facts), info (Drug Facts other information)
    )
    dv_group: str | None = None
    notes: tuple[str, ...] = ()  # what the reader noticed about the row (DSLD traps)
    source_id: str | None = None  # the DSLD ingredient id, so a result joins back to DSLD


class PanelInput(NamedTuple):
    """A panel as rows, with what it says about servings."""

    kind: str  # supplement facts, drug facts, dsld
    rows: list[PanelRow]
    serving_size: str | None = None
    servings_per_container: float | None = None
    per: str = "serving"
    dv_group: str | None = None
    max_daily_servings: float | None = None
    id: str | None = None
    full_name: str | None = None
    brand_name: str | None = None
    checks: tuple[str, ...] = ()
    amount_per: str | None = None  # the "Amount Per Tablet" heading's measure, when not a serving


# ---------------------------------------------------------------- reading pasted text

# The patterns are strings, compiled by ``re`` on first use (and kept in its cache): a plan
# whose products are label lines reads no pasted panel, and compiling them all at import ran
# 11 M instructions (valgrind, installed wheel: plan 1058.9 -> 1047.9 M; panel unchanged).
_FACTS = r"^(?:supplement|nutrition)\s+facts\b"
_DRUG = r"^drug\s+facts\b"
_SERVING = r"^serving\s+size\s*:?\s*(?P<v>.+?)\s*$"
_SERVINGS = r"^servings?\s+per\s+(?:container|package|bottle)\s*:?\s*(?P<v>.+?)\s*$"
_UNIT_WORDS = r"tablets?|capsules?|caplets?|softgels?|vegcaps?|chewables?|gummies|gummy|lozenges?|pills?"
_AMOUNT_HEADER = (
    rf"^(?:amount\s+)?per\s+(?:(?P<n>\d+(?:\.\d+)?)\s+)?(?P<unit>serving|dose|{_UNIT_WORDS})\b(?P<rest>.*)$"
)
#: The measure an active ingredient's amount is given in: "400 mg/5 mL", "500 mg per 15 mL".
_LINE_MEASURE = (
    r"\s*(?:/|\bper\b)\s*(?:\d+(?:[.,]\d+)?\s*)?(?:ml|cc|milli(?:lit(?:er|re)s?)|tsp|tbsp|teaspoon(?:ful)?s?|"
    r"tablespoon(?:ful)?s?|fl\.?\s*oz\.?|fluid\s+ounces?)(?![a-z])"
)
_OTHER = r"^(?:other|inactive)\s+ingredients?\s*:?\s*(?P<rest>.*)$"
_ACTIVE = r"^active\s+ingredients?\b(?P<rest>.*)$"
_MEASURE = r"(?i)\((?:in\s+)?(?:each|per)\s+(?P<m>[^)]+)\)"
_DRUG_HEADINGS = (
    r"^(?:purpose|uses?\b|warnings?|directions|questions|ask a doctor|stop use|do not use|when using|keep out|"
    r"if pregnant|allergy alert|package label|principal display|tamper)"
)
_INFO = r"^other\s+information\b\s*:?\s*(?P<rest>.*)$"
_AFTER = (
    r"^(?:suggested\s+use|directions|warnings?|caution|keep\s+out|distributed|manufactured|store\b|storage|"
    r"contains\s+no|free\s+of|allergen|this\s+product)"
)
_FOOTNOTE = r"^[*†‡%]"
_NUMBER = r"\d+(?:[.,]\d+)?"


_UNITS = rf"(?i)^\s*(?P<n>\d+(?:\.\d+)?)\s+(?P<unit>{_UNIT_WORDS})\b"


def units_per_serving(serving_size: str | None) -> tuple[float, str] | None:
    """How many units a serving of several tablets, capsules... is ("2 Tablets": (2, "tablet")),
    so that a per-unit amount can be derived (per serving / units); None for one unit, a measure
    ("15 mL", "1 scoop") or text that does not start with a count."""
    found = _count_of(serving_size)
    if found is None or found[0] <= 1:
        return None
    return found


def _count_of(serving_size: str | None) -> tuple[float, str] | None:
    """How many of which unit a serving size is ("1 Tablet": (1, "tablet")), or None."""
    m = re.match(_UNITS, serving_size or "")
    if m is None:
        return None
    return float(m["n"]), _singular(m["unit"])


def _singular(unit: str) -> str:
    unit = unit.casefold()
    return {"gummies": "gummy"}.get(unit, unit.removesuffix("s"))


def _top_level_split(text: str) -> list[str]:
    """An ingredient list split at commas and semicolons outside parentheses."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if ch in ",;" and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return [p.strip(" .") for p in out if p.strip(" .")]


def read_panel_text(text: str) -> PanelInput:
    """Rows of a pasted Supplement Facts or Drug Facts panel."""
    if len(text) > MAX_PANEL:
        raise MgcalcError(f"panel is {len(text):,} characters long; mgcalc reads panels up to {MAX_PANEL:,}")
    kind = "supplement facts"
    serving: str | None = None
    servings: float | None = None
    per = "serving"
    dv_group: str | None = None
    amount_per: str | None = None
    rows: list[PanelRow] = []
    section = "facts"
    for raw in text.splitlines():
        line = raw.expandtabs(4).rstrip()
        if not line.strip():
            if section == "other":
                section = "facts"
            continue
        indent = len(line) - len(line.lstrip())
        for original in [p.strip() for p in line.split("•")] if "•" in line else [line.strip()]:
            if not original:
                continue
            try:
                piece = normalise(original).strip()
            except MgcalcError:  # an invisible character in a number: the row is refused when read
                piece = normalise(drop_format(original)).strip()
            same = len(piece) == len(original)

            def tail(
                group: str, m: re.Match[str], original: str = original, piece: str = piece, same: bool = same
            ) -> str:
                """The matched group as written (case kept) where normalising kept the length."""
                return (
                    original[m.start(group) : m.end(group)] if same else piece[m.start(group) : m.end(group)]
                )

            if re.match(_DRUG, piece):
                kind = "drug facts"
                continue
            if re.match(_FACTS, piece):
                continue
            m = re.match(_SERVING, piece)
            if m:
                serving = tail("v", m).strip()
                continue
            m = re.match(_SERVINGS, piece)
            if m:
                n = re.search(_NUMBER, m["v"])
                servings = float(n.group(0).replace(",", "")) if n else None
                continue
            header = re.match(_AMOUNT_HEADER, piece)
            if header and amount_in_text().search(header["rest"]):
                header = None  # "Per Tablet: Magnesium 250 mg" is a line, not a heading
            if header or re.match(_FOOTNOTE, piece):
                if any(w in piece for w in ("pregnant", "lactating")):
                    dv_group = "pregnancy-lactation"
                # "Amount Per Tablet" (one column): the amounts are per tablet, whatever the serving
                if header and header["unit"] != "serving" and not re.search(r"\bper\b", header["rest"]):
                    unit = _singular(header["unit"])
                    amount_per = unit if header["n"] in (None, "1") else f"{header['n']} {header['unit']}"
                continue
            m = re.match(_OTHER, piece)
            if m:
                section = "other"
                rows += [PanelRow(p, indent, "other") for p in _top_level_split(tail("rest", m))]
                continue
            m = re.match(_ACTIVE, piece)
            if m:
                kind = "drug facts"
                section = "active"
                rest = tail("rest", m)
                mm = re.search(_MEASURE, rest)
                if mm:
                    per = mm["m"].strip()
                    rest = rest[: mm.start()] + rest[mm.end() :]
                # "Active ingredient (in each 15 mL) Magnesium hydroxide 1200 mg" on one line
                rest = re.sub(r"(?i)\bpurposes?\b", " ", rest).strip(" :")
                if rest:
                    rows += [PanelRow(a, indent, "active") for a in _active(rest)]
                continue
            m = re.match(_INFO, piece)
            if m:
                section = "info"
                if m["rest"].strip():
                    rows += [PanelRow(p, indent, "info") for p in _statements(tail("rest", m))]
                continue
            if kind == "drug facts" and re.match(_DRUG_HEADINGS, piece):
                section = "skip"
                continue
            if kind != "drug facts" and section in ("facts", "other") and re.match(_AFTER, piece):
                section = "skip"
                continue
            if section == "skip":
                continue
            if section == "active":
                rows += [PanelRow(a, indent, section) for a in _active(original)]
            elif section == "other":
                rows += [PanelRow(p, indent, "other") for p in _top_level_split(original)]
            elif section == "info":
                rows += [PanelRow(p, indent, "info") for p in _statements(original)]
            else:
                rows.append(PanelRow(original, indent, section))
    return PanelInput(kind, rows, serving, servings, per, dv_group, amount_per=amount_per)


def _active(text: str) -> list[str]:
    """A Drug Facts active ingredient line up to its amount and the measure the amount is in
    ("Magnesium hydroxide 400 mg/5 mL Saline laxative"): the purpose column follows it. Two
    actives on one line ("Calcium carbonate 550 mg; Magnesium hydroxide 110 mg") are two rows."""
    try:
        low = normalise(text)
    except MgcalcError:  # an invisible character in a number: the row is refused when read
        return [text]
    src = text if len(low) == len(text) else low
    out: list[str] = []
    start = 0
    for m in amount_in_text().finditer(low):
        end = m.end()
        measure = re.match(_LINE_MEASURE, low[end:])
        if measure is not None:
            end += measure.end()
        if low[:end].count("(") > low[:end].count(")"):
            continue  # inside parentheses: "(equivalent to 166 mg of magnesium)"
        piece = re.sub(r"(?i)^\s*(?:[;,&+]|and\b)\s*", "", src[start:end]).strip()
        if out and not re.search(r"[a-z]{3}", low[start : m.start()]):
            out[-1] = (out[-1] + " " + piece).strip()  # a second figure of one active: "400 mg (1.2 g)"
        else:
            out.append(piece)
        start = end
    return out or [text]


def _statements(text: str) -> list[str]:
    """A Drug Facts 'Other information' bullet split into statements ("calcium 20 mg and magnesium 535 mg")."""
    parts = re.split(r";|,|\band\b|:", text, flags=re.IGNORECASE)
    return [p.strip() for p in parts if p.strip()]


# ---------------------------------------------------------------- the panel


class _Line:
    """A magnesium row being worked on."""

    __slots__ = (
        "ambiguous",
        "counted",
        "error",
        "index",
        "measure",
        "parent",
        "parse",
        "role",
        "row",
        "text",
        "value",
    )

    def __init__(self, index: int, row: PanelRow, parse: ParseResult | None, error: str | None) -> None:
        self.index, self.row, self.parse, self.error = index, row, parse, error
        self.text = row.text
        self.role: str = parse.role if parse is not None else "source"
        self.parent: str | None = None
        self.counted = False
        self.measure: str | None = None  # the measure an active ingredient's amount is in ("5 mL")
        self.ambiguous = False  # may restate another line's magnesium: counted only in the highest reading
        self.value: tuple[float | None, float | None] = (
            (parse.elemental_mg_min, parse.elemental_mg_max) if parse is not None else (None, None)
        )


def _is_nutrient(p: ParseResult) -> bool:
    """A "Magnesium ... N mg" line: the elemental amount that per-form rows may split."""
    return (
        p.role == "source"
        and p.basis == "elemental"
        and p.stated_mg is not None
        and p.stated_compound_mg is None
        and p.default_form is None
    )


def _read_rows(ref: Reference, inp: PanelInput) -> list[_Line]:
    lines = []
    for i, row in enumerate(inp.rows):
        try:
            p = parse_label(
                ref, row.text, dv_group=row.dv_group or inp.dv_group, other_ingredient=row.section == "other"
            )
        except MgcalcError as e:
            if str(e) == NO_MAGNESIUM and not _says_magnesium(row.text):
                continue
            error = str(e)
            if error == NO_MAGNESIUM:
                error = (
                    "the line says magnesium, but mgcalc cannot read it as a magnesium line (a mark run into "
                    "the word?): it is unread, not skipped"
                )
            lines.append(_Line(i, row, None, error))
            continue
        line = _Line(i, row, p, None)
        if row.section == "active":
            line.measure = measure_of(ref, row.text)
        lines.append(line)
    return lines


def _says_magnesium(text: str) -> bool:
    """Whether a row a reader would take for a magnesium line spells the word ("Magnesium2 250 mg")."""
    low = text.casefold()
    return "magnes" in low and not ("stearate" in low or "silicate" in low)


def _children(inp: PanelInput, lines: list[_Line], parent: _Line) -> list[_Line]:
    """The magnesium lines nested under ``parent`` by indentation."""
    out = []
    indent = parent.row.indent
    for j in range(parent.index + 1, len(inp.rows)):
        if inp.rows[j].indent <= indent or inp.rows[j].section != parent.row.section:
            break
        out += [x for x in lines if x.index == j]
    return out


def _sums_to(parts: list[_Line], total: float) -> bool:
    stated = [x.parse.stated_mg for x in parts if x.parse is not None and x.parse.stated_mg is not None]
    if len(stated) != len(parts) or not stated:
        return False
    return abs(sum(stated) - total) <= SUM_TOLERANCE_FRACTION * total + 0.5 * len(stated)


def _holds(part: _Line, total: float) -> bool:
    """Whether a compound-weight row holds the parent's elemental amount."""
    p = part.parse
    if p is None or p.basis != "compound" or p.elemental_mg_min is None or p.elemental_mg_max is None:
        return False
    tol = SUM_TOLERANCE_FRACTION * total + 1
    return p.elemental_mg_min - tol <= total <= p.elemental_mg_max + tol


def _nest(inp: PanelInput, lines: list[_Line], checks: list[str]) -> None:
    """Per-form rows against their parent: each parent's amount is counted once."""
    claimed: set[int] = set()
    for line in lines:
        p = line.parse
        if line.index in claimed or p is None or not _is_nutrient(p):
            continue
        total = p.stated_mg
        assert total is not None
        kids = _children(inp, lines, line)
        by_indent = bool(kids)
        if not kids:
            # a pasted panel that lost its indentation: the compound rows right after the
            # magnesium line are its parts only if they add up to it (or hold it)
            run: list[_Line] = []
            for nxt in lines:
                if nxt.index <= line.index or nxt.row.section != line.row.section:
                    continue
                q = nxt.parse
                if q is None or q.role != "source" or q.basis != "compound" or q.percent_dv is not None:
                    break
                if nxt.index != (run[-1].index if run else line.index) + 1:
                    break
                run.append(nxt)
                if _sums_to(run, total) or (len(run) == 1 and _holds(run[0], total)):
                    kids = list(run)
        if not kids:
            continue
        names = " + ".join(f"{k.text}" for k in kids)
        if _sums_to(kids, total):
            for k in kids:
                q = k.parse
                assert q is not None and q.stated_mg is not None
                k.value = (q.stated_mg, q.stated_mg)
            checks.append(
                f"'{literal(line.text)}': the per-form rows ({literal(names)}) add up to {mg(total)}: "
                "they split the parent's elemental magnesium and are counted once, with it"
            )
        elif len(kids) == 1 and _holds(kids[0], total):
            checks.append(
                f"'{literal(line.text)}': {literal(kids[0].text)} holds {_range_text(kids[0])} of magnesium, "
                f"which agrees with {mg(total)}: it is the compound weight of the same magnesium, counted once"
            )
        else:
            checks.append(
                f"'{literal(line.text)}': the rows under it ({literal(names)}) neither add up to {mg(total)} "
                "nor hold it as compound weights; the parent's figure is counted, the rows are not"
            )
        if not by_indent:
            checks.append(
                f"'{literal(line.text)}': the rows after it were read as its parts (no indentation)"
            )
        for k in kids:
            k.role = "part"
            k.parent = line.text
            claimed.add(k.index)
    # a compound row beside the Magnesium row (not nested): the same magnesium, or more of it?
    nutrients = [x for x in lines if x.parse is not None and _is_nutrient(x.parse) and x.role == "source"]
    for line in lines:
        p = line.parse
        if line.role != "source" or p is None or p.basis != "compound" or line.index in claimed:
            continue
        same = [
            n
            for n in nutrients
            if n.row.section == line.row.section
            and n.parse is not None
            and n.parse.stated_mg is not None
            and _holds(line, n.parse.stated_mg)
        ]
        if same:
            n = same[0]
            line.role, line.parent = "part", n.text
            claimed.add(line.index)
            checks.append(
                f"'{literal(line.text)}' holds {_range_text(line)} of magnesium, which agrees with "
                f"'{literal(n.text)}': the compound weight of the same magnesium, counted once"
            )
        elif any(n.row.section == line.row.section for n in nutrients):
            line.ambiguous = True
            checks.append(
                f"'{literal(line.text)}' names a compound beside the magnesium line and does not hold its amount: "
                "it may restate that magnesium or add to it, so only the highest reading counts it; check the label"
            )


def _range_text(line: _Line) -> str:
    lo, hi = line.value
    if lo is None or hi is None:
        return "an unknown amount"
    return mg(lo) if abs(hi - lo) < 0.05 else f"{mg(lo)} to {mg(hi)}"


def panel(ref: Reference, inp: PanelInput, profile: Profile | None = None) -> PanelResult:
    """Read a whole panel: every magnesium line with its role, the elemental magnesium per
    serving (or per measure) as a range, the cross-checks made, and the person's cautions."""
    checks: list[str] = list(inp.checks)
    lines = _read_rows(ref, inp)
    _nest(inp, lines, checks)
    for line in lines:
        if line.row.section == "other" and line.role == "source":
            line.role = "other"  # an Other Ingredients entry carries no declared amount
        if line.row.section == "info" and line.parse is not None:
            line.role = "other"  # a Drug Facts content statement: cross-checked below, not added
        for note in line.row.notes:
            checks.append(f"'{literal(line.text)}': {note}")
        if line.parse is not None:
            checks += [f"'{literal(line.text)}': {c}" for c in line.parse.checks]
        if line.role == "source" and line.error is None:
            line.counted = True
    # notes on rows that are not magnesium lines (a DSLD Manganese row whose form says magnesium)
    seen = {x.index for x in lines}
    for i, row in enumerate(inp.rows):
        if i not in seen:
            checks += [f"'{literal(row.text)}': {note}" for note in row.notes]
    counted = [x for x in lines if x.counted]
    errors = [x for x in lines if x.error is not None]
    statements = [x for x in lines if x.row.section == "info" and x.parse is not None]
    per = inp.per
    if not counted and not errors:
        only = _only_figure(ref, inp, lines, statements, checks)
        if only is not None:
            counted = [only]
            statements = [x for x in statements if x is not only]
            per = _measure(ref, inp) or per
        else:
            _uncounted(lines, checks)
            errors = [x for x in lines if x.error is not None]
    elif counted:
        _unstated_beside(lines, counted, checks)
        errors = [x for x in lines if x.error is not None]
    lo = sum(x.value[0] or 0.0 for x in counted if not x.ambiguous)
    # a counted line without a highest figure leaves the total without one: never read as 0
    highs = [x.value[1] for x in counted]
    hi: float | None = None if None in highs else sum(h for h in highs if h is not None)
    for s in statements:
        value = s.parse.stated_mg if s.parse is not None else None
        if value is None or not counted or hi is None:
            continue
        tol = 0.01 * value + 0.5
        if lo - tol <= value <= hi + tol:
            checks.append(
                f"'{literal(s.text)}' agrees with the active ingredient ({mg(lo) if abs(hi - lo) < 0.05 else mg(lo) + ' to ' + mg(hi)} of magnesium)"
            )
        else:
            checks.append(
                f"label error: '{literal(s.text)}' disagrees with the active ingredient, which holds "
                f"{mg(lo) if abs(hi - lo) < 0.05 else mg(lo) + ' to ' + mg(hi)} of magnesium; both figures are kept"
            )
            lo, hi = min(lo, value), max(hi, value)
    lo, hi, per = _amount_per(ref, inp, counted, lo, hi, per, checks)
    if errors:
        checks.append(f"{len(errors)} line(s) naming magnesium could not be read; the total is a lower bound")
        hi = None
    if not lines:
        checks.append("no line of this panel names magnesium")
    excipients = []
    for x in lines:
        if x.parse is not None:
            excipients += x.parse.excipients
    # the salts of what is counted: a part names the salt of its parent's magnesium
    forms = _forms(ref, [x for x in lines if x.error is None and (x.counted or x.role == "part")])
    per_day = _servings_a_day(inp, profile)
    result: dict[str, Any] = {
        "kind": inp.kind,
        "id": inp.id,
        "full_name": inp.full_name,
        "brand_name": inp.brand_name,
        "serving_size": inp.serving_size,
        "servings_per_container": inp.servings_per_container,
        "per": per,
        "dv_group": _group_id(ref, inp.dv_group),
        "elemental_mg_min": lo,
        "elemental_mg_max": hi,
        "max_daily_servings": inp.max_daily_servings,
        "daily_elemental_mg_min": lo * per_day,
        "daily_elemental_mg_max": hi * per_day if hi is not None else None,
        "lines": [_line_model(ref, x) for x in lines],
        "excipients": list(dict.fromkeys(excipients)),
        "checks": list(dict.fromkeys(checks)),
    }
    result.update(_cautions(ref, profile, hi if hi is not None else lo, per_day, forms))
    return make(PanelResult, **result)


def _only_figure(
    ref: Reference, inp: PanelInput, lines: list[_Line], statements: list[_Line], checks: list[str]
) -> _Line | None:
    """A Drug Facts panel whose active ingredient gives no amount per dose (Epsom salt: "Magnesium
    sulfate USP (heptahydrate) 100%") and whose Other information states the magnesium in a dose
    ("each teaspoon contains: magnesium 495 mg"): that statement is the panel's magnesium."""
    stated = [
        x
        for x in statements
        if x.parse is not None and x.parse.basis == "elemental" and x.parse.elemental_mg_max is not None
    ]
    if not stated:
        return None
    only = stated[0]
    only.role, only.counted = "source", True
    checks.append(
        f"'{literal(only.text)}' is the only amount of magnesium on the panel: it is counted, per "
        f"{_measure(ref, inp) or inp.per}"
    )
    value = only.value[1]
    for x in lines:
        p = x.parse
        if x.row.section != "active" or p is None or p.percent_dv is None or len(p.forms) != 1 or not value:
            continue
        f = ref.catalogue.get(p.forms[0])
        x.role, x.parent = "part", only.text  # the substance of that magnesium: its salt, not added
        checks.append(
            f"'{literal(x.text)}': {mg(value)} of magnesium is {mg(value / f.fraction)} of "
            f"{f.name[0].lower() + f.name[1:]} ({f.elemental_pct:g}% Mg) at {p.percent_dv:g}%"
        )
    return only


def _measure(ref: Reference, inp: PanelInput) -> str | None:
    """The measure a Drug Facts content statement names ("each teaspoon contains"), if any."""
    for row in inp.rows:
        if row.section == "info":
            found = measure_of(ref, row.text)
            if found is not None:
                return found
    return None


def _uncounted(lines: list[_Line], checks: list[str]) -> None:
    """Nothing counted although a line names magnesium with a figure (or is a Drug Facts active
    ingredient): the amount is unknown, never 0 mg; the line is an error (exit 1)."""
    for x in lines:
        p = x.parse
        if p is None or x.role != "other":
            continue
        # a magnesium salt named in the Supplement Facts with no amount (a blend's component)
        named = x.row.section == "facts" and bool(p.forms or p.unknown_forms)
        if p.stated_mg is not None or x.row.section == "active" or named:
            x.error = (
                "magnesium is named here, but no amount of magnesium on the panel can be counted: "
                "the amount is unknown, not 0 mg"
            )
            return


def _amount_per(
    ref: Reference,
    inp: PanelInput,
    counted: list[_Line],
    lo: float,
    hi: float | None,
    per: str,
    checks: list[str],
) -> tuple[float, float | None, str]:
    """The total per serving when the heading gives the amounts per unit ("Amount Per Tablet" over
    "Serving Size 2 Tablets": twice the lines), else per what the heading or the line names."""
    if inp.amount_per is not None:
        count = _count_of(inp.amount_per) or (1.0, inp.amount_per)
        serving = _count_of(inp.serving_size)
        if serving is not None and serving[1] == count[1]:
            factor = serving[0] / count[0]
            if factor != 1:
                checks.append(
                    f"the amounts are per {inp.amount_per} (the 'Amount Per' heading) and a serving is "
                    f"{inp.serving_size}: the total per serving is {factor:g} x the lines"
                )
                return lo * factor, hi * factor if hi is not None else None, per
        else:
            checks.append(
                f"the amounts are per {inp.amount_per} (the 'Amount Per' heading); the serving size "
                f"{'(' + inp.serving_size + ') ' if inp.serving_size else ''}does not say how many: the total is per {inp.amount_per}"
            )
            return lo, hi, inp.amount_per
    # a Drug Facts amount in its own measure ("400 mg/5 mL"): the total is per that measure
    measures = {found for x in counted if x.row.section == "active" and (found := x.measure) is not None}
    if len(measures) == 1:
        own = measures.pop()
        if not _same_measure(ref, own, per):
            if per != "serving":
                checks.append(
                    f"the heading gives the amounts in each {per}, the active ingredient line per {own}: "
                    f"the total is per {own}, as the line states it"
                )
            return lo, hi, own
    elif len(measures) > 1:
        checks.append(
            f"the active ingredients are given per different measures ({', '.join(sorted(measures))})"
        )
        return lo, None, per
    return lo, hi, per


def _same_measure(ref: Reference, a: str, b: str) -> bool:
    """Whether two measures are the same ("5 ml" and "5 mL teaspoonful")."""
    if a.casefold() == b.casefold():
        return True
    va, vb = _volume_ml(ref, a), _volume_ml(ref, b)
    return va is not None and vb is not None and abs(va - vb) < 1e-9


def _volume_ml(ref: Reference, text: str) -> float | None:
    """The mL of a measure, read from its first words ("5 mL teaspoonful": 5), or None."""
    words = text.split()
    for k in range(len(words), 0, -1):
        try:
            found = read_volume(ref.labels, " ".join(words[:k]))
        except MgcalcError:
            continue
        if found is not None:
            return found.ml
    return None


def _unstated_beside(lines: list[_Line], counted: list[_Line], checks: list[str]) -> None:
    """A magnesium salt named in the Supplement Facts with no amount (a blend's component) beside
    a counted line: a Magnesium line declares all the magnesium of a serving (21 CFR 101.36(b)(2)),
    so the salt is in it; with no Magnesium line its amount is unknown, not 0 mg (an error)."""
    nutrient = next((x for x in counted if x.parse is not None and _is_nutrient(x.parse)), None)
    for x in lines:
        p = x.parse
        if p is None or x.role != "other" or x.row.section != "facts" or p.stated_mg is not None:
            continue
        if not (p.forms or p.unknown_forms):
            continue
        if nutrient is not None:
            checks.append(
                f"'{literal(x.text)}' names magnesium with no amount of its own: '{literal(nutrient.text)}' "
                "declares all the magnesium of a serving (21 CFR 101.36(b)(2)), so it is not added"
            )
        else:
            x.error = (
                "magnesium is named here with no amount of its own, and no Magnesium line declares the "
                "total: the amount is unknown, not 0 mg"
            )


def _group_id(ref: Reference, name: str | None) -> str | None:
    g = ref.labels.daily_value.group(name)
    return g.id if g is not None else name


def _servings_a_day(inp: PanelInput, profile: Profile | None) -> int:
    """Servings a day: --per-day when given (not 1), else the label's maximum, else 1."""
    given = profile.per_day if profile is not None else 1
    if given != 1 or not inp.max_daily_servings:
        return given
    return max(1, round(inp.max_daily_servings))


def _forms(ref: Reference, counted: list[_Line]) -> list[Form]:
    out: dict[str, Form] = {}
    for x in counted:
        for fid in x.parse.forms if x.parse is not None else []:
            try:
                out[fid] = ref.catalogue.get(fid)
            except KeyError:  # pragma: no cover - a parse result names catalogue ids
                continue
    return list(out.values())


def _cautions(
    ref: Reference, profile: Profile | None, per_serving: float, per_day: int, forms: list[Form]
) -> dict[str, Any]:
    """The safety fields for the panel's highest reading taken ``per_day`` times a day, for each form."""
    prof = profile or Profile()
    daily = per_serving * per_day
    found: dict[tuple[str, str], Caution] = {}
    unknown = []
    candidates: list[Form | None] = [*forms] if forms else [None]
    for f in candidates:
        a = assess(ref, prof, daily if daily > 0 else None, f)
        unknown = a.unknown_drugs
        for c in a.cautions:
            found.setdefault((c.code, c.message), c)
    cautions = sorted(found.values(), key=lambda c: -severity(c.level))
    return {"per_day": per_day, "daily_elemental_mg": daily, "cautions": cautions, "unknown_drugs": unknown}


def _line_model(ref: Reference, x: _Line) -> PanelLine:
    p = x.parse
    lo, hi = x.value
    forms = p.forms if p is not None else []
    return make(
        PanelLine,
        text=x.text,
        role=x.role,
        basis=p.basis if p is not None else None,
        forms=forms,
        unii={f: ref.catalogue.get(f).unii for f in forms},
        stated_mg=p.stated_mg if p is not None else None,
        elemental_mg_min=lo,
        elemental_mg_max=hi,
        percent_dv=p.percent_dv if p is not None else None,
        reason=p.reason if p is not None else "",
        unknown_forms=p.unknown_forms if p is not None else [],
        trade_words=p.trade_words if p is not None else [],
        nested_under=x.parent,
        counted=x.counted,
        error=x.error,
        ingredient_id=x.row.source_id,
    )
