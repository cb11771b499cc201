"""plan's files: the regimen YAML (errors name the line), the printable handout, the calendar."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mgcalc.cli.files import STDOUT as STDOUT
from mgcalc.cli.files import check_outputs as check_outputs
from mgcalc.cli.files import write_output
from mgcalc.cli.panel_io import read_panel_file
from mgcalc.cli.views import escape
from mgcalc.core.fhir import plan_bundle
from mgcalc.core.panel import PanelInput, panel
from mgcalc.core.plan import RegimenError
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import mg
from mgcalc.reference.files import _safe_loader
from mgcalc.schema.data import Catalogue, Reference
from mgcalc.schema.plan import WEEKDAYS, PlanItem, PlanResult, Regimen, Timetable, minutes
from mgcalc.schema.results import Caution

MAX_REGIMEN_BYTES = 1_000_000


def _lines(node: Any, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Record the line of every key and item under ``node``."""
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
    return read_regimen_lines(path)[0]


#: where each key and item of a regimen file is: its path (``("medicines", 0, "name")``) -> line
Lines = dict[tuple[Any, ...], int]


def regimen_error(path: Path, lines: Lines, e: RegimenError) -> MgcalcError:
    """A RegimenError found while planning, as read_regimen says a problem: the file, the line of
    the value (or of the nearest key above it) and the field."""
    loc = tuple(e.loc)
    line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
    at = f" line {line}:" if line else ""
    where = ".".join(str(x) for x in loc)
    return MgcalcError(f"{literal(path)}:{at} {where}: {e.reason}", field="regimen")


def read_regimen_lines(path: Path) -> tuple[Regimen, Lines]:
    """``read_regimen``, and the line of every key and item of the file (for ``regimen_error``)."""
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
        return Regimen.model_validate(data), lines
    except ValidationError as e:
        found = dict.fromkeys(_problem(err, lines) for err in e.errors())
        problems = [text for _, text in sorted(found, key=lambda p: p[0] if p[0] is not None else 1 << 30)]
        if len(problems) == 1:
            raise MgcalcError(f"{literal(path)}:{problems[0]}", field="regimen") from None
        listed = " ".join(f"({n}){p}" for n, p in enumerate(problems, start=1))
        raise MgcalcError(f"{literal(path)}: {len(problems)} problems: {listed}", field="regimen") from None


def _problem(err: Any, lines: dict[tuple[Any, ...], int]) -> tuple[int | None, str]:
    """One validation problem: its line and ' line N: where: what' (an unknown key names the key meant)."""
    loc = tuple(err["loc"])
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    where = ".".join(str(x) for x in loc) or "regimen"
    msg = literal(err["msg"].removeprefix("Value error, "), 300)
    if err.get("type") == "extra_forbidden" and loc:
        key = literal(loc[-1], 60)
        known = _keys_at(loc[:-1])
        close = get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            msg = f"unknown key '{key}'; did you mean '{close[0]}'?"
        elif known:
            msg = f"unknown key '{key}' (the keys here: {', '.join(known)})"
        else:
            msg = f"unknown key '{key}'"
    at = f" line {line}:" if line else ""
    return line, f"{at} {where}: {msg}"


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys a regimen accepts at ``loc`` (from the Regimen model's JSON Schema), or []."""
    try:
        root = Regimen.model_json_schema()
    except Exception:  # a schema that cannot be drawn: no suggestion, the error still stands
        return []

    def resolve(node: dict[str, Any], want: str) -> dict[str, Any]:
        for _ in range(10):
            if "$ref" in node:
                node = root.get("$defs", {}).get(str(node["$ref"]).rsplit("/", 1)[-1], {})
            elif "anyOf" in node:
                node = next((o for o in node["anyOf"] if want in o or "$ref" in o), {})
            else:
                break
        return node

    node: dict[str, Any] = root
    for part in loc:
        if isinstance(part, int):
            node = resolve(node, "items").get("items", {})
        else:
            props = resolve(node, "properties").get("properties", {})
            if part not in props:
                return []
            node = props[part]
    return list(resolve(node, "properties").get("properties", {}))


# ---------------------------------------------------------------- panel files beside the regimen


def panel_paths(regimen: Regimen, base: Path, *, allow_outside: bool = False) -> dict[int, Path]:
    """The panel files a regimen names, by product index, resolved against the regimen's folder ``base``.

    A ``panel:`` path is relative to the regimen's folder and may not leave it: an absolute path, a
    ``..`` that climbs out, or a symlink that points out is refused (a regimen from someone else must
    not make mgcalc read, and echo, any file on the machine) unless ``allow_outside``
    (``--allow-outside-panels``). The path returned is the resolved one, which is what is read.
    """
    out: dict[int, Path] = {}
    root = Path(os.path.realpath(base))
    for n, p in enumerate(regimen.magnesium):
        if p.panel is None:
            continue
        given = Path(p.panel).expanduser() if allow_outside else Path(p.panel)
        if allow_outside:
            out[n] = given if given.is_absolute() else base / given
            continue
        if given.is_absolute() or p.panel.startswith("~"):
            raise RegimenError(
                ("magnesium", n, "panel"),
                f"'{literal(p.panel)}' is an absolute path: name a file in the "
                "regimen's folder (relative to it), or pass --allow-outside-panels",
            )
        resolved = Path(os.path.realpath(root / given))
        if resolved != root and root not in resolved.parents:
            raise RegimenError(
                ("magnesium", n, "panel"),
                f"'{literal(p.panel)}' leads outside the regimen's folder "
                f"('{literal(root)}'){' through a symlink' if '..' not in given.parts else ''}: "
                "move the file beside the regimen, or pass --allow-outside-panels",
            )
        out[n] = resolved
    return out


def read_panels(
    ref: Reference, regimen: Regimen, base: Path, *, allow_outside: bool = False
) -> dict[int, PanelInput]:
    """The panel files a regimen names (in the regimen's folder, see ``panel_paths``), by product
    index, read as ``panel`` reads them; a file in which no line names magnesium is an error (it
    would otherwise count as a 0 mg product)."""
    out: dict[int, PanelInput] = {}
    for n, path in panel_paths(regimen, base, allow_outside=allow_outside).items():
        name = regimen.magnesium[n].panel
        try:
            out[n] = read_panel_file(ref, str(path))
        except MgcalcError as e:
            raise RegimenError(("magnesium", n, "panel"), str(e)) from None
        read = panel(ref, out[n])
        if not read.lines or not read.elemental_mg_max:
            raise RegimenError(
                ("magnesium", n, "panel"),
                f"no line of '{literal(name)}' names an amount of magnesium: "
                "check it is the right file (a product without magnesium is not counted as 0 mg)",
            )
    return out


# ---------------------------------------------------------------- output files

# ---------------------------------------------------------------- plain words for the handout

#: Terms of the terminal's cautions and the words a patient reads instead (the handout only; the
#: terminal and --json keep the sources' terms). Longest first: one pass, so a replacement is never
#: itself replaced.
PLAIN_WORDS: dict[str, str] = {
    r"chelation (?:with|by) magnesium": "magnesium binds the medicine in the gut so less of it works",
    r"chelation (?:with polyvalent cations|in the gut)": "binds the medicine in the gut so less of it works",
    r"chelation": "binds the medicine in the gut so less of it works",
    r"chelates": "binds in the gut",
    r"renal clearance of magnesium is reduced": "the kidneys clear less magnesium",
    r"renal clearance": "kidneys clear less magnesium",
    r"renal (?:impairment|disease|failure)": "kidney disease",
    r"\s*\(the UL's endpoint\)": "",
    r"the UL for supplemental magnesium": "the most a day from supplements",
    r"the UL of (\S+ mg/day)": r"the most a day from supplements (\1)",
    r"\bthe UL\b": "the most a day from supplements",
    r"\bUL\b": "the most a day from supplements",
    r"\((?:a )?proton pump inhibitors?\)": "(stomach-acid medicine, PPI)",
    r"\bproton pump inhibitors?\b": "stomach-acid medicine (PPI)",
    r"\b(?:a )?(?:prescription )?PPIs?\b": "stomach-acid medicine (PPI)",
    r"supplemental magnesium": "magnesium from supplements",
    r"hypermagnesa?emia": "too much magnesium in the blood",
    r"[Hh]ypomagnesa?emia": "low blood magnesium",
    r"serum magnesium": "blood magnesium",
    r"eGFR": "kidney function (eGFR)",
    r"(\w+) exposure": r"the amount of \1 in the body",
    r"Mg/Al antacid": "magnesium/aluminium antacid",
    r"concomitantly": "at the same time",
    r"potentiate": "strengthen",
    r";? see unsatisfied": "",
    r"that closes (\d+) of (\d+) waking slots": "that leaves {free} of the waking day free",
    r"would free (\d+) five-minute slots": "would free {slots}",
}


@functools.cache
def _plain_patterns() -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], str]]]:
    """Any term of PLAIN_WORDS, and each term with its plain words: compiled on the handout's first
    use, not at import (a plan without a handout needs none; measured: plan 1095.4 -> 1080.9 M
    instructions, valgrind, installed wheel)."""
    each = [(re.compile(k), v) for k, v in PLAIN_WORDS.items()]
    return re.compile("|".join(f"(?:{k})" for k in PLAIN_WORDS)), each


def _span(minutes_: int) -> str:
    """A stretch of time in words: "5 minutes", "2 h 30 min"."""
    h, m = divmod(minutes_, 60)
    if not h:
        return f"{m} minutes"
    return f"{h} h" + (f" {m} min" if m else "")


def plain(text: str) -> str:
    """``text`` with the terms of ``PLAIN_WORDS`` in plain words (one pass, left to right)."""

    any_term, each = _plain_patterns()

    def one(m: re.Match[str]) -> str:
        for rx, repl in each:
            hit = rx.fullmatch(m.group(0))
            if hit is None:
                continue
            if "{free}" in repl:  # five-minute slots as time: "closes 180 of 181 waking slots"
                free = (int(hit.group(2)) - int(hit.group(1))) * 5
                return repl.format(free=_span(free) if free > 0 else "no time")
            if "{slots}" in repl:
                return repl.format(slots=_span(int(hit.group(1)) * 5))
            return hit.expand(repl)
        return m.group(0)

    return any_term.sub(one, text)


# ---------------------------------------------------------------- the handout

KIND_COLOURS = {"magnesium": "#2b7a3d", "medicine": "#b23b3b", "meal": "#777777"}
#: The timeline's text: a font whose widths ``text_width`` bounds (wider than the usual fallbacks).
FONT = "DejaVu Sans, Verdana, Bitstream Vera Sans, sans-serif"
FONT_PX = 11
LINE_PX = 14
#: Widths of DejaVu Sans (Verdana's metrics are close), in em, by character; others ``WIDE_EM``.
_EM = {
    **dict.fromkeys(" !',.:;|ijl", 0.35),
    **dict.fromkeys("()-[]frt/\\`{}I", 0.45),
    **dict.fromkeys('"*Jcksvxyz?_^', 0.58),
    **dict.fromkeys("0123456789abdeghnopqu#$+<=>~&", 0.66),
    **dict.fromkeys("ABCDEFGHKLNOPQRSTUVXYZ", 0.8),
    **dict.fromkeys("mwMW@%", 1.02),
}
WIDE_EM = 1.05


def text_width(text: str, px: float = FONT_PX) -> float:
    """An upper bound of ``text``'s width in the timeline's font at ``px`` (for the layout)."""
    return sum(_EM.get(ch, WIDE_EM) for ch in text) * px


def _wrap(text: str, limit: float) -> list[str]:
    """``text`` in lines no wider than ``limit`` px, broken at spaces (a longer word is split, never cut)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        while text_width(word) > limit:  # one word wider than a line: split it
            k = len(word)
            while k > 1 and text_width(word[:k]) > limit:
                k -= 1
            if cur:
                lines.append(cur)
                cur = ""
            lines.append(word[:k])
            word = word[k:]
        trial = f"{cur} {word}" if cur else word
        if text_width(trial) <= limit:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines or [""]


def _offsets(schedule: list[PlanItem], wake: str, sleep: str) -> tuple[int, int, dict[int, int]]:
    """The waking day as minutes from wake (it may cross midnight: night shifts), each item's time
    placed where it is nearest that day (a medicine just before waking is before, not 23 h later)."""
    w = minutes(wake)
    length = (minutes(sleep) - w) % 1440 or 1440
    at: dict[int, int] = {}
    for i in schedule:
        t = minutes(i.time)
        off = (t - w) % 1440
        if off > length and (1440 - off) < (off - length):
            off -= 1440
        at[t] = off
    return w, length, at


def timeline_svg(r: PlanResult | list[PlanItem], wake: str, sleep: str) -> str:
    """The day as a horizontal timeline: medicines above, magnesium below, meals as ticks.

    Labels never overlap or get cut: items at one time share a label; each label is wrapped to a
    bounded width, kept inside the picture, and put in the first row (outwards from the line) where
    it overlaps no other label (a leader line may pass behind a label: each label starts with its
    time); the picture grows to hold the rows.
    """
    schedule = r.schedule if isinstance(r, PlanResult) else r
    w, h_axis, left, right = 680, 0, 8, 8
    wake_m, length, at = _offsets(schedule, wake, sleep)
    start = min([0, *at.values()]) // 60 * 60
    end = -(-max([length, *at.values()]) // 60) * 60
    span = max(end - start, 60)

    def x(off: int) -> float:
        return left + (w - left - right) * (off - start) / span

    groups: dict[tuple[str, int], list[PlanItem]] = {}
    for item in schedule:
        if item.kind != "meal":
            groups.setdefault((item.kind, at[minutes(item.time)]), []).append(item)
    pad = 6.0
    placed: dict[str, list[tuple[int, float, float, float, list[str], str]]] = {
        "medicine": [],
        "magnesium": [],
    }
    # rows[kind][row] = the x-ranges of the labels in that row
    rows: dict[str, list[list[tuple[float, float]]]] = {"medicine": [], "magnesium": []}

    def free(kind: str, row: int, lo: float, hi: float) -> bool:
        return row >= len(rows[kind]) or all(hi + pad <= a or lo >= b + pad for a, b in rows[kind][row])

    for (kind, off), items in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        text = f"{items[0].time} " + ", ".join(dict.fromkeys(i.item for i in items))
        lines = _wrap(text, min(260.0, w - left - right))
        width = max(text_width(s) for s in lines)
        cx = x(off)
        lo = min(max(left, cx - width / 2), w - right - width)
        hi = lo + width
        row = 0
        while not all(free(kind, row + k, lo, hi) for k in range(len(lines))):
            row += 1
        while len(rows[kind]) < row + len(lines):
            rows[kind].append([])
        for k in range(len(lines)):
            rows[kind][row + k].append((lo, hi))
        placed[kind].append((row, cx, lo, width, lines, items[0].time))
    up, down = len(rows["medicine"]), len(rows["magnesium"])
    axis = 16 + LINE_PX * up + 10
    hours_y = axis + 18
    h = hours_y + 14 + LINE_PX * down + 6
    h_axis = axis
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {w} {h}" '
        f'font-family="{FONT}" font-size="{FONT_PX}" role="img" aria-label="timetable of the day">',
        f'<line x1="{x(start):.1f}" y1="{h_axis}" x2="{x(end):.1f}" y2="{h_axis}" stroke="#333" stroke-width="2"/>',
    ]
    for t in range(start, end + 1, 60):
        hour = ((wake_m + t) % 1440) // 60
        if (wake_m + t) % 60:
            continue
        anchor = "start" if t == start else "end" if t == end else "middle"
        out.append(
            f'<line x1="{x(t):.1f}" y1="{h_axis - 5}" x2="{x(t):.1f}" y2="{h_axis + 5}" stroke="#333"/>'
        )
        out.append(f'<text x="{x(t):.1f}" y="{hours_y}" text-anchor="{anchor}" fill="#555">{hour:02d}</text>')
    for item in schedule:
        if item.kind == "meal":
            cx = x(at[minutes(item.time)])
            out.append(
                f'<rect x="{cx - 3:.1f}" y="{h_axis - 9}" width="6" height="18" fill="{KIND_COLOURS["meal"]}" '
                'opacity="0.5"><title>' + escape(f"{item.time} {item.item}") + "</title></rect>"
            )
    texts: list[str] = []
    for kind, labels in placed.items():
        colour = KIND_COLOURS[kind]
        above = kind == "medicine"
        for row, cx, lo, width, lines, time in labels:
            n = len(lines)
            if above:  # rows count upwards from the line; the block's last line is nearest
                ys = [h_axis - 16 - LINE_PX * (row + n - 1 - k) for k in range(n)]
                tip = ys[-1] + 3
            else:
                ys = [hours_y + 14 + LINE_PX * (row + k) for k in range(n)]
                tip = ys[0] - 10
            out.append(f'<circle cx="{cx:.1f}" cy="{h_axis}" r="5" fill="{colour}"/>')
            out.append(f'<line x1="{cx:.1f}" y1="{h_axis}" x2="{cx:.1f}" y2="{tip}" stroke="{colour}"/>')
            # drawn after every line, on a white halo: a leader passing behind a label never hides it
            texts.append(
                f'<text class="label" data-time="{time}" data-x0="{lo:.1f}" data-x1="{lo + width:.1f}" '
                f'x="{lo:.1f}" y="{ys[0]}" fill="{colour}" stroke="#fff" stroke-width="3" '
                'paint-order="stroke">'
                + "".join(
                    f'<tspan x="{lo:.1f}" y="{y}">{escape(s)}</tspan>' for s, y in zip(lines, ys, strict=True)
                )
                + "</text>"
            )
    out += texts
    out.append("</svg>")
    return "\n".join(out)


def _mg_text(item: PlanItem) -> str:
    lo, hi = item.elemental_mg_min, item.elemental_mg_max
    if lo is not None and hi is not None and lo != hi:
        return f"{mg(lo)} to {mg(hi)}"
    return mg(item.elemental_mg if item.elemental_mg is not None else hi or 0)


def units_of(r: PlanResult, regimen: Regimen | None) -> dict[str, str]:
    """The regimen's ``unit`` (what one serving is: "1 tablet") by the product's name in the plan."""
    if regimen is None or len(r.products) != len(regimen.magnesium):
        return {}
    out: dict[str, str] = {}
    for prod, p in zip(r.products, regimen.magnesium, strict=True):
        if p.unit:
            out.setdefault(prod.name, p.unit)
    return out


def amount(item: PlanItem, units: dict[str, str]) -> str:
    """How much to take at this time, in the product's own unit where the regimen gives it."""
    if item.kind != "magnesium":
        return ""
    return f"{item.take or units.get(item.item, '1 serving')} ({_mg_text(item)} magnesium)"


def patterns(r: PlanResult) -> list[Timetable]:
    """The plan's timetables: one per pattern of days, or the one every day has."""
    if r.timetables:
        return list(r.timetables)
    return [
        Timetable(
            days=list(WEEKDAYS),
            label="every day",
            schedule=r.schedule,
            unsatisfied=r.unsatisfied,
            no_timetable_reason=r.no_timetable_reason,
            min_gap_minutes=r.min_gap_minutes,
        )
    ]


def handout_html(r: PlanResult, regimen: Regimen, version: str, today: date | None = None) -> str:
    """A one-page printable handout in plain words: what to act on first, each pattern of days with
    its timeline and the amount to take at each time, the as-needed rules, the totals, the other
    notes, the sources as footnotes."""
    day = today or date.today()
    sources: list[str] = []
    units = units_of(r, regimen)

    def note(src: str) -> int:
        if src not in sources:
            sources.append(src)
        return sources.index(src) + 1

    def said(c: Caution) -> str:
        return f"{escape(plain(c.message))} <sup>{note(c.source)}</sup>"

    act = [c for c in r.cautions if c.level in ("avoid", "caution")]
    act.sort(key=lambda c: c.level != "avoid")
    first = "".join(
        f"<li class='{c.level}'><b>{'Do not' if c.level == 'avoid' else 'Take care'}:</b> {said(c)}</li>"
        for c in act
    )
    pats = patterns(r)
    parts: list[str] = []
    for n, tt in enumerate(pats):
        head = f"<h2 class='pattern'>{escape(tt.label)}</h2>" if len(pats) > 1 else ""
        blocked = ""
        if tt.no_timetable_reason:
            blocked = (
                f"<p class='stop'><b>No magnesium times.</b> {escape(plain(tt.no_timetable_reason))}</p>"
            )
            blocked += "".join(
                f"<p class='stop'>{escape(u.product)}: {escape(plain(u.why))}. "
                f"What could help: {escape(plain('; '.join(u.unblock)))}.</p>"
                for u in tt.unsatisfied
            )
        rows = "".join(
            f"<tr class='{i.kind}'><td>{i.time}</td><td>{escape(i.item)}</td>"
            f"<td>{escape(amount(i, units)) if i.kind == 'magnesium' else ('as prescribed' if i.kind == 'medicine' else '')}</td>"
            f"<td>{escape(plain(i.why))}</td></tr>"
            for i in tt.schedule
        )
        table_id = ' id="timetable"' if n == 0 else ""
        parts.append(
            f"<section class='day'>{head}{blocked}"
            f"<figure class='timeline'>{timeline_svg(tt.schedule, regimen.day.wake, regimen.day.sleep)}</figure>"
            f"<table class='timetable'{table_id}><colgroup><col style='width:9%'><col style='width:33%'>"
            "<col style='width:22%'><col style='width:36%'></colgroup><tr><th>time</th><th>what</th>"
            f"<th>how much</th><th>why this time</th></tr>{rows}</table></section>"
        )
    needed = "".join(
        f"<li><b>{escape(a.item)}</b>: at most {a.max_per_day} a day"
        + (
            f" ({escape(amount_unit(a.item, units))} each)"
            if a.kind == "magnesium" and a.item in units
            else ""
        )
        + f". {escape(plain(a.rule))}</li>"
        for a in r.as_needed
    )
    if r.daily_elemental_mg_min == r.daily_elemental_mg_max:
        total = mg(r.daily_elemental_mg_max)
    else:
        total = f"{mg(r.daily_elemental_mg_min)} to {mg(r.daily_elemental_mg_max)}"
    ul = f" (the most a day from supplements for you: {mg(r.ul_mg)})" if r.ul_mg is not None else ""
    other = "".join(f"<li class='{c.level}'>{said(c)}</li>" for c in r.cautions if c not in act)
    foot = "".join(f"<li>{escape(s)}</li>" for s in sources)
    legend = (
        f"<p class='small legend'><span style='color:{KIND_COLOURS['medicine']}'>&#9679; medicines</span> "
        f"above the line, <span style='color:{KIND_COLOURS['magnesium']}'>&#9679; magnesium</span> below, "
        f"<span style='color:{KIND_COLOURS['meal']}'>&#9646; meals</span>.</p>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Magnesium plan</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: sans-serif; font-size: 10pt; color: #222; max-width: 180mm; margin: 0 auto; }}
h1 {{ font-size: 15pt; margin: 0 0 3pt; }}
h2 {{ font-size: 11.5pt; margin: 8pt 0 2pt; }}
figure {{ margin: 2pt 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 4pt 0; table-layout: fixed; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2pt 4pt; text-align: left; vertical-align: top; overflow-wrap: anywhere; }}
td:first-child, th {{ white-space: nowrap; overflow-wrap: normal; }}
tr.magnesium td {{ color: #2b7a3d; }} tr.magnesium td:nth-child(-n+3) {{ font-weight: bold; }}
tr.meal td {{ color: #777; }}
ul {{ margin: 2pt 0; padding-left: 16pt; }}
#act {{ border: 1.5pt solid #a00; padding: 2pt 6pt; margin: 4pt 0; }}
li.avoid {{ color: #a00; }} li.caution {{ color: #6b4500; }}
.small {{ font-size: 7.5pt; color: #555; }} .stop {{ color: #a00; }}
section.day {{ break-inside: avoid; }}
</style></head><body>
<h1>When to take your magnesium</h1>
<p class="small">Made on {day.isoformat()} with mgcalc {escape(version)}. A calculator, not a clinician:
check the plan with your pharmacist or doctor.</p>
{f'<section id="act"><h2>Act on these first</h2><ul>{first}</ul></section>' if first else ""}
{"".join(parts)}
{legend}
{f'<h2>Only when needed</h2><ul id="as-needed">{needed}</ul>' if needed else ""}
<p><b>Magnesium from supplements:</b> {escape(total)} a day{escape(ul)}.</p>
{f"<h2>Good to know</h2><ul>{other}</ul>" if other else ""}
{"" if first or other else "<p>No cautions apply to what was given.</p>"}
<ol class="small" id="sources">{foot}</ol>
</body></html>
"""


def amount_unit(item: str, units: dict[str, str]) -> str:
    """The regimen's unit of a product, by its name in the plan."""
    return units.get(item, "1 serving")


# ---------------------------------------------------------------- the calendar

_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


def ics_bytes(
    r: PlanResult,
    today: date | None = None,
    *,
    medicines: bool = False,
    regimen: Regimen | None = None,
) -> tuple[bytes, int]:
    """The reminders as an RFC 5545 calendar (via icalendar), and how many events it holds.

    One event per dose per pattern of days (``timetables``, else ``schedule`` every day): it repeats
    (RRULE FREQ=DAILY, or FREQ=WEEKLY;BYDAY=... for some weekdays), ends with a course (UNTIL, the
    last day's end), starts on the first matching day from ``today`` (or the course's first day; with
    ``regimen``, a dose after midnight in a waking day that crosses it is on the next day), and
    rings (a VALARM, ACTION:DISPLAY, at the dose's time). Times are floating (no time zone): a dose
    is taken at 08:00 wherever the patient is, as a phone keeps a floating event at the same clock
    time when travelling; a course that ended before ``today`` gives no events. ``medicines`` adds
    the medicine times too.
    """
    from icalendar import Alarm, Calendar, Event

    start = today or date.today()
    units = units_of(r, regimen)
    cal = Calendar()
    cal.add("prodid", "-//mgcalc//magnesium plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Magnesium plan")
    stamp = datetime(start.year, start.month, start.day, tzinfo=UTC)
    wake_sleep = (regimen.day.wake, regimen.day.sleep) if regimen is not None else None
    n = 0
    for p, tt in enumerate(patterns(r)):
        days = tt.days or list(WEEKDAYS)
        first = start
        if tt.from_ is not None:
            first = max(first, date.fromisoformat(tt.from_))
        last = date.fromisoformat(tt.until) if tt.until is not None else None
        while WEEKDAYS[first.weekday()] not in days:
            first += timedelta(days=1)
        if last is not None and first > last:
            continue  # the course is over (or has no day left)
        # a waking day that crosses midnight (night shifts): its times after midnight fall on the
        # next calendar day, so they start a day later, on the next weekdays, until a day later
        _, _, at = _offsets(tt.schedule, *wake_sleep) if wake_sleep else (0, 0, {})
        wake_m = minutes(wake_sleep[0]) if wake_sleep else 0
        for item in tt.schedule:
            if item.kind == "meal" or (item.kind == "medicine" and not medicines):
                continue
            h, m = (int(v) for v in item.time.split(":"))
            shift = (wake_m + at[minutes(item.time)]) // 1440 if wake_sleep else 0
            rule: dict[str, Any] = {"freq": "daily"}
            if set(days) != set(WEEKDAYS):
                byday = [WEEKDAYS[(WEEKDAYS.index(d) + shift) % 7] for d in days]
                rule = {"freq": "weekly", "byday": [_BYDAY[d] for d in WEEKDAYS if d in byday]}
            if last is not None:
                end = last + timedelta(days=shift)
                rule["until"] = datetime(end.year, end.month, end.day, 23, 59, 59)
            on = first + timedelta(days=shift)
            if item.kind == "magnesium":
                what = f"Magnesium: {item.item}, {amount(item, units)}"
            else:
                what = f"Medicine: {item.item}"
            ev = Event()
            key = hashlib.sha256(
                f"{p}|{tt.label}|{item.kind}|{item.time}|{item.item}|{n}".encode()
            ).hexdigest()
            ev.add("uid", f"{key[:32]}@mgcalc")
            ev.add("summary", what)
            ev.add("description", f"{tt.label}: {item.why}" if item.why else tt.label)
            ev.add("dtstart", datetime(on.year, on.month, on.day, h, m))
            ev.add("duration", timedelta(minutes=5))
            ev.add("rrule", rule)
            ev.add("dtstamp", stamp)
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", what)
            alarm.add("trigger", timedelta(0))
            ev.add_component(alarm)
            cal.add_component(ev)
            n += 1
    # an alarm at the event's start, written as PT0S (icalendar writes P0D, which some calendars skip)
    return cal.to_ical().replace(b"\r\nTRIGGER:P0D\r\n", b"\r\nTRIGGER;RELATED=START:PT0S\r\n"), n


def write_ics(
    r: PlanResult,
    path: Path,
    today: date | None = None,
    *,
    medicines: bool = False,
    regimen: Regimen | None = None,
) -> int:
    """Write the reminders (``ics_bytes``) to ``path`` atomically (``-``: stdout); returns how many.
    Raises OSError when the file cannot be written."""
    data, n = ics_bytes(r, today, medicines=medicines, regimen=regimen)
    write_output(path, data)
    return n


def fhir_bytes(r: PlanResult, catalogue: Catalogue, regimen: Regimen | None = None) -> bytes:
    """The plan as a FHIR R4 Bundle (``mgcalc.core.fhir.plan_bundle``), as JSON (UTF-8, indented,
    a final newline), for ``write_output``."""
    bundle = plan_bundle(r, catalogue, regimen)
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
