"""All output: human tables (rich on a terminal, plain text otherwise), JSON and --plain.

The domain modules return pydantic models; this module turns them into text.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TextIO

from pydantic import BaseModel

from mgcalc.catalogue import Catalogue, Form
from mgcalc.chemistry import DoseResult, LabelResult
from mgcalc.errors import literal

#: Decimals kept for floats in JSON output.
JSON_DECIMALS = 3


def round_half_up(x: float, decimals: int) -> float:
    """Round as people do (59.45 -> 59.5), not banker's or binary-float rounding."""
    q = Decimal(f"{x:.{decimals + 6}f}").quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return float(q)


def num(x: float, decimals: int = 1) -> str:
    """A number for people: half-up rounded, thousands separated, no trailing noise."""
    return f"{round_half_up(x, decimals):,.{decimals}f}"


def mg(x: float, decimals: int = 1) -> str:
    """Milligrams for people: "500 mg", "80.8 mg"."""
    text = num(x, decimals)
    return f"{text.removesuffix('.' + '0' * decimals) if decimals else text} mg"


# ---------------------------------------------------------------- JSON / plain


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round_half_up(value, JSON_DECIMALS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def to_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> str:
    """One JSON document; floats rounded to JSON_DECIMALS."""
    if isinstance(obj, BaseModel):
        data: Any = obj.model_dump(mode="json")
    elif isinstance(obj, dict):
        data = obj
    else:
        data = [o.model_dump(mode="json") for o in obj]
    return json.dumps(_rounded(data), ensure_ascii=False)


def plain(value: float) -> str:
    """The headline number alone, one decimal, for ``x=$(mgcalc ... --plain)``."""
    return f"{round_half_up(value, 1):.1f}"


# ---------------------------------------------------------------- human views


@dataclass
class Table:
    """A titled table of strings."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    highlight: int | None = None  # row index to emphasise


@dataclass
class View:
    """What a human sees: a heading, label/value fields, tables and notes."""

    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _spread_note(what: str, r_el: float, variants_el: list[float], used: str, family: str) -> str:
    lo, hi = min([r_el, *variants_el]), max([r_el, *variants_el])
    return (
        f'Label trap: {what} of "{family}" holds {mg(lo)} to {mg(hi)} of magnesium depending on '
        f"the salt or hydrate; this result uses {used}."
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
        if r.input_basis == "compound":
            what = f"{mg(r.compound_mg)}"
            v.notes.append(
                _spread_note(what, r.elemental_mg, [x.elemental_mg for x in r.variants], r.form, r.family)
            )
    if r.notes:
        v.notes.append(r.notes)
    return v


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


def absorption_cell(f: Form) -> str:
    """A form's absorption figure in a few words."""
    a = f.absorption
    if a is None:
        return "no data"
    pct = f"{num(a.pct, 0)}%" if a.pct is not None else "no figure"
    at = f" at {mg(a.dose_mg, 0)}" if a.dose_mg is not None else ""
    return pct + at


def forms_view(cat: Catalogue) -> View:
    """The catalogue as one table."""
    rows = [[f.id, f.name, num(f.elemental_pct, 2), absorption_cell(f), f.laxative] for f in cat.forms]
    return View(
        title="mgcalc form catalogue",
        tables=[Table(f"{len(rows)} forms", ["id", "name", "%Mg", "absorption", "laxative"], rows)],
        notes=["'mgcalc forms ID' shows one entry with its sources."],
    )


def form_view(cat: Catalogue, f: Form) -> View:
    """One catalogue entry in full, with its sources."""
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
        s = cat.sources[key]
        rows.append([what, s.cite + (f" <{s.url}>" if s.url else "")])
    v.tables.append(Table("Sources", ["for", "source"], rows))
    return v


# ---------------------------------------------------------------- emitting


def use_rich(stream: TextIO) -> bool:
    """Rich output only on a terminal and without NO_COLOR; otherwise plain text."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def emit(view: View, stream: TextIO | None = None) -> None:
    """Write a view for people: rich on a terminal, aligned plain text otherwise."""
    out = stream or sys.stdout
    if use_rich(out):
        _emit_rich(view, out)
    else:
        out.write(text_view(view))


def text_view(view: View) -> str:
    """A view as plain text, no escape codes."""
    lines = [literal(view.title, 10_000)]
    if view.fields:
        width = max(len(k) for k, _ in view.fields)
        lines += [f"  {k.ljust(width)}  {literal(val, 10_000)}" for k, val in view.fields]
    for t in view.tables:
        lines += ["", literal(t.title, 10_000)]
        cells = [t.columns, *t.rows]
        widths = [max(len(literal(r[i], 10_000)) for r in cells) for i in range(len(t.columns))]
        for n, r in enumerate(cells):
            mark = "* " if t.highlight is not None and n - 1 == t.highlight else "  "
            lines.append(
                mark + "  ".join(literal(c, 10_000).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            )
    if view.notes:
        lines.append("")
        lines += [literal(n, 10_000) for n in view.notes]
    return "\n".join(lines) + "\n"


def _emit_rich(view: View, stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    def t(s: str, style: str = "") -> Text:
        return Text(literal(s, 10_000), style=style)

    console = Console(file=stream, markup=False, highlight=False, emoji=False)
    console.print(t(view.title, "bold"))
    if view.fields:
        grid = RichTable.grid(padding=(0, 2))
        grid.add_column(style="dim")
        grid.add_column()
        for k, val in view.fields:
            grid.add_row(t(k, "dim"), t(val))
        console.print(grid)
    for tab in view.tables:
        rt = RichTable(title=t(tab.title), title_justify="left", show_lines=False)
        for c in tab.columns:
            rt.add_column(t(c))
        for n, row in enumerate(tab.rows):
            rt.add_row(*(t(c) for c in row), style="bold cyan" if n == tab.highlight else None)
        console.print(rt)
    for note in view.notes:
        console.print(t(note, "italic"))
