"""plan's files: the regimen YAML (errors name the line), the printable handout, the calendar."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pydantic import ValidationError

from mgcalc.core.panel import PanelInput
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import mg
from mgcalc.schema.data import Reference
from mgcalc.schema.plan import PlanResult, Regimen, minutes

MAX_REGIMEN_BYTES = 1_000_000


def _lines(node: Any, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Record the line of every key and item under ``node``."""
    import yaml

    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            out[child] = key.start_mark.line + 1
            _lines(value, child, out)
            out[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def _regimen_loader() -> type:
    """The safe loader for regimens, with times kept as written: YAML 1.1 reads an unquoted 06:30 as
    the sexagesimal number 390 and 7:5 as 425; here both stay strings, so "HH:MM" is checked as
    text and a bare number (8) is refused with the fix rather than read as eight minutes."""
    import re

    from mgcalc.reference.files import _safe_loader

    base: Any = _safe_loader()

    class Loader(base):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [
            (tag, rx)
            for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        ]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    decimal = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
    floating = re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+][0-9]+)?$")
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", decimal, list("-+0123456789"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", floating, list("-+0123456789."))
    return Loader


def read_regimen(path: Path) -> Regimen:
    """A regimen file, validated; MgcalcError naming the file, the line and the field."""
    import yaml

    try:
        with path.open("rb") as fh:  # at most the cap: /dev/zero must not be read to the end
            raw = fh.read(MAX_REGIMEN_BYTES + 1)
    except OSError as e:
        raise MgcalcError(
            f"cannot read '{literal(path)}': {literal(e.strerror or e)}", field="regimen"
        ) from None
    if len(raw) > MAX_REGIMEN_BYTES:
        raise MgcalcError(
            f"regimen file '{literal(path)}' is over {MAX_REGIMEN_BYTES:,} bytes", field="regimen"
        )
    try:
        text = raw.decode("utf-8-sig")
        loader = _regimen_loader()
        # anchors and aliases are refused: nested aliases expand without bound (a 381-byte file
        # that takes a gigabyte); a regimen is short enough to write out in full
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise MgcalcError(
                    f"{literal(path)}: line {mark.line + 1 if mark is not None else '?'}: YAML aliases (*name) are not "
                    "accepted in a regimen: write the value out",
                    field="regimen",
                )
        data = yaml.load(text, Loader=loader)
        node = yaml.compose(text, Loader=loader)
    except UnicodeDecodeError:
        raise MgcalcError(f"regimen file '{literal(path)}' is not UTF-8", field="regimen") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise MgcalcError(
            f"{literal(path)}:{at}: not valid YAML: {literal(getattr(e, 'problem', None) or e)}",
            field="regimen",
        ) from None
    except RecursionError:
        raise MgcalcError(f"regimen file '{literal(path)}' is nested too deeply", field="regimen") from None
    if not isinstance(data, dict):
        raise MgcalcError(
            f"{literal(path)}: a regimen is a mapping with person, day, medicines, magnesium", field="regimen"
        )
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    try:
        return Regimen.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
        where = ".".join(str(x) for x in loc) or "regimen"
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
        at = f" line {line}:" if line else ""
        raise MgcalcError(
            f"{literal(path)}:{at} {where}: {literal(msg, 300)}{more}", field="regimen"
        ) from None


def read_panels(ref: Reference, regimen: Regimen, base: Path) -> dict[int, PanelInput]:
    """The panel files a regimen names (beside the regimen file), by product index, read as ``panel`` reads them."""
    from mgcalc.cli.panel_io import read_panel_file

    out: dict[int, PanelInput] = {}
    for n, p in enumerate(regimen.magnesium):
        if p.panel is not None:
            try:
                out[n] = read_panel_file(ref, str(base / p.panel))
            except MgcalcError as e:
                raise MgcalcError(f"magnesium[{n}].panel: {e}", field="regimen") from None
    return out


# ---------------------------------------------------------------- the handout

KIND_COLOURS = {"magnesium": "#2b7a3d", "medicine": "#b23b3b", "meal": "#777777"}


def timeline_svg(r: PlanResult, wake: str, sleep: str) -> str:
    """The day as a horizontal timeline: medicines above, magnesium below, meals as ticks."""
    w, h, left, right = 680, 150, 20, 20
    times = [minutes(i.time) for i in r.schedule]
    start = min([minutes(wake), *times]) // 60 * 60
    end = -(-max([minutes(sleep), *times]) // 60) * 60
    span = max(end - start, 60)

    def x(t: int) -> float:
        return left + (w - left - right) * (t - start) / span

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {w} {h}" '
        'font-family="sans-serif" font-size="11" role="img" aria-label="timetable of the day">',
        f'<line x1="{x(start)}" y1="75" x2="{x(end)}" y2="75" stroke="#333" stroke-width="2"/>',
    ]
    for hour in range(start // 60 + (start % 60 > 0), end // 60 + 1):
        t = hour * 60
        out.append(f'<line x1="{x(t):.1f}" y1="70" x2="{x(t):.1f}" y2="80" stroke="#333"/>')
        out.append(f'<text x="{x(t):.1f}" y="93" text-anchor="middle" fill="#555">{hour:02d}</text>')
    lanes = {"medicine": 0, "magnesium": 0}
    for item in r.schedule:
        t = minutes(item.time)
        colour = KIND_COLOURS[item.kind]
        if item.kind == "meal":
            out.append(
                f'<rect x="{x(t) - 3:.1f}" y="66" width="6" height="18" fill="{colour}" opacity="0.5"/>'
            )
            continue
        up = item.kind == "medicine"
        lane = lanes[item.kind]
        lanes[item.kind] += 1
        y = 50 - 14 * (lane % 3) if up else 112 + 14 * (lane % 3)
        out.append(f'<circle cx="{x(t):.1f}" cy="75" r="5" fill="{colour}"/>')
        out.append(
            f'<line x1="{x(t):.1f}" y1="75" x2="{x(t):.1f}" y2="{y + (4 if up else -10)}" stroke="{colour}"/>'
        )
        label = f"{item.time} {item.item}"
        label = label if len(label) <= 34 else label[:31] + "..."
        frac = (t - start) / span
        anchor = "start" if frac < 0.2 else "end" if frac > 0.8 else "middle"
        out.append(
            f'<text x="{x(t):.1f}" y="{y}" text-anchor="{anchor}" fill="{colour}">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def handout_html(r: PlanResult, regimen: Regimen, version: str, today: date | None = None) -> str:
    """A one-page printable handout: the timeline, the times, the totals, the cautions, the sources."""
    day = today or date.today()
    sources: list[str] = []

    def note(src: str) -> int:
        if src not in sources:
            sources.append(src)
        return sources.index(src) + 1

    rows = "".join(
        f"<tr class='{i.kind}'><td>{i.time}</td><td>{escape(i.item)}"
        + (f" ({escape(mg(i.elemental_mg))} magnesium)" if i.elemental_mg is not None else "")
        + f"</td><td>{escape(i.why)}</td></tr>"
        for i in r.schedule
    )
    if r.daily_elemental_mg_min == r.daily_elemental_mg_max:
        total = mg(r.daily_elemental_mg_max)
    else:
        total = f"{mg(r.daily_elemental_mg_min)} to {mg(r.daily_elemental_mg_max)}"
    ul = f" (upper level for supplements: {mg(r.ul_mg)} a day)" if r.ul_mg is not None else ""
    cautions = "".join(
        f"<li class='{c.level}'><b>{c.level.upper()}</b>: {escape(c.message)} <sup>{note(c.source)}</sup></li>"
        for c in r.cautions
    )
    blocked = ""
    if r.no_timetable_reason:
        blocked = f"<p class='stop'><b>No magnesium times.</b> {escape(r.no_timetable_reason)}</p>"
        blocked += "".join(
            f"<p class='stop'>{escape(u.product)}: {escape(u.why)}. {escape('; '.join(u.unblock))}.</p>"
            for u in r.unsatisfied
        )
    foot = "".join(f"<li>{escape(s)}</li>" for s in sources)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Magnesium plan</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: sans-serif; font-size: 10.5pt; color: #222; max-width: 180mm; margin: 0 auto; }}
h1 {{ font-size: 15pt; margin: 0 0 4pt; }}
table {{ border-collapse: collapse; width: 100%; margin: 6pt 0; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2pt 4pt; text-align: left; vertical-align: top; }}
tr.magnesium td {{ color: #2b7a3d; font-weight: bold; }}
tr.meal td {{ color: #777; }}
li.avoid {{ color: #a00; }} li.caution {{ color: #8a5a00; }}
.small {{ font-size: 8pt; color: #555; }} .stop {{ color: #a00; }}
</style></head><body>
<h1>When to take your magnesium</h1>
<p class="small">Made on {day.isoformat()} with mgcalc {escape(version)}. A calculator, not a clinician:
check the plan with your pharmacist or doctor.</p>
<figure id="timeline">{timeline_svg(r, regimen.day.wake, regimen.day.sleep)}</figure>
{blocked}
<table id="timetable"><tr><th>time</th><th>what</th><th>why this time</th></tr>{rows}</table>
<p><b>Magnesium from supplements:</b> {escape(total)} a day{escape(ul)}.</p>
<h2 style="font-size:12pt">Take care</h2><ul>{cautions or "<li>No cautions apply to what was given.</li>"}</ul>
<ol class="small">{foot}</ol>
</body></html>
"""


def write_ics(r: PlanResult, path: Path, today: date | None = None) -> int:
    """Daily reminders (RFC 5545, via icalendar) for the magnesium times; returns how many."""
    from icalendar import Calendar, Event

    start = today or date.today()
    cal = Calendar()
    cal.add("prodid", "-//mgcalc//magnesium plan//EN")
    cal.add("version", "2.0")
    n = 0
    for item in r.schedule:
        if item.kind != "magnesium":
            continue
        h, m = (int(x) for x in item.time.split(":"))
        ev = Event()
        ev.add("uid", f"mgcalc-{start.isoformat()}-{item.time}-{n}@mgcalc")
        ev.add("summary", f"Magnesium: {item.item}")
        ev.add("description", item.why)
        ev.add("dtstart", datetime(start.year, start.month, start.day, h, m))
        ev.add("duration", __import__("datetime").timedelta(minutes=5))
        ev.add("rrule", {"freq": "daily"})
        ev.add("dtstamp", datetime(start.year, start.month, start.day))
        cal.add_component(ev)
        n += 1
    try:
        path.write_bytes(cal.to_ical())
    except OSError as e:
        raise MgcalcError(
            f"cannot write '{literal(path)}': {literal(e.strerror or e)}", field="ics"
        ) from None
    return n
