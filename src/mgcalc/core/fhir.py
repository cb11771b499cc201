"""The plan as a FHIR R4 Bundle of MedicationStatement resources (``plan --fhir``): pure, no I/O.

mgcalc records what a person takes and when; it prescribes nothing, so each medicine and magnesium
product is a MedicationStatement ("a medication that is being consumed by a patient"), not a
MedicationRequest (an order to supply and administer it). See docs/codes.md, "FHIR".

One resource per medicine and per magnesium product; where the product's times differ between
patterns of days (a weekly medicine, a course) there is one per set of times, with the days
(``dayOfWeek``) and dates (``boundsPeriod``) it holds for. Codes: the form's FDA UNII where the
catalogue has one, the RxNorm ingredient codes of the drug rules a medicine falls under; always a
``text``.
"""

import re
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from mgcalc.schema.data import Catalogue
from mgcalc.schema.plan import WEEKDAYS, PlanItem, PlanResult, Regimen, Timetable, minutes

UNII_SYSTEM = "http://fdasis.nlm.nih.gov"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
#: Names the entries' ``urn:uuid:`` full URLs (uuid5 of their content: the same plan, the same ids).
NAMESPACE = uuid.UUID("6f0c3f4e-2d7a-5b7e-9c1a-6d6763616c63")

_DOSE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(\S.*?)\s*$")
_OPEN_LO, _OPEN_HI = date.min, date.max


def _urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def _patterns(r: PlanResult) -> list[Timetable]:
    """The plan's timetables, or the one every day has."""
    if r.timetables:
        return list(r.timetables)
    return [Timetable(days=list(WEEKDAYS), label="every day", schedule=r.schedule)]


Span = tuple[date, date]


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Date spans joined where they meet or overlap (``date.min``/``date.max``: open)."""
    out: list[Span] = []
    for lo, hi in sorted(spans):
        if out and (out[-1][1] == _OPEN_HI or lo <= out[-1][1] + timedelta(days=1)):
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _blocked(r: PlanResult, tt: Timetable, span: Span, regimen: Regimen | None) -> list[str]:
    """The magnesium products a pattern with no timetable leaves without times: those of the
    pattern (by the regimen's days and dates; without it, every product taken at fixed times)."""
    if tt.no_timetable_reason is None:
        return []
    fixed = {a.item for a in r.as_needed if a.kind == "magnesium"}
    out = []
    for n, p in enumerate(r.products):
        if p.name in fixed:
            continue
        if regimen is not None and n < len(regimen.magnesium):
            c = regimen.magnesium[n]
            if c.days is not None and not set(c.days) & set(tt.days or WEEKDAYS):
                continue
            if (c.from_ is not None and c.from_ > span[1]) or (c.until is not None and c.until < span[0]):
                continue
        out.append(p.name)
    return out


def _uses(
    r: PlanResult, regimen: Regimen | None = None
) -> dict[tuple[str, str], list[tuple[tuple[str, ...], frozenset[str], Span]]]:
    """For each (kind, item) of the timetables: its times, the days and the dates they hold for,
    merged (the same times on days or dates that meet are one use). A product a pattern could not
    place has a use with no times on that pattern's days."""
    seen: dict[tuple[str, str], dict[tuple[tuple[str, ...], Span], set[str]]] = {}
    for tt in _patterns(r):
        span = (
            date.fromisoformat(tt.from_) if tt.from_ else _OPEN_LO,
            date.fromisoformat(tt.until) if tt.until else _OPEN_HI,
        )
        by_item: dict[tuple[str, str], list[PlanItem]] = {}
        for item in tt.schedule:
            if item.kind != "meal":
                by_item.setdefault((item.kind, item.item), []).append(item)
        for name in _blocked(r, tt, span, regimen):
            by_item.setdefault(("magnesium", name), [])
        for key, items in by_item.items():
            times = tuple(sorted({i.time for i in items}))
            seen.setdefault(key, {}).setdefault((times, span), set()).update(tt.days or WEEKDAYS)
    out: dict[tuple[str, str], list[tuple[tuple[str, ...], frozenset[str], Span]]] = {}
    for key, uses in seen.items():
        by_days: dict[tuple[tuple[str, ...], frozenset[str]], list[Span]] = {}
        for (times, span), days in uses.items():
            by_days.setdefault((times, frozenset(days)), []).append(span)
        # the same times and dates on different days: one use on all those days
        joined: dict[tuple[tuple[str, ...], tuple[Span, ...]], set[str]] = {}
        for (times, days_), spans in by_days.items():
            joined.setdefault((times, tuple(_merge(spans))), set()).update(days_)
        out[key] = [
            (times, frozenset(days), span) for (times, spans), days in joined.items() for span in spans
        ]
    return out


def _dose(take: str | None) -> dict[str, Any] | None:
    """``doseAndRate`` of "2 capsules": the number and the unit as the label says it."""
    m = _DOSE.match(take or "")
    if m is None:
        return None
    value = float(m.group(1))
    return {"doseQuantity": {"value": int(value) if value.is_integer() else value, "unit": m.group(2)}}


def _calendar(
    times: tuple[str, ...], days: frozenset[str], span: Span, regimen: Regimen | None
) -> list[tuple[tuple[str, ...], frozenset[str], Span]]:
    """A use in calendar days: on a waking day that crosses midnight (a night shift), the times
    after midnight fall on the next day, so their weekdays and dates move on by one (as ``--ics``
    does); they become a dosage of their own where the days or dates are not every day, open."""
    if regimen is None or not times or (days == frozenset(WEEKDAYS) and span == (_OPEN_LO, _OPEN_HI)):
        return [(times, days, span)]
    wake, length = minutes(regimen.day.wake), regimen.day.length

    def after_midnight(t: str) -> bool:
        off = regimen.day.offset(t)
        if off > length and 1440 - off < off - length:
            return False  # nearer the start of the day than its end: just before waking
        return wake + off >= 1440

    late = tuple(t for t in times if after_midnight(t))
    if not late:
        return [(times, days, span)]
    same = tuple(t for t in times if t not in late)
    moved = frozenset(WEEKDAYS[(WEEKDAYS.index(d) + 1) % 7] for d in days)
    one = timedelta(days=1)
    lo = span[0] if span[0] == _OPEN_LO else span[0] + one
    hi = span[1] if span[1] == _OPEN_HI else span[1] + one
    return ([(same, days, span)] if same else []) + [(late, moved, (lo, hi))]


def _repeat(times: tuple[str, ...], days: frozenset[str], span: Span) -> dict[str, Any]:
    repeat: dict[str, Any] = {"timeOfDay": [f"{t}:00" for t in times]} if times else {}
    if days != frozenset(WEEKDAYS):
        repeat["dayOfWeek"] = [d for d in WEEKDAYS if d in days]
    if span != (_OPEN_LO, _OPEN_HI):
        period: dict[str, str] = {}
        if span[0] != _OPEN_LO:
            period["start"] = span[0].isoformat()
        if span[1] != _OPEN_HI:
            period["end"] = span[1].isoformat()
        repeat["boundsPeriod"] = period
    return repeat


def _when(times: tuple[str, ...], days: frozenset[str], span: Span) -> str:
    words = "at " + ", ".join(times) if times else "no time found"
    if days != frozenset(WEEKDAYS):
        words += " on " + ", ".join(d.capitalize() for d in WEEKDAYS if d in days)
    else:
        words += " every day"
    if span[0] != _OPEN_LO:
        words += f" from {span[0].isoformat()}"
    if span[1] != _OPEN_HI:
        words += f" until {span[1].isoformat()}"
    return words


def _as_needed_dosage(text: str, max_per_day: int) -> dict[str, Any]:
    return {
        "text": text,
        "patientInstruction": text,
        "asNeededBoolean": True,
        "timing": {"repeat": {"frequency": max_per_day, "period": 1, "periodUnit": "d"}},
        "maxDosePerPeriod": {
            "numerator": {"value": max_per_day},
            "denominator": {"value": 1, "unit": "day", "system": UCUM, "code": "d"},
        },
    }


def plan_bundle(r: PlanResult, catalogue: Catalogue, regimen: Regimen | None = None) -> dict[str, Any]:
    """The plan ``r`` as a FHIR R4 Bundle (type ``collection``) of one Patient (the person the plan
    is for, with nothing about them: the receiving system links its own) and MedicationStatement
    resources, as a JSON-ready dict. The same plan gives the same bundle (ids are uuid5 of the content).

    A magnesium product for which no time keeps every rule (on some or all days) is not left out:
    its statement for those days is ``on-hold``, with the reason, how many a day, and no times.
    ``regimen`` (the plan's own) tells which products a pattern with no timetable holds; without
    it, every product taken at fixed times."""
    forms = {f.id: f for f in catalogue.forms}
    patient = _urn("patient")
    codes: dict[tuple[str, str], dict[str, Any]] = {}
    notes: dict[tuple[str, str], str] = {}
    for p in r.products:
        coding = []
        form = forms.get(p.form) if p.form is not None else None
        if form is not None and form.unii:
            coding.append({"system": UNII_SYSTEM, "code": form.unii, "display": form.name})
        codes[("magnesium", p.name)] = {**({"coding": coding} if coding else {}), "text": p.name}
        lo, hi = p.elemental_mg_min, p.elemental_mg_max
        mg = f"{lo:g} mg" if lo == hi else f"{lo:g}-{hi:g} mg"
        notes[("magnesium", p.name)] = f"{mg} elemental magnesium a serving ({p.basis})"
    for m in r.medicines:
        coding = [{"system": RXNORM_SYSTEM, "code": c} for c in m.rxcui]
        codes[("medicine", m.name)] = {**({"coding": coding} if coding else {}), "text": m.name}

    def statement(
        kind: str, item: str, n: int, dosage: list[dict[str, Any]], held: str | None = None
    ) -> dict[str, Any]:
        res: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "status": "active" if held is None else "on-hold",
            **({"statusReason": [{"text": held}]} if held is not None else {}),
            "category": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/medication-statement-category",
                        "code": "patientspecified",
                        "display": "Patient Specified",
                    }
                ]
            },
            "medicationCodeableConcept": codes.get((kind, item), {"text": item}),
            "subject": {"reference": patient},
            "dosage": dosage,
        }
        if (kind, item) in notes:
            res["note"] = [{"text": notes[(kind, item)]}]
        # the entry's place too: two regimen lines may share a name (fullUrl is unique in a bundle)
        return {"fullUrl": _urn(kind, item, str(n), str(len(entries))), "resource": res}

    entries: list[dict[str, Any]] = [{"fullUrl": patient, "resource": {"resourceType": "Patient"}}]
    takes: dict[tuple[str, str], str] = {
        (i.kind, i.item): i.take
        for tt in _patterns(r)
        for i in tt.schedule
        if i.kind == "magnesium" and i.take
    }
    servings = {p.name: p.servings for p in r.products}
    blocked: dict[str, list[str]] = {}  # why a product has no times: its own blocks, else the pattern's
    for tt in _patterns(r):
        if tt.no_timetable_reason is None:
            continue
        for name in servings:
            whys = [u.why for u in tt.unsatisfied if u.product == name] or [
                tt.no_timetable_reason,
                *(u.why for u in tt.unsatisfied),
            ]
            for why in whys:
                if why not in blocked.setdefault(name, []):
                    blocked[name].append(why)
    for (kind, item), uses in _uses(r, regimen).items():
        for n, (times, days, span) in enumerate(uses):
            take = takes.get((kind, item))
            dose = _dose(take)
            held = None
            dosages = []
            for part, part_days, part_span in _calendar(times, days, span, regimen):
                words = _when(part, part_days, part_span)
                dosage: dict[str, Any] = {
                    "text": f"{take} {words}" if take else words,
                    "timing": {"repeat": _repeat(part, part_days, part_span)},
                }
                if dose is not None:
                    dosage["doseAndRate"] = [dose]
                if not part:
                    held = "; ".join(blocked.get(item, [])) or "no time in the waking day keeps every rule"
                    dosage["text"] = f"{words}: {held}"
                    dosage["timing"]["repeat"].update(
                        frequency=servings.get(item, 1), period=1, periodUnit="d"
                    )
                dosages.append(dosage)
            entries.append(statement(kind, item, n, dosages, held))
    for a in r.as_needed:
        entries.append(statement(a.kind, a.item, 0, [_as_needed_dosage(a.rule, a.max_per_day)]))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
