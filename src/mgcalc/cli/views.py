"""Human views: each result model turned into a View (title, fields, tables, notes).

Views never print and never add cautions: ``mgcalc.cli.output.finish`` adds a
result's cautions to every view, so no view can drop them. All figures go
through ``mgcalc.numbers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mgcalc.numbers import mg, num
from mgcalc.schema.data import Catalogue, Form, Reference

if TYPE_CHECKING:
    from mgcalc.schema.estimates import AbsorbResult, CompareResult, CurveResult
    from mgcalc.schema.records import ParseResult
    from mgcalc.schema.results import (
        Assessment,
        Caution,
        DoseResult,
        IntakeReference,
        LabelResult,
        ModelUsed,
        Spread,
    )


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

    __slots__ = ("blocks", "cautions", "fields", "notes", "sources", "tables", "title")

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

    def add_cautions(self, cautions: list[Caution]) -> View:
        """Append cautions (most severe first, each once) with their timing and a source footnote."""
        seen = {(text, mark) for _, text, mark in self.cautions}
        for c in sorted(cautions, key=lambda c: ("info", "caution", "avoid").index(c.level), reverse=True):
            mark = self.footnote(c.source)
            if (c.message, mark) not in seen:
                seen.add((c.message, mark))
                self.cautions.append((c.level, c.message, mark))
        return self

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
    basis = "manufacturer's figure" if r.pct_basis == "manufacturer" else "stoichiometry"
    v = View(
        title=f"{r.form_name}  [{r.form}]",
        fields=[
            given,
            derived,
            ("elemental %", f"{num(r.elemental_pct, 2)}% ({basis})"),
            ("amount", f"{num(r.elemental_mmol, 2)} mmol = {num(r.elemental_meq, 2)} mEq"),
            ("absorbed (est.)", f"{mg(r.absorbed_mg)} ({num(r.absorbed_pct, 0)}%) {_taken(r.count)}"),
            ("laxative", r.laxative),
        ],
    )
    if r.variants:
        col = "compound weight" if r.input_basis == "elemental" else "elemental Mg"
        rows = [
            [
                r.form,
                r.formula,
                num(r.elemental_pct, 2),
                mg(r.compound_mg if r.input_basis == "elemental" else r.elemental_mg),
            ]
        ]
        rows += [
            [
                x.form,
                x.formula,
                num(x.elemental_pct, 2),
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
    if r.spread is not None and r.input_basis == "compound":
        v.notes.append(spread_note(mg(r.compound_mg), r.spread))
    if r.notes:
        v.notes.append(r.notes)
    return v


def _taken(count: int) -> str:
    return "if taken at once, no meal" if count > 1 else "one intake, no meal"


ESTIMATE_NOTE = (
    "Absorbed figures are estimates for a healthy adult (Fine et al. 1991 saturable + linear "
    "model, scaled by form); see 'mgcalc forms FORM' for each form's evidence."
)


def _model_note(m: ModelUsed) -> str:
    basis = {"reference": "the reference salt", "measured": "measured", "assumed": "assumed"}[
        m.relative_basis
    ]
    meal = f", with {mg(m.meal_mg)} Mg from the meal" if m.meal_mg else ""
    return (
        f"Model: Vmax {mg(m.vmax_mg, 2)}, Km {mg(m.km_mg, 2)}, linear {num(100 * m.linear_fraction, 0)}%; "
        f"relative bioavailability {num(m.relative_bioavailability, 2)} ({basis}){meal}."
    )


def absorb_view(r: AbsorbResult) -> View:
    """The human view of an ``absorb`` result."""
    when = f"with a meal ({mg(r.model.meal_mg)} Mg)" if r.with_meal else "without food"
    v = View(
        title=f"{r.form_name}  [{r.form}]",
        fields=[
            ("elemental Mg", f"{mg(r.elemental_mg)} (compound {mg(r.compound_mg)})"),
            ("absorbed (est.)", f"{mg(r.absorbed_mg)} = {num(r.absorbed_pct, 1)}% in one intake {when}"),
        ],
    )
    best = max(r.splits, key=lambda s: s.absorbed_mg)
    rows = [
        [str(s.doses), mg(s.per_dose_mg), mg(s.absorbed_mg), f"{num(s.absorbed_pct, 1)}%"] for s in r.splits
    ]
    v.tables.append(Table("The same amount in equal doses", ["doses", "each", "absorbed", "fraction"], rows))
    if best.doses > 1:
        gain = best.absorbed_mg - r.splits[0].absorbed_mg
        v.notes.append(
            f"{best.doses} doses of {mg(best.per_dose_mg)} absorb {mg(gain)} more than one of {mg(r.elemental_mg)}."
        )
    v.notes += [_model_note(r.model), ESTIMATE_NOTE]
    return v


def compare_view(r: CompareResult) -> View:
    """The human view of a ``compare`` result."""
    what = "elemental Mg" if r.input_basis == "elemental" else "of each compound"
    priced = any(row.price is not None for row in r.rows)
    cols = ["form", "%Mg", "compound", "elemental", "absorbed", "basis", "laxative"]
    cols += ["price", "per 100 mg absorbed"] if priced else []
    rows = []
    for row in r.rows:
        cells = [
            row.form,
            num(row.elemental_pct, 2),
            mg(row.compound_mg),
            mg(row.elemental_mg),
            mg(row.absorbed_mg),
            row.relative_basis,
            row.laxative,
        ]
        if priced:
            cells += [
                "-" if row.price is None else num(row.price, 2),
                "-" if row.cost_per_100mg_absorbed is None else num(row.cost_per_100mg_absorbed, 2),
            ]
        rows.append(cells)
    meal = f", each with a meal of {mg(r.meal_mg)} Mg" if r.with_meal else ", one intake without food"
    # on a narrow terminal: hide the column every row shares first, then the least needed
    shared = 3 if r.input_basis == "elemental" else 2
    optional = (shared, 5, 1, 6) + ((7,) if priced else ())
    return View(
        title=f"{mg(r.amount_mg)} {what}, compared{meal}",
        tables=[Table(f"{len(rows)} forms", cols, rows, optional=optional)],
        notes=[
            "basis: how the form's bioavailability relative to Mg acetate is known "
            "(measured, assumed, or the reference salt itself).",
            ESTIMATE_NOTE,
        ],
    )


MARKS = "*o+x#@%&"


def text_chart(
    xs: list[list[float]],
    ys: list[list[float]],
    y_label: str,
    width: int = 56,
    height: int = 12,
    max_width: int | None = None,
) -> str:
    """A character plot of several series sharing axes that start at 0, at most ``max_width`` wide."""
    x_max = max(max(x) for x in xs) or 1.0
    y_max = max(max(y) for y in ys) or 1.0
    if max_width is not None:
        width = max(20, min(width, max_width - max(len(num(y_max, 1)), 1) - 2))
    grid = [[" "] * width for _ in range(height)]
    for n, (x, y) in enumerate(zip(xs, ys, strict=True)):
        for xv, yv in zip(x, y, strict=True):
            col = min(width - 1, round(xv / x_max * (width - 1)))
            row = min(height - 1, round(yv / y_max * (height - 1)))
            grid[height - 1 - row][col] = MARKS[n % len(MARKS)]
    top = num(y_max, 1)
    pad = max(len(top), 1)
    lines = [f"{y_label}"]
    for i, cells in enumerate(grid):
        label = top if i == 0 else ("0" if i == height - 1 else "")
        lines.append(f"{label.rjust(pad)} |{''.join(cells)}")
    lines.append(" " * pad + " +" + "-" * width)
    lines.append(" " * pad + "  0" + f"{num(x_max, 0)} mg elemental per dose".rjust(width - 1))
    return "\n".join(lines)


def curve_view(r: CurveResult) -> View:
    """The human view of a ``curve`` result: two character charts and a legend."""
    xs = [[p.dose_mg for p in s.points] for s in r.series]
    absorbed = [[p.absorbed_mg for p in s.points] for s in r.series]
    fraction = [[100 * p.fraction for p in s.points] for s in r.series]
    legend = [
        [
            MARKS[i % len(MARKS)],
            s.form,
            num(s.relative_bioavailability, 2),
            s.relative_basis,
            mg(s.points[-1].absorbed_mg),
        ]
        for i, s in enumerate(r.series)
    ]
    meal = f" (each dose with a meal of {mg(r.meal_mg)} Mg)" if r.meal_mg else ""
    return View(
        title=f"Absorbed magnesium against dose{meal}",
        blocks=[
            lambda w: text_chart(xs, absorbed, "absorbed, mg", max_width=w),
            lambda w: text_chart(xs, fraction, "fraction absorbed, %", max_width=w),
        ],
        tables=[
            Table("Legend", ["mark", "form", "relative", "basis", f"absorbed at {mg(r.max_mg)}"], legend)
        ],
        notes=[ESTIMATE_NOTE],
    )


SVG_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _svg_panel(r: CurveResult, title: str, ys: list[list[float]], left: float) -> list[str]:
    from xml.sax.saxutils import escape

    w, h, m = 420.0, 300.0, 50.0
    y_max = max(max(y) for y in ys) or 1.0

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
    for n, (s, y) in enumerate(zip(r.series, ys, strict=True)):
        pts = " ".join(f"{px(p.dose_mg):.1f},{py(v):.1f}" for p, v in zip(s.points, y, strict=True))
        width = 2 + 1.5 * (len(r.series) - 1 - n)  # earlier series wider: coinciding curves stay visible
        colour = SVG_COLOURS[n % len(SVG_COLOURS)]
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="{pts}"/>')
    return out


def curve_svg(r: CurveResult) -> str:
    """The curves as a standalone SVG picture: absorbed mg and fraction absorbed against dose."""
    from xml.sax.saxutils import escape

    w, h = 420, 300
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h + 30 + 18 * len(r.series)}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    out += _svg_panel(r, "absorbed, mg", [[p.absorbed_mg for p in s.points] for s in r.series], 0)
    out += _svg_panel(r, "fraction absorbed, %", [[100 * p.fraction for p in s.points] for s in r.series], w)
    for n, s in enumerate(r.series):
        y = h + 25 + 18 * n
        out.append(
            f'<rect x="50" y="{y - 9}" width="14" height="4" fill="{SVG_COLOURS[n % len(SVG_COLOURS)]}"/>'
        )
        out.append(
            f'<text x="70" y="{y - 3}">{escape(s.form_name)} (relative bioavailability '
            f"{num(s.relative_bioavailability, 2)}, {s.relative_basis})</text>"
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
        return "no amount"
    what = {
        "elemental": "elemental magnesium",
        "compound": "the compound's weight",
        "unknown": "of unknown basis",
    }
    return f"{mg(r.stated_mg)} is {what[r.basis]}"


def parse_view(r: ParseResult, line: int | None = None) -> View:
    """The human view of ``parse``."""
    if r.elemental_mg_min is None or r.elemental_mg_max is None:
        amount = "-"
    elif r.elemental_mg_min == r.elemental_mg_max:
        amount = mg(r.elemental_mg_min)
    else:
        amount = f"{mg(r.elemental_mg_min)} to {mg(r.elemental_mg_max)}"
    fields = [
        ("figure", _figure(r)),
        ("why", r.reason),
        ("forms", ", ".join(r.forms) or "-"),
        ("elemental Mg", amount),
    ]
    if r.percent_dv is not None:
        fields.append(("% DV", f"{num(r.percent_dv, 0)}%"))
    if r.excipients:
        fields.append(("excipients", ", ".join(r.excipients) + " (not counted)"))
    prefix = f"line {line}: " if line is not None else ""
    return View(title=prefix + r.text, fields=fields, notes=[r.trap] if r.trap else [])


def check_view(a: Assessment, drugs_given: bool = True) -> View:
    """The human view of ``check``; its cautions are added by the output path."""
    title = f"{len(a.cautions)} caution(s)" if a.cautions else "No cautions apply to what was given."
    v = View(title=title)
    if drugs_given:
        v.notes.append(
            "mgcalc knows drugs that interact with magnesium; one it does not know is listed, not cleared."
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
    """A form's absorption figure in a few words."""
    a = f.absorption
    if a is None:
        return "no data"
    if a.pct is None:
        return "no figure"
    at = f" at {mg(a.dose_mg, 0)}" if a.dose_mg is not None else ""
    return f"{num(a.pct, 0)}%{at}"


def forms_view(cat: Catalogue) -> View:
    """The catalogue as one table."""
    rows = [[f.id, f.name, num(f.elemental_pct, 2), absorption_cell(f), f.laxative] for f in cat.forms]
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
        notes=["'mgcalc forms ID' shows one entry with its sources."],
    )


def form_view(ref: Reference, f: Form) -> View:
    """One catalogue entry in full, with its sources."""
    cat = ref.catalogue
    fam = [x.id for x in cat.family_of(f) if x.id != f.id]
    v = View(
        title=f"{f.name}  [{f.id}]",
        fields=[
            ("formula", f.formula),
            ("elemental %", f"{num(f.elemental_pct, 3)}% ({f.basis})"),
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
