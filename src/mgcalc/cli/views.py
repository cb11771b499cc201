"""Human views: each result model turned into a View (title, fields, tables, notes).

Views never print and never add cautions: ``mgcalc.cli.output.finish`` adds a
result's cautions to every view, so no view can drop them. All figures go
through ``mgcalc.numbers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mgcalc.errors import literal
from mgcalc.numbers import mg, num
from mgcalc.schema.data import Catalogue, Form, Reference

if TYPE_CHECKING:
    from mgcalc.schema.estimates import AbsorbResult, CompareResult, CurvePoint, CurveResult, CurveSeries
    from mgcalc.schema.records import ConvertResult, ParseResult
    from mgcalc.schema.results import (
        Assessment,
        Caution,
        DoseResult,
        IntakeReference,
        LabelResult,
        ModelUsed,
        Spread,
    )


def escape(text: str) -> str:
    """Text for an SVG (XML) text node."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: Where a caution named its subject, while cautions are compared (see View.add_cautions).
_SUBJECT = "\ue002"


# Plain classes rather than dataclasses: dataclass creation compiles code at
# import, a measurable share of start-up.
class Table:
    """A titled table of strings; ``highlight`` is a row index to emphasise.

    On a narrow terminal the layout may wrap the ``wrap`` columns (prose) at
    spaces and hide the ``optional`` columns, in that order; the first column
    (the id) is never cut, wrapped or hidden.
    """

    __slots__ = ("columns", "highlight", "optional", "rows", "title", "wrap")

    def __init__(
        self,
        title: str,
        columns: list[str],
        rows: list[list[str]],
        highlight: int | None = None,
        *,
        wrap: tuple[int, ...] = (),
        optional: tuple[int, ...] = (),
    ) -> None:
        self.title, self.columns, self.rows, self.highlight = title, columns, rows, highlight
        self.wrap, self.optional = wrap, optional


#: A preformatted block (a chart drawn by mgcalc), or a function drawing it for a width (None: any).
Block = str | Callable[[int | None], str]


class View:
    """What a human sees: a heading, label/value fields, tables, preformatted blocks and notes.

    Cautions are (level, message, footnote number); ``sources`` are the
    footnotes' full citations, numbered from 1.
    """

    __slots__ = ("blocks", "cautions", "fields", "notes", "sources", "subjects", "tables", "title")

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str]] | None = None,
        tables: list[Table] | None = None,
        notes: list[str] | None = None,
        blocks: list[Block] | None = None,
    ) -> None:
        self.title = title
        self.fields = fields or []
        self.tables = tables or []
        self.notes = notes or []
        self.blocks = blocks or []
        self.cautions: list[tuple[str, str, int]] = []  # (level, message, footnote), shown last
        self.sources: list[str] = []  # footnotes, numbered from 1
        #: Names cautions may begin with ("Magnesium oxide is ...") and the short id to list them by:
        #: the same caution about several of them is printed once, naming them (see add_cautions).
        self.subjects: dict[str, str] = {}

    def add_cautions(self, cautions: list[Caution]) -> View:
        """Append cautions (most severe first, each once) with their timing and a source footnote.

        Cautions that say the same of several ``subjects`` ("X is strongly
        laxative and ...") are merged into one naming them all, in order.
        """
        seen = {(text, mark) for _, text, mark in self.cautions}
        ordered = sorted(cautions, key=lambda c: ("info", "caution", "avoid").index(c.level), reverse=True)
        for level, message, source in self._merged(ordered):
            mark = self.footnote(source)
            if (message, mark) not in seen:
                seen.add((message, mark))
                self.cautions.append((level, message, mark))
        return self

    def _merged(self, cautions: list[Caution]) -> list[tuple[str, str, str]]:
        """(level, message, source) of each caution, those differing only by their subject merged."""
        # the longest name first: "Magnesium citrate, NOW..." before "Magnesium citrate"
        names = sorted(self.subjects, key=len, reverse=True)
        groups: dict[tuple[str, str, str], list[str]] = {}
        out: list[tuple[str, str, str]] = []
        for c in cautions:
            subject = next((s for s in names if s and s in c.message), None)
            if subject is None:
                out.append((c.level, c.message, c.source))
                continue
            key = (c.level, c.message.replace(subject, _SUBJECT, 1), c.source)
            if key not in groups:
                groups[key] = []
                out.append(key)
            if self.subjects[subject] not in groups[key]:
                groups[key].append(self.subjects[subject])
        merged = []
        for level, text, source in out:
            ids = groups.get((level, text, source))
            if ids is None:
                merged.append((level, text, source))
                continue
            if len(ids) == 1:
                name = next(s for s in names if self.subjects[s] == ids[0])
                merged.append((level, text.replace(_SUBJECT, name), source))
                continue
            many = f"{len(ids)} forms ({', '.join(ids)})"
            if text.startswith(_SUBJECT + " is "):
                text = many + " are " + text[len(_SUBJECT + " is ") :]
            else:
                text = text.replace(_SUBJECT, many).replace("this form", "each of these forms")
            merged.append((level, text, source))
        return merged

    def footnote(self, source: str) -> int:
        """The number of a source footnote (added once)."""
        if source not in self.sources:
            self.sources.append(source)
        return self.sources.index(source) + 1


def spread_note(what: str, sp: Spread) -> str:
    """The label trap in words, from the family spread the core computed."""
    return (
        f'Label trap: {what} of "{sp.family}" holds {mg(sp.elemental_mg_min)} to {mg(sp.elemental_mg_max)} '
        f"of magnesium depending on the salt or hydrate; this result uses {sp.used}."
    )


def label_view(r: LabelResult) -> View:
    """The human view of a ``label`` result."""
    count = f" x {r.count}" if r.count > 1 else ""
    if r.input_basis == "elemental":
        given = ("elemental Mg", f"{mg(r.amount_mg)}{count} (as given)")
        derived = ("compound weight", f"{mg(r.compound_mg)} of {r.formula}")
    else:
        given = ("compound weight", f"{mg(r.amount_mg)}{count} of {r.formula} (as given)")
        derived = ("elemental Mg", mg(r.elemental_mg))
    basis = PCT_BASIS.get(r.pct_basis, r.pct_basis)
    v = View(
        title=f"{r.form_name}  [{r.form}]",
        fields=[
            given,
            derived,
            ("elemental %", f"{num(r.elemental_pct, 2)}% ({basis})"),
            ("amount", f"{num(r.elemental_mmol, 2)} mmol = {num(r.elemental_meq, 2)} mEq"),
            (
                "absorbed (est.)",
                f"{mg(r.absorbed_mg)} ({num(r.absorbed_pct, 0)}%), range {_range(r.absorbed_mg_min, r.absorbed_mg_max)}, "
                f"{_taken(r.count)}",
            ),
            ("absorption", _basis_words(r.absorption_model)),
            ("laxative", r.laxative),
        ],
    )
    if r.variants:
        col = "compound weight" if r.input_basis == "elemental" else "elemental Mg"
        rows = [
            [
                r.form,
                r.formula,
                num(r.elemental_pct, 2) + _basis_mark(r.pct_basis),
                mg(r.compound_mg if r.input_basis == "elemental" else r.elemental_mg),
            ]
        ]
        rows += [
            [
                x.form,
                x.formula,
                num(x.elemental_pct, 2) + _basis_mark(x.pct_basis),
                mg(x.compound_mg if r.input_basis == "elemental" else x.elemental_mg),
            ]
            for x in r.variants
        ]
        v.tables.append(
            Table(
                f'Variants of "{r.family}" (* = used)',
                ["form", "formula", "%Mg", col],
                rows,
                highlight=0,
            )
        )
    if any(x.pct_basis not in (None, "stoichiometry") for x in r.variants) or r.pct_basis != "stoichiometry":
        v.notes.append(
            "m = manufacturer's figure, p = pharmacopoeial or specification range (central value shown)."
        )
    if r.spread is not None and r.input_basis == "compound":
        v.notes.append(spread_note(mg(r.compound_mg), r.spread))
    if r.notes:
        v.notes.append(r.notes)
    return v


PCT_BASIS = {
    "stoichiometry": "stoichiometry",
    "manufacturer": "manufacturer's figure",
    "pharmacopoeia": "pharmacopoeia / specification",
}


def _basis_mark(basis: str | None) -> str:
    return {"manufacturer": " m", "pharmacopoeia": " p"}.get(basis or "", "")


def _range(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "-"
    return f"{mg(low).removesuffix(' mg')}-{mg(high)}"


def _basis_words(m: ModelUsed) -> str:
    rel = _relative_text(
        m.relative_bioavailability, m.relative_bioavailability_min, m.relative_bioavailability_max
    )
    words = {
        "reference": "the soluble reference salt",
        "measured": "from human comparisons",
        "assumed": "assumed like the soluble reference" if m.relative_bioavailability == 1 else "assumed",
    }[m.relative_basis]
    return f"relative bioavailability {rel}, {words}"


def label_plain_note(r: LabelResult) -> str | None:
    """What ``label --plain`` read the name as, for stderr, where the family spans more than one figure."""
    sp = r.spread
    if sp is None:
        return None
    # a user catalogue's name is text from a file: escapes shown, never interpreted (as the views)
    read = f"read as {literal(r.form_name)} [{literal(r.form)}], {num(r.elemental_pct, 2)}% Mg"
    return (
        f"{read}; the {literal(sp.family)} family gives {mg(sp.elemental_mg_min)} to {mg(sp.elemental_mg_max)}"
        if r.input_basis == "compound"
        else read
    )


def _taken(count: int) -> str:
    return "if taken at once, no meal" if count > 1 else "one intake, no meal"


ESTIMATE_NOTE = (
    "Absorbed figures are estimates of apparent absorption (the share of the dose not recovered in "
    "stool) for a healthy adult: Fine et al. 1991's saturable + linear curve on the dose, scaled by "
    "form, each with a range from the form's relative bioavailability, the meal Mg of Fine's fit, the "
    "fasting factor and a between-study spread set so every comparable human study lies inside it "
    "(docs/absorption.md); see 'mgcalc forms FORM' for each form's evidence."
)


def _model_note(m: ModelUsed) -> str:
    meal = (
        "with a meal (Fine's fed state, factor 1)"
        if m.fed
        else f"without food (fasting factor {num(m.meal_factor or 1, 3)}, range "
        f"{num(m.meal_factor_min or 1, 3)}-{num(m.meal_factor_max or 1, 3)})"
    )
    vmax = mg(m.vmax_mg, 2)
    if m.vmax_mg_min is not None and m.vmax_mg_max is not None:
        vmax += f" ({mg(m.vmax_mg_min, 1).removesuffix(' mg')}-{mg(m.vmax_mg_max, 1)})"
    km = mg(m.km_mg, 2)
    if m.km_mg_min is not None and m.km_mg_max is not None:
        km += f" ({mg(m.km_mg_min, 1).removesuffix(' mg')}-{mg(m.km_mg_max, 1)})"
    spread = (
        f"; study spread -{num(100 * (1 - m.study_spread_min), 0)}%/+{num(100 * (m.study_spread_max - 1), 0)}% on the ends"
        if m.study_spread_min is not None and m.study_spread_max is not None
        else ""
    )
    return (
        f"Model: Vmax {vmax}, Km {km}, linear {num(100 * m.linear_fraction, 0)}%; "
        f"{_basis_words(m)}; {meal}{spread}."
    )


def absorb_view(r: AbsorbResult) -> View:
    """The human view of an ``absorb`` result."""
    when = "with a meal" if r.with_meal else "without food"
    v = View(
        title=f"{r.form_name}  [{r.form}]",
        fields=[
            ("elemental Mg", f"{mg(r.elemental_mg)} (compound {mg(r.compound_mg)})"),
            (
                "absorbed (est.)",
                f"{mg(r.absorbed_mg)} = {num(r.absorbed_pct, 1)}% in one intake {when} "
                f"(range {_range(r.absorbed_mg_min, r.absorbed_mg_max)})",
            ),
        ],
    )
    best = max(r.splits, key=lambda s: s.absorbed_mg)
    rows = [
        [
            str(s.doses),
            mg(s.per_dose_mg),
            mg(s.absorbed_mg),
            _range(s.absorbed_mg_min, s.absorbed_mg_max),
            f"{num(s.absorbed_pct, 1)}%",
        ]
        for s in r.splits
    ]
    v.tables.append(
        Table("The same amount in equal doses", ["doses", "each", "absorbed", "range", "fraction"], rows)
    )
    if best.doses > 1:
        gain = best.absorbed_mg - r.splits[0].absorbed_mg
        v.notes.append(
            f"{best.doses} doses of {mg(best.per_dose_mg)} absorb {mg(gain)} more than one of {mg(r.elemental_mg)} "
            "(central estimates)."
        )
    if r.with_meal:
        v.notes.append(
            f"The meal's own Mg ({mg(r.model.meal_mg)}) is recorded, not computed with: "
            "no study varied it; with a meal is Fine's fed state."
        )
    v.notes += [_model_note(r.model), ESTIMATE_NOTE]
    return v


def compare_view(r: CompareResult) -> View:
    """The human view of a ``compare`` result."""
    what = "elemental Mg" if r.input_basis == "elemental" else "of each compound"
    priced = any(row.price is not None for row in r.rows)
    cols = ["form", "%Mg", "compound", "elemental", "absorbed", "range", "basis", "laxative"]
    cols += ["price", "per 100 mg absorbed"] if priced else []
    rows = []
    for row in r.rows:
        cells = [
            row.form,
            num(row.elemental_pct, 2),
            mg(row.compound_mg),
            mg(row.elemental_mg),
            mg(row.absorbed_mg),
            _range(row.absorbed_mg_min, row.absorbed_mg_max),
            row.relative_basis + ("*" if row.relative_basis == "assumed" else ""),
            row.laxative,
        ]
        if priced:
            cells += [
                "-" if row.price is None else num(row.price, 2),
                "-" if row.cost_per_100mg_absorbed is None else num(row.cost_per_100mg_absorbed, 2),
            ]
        rows.append(cells)
    meal = ", each with a meal" if r.with_meal else ", one intake without food"
    # on a narrow terminal: hide the column every row shares first, then the price as given, the
    # basis and %Mg; never the range, the laxative column (safety) or the cost per 100 mg absorbed
    # (what --price asked for): rows are stacked rather than lose them
    shared = 3 if r.input_basis == "elemental" else 2
    optional = (shared, *((8,) if priced else ()), 6, 1)
    v = View(
        title=f"{mg(r.amount_mg)} {what}, compared{meal}",
        tables=[Table(f"{len(rows)} forms", cols, rows, optional=optional)],
        notes=[
            "Sorted as given (or by the central absorbed estimate); range: low to high estimate. "
            "basis: how the form's bioavailability relative to Mg acetate is known (measured: human "
            "comparisons; reference: the salt itself); * assumed: no human comparison, absorbed like the "
            "soluble reference (or like oxide, for poorly soluble forms).",
            ESTIMATE_NOTE,
        ],
    )
    v.subjects = {row.form_name: row.form for row in r.rows}
    return v


MARKS = "*o+x#@%&"
#: The mark of a point where several series meet (none of them hides another).
OVERLAP = "="


def text_chart(
    xs: list[list[float]],
    ys: list[list[float]],
    y_label: str,
    width: int = 56,
    height: int = 12,
    bands: list[tuple[list[float], list[float]]] | None = None,
    max_width: int | None = None,
) -> str:
    """A character plot of several series sharing axes that start at 0, at most ``max_width`` wide.

    ``bands`` (low and high values per series) are shaded with '.' under the
    series marks: the range around each estimate.
    """
    x_max = max(max(x) for x in xs) or 1.0
    tops = [max(y) for y in ys] + [max(hi) for _, hi in bands or []]
    y_max = max(tops) or 1.0
    if max_width is not None:
        width = max(20, min(width, max_width - max(len(num(y_max, 1)), 1) - 2))
    grid = [[" "] * width for _ in range(height)]
    for x, (lows, highs) in zip(xs, bands or [], strict=False):
        for xv, lo, hi in zip(x, lows, highs, strict=True):
            col = min(width - 1, round(xv / x_max * (width - 1)))
            r_lo = min(height - 1, round(lo / y_max * (height - 1)))
            r_hi = min(height - 1, round(hi / y_max * (height - 1)))
            for row in range(r_lo, r_hi + 1):
                if grid[height - 1 - row][col] == " ":
                    grid[height - 1 - row][col] = "."
    overlap = False
    for n, (x, y) in enumerate(zip(xs, ys, strict=True)):
        mark = MARKS[n % len(MARKS)]
        for xv, yv in zip(x, y, strict=True):
            col = min(width - 1, round(xv / x_max * (width - 1)))
            row = min(height - 1, round(yv / y_max * (height - 1)))
            cell = grid[height - 1 - row][col]
            if cell in MARKS + OVERLAP and cell != mark:  # another series is here: keep both visible
                overlap = True
                mark_here = OVERLAP
            else:
                mark_here = mark
            grid[height - 1 - row][col] = mark_here
    top = num(y_max, 1)
    pad = max(len(top), 1)
    lines = [f"{y_label}"]
    for i, cells in enumerate(grid):
        label = top if i == 0 else ("0" if i == height - 1 else "")
        lines.append(f"{label.rjust(pad)} |{''.join(cells)}")
    lines.append(" " * pad + " +" + "-" * width)
    lines.append(" " * pad + "  0" + f"{num(x_max, 0)} mg elemental per dose".rjust(width - 1))
    if overlap:
        lines.append(f"{OVERLAP}: several series at the same point")
    return "\n".join(lines)


def curve_view(r: CurveResult) -> View:
    """The human view of a ``curve`` result: two character charts and a legend."""
    xs = [[p.dose_mg for p in s.points] for s in r.series]
    absorbed = [[p.absorbed_mg for p in s.points] for s in r.series]
    fraction = [[100 * p.fraction for p in s.points] for s in r.series]
    band_mg = [_band(s, lambda p: (p.absorbed_mg_min, p.absorbed_mg_max)) for s in r.series]
    band_pct = [
        ([100 * v for v in lo], [100 * v for v in hi])
        for lo, hi in (_band(s, lambda p: (p.fraction_min, p.fraction_max)) for s in r.series)
    ]
    legend = [
        [
            MARKS[i % len(MARKS)],
            s.form,
            _relative_text(
                s.relative_bioavailability, s.relative_bioavailability_min, s.relative_bioavailability_max
            ),
            s.relative_basis,
            mg(s.points[-1].absorbed_mg),
            _range(s.points[-1].absorbed_mg_min, s.points[-1].absorbed_mg_max),
        ]
        for i, s in enumerate(r.series)
    ]
    fed = r.with_meal if r.with_meal is not None else bool(r.meal_mg)
    meal = " (each dose with a meal)" if fed else " (each dose without food)"
    notes = [_coincide_note(r.series)] if len(r.series) > 1 else []
    return View(
        title=f"Absorbed magnesium against dose{meal}",
        blocks=[
            lambda w: text_chart(
                xs,
                absorbed,
                "absorbed, mg (marks: central estimate; dots: range)",
                bands=band_mg,
                max_width=w,
            ),
            lambda w: text_chart(xs, fraction, "fraction absorbed, %", bands=band_pct, max_width=w),
        ],
        tables=[
            Table(
                "Legend",
                ["mark", "form", "relative", "basis", f"absorbed at {mg(r.max_mg)}", "range"],
                legend,
            )
        ],
        notes=[n for n in notes if n] + [ESTIMATE_NOTE],
    )


def _coincide_note(series: list[CurveSeries]) -> str | None:
    """Which series lie on the same curve (the same figures and ranges at every dose), in words."""

    def key(s: CurveSeries) -> tuple[tuple[float | None, ...], ...]:
        return tuple(
            (p.dose_mg, round(p.absorbed_mg, 6), p.absorbed_mg_min, p.absorbed_mg_max) for p in s.points
        )

    groups: dict[tuple[tuple[float | None, ...], ...], list[int]] = {}
    for i, s in enumerate(series):
        groups.setdefault(key(s), []).append(i)
    said = []
    for members in groups.values():
        if len(members) > 1:
            names = [f"{series[i].form} ({MARKS[i % len(MARKS)]})" for i in members]
            said.append(f"{', '.join(names[:-1])} and {names[-1]}")
    if not said:
        return None
    return (
        "Same curve: "
        + "; ".join(said)
        + f" give the same figures at every dose, so their marks coincide (drawn as {OVERLAP})."
    )


def _band(
    s: CurveSeries, pick: Callable[[CurvePoint], tuple[float | None, float | None]]
) -> tuple[list[float], list[float]]:
    """Low and high values of a series (the central value where a point has no range)."""
    lows, highs = [], []
    for p in s.points:
        lo, hi = pick(p)
        lows.append(p.absorbed_mg if lo is None else lo)
        highs.append(p.absorbed_mg if hi is None else hi)
    return lows, highs


def _relative_text(r: float, lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None or lo == hi:
        return num(r, 2)
    return f"{num(r, 2)} ({num(lo, 2)}-{num(hi, 2)})"


SVG_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _svg_panel(
    r: CurveResult,
    title: str,
    ys: list[list[float]],
    left: float,
    bands: list[tuple[list[float], list[float]]] | None = None,
) -> list[str]:
    w, h, m = 420.0, 300.0, 50.0
    y_max = max([max(y) for y in ys] + [max(hi) for _, hi in bands or []]) or 1.0

    def px(x: float) -> float:
        return left + m + (w - 1.5 * m) * x / r.max_mg

    def py(y: float) -> float:
        return h - m + 10 - (h - 1.5 * m) * y / y_max

    out = [
        f'<text x="{left + w / 2}" y="20" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(r.max_mg)}" y2="{py(0)}" stroke="black"/>',
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(0)}" y2="{py(y_max)}" stroke="black"/>',
        f'<text x="{left + w / 2}" y="{h + 5}" text-anchor="middle">elemental Mg per dose, mg</text>',
    ]
    for t in range(5):
        xv, yv = r.max_mg * t / 4, y_max * t / 4
        out.append(f'<text x="{px(xv)}" y="{py(0) + 15}" text-anchor="middle">{num(xv, 0)}</text>')
        out.append(f'<text x="{px(0) - 5}" y="{py(yv) + 4}" text-anchor="end">{num(yv, 0)}</text>')
    for n, (s, (lows, highs)) in enumerate(zip(r.series, bands or [], strict=False)):
        upper = [f"{px(p.dose_mg):.1f},{py(v):.1f}" for p, v in zip(s.points, highs, strict=True)]
        lower = [f"{px(p.dose_mg):.1f},{py(v):.1f}" for p, v in zip(s.points, lows, strict=True)]
        colour = SVG_COLOURS[n % len(SVG_COLOURS)]
        out.append(
            f'<polygon fill="{colour}" fill-opacity="0.15" stroke="none" '
            f'points="{" ".join(upper + lower[::-1])}"/>'
        )
    for n, (s, y) in enumerate(zip(r.series, ys, strict=True)):
        pts = " ".join(f"{px(p.dose_mg):.1f},{py(v):.1f}" for p, v in zip(s.points, y, strict=True))
        width = 2 + 1.5 * (len(r.series) - 1 - n)  # earlier series wider: coinciding curves stay visible
        colour = SVG_COLOURS[n % len(SVG_COLOURS)]
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="{pts}"/>')
    return out


def curve_svg(r: CurveResult) -> str:
    """The curves as a standalone SVG picture: absorbed mg and fraction absorbed against dose."""
    w, h = 420, 300
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h + 30 + 18 * len(r.series)}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    band_mg = [_band(s, lambda p: (p.absorbed_mg_min, p.absorbed_mg_max)) for s in r.series]
    band_pct = [
        ([100 * v for v in lo], [100 * v for v in hi])
        for lo, hi in (_band(s, lambda p: (p.fraction_min, p.fraction_max)) for s in r.series)
    ]
    out += _svg_panel(r, "absorbed, mg", [[p.absorbed_mg for p in s.points] for s in r.series], 0, band_mg)
    out += _svg_panel(
        r, "fraction absorbed, %", [[100 * p.fraction for p in s.points] for s in r.series], w, band_pct
    )
    for n, s in enumerate(r.series):
        y = h + 25 + 18 * n
        out.append(
            f'<rect x="50" y="{y - 9}" width="14" height="4" fill="{SVG_COLOURS[n % len(SVG_COLOURS)]}"/>'
        )
        rel = _relative_text(
            s.relative_bioavailability, s.relative_bioavailability_min, s.relative_bioavailability_max
        )
        out.append(
            f'<text x="70" y="{y - 3}">{escape(s.form_name)} (relative bioavailability '
            f"{rel}, {s.relative_basis}; shaded: range)</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def dose_view(r: DoseResult) -> View:
    """The human view of a ``dose`` result."""
    v = View(
        title=f"{r.form_name}  [{r.form}]",
        fields=[
            (
                "target",
                f"{mg(r.target_elemental_mg)} elemental Mg ({num(r.target_elemental_mmol, 2)} mmol)",
            ),
            ("compound weight", f"{mg(r.compound_mg)} of {r.formula}"),
            ("elemental %", f"{num(r.elemental_pct, 2)}%"),
            ("laxative", r.laxative),
        ],
    )
    if r.tablet_mg is not None:
        assert r.elemental_mg_below is not None and r.elemental_mg_above is not None
        v.tables.append(
            Table(
                f"Tablets of {mg(r.tablet_mg)}",
                ["tablets", "elemental Mg"],
                [
                    [str(r.tablets_below), mg(r.elemental_mg_below)],
                    [str(r.tablets_above), mg(r.elemental_mg_above)],
                ]
                if r.tablets_below != r.tablets_above
                else [[str(r.tablets_below), mg(r.elemental_mg_below)]],
            )
        )
    if r.variants:
        rows = [[r.form, r.formula, num(r.elemental_pct, 2), mg(r.compound_mg)]]
        rows += [[x.form, x.formula, num(x.elemental_pct, 2), mg(x.compound_mg)] for x in r.variants]
        v.tables.append(
            Table(
                "Compound weight needed with each variant",
                ["form", "formula", "%Mg", "compound"],
                rows,
                highlight=0,
            )
        )
    return v


def _figure(r: ParseResult) -> str:
    if r.stated_mg is None:
        return "no amount of its own" if r.role != "excipient" else "no amount"
    if r.role == "other":
        return f"{mg(r.stated_mg)} is not an amount of magnesium"
    if r.role == "excipient":
        return f"{mg(r.stated_mg)} of an excipient"
    what = {
        "elemental": "elemental magnesium",
        "compound": "the compound's weight",
        "unknown": "of unknown basis",
    }
    return f"{mg(r.stated_mg)} is {what[r.basis]}"


def elemental_text(lo: float | None, hi: float | None, role: str) -> str:
    if lo is None or hi is None:
        return "present, amount not stated" if role == "other" else "-"
    if abs(hi - lo) < 0.05:
        return mg(lo)
    return f"{mg(lo)} to {mg(hi)}"


ROLE_WORDS = {
    "source": "a magnesium source",
    "part": "a per-form part of the line above it",
    "excipient": "an excipient (not counted)",
    "other": "magnesium present, not counted",
}


def parse_view(r: ParseResult, line: int | None = None) -> View:
    """The human view of ``parse``."""
    fields = [
        ("role", ROLE_WORDS[r.role]),
        ("figure", _figure(r)),
        ("why", r.reason),
        ("forms", ", ".join(r.forms) or "-"),
        ("elemental Mg", elemental_text(r.elemental_mg_min, r.elemental_mg_max, r.role)),
    ]
    if r.default_form is not None:
        fields.append(
            ("family", f"a bare family name: the range covers every salt ({r.default_form} is the usual one)")
        )
    if r.percent_dv is not None:
        group = f" (DV of {r.dv_group})" if r.dv_group not in (None, "adults") else ""
        fields.append(("% DV", f"{num(r.percent_dv, 0)}%{group}"))
    if r.unknown_forms:
        fields.append(("not in catalogue", ", ".join(r.unknown_forms)))
    if r.trade_words:
        fields.append(("trade words", ", ".join(r.trade_words) + " (recognised, not forms)"))
    if r.excipients:
        fields.append(("excipients", ", ".join(r.excipients) + " (not counted)"))
    prefix = f"line {line}: " if line is not None else ""
    notes = [f"check: {c}" for c in r.checks]
    notes += [r.trap] if r.trap else []
    return View(title=prefix + r.text, fields=fields, notes=notes)


def convert_view(r: ConvertResult) -> View:
    """The human view of ``convert``."""
    if r.quantity == "amount":
        assert r.elemental_mg is not None and r.mmol is not None and r.meq is not None
        v = View(
            title=f"{num(r.value, 4).rstrip('0').rstrip('.')} {r.unit} of magnesium (elemental)",
            fields=[
                ("elemental Mg", mg(r.elemental_mg, 2)),
                ("mmol", num(r.mmol, 3)),
                ("mEq", num(r.meq, 3)),
            ],
            notes=[r.note],
        )
        return v
    assert r.mg_dl is not None and r.mmol_l is not None and r.meq_l is not None
    fields = [("mg/dL", num(r.mg_dl, 2)), ("mmol/L", num(r.mmol_l, 3)), ("mEq/L", num(r.meq_l, 3))]
    v = View(
        title=f"Serum magnesium {num(r.value, 4).rstrip('0').rstrip('.')} {r.unit}",
        fields=fields,
        notes=[r.note],
    )
    rr = r.reference_range
    if rr is not None and r.position is not None:
        mark = v.footnote(f"{rr.source}: {rr.quote}")
        fields.append(
            (
                "reference range",
                f"{num(rr.low_mmol_l, 2)}-{num(rr.high_mmol_l, 2)} mmol/L ({num(rr.low_mg_dl, 2)}-"
                f"{num(rr.high_mg_dl, 2)} mg/dL) [{mark}]",
            )
        )
        fields.append(("position", f"{r.position} the reference range"))
    return v


def check_view(a: Assessment, drugs_given: bool = True) -> View:
    """The human view of ``check``; its cautions are added by the output path."""
    counts = {lvl: sum(c.level == lvl for c in a.cautions) for lvl in ("avoid", "caution", "info")}
    title = (
        ", ".join(f"{n} {lvl}{'s' if n > 1 and lvl == 'caution' else ''}" for lvl, n in counts.items() if n)
        if a.cautions
        else "No cautions apply to what was given."
    )
    v = View(title=title)
    if drugs_given and a.unknown_drugs:
        v.notes.append(
            "A medicine mgcalc cannot identify is not cleared: it is a caution until a pharmacist checks it."
        )
    return v


def intake_view(r: IntakeReference, ref: Reference) -> View:
    """The human view of ``intake``."""
    if r.rda_mg is not None:
        target = ("RDA", f"{mg(r.rda_mg, 0)}/day (food and supplements)")
    elif r.ai_mg is not None:
        target = ("adequate intake", f"{mg(r.ai_mg, 0)}/day (food and supplements)")
    else:
        target = ("reference intake", "not set")
    ul = f"{mg(r.ul_supplemental_mg, 0)}/day" if r.ul_supplemental_mg is not None else "not set"
    if r.ul_standard is not None and r.ul_supplemental_mg is not None:
        ul += f" ({r.ul_standard}; {r.standard_name.split(',')[0]} set none at this age)"
    v = View(
        title=f"{r.life_stage} ({r.standard_name})",
        fields=[target, ("UL, supplemental", ul)],
        notes=[n for n in (r.ul_note, r.note) if n],
    )
    for key in r.sources:
        v.footnote(ref.cite([key]))
    return v


def absorption_cell(f: Form) -> str:
    """A form's absorption evidence in a few words."""
    a = f.absorption
    if a is None:
        return "no data"
    if a.like is not None:
        return f"like {a.like}"
    if a.relative_min is not None and a.relative_max is not None and a.relative_min != a.relative_max:
        return f"rel {num(a.relative_min, 1)}-{num(a.relative_max, 1)}"
    if a.pct is None:
        return "no figure"
    at = f" at {mg(a.dose_mg, 0)}" if a.dose_mg is not None else ""
    return f"{num(a.pct, 0)}%{at}"


def _pct_cell(f: Form) -> str:
    return num(f.elemental_pct, 2) + _basis_mark(f.basis)


def forms_view(cat: Catalogue) -> View:
    """The catalogue as one table."""
    rows = [[f.id, f.name, _pct_cell(f), absorption_cell(f), f.laxative] for f in cat.forms]
    return View(
        title="mgcalc form catalogue",
        tables=[
            Table(
                f"{len(rows)} forms",
                ["id", "name", "%Mg", "absorption", "laxative"],
                rows,
                wrap=(1,),
                optional=(3,),
            )
        ],
        notes=[
            "%Mg: m = manufacturer's figure, p = pharmacopoeial or specification range (central shown). "
            "'mgcalc forms ID' shows one entry with its sources.",
        ],
    )


def _pct_range_text(f: Form) -> str:
    lo, hi = f.pct_range
    return "" if lo == hi else f", range {num(lo, 2)}-{num(hi, 2)}%"


def form_view(ref: Reference, f: Form) -> View:
    """One catalogue entry in full, with its sources."""
    cat = ref.catalogue
    fam = [x.id for x in cat.family_of(f) if x.id != f.id]
    v = View(
        title=f"{f.name}  [{f.id}]",
        fields=[
            ("formula", f.formula_text),
            ("UNII", f.unii or "none checked (see --json unii_note)"),
            ("elemental %", f"{num(f.elemental_pct, 3)}% ({PCT_BASIS[f.basis]}){_pct_range_text(f)}"),
            ("absorption", absorption_cell(f)),
            ("laxative", f.laxative),
            ("aliases", ", ".join(f.aliases) or "-"),
            (
                "family",
                f"{f.family} (default {cat.family_default(f).id})"
                + (f"; also {', '.join(fam)}" if fam else ""),
            ),
        ],
    )
    if f.absorption is not None:
        v.notes.append(f"Absorption: {f.absorption.note}")
    if f.notes:
        v.notes.append(f.notes)
    quotes = [*f.evidence, *(f.absorption.evidence if f.absorption else [])]
    if quotes:
        v.tables.append(
            Table(
                "Evidence",
                ["for", "quote", "where"],
                [[q.about, " ".join(q.quote.split()), q.where] for q in quotes],
            )
        )
    cited = [("elemental %", k) for k in f.sources.elemental_pct] + [
        ("laxative", k) for k in f.sources.laxative
    ]
    cited += [("absorption", k) for k in (f.absorption.sources if f.absorption else [])]
    rows = []
    for what, key in cited:
        src = ref.source(key)
        rows.append([what, key if src is None else src.cite + (f" <{src.url}>" if src.url else "")])
    v.tables.append(Table("Sources", ["for", "source"], rows, wrap=(1,)))
    return v
