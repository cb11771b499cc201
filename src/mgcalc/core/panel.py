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
from mgcalc.core.units import amount_in_text, normalise
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


# ---------------------------------------------------------------- reading pasted text

# The patterns are strings, compiled by ``re`` on first use (and kept in its cache): a plan
# whose products are label lines reads no pasted panel, and compiling them all at import ran
# 11 M instructions (valgrind, installed wheel: plan 1058.9 -> 1047.9 M; panel unchanged).
_FACTS = r"^(?:supplement|nutrition)\s+facts\b"
_DRUG = r"^drug\s+facts\b"
_SERVING = r"^serving\s+size\s*:?\s*(?P<v>.+?)\s*$"
_SERVINGS = r"^servings?\s+per\s+(?:container|package|bottle)\s*:?\s*(?P<v>.+?)\s*$"
_AMOUNT_HEADER = r"^(?:amount\s+per\s+(?:serving|tablet|capsule|dose)|per\s+serving)\b"
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


_UNITS = (
    r"(?i)^\s*(?P<n>\d+(?:\.\d+)?)\s+(?P<unit>tablets?|capsules?|caplets?|softgels?|vegcaps?|"
    r"chewables?|gummies|gummy|lozenges?|pills?)\b"
)


def units_per_serving(serving_size: str | None) -> tuple[float, str] | None:
    """How many units a serving of several tablets, capsules... is ("2 Tablets": (2, "tablet")),
    so that a per-unit amount can be derived (per serving / units); None for one unit, a measure
    ("15 mL", "1 scoop") or text that does not start with a count."""
    m = re.match(_UNITS, serving_size or "")
    if m is None:
        return None
    n = float(m["n"])
    if n <= 1:
        return None
    unit = m["unit"].casefold()
    singular = {"gummies": "gummy"}.get(unit, unit.removesuffix("s"))
    return n, singular


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
            piece = normalise(original).strip()
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
            if re.match(_AMOUNT_HEADER, piece) or re.match(_FOOTNOTE, piece):
                if any(w in piece for w in ("pregnant", "lactating")):
                    dv_group = "pregnancy-lactation"
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
                    rows.append(PanelRow(_active(rest), indent, "active"))
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
                rows.append(PanelRow(_active(original), indent, section))
            elif section == "other":
                rows += [PanelRow(p, indent, "other") for p in _top_level_split(original)]
            elif section == "info":
                rows += [PanelRow(p, indent, "info") for p in _statements(original)]
            else:
                rows.append(PanelRow(original, indent, section))
    return PanelInput(kind, rows, serving, servings, per, dv_group)


def _active(text: str) -> str:
    """A Drug Facts active ingredient line up to its amount: the purpose column follows it
    ("Magnesium hydroxide 1200 mg Saline laxative")."""
    low = normalise(text)
    m = amount_in_text().search(low)
    if m is None:
        return text
    return text[: m.end()] if len(low) == len(text) else low[: m.end()]


def _statements(text: str) -> list[str]:
    """A Drug Facts 'Other information' bullet split into statements ("calcium 20 mg and magnesium 535 mg")."""
    parts = re.split(r";|,|\band\b|:", text, flags=re.IGNORECASE)
    return [p.strip() for p in parts if p.strip()]


# ---------------------------------------------------------------- the panel


class _Line:
    """A magnesium row being worked on."""

    __slots__ = ("ambiguous", "counted", "error", "index", "parent", "parse", "role", "row", "text", "value")

    def __init__(self, index: int, row: PanelRow, parse: ParseResult | None, error: str | None) -> None:
        self.index, self.row, self.parse, self.error = index, row, parse, error
        self.text = row.text
        self.role: str = parse.role if parse is not None else "source"
        self.parent: str | None = None
        self.counted = False
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
            if str(e) == NO_MAGNESIUM:
                continue
            lines.append(_Line(i, row, None, str(e)))
            continue
        lines.append(_Line(i, row, p, None))
    return lines


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
    lo = sum(x.value[0] or 0.0 for x in counted if not x.ambiguous)
    hi: float | None = sum(x.value[1] or 0.0 for x in counted)
    for s in statements:
        value = s.parse.stated_mg if s.parse is not None else None
        if value is None or not counted:
            continue
        tol = 0.01 * value + 0.5
        assert hi is not None
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
        if p.stated_mg is not None or x.row.section == "active":
            x.error = (
                "magnesium is named here, but no amount of magnesium on the panel can be counted: "
                "the amount is unknown, not 0 mg"
            )
            return


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
