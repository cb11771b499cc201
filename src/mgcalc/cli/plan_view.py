"""The human view of ``mgcalc plan``: the totals, then a timetable for each pattern of days."""

from __future__ import annotations

from mgcalc.cli.views import Table, View
from mgcalc.numbers import mg as fmt
from mgcalc.numbers import num
from mgcalc.schema.plan import PlanResult, Timetable


def plan_view(r: PlanResult) -> View:
    """The human view of ``plan``: the totals, then a timetable for each pattern of days."""
    if r.daily_elemental_mg_min == r.daily_elemental_mg_max:
        total = fmt(r.daily_elemental_mg_max)
    else:
        total = f"{fmt(r.daily_elemental_mg_min)} to {fmt(r.daily_elemental_mg_max)}"
    fields = [("magnesium a day", f"{total} from supplements")]
    if r.ul_mg is not None:
        fields.append(("upper level", f"{fmt(r.ul_mg)}/day supplemental ({r.ul_source})"))
    if r.reference_intake_mg is not None:
        food = "" if r.diet_mg is None else f"; with {fmt(r.diet_mg)} from food: "
        lo, hi = r.total_with_diet_mg_min, r.total_with_diet_mg_max
        if lo is not None and hi is not None:
            food += fmt(hi) if lo == hi else f"{fmt(lo)} to {fmt(hi)}"
        fields.append(
            (r.reference_intake_kind or "reference", f"{fmt(r.reference_intake_mg)}/day, food included{food}")
        )
    if r.daily_absorbed_mg is not None:
        spread = ""
        if r.daily_absorbed_mg_min is not None and r.daily_absorbed_mg_max is not None:
            spread = f" ({fmt(r.daily_absorbed_mg_min)} to {fmt(r.daily_absorbed_mg_max)})"
        fields.append(
            (
                "absorbed (est.)",
                f"{fmt(r.daily_absorbed_mg)}{spread} a day as scheduled (apparent absorption: "
                "the share of each dose not recovered in stool)",
            )
        )
    v = View(title="Magnesium plan for the day", fields=fields)
    tables = r.timetables or [
        Timetable(
            days=["every day"],
            label="",
            schedule=r.schedule,
            unsatisfied=r.unsatisfied,
            no_timetable_reason=r.no_timetable_reason,
            min_gap_minutes=r.min_gap_minutes,
        )
    ]
    several = len(tables) > 1
    for t in tables:
        rows = [
            [
                i.time,
                i.kind,
                i.item + (f" ({fmt(i.elemental_mg)})" if i.elemental_mg is not None else ""),
                i.why,
            ]
            for i in t.schedule
        ]
        title = f"Timetable: {t.label}" if several else "Timetable"
        v.tables.append(Table(title, ["time", "kind", "what", "why this time"], rows))
        where = f"{t.label}: " if several else ""
        if t.no_timetable_reason:
            v.notes.append(where + t.no_timetable_reason)
        for u in t.unsatisfied:
            v.notes.append(f"{where}BLOCKED: {u.product}: {u.why}. To unblock: {'; '.join(u.unblock)}.")
        if t.min_gap_minutes:
            v.notes.append(f"{where}Magnesium doses are at least {num(t.min_gap_minutes / 60, 1)} h apart.")
    for a in r.as_needed:
        v.notes.append(f"As needed (at most {a.max_per_day} a day): {a.rule}.")
    return v
