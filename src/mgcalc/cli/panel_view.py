"""The human view of ``mgcalc panel``."""

from __future__ import annotations

from mgcalc.cli.views import Table, View, elemental_text
from mgcalc.core.panel import units_per_serving
from mgcalc.numbers import mg, num
from mgcalc.schema.records import PanelResult


def panel_view(r: PanelResult) -> View:
    """The human view of ``panel``: the label's own words, and a per-unit amount (derived) where a
    serving is several tablets or capsules."""
    if r.kind == "dsld":
        name = " - ".join(x for x in (r.brand_name, r.full_name) if x)
        title = f"DSLD label {r.id or '?'}" + (f": {name}" if name else "")
    else:
        title = "Drug Facts panel" if r.kind == "drug facts" else "Supplement Facts panel"
    per = "per serving" if r.per == "serving" else f"per {r.per}"
    fields = []
    if r.serving_size:
        fields.append(("serving size", r.serving_size))
    if r.servings_per_container is not None:
        fields.append(("servings", f"{num(r.servings_per_container, 0)} per container"))
    total = elemental_text(r.elemental_mg_min, r.elemental_mg_max, "source")
    if r.elemental_mg_max is None and r.elemental_mg_min is not None:
        total = f"at least {mg(r.elemental_mg_min)} (a line could not be read)"
    fields.append((f"elemental Mg {per}", total))
    if r.daily_elemental_mg_max is not None and r.per_day != 1:
        why = (
            " (the label's maximum)"
            if r.max_daily_servings and r.per_day == round(r.max_daily_servings)
            else ""
        )
        fields.append(("a day", f"{mg(r.daily_elemental_mg_max)} at {r.per_day} servings{why}"))
    units = units_per_serving(r.serving_size) if r.per == "serving" else None
    if units is not None and r.elemental_mg_min is not None:
        n, unit = units
        each = elemental_text(
            r.elemental_mg_min / n, None if r.elemental_mg_max is None else r.elemental_mg_max / n, "source"
        )
        if r.elemental_mg_max is None:
            each = f"at least {mg(r.elemental_mg_min / n)}"
        fields.append((f"per {unit}", f"{each} (derived: per serving / {num(n, 0)})"))
    if r.dv_group not in (None, "adults"):
        fields.append(("% DV for", r.dv_group))
    v = View(title=title, fields=fields)
    if r.lines:
        rows = []
        for x in r.lines:
            amount = "error" if x.error else elemental_text(x.elemental_mg_min, x.elemental_mg_max, x.role)
            role = x.role + ("" if x.counted or x.role in ("excipient", "other") else " (not added)")
            rows.append([role, amount, x.text])
        v.tables.append(Table("Magnesium lines", ["role", "elemental Mg", "line"], rows))
    for x in r.lines:
        if x.error:
            v.notes.append(f"cannot read '{x.text}': {x.error}")
    if r.excipients:
        v.notes.append("Excipients (not counted): " + ", ".join(_excipient_names(r)) + ".")
    v.notes += [f"check: {c}" for c in r.checks]
    return v


def _excipient_names(r: PanelResult) -> list[str]:
    """The excipients as the label words them ("Vegetable Stearate"), with what they were read as
    where that differs ("(read as magnesium stearate)")."""
    said = list(dict.fromkeys(x.text.strip(" .;,") for x in r.lines if x.role == "excipient"))
    if len(said) == len(r.excipients):
        return [
            words if words.casefold() == name.casefold() else f"{words} (read as {name})"
            for words, name in zip(said, r.excipients, strict=True)
        ]
    read = [n for n in r.excipients if n.casefold() not in {w.casefold() for w in said}]
    return said + ([f"read as {', '.join(read)}"] if said and read else read)
