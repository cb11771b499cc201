"""A day's plan: every magnesium product and medicine together, the daily total, and a timetable.

Pure. Time is minutes after midnight on a 5-minute grid; the day repeats, so a
medicine at 20:00 also constrains a magnesium dose at 07:00 the next morning.

A drug rule says the drug is taken at least B hours before magnesium
(``drug_before_hours``) or at least A hours after it (``drug_after_hours``).
Around each dose of the drug that forbids magnesium in the window
(drug - A, drug + B): a magnesium dose must come at least B after the drug
dose before it and at least A before the drug dose after it. A direction a
label does not offer (null) takes the other direction's hours (the
conservative reading: a label that only says "at least 2 h after magnesium"
does not make magnesium right after the drug safe).

The timetable is solved exactly: among all placements of the doses on the
grid inside the waking window, it maximises the smallest gap between two
magnesium doses, then the number of doses at meals, then prefers earlier
times. A dynamic programme over (doses placed per product) finds it; tests
compare it with brute force.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from mgcalc.core.absorption import Bounds, relative_range
from mgcalc.core.absorption import absorbed as est
from mgcalc.core.dosing import label_fields
from mgcalc.core.intake import life_state, reference, upper_level
from mgcalc.core.labels import parse_label
from mgcalc.core.panel import PanelInput
from mgcalc.core.panel import panel as read_panel
from mgcalc.core.safety import (
    ANTACID_NOTE,
    amount_cautions,
    assess,
    check_profile,
    ingredient_codes,
    is_antacid,
    match_parts,
    oral_reading,
    timing_hours,
    unknown_gap,
)
from mgcalc.core.units import parse_amount
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import hours, mg
from mgcalc.schema.base import severity
from mgcalc.schema.cautions import DrugRule
from mgcalc.schema.data import Form, Reference
from mgcalc.schema.inputs import Profile
from mgcalc.schema.plan import (
    WEEKDAYS,
    AsNeeded,
    PlanConflict,
    PlanItem,
    PlanMedicine,
    PlanProduct,
    PlanResult,
    Product,
    Regimen,
    Timetable,
    Unsatisfied,
    hhmm,
    minutes,
)
from mgcalc.schema.results import Caution, UnknownDrug


class RegimenError(MgcalcError):
    """A value of the regimen mgcalc cannot use, found while planning: ``loc`` is where it is in the
    regimen (``("medicines", 0, "name")``), for the command line to name the file's line."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        where = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".")
        super().__init__(f"{where}: {message}", field="regimen")
        self.loc, self.reason = loc, message


#: MgcalcError.field of check_profile -> where the value is in a regimen
_PERSON = {
    "age": ("person", "age"),
    "sex": ("person", "sex"),
    "pregnant": ("person", "pregnant"),
    "lactating": ("person", "lactating"),
    "egfr": ("person", "egfr"),
    "ckd_stage": ("person", "ckd_stage"),
    "condition": ("person", "conditions"),
    "standard": ("person", "standard"),
}

STEP = 5  # minutes
DAY = 1440


# Plain classes rather than dataclasses: dataclass creation compiles code at import (these four:
# plan 1080.9 -> 1069.2 M instructions, valgrind, installed wheel); nothing compares or hashes them.


class Window:
    """Where one dose of one drug forbids magnesium, and why.

    ``at``: minute of the drug dose; ``before``: minutes magnesium must wait after it; ``after``:
    minutes magnesium must come before the next dose; ``shift``: -DAY, a dose of the day before
    only; +DAY, of the day after only; 0, every day.
    """

    __slots__ = ("after", "at", "before", "medicine", "rule", "shift")

    def __init__(
        self, medicine: str, at: int, rule: DrugRule, before: int, after: int, shift: int = 0
    ) -> None:
        self.medicine, self.at, self.rule = medicine, at, rule
        self.before, self.after, self.shift = before, after, shift

    def allows(self, t: int) -> bool:
        """Whether magnesium at minute ``t`` keeps this rule (the day repeats; a shifted window is
        one dose on the day before or after, taken at ``at`` on that day)."""
        if self.shift:
            at = self.at + self.shift
            return not at - self.after < t < at + self.before
        return (t - self.at) % DAY >= self.before and (self.at - t) % DAY >= self.after


class Reading:
    """A product as read: elemental per serving, its forms, and which drug windows apply to it."""

    __slots__ = ("basis", "el_max", "el_min", "forms", "name", "product")

    def __init__(
        self, product: Product, name: str, forms: list[Form], el_min: float, el_max: float, basis: str
    ) -> None:
        self.product, self.name, self.forms = product, name, forms
        self.el_min, self.el_max, self.basis = el_min, el_max, basis


def read_product(ref: Reference, p: Product, n: int, panel_input: PanelInput | None = None) -> Reading:
    """Elemental magnesium per serving of one product (a range where the label leaves it open)."""
    if p.panel is not None:
        if panel_input is None:
            raise MgcalcError(f"magnesium[{n}]: the panel file '{literal(p.panel)}' was not read")
        pr = read_panel(ref, panel_input)
        if pr.elemental_mg_min is None or pr.elemental_mg_max is None:
            raise MgcalcError(
                f"magnesium[{n}]: the panel '{literal(p.panel)}' has a magnesium line mgcalc cannot read"
            )
        ids = dict.fromkeys(f for line in pr.lines if line.role in ("source", "part") for f in line.forms)
        forms = [ref.catalogue.get(i) for i in ids]
        name = p.name or pr.full_name or p.panel
        basis = f"panel ({pr.per})"
        return Reading(p, name, forms, pr.elemental_mg_min, pr.elemental_mg_max, basis)
    if p.label is not None:
        r = parse_label(ref, p.label)
        if r.elemental_mg_min is None or r.elemental_mg_max is None or r.stated_mg is None:
            raise MgcalcError(f"magnesium[{n}]: no magnesium amount on the label line '{literal(p.label)}'")
        forms = [ref.catalogue.get(f) for f in r.forms]
        name = p.name or p.label
        return Reading(p, name, forms, r.elemental_mg_min, r.elemental_mg_max, r.basis)
    assert p.form is not None and p.amount is not None
    f = ref.catalogue.resolve(p.form)
    amount = parse_amount(p.amount)
    fields = label_fields(ref, amount, f, elemental=p.elemental)
    el = float(fields["elemental_mg"])
    name = p.name or f"{f.name} {mg(amount)}{' elemental' if p.elemental else ''}"
    return Reading(p, name, [f], el, el, "elemental" if p.elemental else "compound")


def _read(ref: Reference, p: Product, n: int, panel_input: PanelInput | None) -> Reading:
    """``read_product``, its errors naming the product's field in the regimen."""
    try:
        return read_product(ref, p, n, panel_input)
    except MgcalcError as e:
        key = (
            e.field
            if e.field in ("form", "amount")
            else "panel"
            if p.panel is not None
            else "label"
            if p.label is not None
            else "amount"
        )
        raise RegimenError(("magnesium", n, key), str(e).removeprefix(f"magnesium[{n}]: ")) from None


def _timing(rule: DrugRule) -> tuple[int, int] | None:
    """A rule's minutes each way (``safety.timing_hours``), or None for a rule without timing."""
    hours = timing_hours(rule)
    return None if hours is None else (round(hours[0] * 60), round(hours[1] * 60))


class Medicines:
    """The regimen's medicines as mgcalc reads them."""

    __slots__ = ("as_needed", "cleared", "magnesium", "rules", "unknown")

    def __init__(self) -> None:
        #: (medicine, its minutes, rule) for every rule a medicine falls under (route words respected)
        self.rules: list[tuple[str, list[int], DrugRule]] = []
        #: medicines mgcalc cannot identify, taken by mouth and not marked cleared: (name, minutes)
        self.unknown: list[tuple[str, list[int]]] = []
        #: medicines that are themselves magnesium products (antacids, laxatives): (name, minutes, rule)
        self.magnesium: list[tuple[str, list[int], DrugRule]] = []
        #: medicines the regimen marks cleared
        self.cleared: list[str] = []
        #: as-needed medicines: (index, the rules they fall under, or None for an unknown medicine)
        self.as_needed: list[tuple[int, list[DrugRule] | None]] = []


#: each medicine of a regimen as ``match_parts`` reads it, by index
Matches = list[tuple[list[DrugRule], list[UnknownDrug]]]


def identify(ref: Reference, regimen: Regimen) -> Matches:
    """Every medicine's rules and unidentified parts, read once (errors name the medicine)."""
    out = []
    for n, med in enumerate(regimen.medicines):
        if not med.name.strip():
            raise RegimenError(("medicines", n, "name"), "a medicine name is empty")
        try:
            found = match_parts(ref, med.name)
        except MgcalcError as e:
            raise RegimenError(("medicines", n, "name"), str(e)) from None
        if med.cleared and not found[1]:
            names = ", ".join(r.name for r in found[0])
            raise RegimenError(
                ("medicines", n, "cleared"),
                f"'{literal(med.name)}' is {names}, which mgcalc has a rule for; "
                "'cleared' is only for medicines mgcalc cannot identify",
            )
        out.append(found)
    return out


def _medicines(
    ref: Reference, regimen: Regimen, matches: Matches, active: set[int] | None = None
) -> Medicines:
    """The medicines (those in ``active``, by index; all by default) with their rules."""
    out = Medicines()
    for n, med in enumerate(regimen.medicines):
        if active is not None and n not in active:
            continue
        found, parts_unknown = matches[n]
        # a route word belongs to its own part: "timolol eye drops + raltegravir" is oral raltegravir
        routed, oral_unknown = oral_reading(ref, med.name)
        times = [minutes(t) for t in med.times]
        if parts_unknown:  # the medicine, or a part of a combination, mgcalc cannot identify
            if med.cleared:
                out.cleared.append(med.name)
            elif oral_unknown:
                if med.as_needed and not found:
                    out.as_needed.append((n, None))
                if times:
                    out.unknown.append((med.name, times))
            if not found:
                continue
        elif med.cleared:
            names = ", ".join(r.name for r in found)
            raise MgcalcError(
                f"medicines[{n}]: '{literal(med.name)}' is {names}, which mgcalc has a rule for; "
                "'cleared' is only for medicines mgcalc cannot identify"
            )
        kept = [r for r in found if not (r.code in routed and r.oral_chelation)]
        if med.as_needed:
            out.as_needed.append((n, kept))
        for rule in kept:
            if rule.magnesium_form is not None and rule.code not in routed:
                out.magnesium.append((med.name, times, rule))
            else:
                out.rules.append((med.name, times, rule))
    return out


def unknown_rule(ref: Reference, forms: list[Form]) -> DrugRule:
    """The precaution a plan keeps around a medicine mgcalc cannot identify, for these forms."""
    before, after = unknown_gap(ref, forms)
    return DrugRule.model_construct(
        code="unknown-drug",
        name="a medicine mgcalc cannot identify (precaution)",
        level="caution",
        generics=[],
        brands=[],
        effect="unknown",
        advice="ask a pharmacist",
        drug_before_hours=before,
        drug_after_hours=after,
        applies_to_forms=None,
        oral_chelation=True,
        magnesium_form=None,
        drug_class=None,
        sources=[],
        rxcui={},
        quote=None,
        where=None,
        conflicts=None,
    )


def _windows(ref: Reference, meds: Medicines, forms: list[Form], shift: int = 0) -> list[Window]:
    """Every window the medicines close to magnesium of these forms (``shift``: their doses on the
    day before, -DAY, or after, +DAY, only)."""
    out = []
    unknown = unknown_rule(ref, forms)
    pairs = [*((m, t, r) for m, t, r in meds.rules), *((m, t, unknown) for m, t in meds.unknown)]
    for medicine, times, rule in pairs:
        timing = _timing(rule)
        if timing is None or rule.level == "avoid" or not _applies(ref, rule, forms):
            continue
        out += [Window(medicine, t, rule, timing[0], timing[1], shift) for t in times]
    return out


def _conflicts(ref: Reference, meds: Medicines) -> list[PlanConflict]:
    """Magnesium-containing medicines at times another medicine's rule (or the unknown-medicine
    precaution) forbids magnesium."""
    out = []
    for name, times, rule in meds.magnesium:
        assert rule.magnesium_form is not None
        form = ref.catalogue.get(rule.magnesium_form)
        for w in _windows(ref, meds, [form]):
            for t in times:
                if w.allows(t):
                    continue
                after = (t - w.at) % DAY
                before = (w.at - t) % DAY
                gap, needs = (
                    (f"{hours(after / 60)} after", hours(w.before / 60))
                    if after <= before
                    else (f"{hours(before / 60)} before", hours(w.after / 60))
                )
                out.append(
                    PlanConflict.model_construct(
                        medicine=w.medicine,
                        medicine_time=hhmm(w.at),
                        magnesium_medicine=name,
                        magnesium_time=hhmm(t),
                        rule=w.rule.code,
                        why=(
                            f"{name} at {hhmm(t)} contains magnesium ({form.name}) and is taken {gap} "
                            f"{w.medicine} at {hhmm(w.at)} ({w.rule.name} needs {needs})"
                        ),
                    )
                )
    return out


def _applies(ref: Reference, rule: DrugRule, forms: list[Form]) -> bool:
    if rule.applies_to_forms != "antacid":
        return True
    return not forms or any(is_antacid(ref, f) for f in forms)


def waking_slots(regimen: Regimen) -> list[int]:
    """Every 5-minute slot from wake to sleep, both included, as minutes after the midnight before
    waking (past 1440 when the waking day crosses midnight: night shifts)."""
    start = minutes(regimen.day.wake)
    return list(range(start, start + regimen.day.length + 1, STEP))


def _meals(regimen: Regimen) -> dict[int, str]:
    """Meal slots (on the waking day's clock, as ``waking_slots``) and their names."""
    start, n = minutes(regimen.day.wake), len(regimen.day.meals)
    return {start + regimen.day.offset(m): _meal_name(i, n) for i, m in enumerate(regimen.day.meals)}


def solve(
    allowed: Sequence[Sequence[int]], counts: Sequence[int], meals: set[int]
) -> tuple[int, list[tuple[int, int]]] | None:
    """The best placement: (smallest gap, [(minute, product index)]) or None if none exists.

    ``allowed[p]`` are the minutes product p may be taken at (sorted), ``counts[p]``
    how many doses of it. Maximises the smallest gap between consecutive doses,
    then doses at meals, then earlier times.

    Products with the same allowed minutes are interchangeable for every part of
    the objective, so the search runs over those groups (a group's doses are then
    dealt to its products in turn). In mgcalc a product's allowed minutes depend
    only on whether its form is an antacid, so there are at most two groups: the
    search is O(log S * (n1 + 1) * (n2 + 1) * S) for S slots and n1, n2 doses in
    the groups, polynomial in products, servings and medicines (the medicines
    only shape the allowed minutes). It stays exact: tests compare it with brute
    force.
    """
    groups: dict[tuple[int, ...], list[int]] = {}
    for p, c in enumerate(counts):
        if c:
            groups.setdefault(tuple(allowed[p]), []).append(p)
    keys = list(groups)
    g_allowed = [list(k) for k in keys]
    g_counts = [sum(counts[p] for p in groups[k]) for k in keys]
    found = _solve_groups(g_allowed, g_counts, meals)
    if found is None:
        return None
    gap, placed = found
    # deal each group's doses to its products in turn, so each product's doses spread over the day
    queues = {g: _interleave([(p, counts[p]) for p in groups[k]]) for g, k in enumerate(keys)}
    out = [(t, queues[g].pop(0)) for t, g in sorted(placed)]
    return gap, sorted(out)


def _interleave(items: list[tuple[int, int]]) -> list[int]:
    """Products repeated by their counts, taken in turn: [(0, 2), (1, 1)] -> [0, 1, 0]."""
    out: list[int] = []
    left = dict(items)
    while any(left.values()):
        for p, _ in items:
            if left[p]:
                out.append(p)
                left[p] -= 1
    return out


def _solve_groups(
    allowed: Sequence[Sequence[int]], counts: Sequence[int], meals: set[int]
) -> tuple[int, list[tuple[int, int]]] | None:
    total = sum(counts)
    if total == 0:
        return (0, [])
    slots = sorted({t for a in allowed for t in a})
    if len(slots) < total:
        return None
    if total == 1:
        p = next(i for i, c in enumerate(counts) if c)
        if not allowed[p]:
            return None
        at_meal = [t for t in allowed[p] if t in meals]
        return (0, [((at_meal or list(allowed[p]))[0], p)])
    # no gap can exceed the span shared out evenly: only those candidates are searched
    most = (slots[-1] - slots[0]) // (total - 1)
    gaps = list(range(STEP, most + 1, STEP))  # two doses never share a slot: the least gap is a step
    # feasibility falls as the gap grows: binary search for the largest feasible gap
    lo, hi, found = 0, len(gaps) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        placed = _placement(allowed, counts, meals, gaps[mid])
        if placed is None:
            hi = mid - 1
        else:
            found, lo = (gaps[mid], placed), mid + 1
    return found


# A partial schedule's entry, packed in one int to keep memory flat (10 products x 6 servings
# make about 10^5 entries): score (meals, then minus the sum of the times, so earlier wins) in the
# high bits, then the previous dose's minute and the group it came from (START: the first dose).
_LOW, _SUM = 16, 24
_OFFSET = 1 << (_SUM - 1)
START = 0xF


def _pack(meals_: int, neg: int, t1: int, p: int) -> int:
    return ((((meals_ << _SUM) | (neg + _OFFSET)) << _LOW) | (t1 << 4)) | p


def _placement(
    allowed: Sequence[Sequence[int]], counts: Sequence[int], meals: set[int], gap: int
) -> list[tuple[int, int]] | None:
    """A placement with every gap >= ``gap`` maximising doses at meals (then earliest), or None.

    States are the numbers of doses placed per group; ``best[state][t]`` is the
    best partial schedule whose last dose is at minute t (score and where it came
    from, packed by ``_pack``).
    """
    from itertools import product as cartesian

    n = len(counts)
    assert n < START and all(t < (1 << (_LOW - 4)) for a in allowed for t in a)
    best: dict[tuple[int, ...], dict[int, int]] = {}
    for p in range(n):
        if counts[p]:
            s = tuple(1 if i == p else 0 for i in range(n))
            best[s] = {t: _pack(int(t in meals), -t, 0, START) for t in allowed[p]}
    for s in sorted(cartesian(*(range(c + 1) for c in counts)), key=sum):
        here = best.get(s)
        if not here:
            continue
        ends = sorted(here.items())
        for p in range(n):
            if s[p] >= counts[p]:
                continue
            nxt = tuple(x + 1 if i == p else x for i, x in enumerate(s))
            target = best.setdefault(nxt, {})
            j, run, run_t = 0, -1, 0  # the best end at least `gap` before t2, as a running maximum
            for t2 in allowed[p]:
                while j < len(ends) and ends[j][0] <= t2 - gap:
                    t1, packed = ends[j]
                    score = packed >> _LOW
                    if score > run:
                        run, run_t = score, t1
                    j += 1
                if run < 0:
                    continue
                m, neg = run >> _SUM, (run & ((1 << _SUM) - 1)) - _OFFSET
                value = _pack(m + int(t2 in meals), neg - t2, run_t, p)
                old = target.get(t2)
                if old is None or value >> _LOW > old >> _LOW:
                    target[t2] = value
    final = best.get(tuple(counts))
    if not final:
        return None
    t = max(final, key=lambda k: final[k] >> _LOW)
    state: tuple[int, ...] = tuple(counts)
    out: list[tuple[int, int]] = []
    while True:
        packed = best[state][t]
        p = packed & 0xF
        if p == START:
            out.append((t, next(i for i, x in enumerate(state) if x)))
            return sorted(out)
        # the group of this dose is the one whose count the step raised
        out.append((t, p))
        prev_t = (packed >> 4) & ((1 << (_LOW - 4)) - 1)
        state = tuple(x - 1 if i == p else x for i, x in enumerate(state))
        t = prev_t


def brute_force(
    allowed: Sequence[Sequence[int]], counts: Sequence[int], meals: set[int]
) -> tuple[int, int] | None:
    """(best smallest gap, most doses at meals) by trying every placement (for tests; small inputs)."""
    from itertools import combinations, pairwise, permutations

    total = sum(counts)
    labels = [p for p, c in enumerate(counts) for _ in range(c)]
    slots = sorted({t for a in allowed for t in a})
    best: tuple[int, int] | None = None
    for times in combinations(slots, total):
        for order in set(permutations(labels)):
            if all(t in allowed[p] for t, p in zip(times, order, strict=True)):
                gap = min((b - a for a, b in pairwise(times)), default=0)
                score = (gap, sum(t in meals for t in times))
                best = score if best is None or score > best else best
    return best


def _profile(regimen: Regimen) -> Profile:
    p = regimen.person
    return Profile(
        age=p.age,
        sex=p.sex,
        pregnant=p.pregnant,
        lactating=p.lactating,
        egfr=p.egfr,
        ckd_stage=p.ckd_stage,
        drugs=[m.name for m in regimen.medicines],
        conditions=list(p.conditions),
        per_day=1,
        standard=p.standard,
    )


def _why(t: int, windows: list[Window], meals: dict[int, str]) -> str:
    parts = [f"with {meals[t]}"] if t in meals else []
    near = []
    for w in windows:
        after = (t - w.at) % DAY
        before = (w.at - t) % DAY
        if w.shift:  # one dose the day before or after: its real distance, and which day
            at = w.at + w.shift
            day = "the day before" if w.shift < 0 else "the next day"
            gap, need, side = (t - at, w.before, "after") if t >= at else (at - t, w.after, "before")
            near.append(
                (
                    gap - need,
                    f"{hours(gap / 60)} {side} {w.medicine} ({hhmm(w.at)} {day}; needs {hours(need / 60)})",
                )
            )
            continue
        if after <= before:
            near.append(
                (
                    after - w.before,
                    f"{hours(after / 60)} after {w.medicine} ({hhmm(w.at)}; needs {hours(w.before / 60)})",
                )
            )
        else:
            near.append(
                (
                    before - w.after,
                    f"{hours(before / 60)} before {w.medicine} ({hhmm(w.at)}; needs {hours(w.after / 60)})",
                )
            )
    near.sort()
    parts += [text for _, text in near[:2]]
    return "; ".join(parts) if parts else "no timing rule applies"


class Pattern:
    """Days that share one set of medicines and products: weekdays, and a date range.

    ``yesterday`` and ``tomorrow``: the medicines of the day before and the day after (a Saturday
    06:30 dose also bounds Friday's late magnesium); at a course's edge, those of the neighbouring
    span too.
    """

    __slots__ = ("days", "end", "medicines", "products", "start", "tomorrow", "yesterday")

    def __init__(
        self,
        days: list[str],
        start: date | None,
        end: date | None,
        medicines: set[int],
        products: set[int],
        yesterday: set[int],
        tomorrow: set[int],
    ) -> None:
        self.days, self.start, self.end = days, start, end
        self.medicines, self.products = medicines, products
        self.yesterday, self.tomorrow = yesterday, tomorrow


def patterns(regimen: Regimen) -> list[Pattern]:
    """The day patterns of a regimen: the dates where a course starts or ends split time into
    spans; in each span, the weekdays with the same medicines and products share a timetable."""
    courses = [*regimen.medicines, *regimen.magnesium]
    edges = sorted(
        {c.from_ for c in courses if c.from_ is not None}
        | {c.until + timedelta(days=1) for c in courses if c.until is not None}
    )
    spans: list[tuple[date | None, date | None]] = []
    bounds: list[date | None] = [None, *edges, None]
    for a, b in pairwise(bounds):
        spans.append((a, None if b is None else b - timedelta(days=1)))
    out: list[Pattern] = []
    probes = [a if a is not None else b for a, b in spans]

    def meds_on(probe: date | None, wd: str) -> frozenset[int]:
        return frozenset(n for n, m in enumerate(regimen.medicines) if m.active(probe, wd))

    for i, (a, b) in enumerate(spans):
        probe = probes[i]
        # this span's probe and its neighbours': a course starting tomorrow bounds today
        near = [
            q for q in (probes[i - 1] if i else None, probe, probes[i + 1] if i + 1 < len(spans) else None)
        ]
        near = [q for q in near if q is not None] or [probe]
        Key = tuple[frozenset[int], frozenset[int], frozenset[int], frozenset[int]]
        groups: dict[Key, list[str]] = {}
        occurs = set(WEEKDAYS)
        if a is not None and b is not None and (b - a).days < 6:  # a short span: only its weekdays
            occurs = {WEEKDAYS[(a + timedelta(days=k)).weekday()] for k in range((b - a).days + 1)}
        for k, wd in enumerate(WEEKDAYS):
            if wd not in occurs:
                continue
            meds = meds_on(probe, wd)
            prods = frozenset(n for n, p in enumerate(regimen.magnesium) if p.active(probe, wd))
            before = frozenset().union(*(meds_on(q, WEEKDAYS[(k - 1) % 7]) for q in near))
            after = frozenset().union(*(meds_on(q, WEEKDAYS[(k + 1) % 7]) for q in near))
            groups.setdefault((meds, prods, before, after), []).append(wd)
        for (meds, prods, before, after), days in groups.items():
            prev = next(
                (
                    p
                    for p in out
                    if (p.days, p.medicines, p.products, p.yesterday, p.tomorrow)
                    == (days, set(meds), set(prods), set(before), set(after))
                ),
                None,
            )
            if (
                prev is not None
                and prev.end is not None
                and a is not None
                and _none_between(prev.end, a, days)
            ):
                prev.end = b  # the same pattern goes on across a course boundary that does not touch it
                continue
            out.append(Pattern(days, a, b, set(meds), set(prods), set(before), set(after)))
    return out


def _none_between(end: date, start: date, days: list[str]) -> bool:
    """Whether no day after ``end`` and before ``start`` falls on one of ``days`` (so a pattern that
    ends at ``end`` and one that starts at ``start`` are one)."""
    gap = (start - end).days - 1
    if not 0 <= gap < 7:
        return False
    return all(WEEKDAYS[(end + timedelta(days=k)).weekday()] not in days for k in range(1, gap + 1))


def pattern_label(p: Pattern) -> str:
    """A pattern in words: "every day", "Sundays", "Mon, Wed, Fri", "until 13 Dec"."""
    names = {"mon": "Mondays", "tue": "Tuesdays", "wed": "Wednesdays", "thu": "Thursdays",
             "fri": "Fridays", "sat": "Saturdays", "sun": "Sundays"}  # fmt: skip
    if len(p.days) == 7:
        days = "every day"
    elif p.days == list(WEEKDAYS[:5]):
        days = "Monday to Friday"
    elif len(p.days) == 1:
        days = names[p.days[0]]
    else:
        days = ", ".join(d.capitalize() for d in p.days)
    when = ""
    if p.start is not None and p.end is not None:
        when = f"{_d(p.start)} to {_d(p.end)}"
    elif p.start is not None:
        when = f"from {_d(p.start)}"
    elif p.end is not None:
        when = f"until {_d(p.end)}"
    return f"{days}, {when}" if when else days


def _d(d: date) -> str:
    return f"{d.day} {d.strftime('%b')} {d.year}"


def plan(ref: Reference, regimen: Regimen, panels: dict[int, PanelInput] | None = None) -> PlanResult:
    """The plan for a regimen: totals, absorbed estimate, a timetable per day pattern, the cautions.

    ``panels`` holds the panel files the regimen names, read by the caller
    (``mgcalc.cli.plan_io.read_panels``), by the index of their product.
    """
    try:
        return _plan(ref, regimen, panels)
    except RegimenError:
        raise
    except MgcalcError as e:  # a value of the person's (an eGFR outside the stage given...)
        if e.field not in _PERSON:
            raise
        raise RegimenError(_PERSON[e.field], str(e)) from None


def _plan(ref: Reference, regimen: Regimen, panels: dict[int, PanelInput] | None) -> PlanResult:
    matches = identify(ref, regimen)  # every name checked once, whatever the day
    profile = check_profile(ref, _profile(regimen))
    everything = _medicines(ref, regimen, matches)
    got = panels or {}
    readings = [_read(ref, p, n, got.get(n)) for n, p in enumerate(regimen.magnesium)]
    person = regimen.person
    state = life_state(person.pregnant, person.lactating, person.sex)
    ul = upper_level(ref, person.age, state, person.standard)
    rda = rda_kind = None
    if person.age is not None and (person.sex is not None or state != "none"):
        ri = reference(ref, person.age, person.sex, state, person.standard)
        rda, rda_kind = (ri.rda_mg, "RDA") if ri.rda_mg else (ri.ai_mg, "AI" if ri.ai_mg else None)

    def servings(n: int) -> int:
        p = regimen.magnesium[n]
        return p.max_per_day if p.as_needed and p.max_per_day is not None else p.servings

    pats = patterns(regimen)
    # the day's total: the pattern with the most magnesium (as-needed products at their maximum)
    totals = [
        (
            sum(readings[n].el_min * servings(n) for n in pat.products),
            sum(readings[n].el_max * servings(n) for n in pat.products),
        )
        for pat in pats
    ]
    day_min, day_max = max(totals, key=lambda x: x[1]) if totals else (0.0, 0.0)
    # cautions: the person and the medicines once, each product's form, the daily total
    seen: dict[tuple[str, str], Caution] = {}
    base = assess(ref, profile)
    for c in base.cautions:
        seen.setdefault((c.code, c.message), c)
    for r in readings:
        for f in r.forms or [None]:  # type: ignore[list-item]
            for c in [*assess(ref, profile, None, f).cautions, *amount_cautions(ref, profile, day_max, f)]:
                if c.code == "laxative" and f is not None:
                    # the dose taken at once, from the timetable (below), not the day's total
                    c = Caution.model_construct(code="laxative", level="info", message=f.id, source=_AT_ONCE)
                seen.setdefault((c.code, c.message), c)
    for name in everything.cleared:
        for key, c in list(seen.items()):
            if c.code == "unknown-drug" and (
                c.message.startswith(f"'{literal(name)}'") or f"(in {literal(name)})'" in c.message
            ):
                seen[key] = c.model_copy(
                    update={
                        "code": "cleared-drug",
                        "level": "info",
                        "message": (
                            f"'{literal(name)}' is not a medicine mgcalc can identify; the regimen marks it "
                            "cleared (checked by a pharmacist), so no precautionary gap is kept. mgcalc did "
                            "not check it."
                        ),
                        "quote": None,
                        "source": "the regimen (cleared: true)",
                    }
                )
    conflicts: list[PlanConflict] = []
    for pat in pats:
        for cf in _conflicts(ref, _medicines(ref, regimen, matches, pat.medicines)):
            if all(cf.why != x.why for x in conflicts):
                conflicts.append(cf)
    for cf in conflicts:
        c = Caution.model_construct(
            code="medicine-conflict",
            level="caution",
            message=f"{cf.why}: move one of them, or ask the pharmacist.",
            source=next((x.source for x in seen.values() if x.code == cf.rule), "mgcalc data/cautions.yaml"),
        )
        seen.setdefault((c.code, c.message), c)
    stop = [c for c in seen.values() if c.level == "avoid"]
    days = [_day(ref, regimen, matches, readings, pat, stop) for pat in pats]
    tables = [(t, a) for t, a, _ in days]
    laxative = _laxative_cautions(ref, profile, regimen, readings, pats, [p for _, _, p in days])
    kept: list[Caution] = []
    for c in _once(ref, list(seen.values()), readings):
        if c.source == _AT_ONCE:
            kept += laxative.pop(c.message, [])
        else:
            kept.append(c)
    cautions = sorted(kept, key=lambda c: -severity(c.level))
    # the day's absorbed estimate: the pattern with the most magnesium, as for the total
    heaviest = max(range(len(pats)), key=lambda i: totals[i][1]) if pats else None
    absorbed = (None, None, None) if heaviest is None else tables[heaviest][1]
    one = tables[0][0] if len(tables) == 1 else None
    diet = regimen.diet_mg
    return PlanResult.model_construct(
        products=[
            PlanProduct.model_construct(
                name=r.name,
                form=r.forms[0].id if len(r.forms) == 1 else None,
                servings=servings(n),
                elemental_mg_min=r.el_min,
                elemental_mg_max=r.el_max,
                basis=r.basis,
            )
            for n, r in enumerate(readings)
        ],
        daily_elemental_mg_min=day_min,
        daily_elemental_mg_max=day_max,
        ul_mg=ul.ul_supplemental_mg,
        ul_source=ul.ul_standard or ul.standard_name,
        diet_mg=diet,
        reference_intake_mg=rda,
        reference_intake_kind=rda_kind,
        total_with_diet_mg_min=None if diet is None else day_min + diet,
        total_with_diet_mg_max=None if diet is None else day_max + diet,
        daily_absorbed_mg=absorbed[0],
        daily_absorbed_mg_min=absorbed[1],
        daily_absorbed_mg_max=absorbed[2],
        schedule=one.schedule if one is not None else [],
        unsatisfied=one.unsatisfied if one is not None else [],
        no_timetable_reason=one.no_timetable_reason if one is not None else None,
        min_gap_minutes=one.min_gap_minutes if one is not None else None,
        cautions=cautions,
        unknown_drugs=base.unknown_drugs,
        conflicts=conflicts,
        timetables=[t for t, _ in tables],
        as_needed=_as_needed(ref, regimen, matches, everything, readings),
        medicines=[_identified(ref, m.name, m.cleared) for m in regimen.medicines],
    )


#: the source of a placeholder in the cautions: the laxative caution of the form named in its message,
#: decided from the timetable once it is made
_AT_ONCE = "\0at once"


def _at_once(
    regimen: Regimen, readings: list[Reading], pats: list[Pattern], placed: list[list[tuple[int, int]] | None]
) -> dict[int, tuple[float, list[int], int | None]]:
    """For each product (by index), the most elemental magnesium taken at once in one of its doses:
    (mg, the products taken together then, the minute or None). Doses at the same time are taken
    together; a product with no time (an as-needed one, or a day with no timetable) is one serving
    at once, as the regimen gives it."""
    out: dict[int, tuple[float, list[int], int | None]] = {}

    def keep(n: int, dose: float, together: list[int], t: int | None) -> None:
        if n not in out or dose > out[n][0]:
            out[n] = (dose, together, t)

    for pat, got in zip(pats, placed, strict=True):
        if got is None:
            for n in pat.products:
                keep(n, readings[n].el_max, [n], None)
            continue
        at: dict[int, list[int]] = {}
        for t, n in got:
            at.setdefault(t, []).append(n)
        for t, together in at.items():
            dose = sum(readings[n].el_max for n in together)
            for n in together:
                keep(n, dose, together, t)
    for n, p in enumerate(regimen.magnesium):
        if p.as_needed or n not in out:
            keep(n, readings[n].el_max, [n], None)
    return out


def _laxative_cautions(
    ref: Reference,
    profile: Profile,
    regimen: Regimen,
    readings: list[Reading],
    pats: list[Pattern],
    placed: list[list[tuple[int, int]] | None],
) -> dict[str, list[Caution]]:
    """The laxative cautions by form id: each form at the largest dose taken at once that holds it
    (``_at_once``), as ``label --per-day`` judges one intake."""
    best: dict[str, tuple[float, Form, list[int], int | None]] = {}
    for n, (dose, together, t) in _at_once(regimen, readings, pats, placed).items():
        for f in readings[n].forms:
            if f.id not in best or dose > best[f.id][0]:
                best[f.id] = (dose, f, together, t)
    out: dict[str, list[Caution]] = {}
    for fid, (dose, f, together, t) in best.items():
        found = [c for c in amount_cautions(ref, profile, dose, f) if c.code == "laxative"]
        if len(together) > 1 and t is not None:
            head = f"{mg(dose)} of magnesium at once from {f.name}"
            parts = " + ".join(f"{readings[n].name} ({mg(readings[n].el_max)})" for n in together)
            found = [
                c.model_copy(
                    update={
                        "message": f"{mg(dose)} of magnesium at once at {hhmm(t)} from {parts}"
                        + c.message.removeprefix(head)
                    }
                )
                if c.message.startswith(head)
                else c
                for c in found
            ]
        out[fid] = found
    return out


def _once(ref: Reference, cautions: list[Caution], readings: list[Reading]) -> list[Caution]:
    """Each caution once: a rule for antacid forms, found both with the note naming those forms (from
    the medicines alone) and without it (from an antacid product), is kept once: without the note
    where every product is an antacid form, else with it (which says what it concerns)."""
    forms = [f for r in readings for f in r.forms]
    all_antacid = bool(forms) and all(is_antacid(ref, f) for f in forms)
    keys = {(c.code, c.message) for c in cautions}
    drop: set[tuple[str, str]] = set()
    for c in cautions:
        if c.applies_to_forms == "antacid" and ANTACID_NOTE in c.message:
            bare = (c.code, c.message.replace(ANTACID_NOTE, ""))
            if bare in keys:
                drop.add((c.code, c.message) if all_antacid else bare)
    return [c for c in cautions if (c.code, c.message) not in drop]


def _identified(ref: Reference, name: str, cleared: bool) -> PlanMedicine:
    """A medicine as mgcalc identified it (names were checked by ``_medicines`` already)."""
    found, unknown = match_parts(ref, name)
    if not found:
        status: Literal["no-rule-route", "unknown", "cleared"] = (
            "cleared" if cleared else "unknown" if oral_reading(ref, name)[1] else "no-rule-route"
        )
        return PlanMedicine.model_construct(
            name=name, status=status, rules=[], drug_classes=[], rxcui=[], unknown_parts=[]
        )
    return PlanMedicine.model_construct(
        name=name,
        status="rule",
        rules=[r.code for r in found],
        drug_classes=list(dict.fromkeys(r.drug_class or r.code for r in found)),
        rxcui=list(dict.fromkeys(c for r in found for c in ingredient_codes(ref, name, r))),
        unknown_parts=[u.name for u in unknown],
    )


Absorbed = tuple[float | None, float | None, float | None]


def _day(
    ref: Reference,
    regimen: Regimen,
    matches: Matches,
    readings: list[Reading],
    pat: Pattern,
    stop: list[Caution],
) -> tuple[Timetable, Absorbed, list[tuple[int, int]] | None]:
    """One pattern's timetable, absorbed estimate, and the doses placed: (minute, product index), or
    None where no timetable could be made."""
    meds = _medicines(ref, regimen, matches, pat.medicines)
    before = _medicines(ref, regimen, matches, pat.yesterday)
    after = _medicines(ref, regimen, matches, pat.tomorrow)
    meals = _meals(regimen)
    slots = waking_slots(regimen)
    active = [n for n in sorted(pat.products) if not regimen.magnesium[n].as_needed]
    day_readings = [readings[n] for n in active]
    windows = [
        [
            *_windows(ref, meds, r.forms),
            *_windows(ref, before, r.forms, -DAY),
            *_windows(ref, after, r.forms, DAY),
        ]
        for r in day_readings
    ]
    allowed = [[t for t in slots if all(w.allows(t) for w in ws)] for ws in windows]
    sleep = minutes(regimen.day.sleep)
    schedule = [
        PlanItem.model_construct(time=hhmm(t), item=meals[t], kind="meal", why="") for t in sorted(meals)
    ] + [
        PlanItem.model_construct(time=hhmm(t), item=med.name, kind="medicine", why="fixed time")
        for n, med in enumerate(regimen.medicines)
        if n in pat.medicines
        for t in (minutes(x) for x in med.times)
    ]
    unsatisfied: list[Unsatisfied] = []
    reason = None
    gap = None
    absorbed: Absorbed = (None, None, None)
    placed_at: list[tuple[int, int]] | None = None
    forms_today = [f for r in day_readings for f in r.forms]
    antacid_today = not forms_today or any(is_antacid(ref, f) for f in forms_today)
    stop = [c for c in stop if c.applies_to_forms != "antacid" or antacid_today]
    if stop and day_readings:
        reason = "no magnesium times: " + "; ".join(f"{c.level.upper()}: {c.message}" for c in stop)
    elif day_readings:
        counts = [r.product.servings for r in day_readings]
        found = solve(allowed, counts, set(meals))
        if found is None:
            unsatisfied = _blocked(day_readings, windows, allowed, slots, counts)
            reason = "no time in the waking day keeps every rule (see the blocked products below)"
        else:
            gap, placed = found
            placed_at = [(t, active[p]) for t, p in placed]
            total = [0.0, 0.0, 0.0]
            known = True
            for t, p in placed:
                r = day_readings[p]
                el_mid = (r.el_min + r.el_max) / 2
                # several forms in an unknown split: the lowest central figure, the widest range
                ranges = [relative_range(f, ref.absorption, ref.catalogue)[0] for f in r.forms]
                fed = t in meals
                schedule.append(
                    PlanItem.model_construct(
                        time=hhmm(t),
                        item=r.name,
                        kind="magnesium",
                        elemental_mg=el_mid,
                        elemental_mg_min=r.el_min,
                        elemental_mg_max=r.el_max,
                        why=_why(t, windows[p], meals),
                        take=r.product.unit or "1 serving",
                    )
                )
                if not ranges:
                    known = False
                    continue
                rel = Bounds(
                    min(x.central for x in ranges), min(x.low for x in ranges), max(x.high for x in ranges)
                )
                total[0] += est(el_mid, rel, fed, ref.absorption).central
                total[1] += est(r.el_min, rel, fed, ref.absorption).low
                total[2] += est(r.el_max, rel, fed, ref.absorption).high
            absorbed = (total[0], total[1], total[2]) if known else (None, None, None)
            if len(placed) < 2:
                gap = None
    order = {"medicine": 0, "meal": 1, "magnesium": 2}
    # the listing starts just after sleep, so a night shift reads in the order it is lived
    schedule.sort(key=lambda i: ((minutes(i.time) - sleep - 1) % DAY, order[i.kind]))
    table = Timetable.model_construct(
        days=list(pat.days),
        from_=None if pat.start is None else pat.start.isoformat(),
        until=None if pat.end is None else pat.end.isoformat(),
        label=pattern_label(pat),
        schedule=schedule,
        unsatisfied=unsatisfied,
        no_timetable_reason=reason,
        min_gap_minutes=gap,
    )
    return table, absorbed, placed_at


def _as_needed(
    ref: Reference, regimen: Regimen, matches: Matches, everything: Medicines, readings: list[Reading]
) -> list[AsNeeded]:
    """The rule to keep for each as-needed medicine and magnesium product, against the fixed times."""
    out = []
    every = set(range(len(regimen.medicines)))
    fixed = _medicines(ref, regimen, matches, {n for n in every if not regimen.medicines[n].as_needed})
    for n, rules in everything.as_needed:
        med = regimen.medicines[n]
        assert med.max_per_day is not None
        mg_rule = next((r for r in rules or [] if r.magnesium_form is not None), None)
        if mg_rule is not None:
            assert mg_rule.magnesium_form is not None
            form = ref.catalogue.get(mg_rule.magnesium_form)
            avoid = _clear_of(_windows(ref, fixed, [form]))
            barred = _barred(ref, fixed, [form])
            rule = f"{med.name} contains magnesium: " + (
                f"do not take it ({barred})"
                if barred
                else "take it " + _not_between(avoid)
                if avoid
                else "no fixed medicine limits when it is taken"
            )
            out.append(
                AsNeeded.model_construct(
                    item=med.name,
                    kind="medicine",
                    max_per_day=med.max_per_day,
                    avoid=avoid,
                    rule=rule,
                )
            )
            continue
        timed = [r for r in rules or [] if _timing(r) is not None and r.level != "avoid"]
        avoid_rules = [r for r in rules or [] if r.level == "avoid"]
        if rules is None:
            timed = [unknown_rule(ref, [f for r in readings for f in r.forms])]
        parts = []
        for r in timed:
            t = _timing(r)
            assert t is not None
            parts.append(
                f"keep magnesium at least {hours(t[0] / 60)} after it and {hours(t[1] / 60)} before it ({r.name})"
            )
        parts += [f"AVOID: {r.advice} ({r.name}; no timing makes it safe)" for r in avoid_rules]
        rule = f"when you take {med.name}, " + (
            "; ".join(parts) if parts else "no timing rule of mgcalc's applies"
        )
        if rules is None:
            rule += ": mgcalc cannot identify it, so this is the precaution for an unknown medicine"
        out.append(
            AsNeeded.model_construct(
                item=med.name, kind="medicine", max_per_day=med.max_per_day, avoid=[], rule=rule
            )
        )
    for n, p in enumerate(regimen.magnesium):
        if not p.as_needed:
            continue
        assert p.max_per_day is not None
        avoid = _clear_of(_windows(ref, fixed, readings[n].forms))
        barred = _barred(ref, fixed, readings[n].forms)
        rule = f"{readings[n].name}, at most {p.max_per_day} a day: " + (
            f"do not take it ({barred})"
            if barred
            else "take it " + _not_between(avoid)
            if avoid
            else "no medicine limits when it is taken"
        )
        out.append(
            AsNeeded.model_construct(
                item=readings[n].name,
                kind="magnesium",
                max_per_day=p.max_per_day,
                avoid=avoid,
                rule=rule,
            )
        )
    return out


def _barred(ref: Reference, meds: Medicines, forms: list[Form]) -> str:
    """The avoid-level rules of the fixed medicines that concern these forms, in words ("" if none)."""
    found = [
        f"{name}: {rule.name}, {rule.advice}"
        for name, _, rule in meds.rules
        if rule.level == "avoid" and _applies(ref, rule, forms)
    ]
    return "; ".join(dict.fromkeys(found))


def _clear_of(windows: list[Window]) -> list[str]:
    """The times of day each window keeps magnesium away from: 'HH:MM-HH:MM (medicine at HH:MM)'."""
    return [
        f"{hhmm(w.at - w.after)}-{hhmm(w.at + w.before)} ({w.medicine} at {hhmm(w.at)})"
        for w in sorted(windows, key=lambda w: w.at)
        if w.after or w.before
    ]


def _not_between(avoid: list[str]) -> str:
    return "outside " + "; ".join(avoid)


def _meal_name(i: int, n: int) -> str:
    names = {1: ["meal"], 2: ["breakfast", "dinner"], 3: ["breakfast", "lunch", "dinner"]}
    return names.get(n, [f"meal {k + 1}" for k in range(n)])[i]


def _times(windows: list[Window]) -> str:
    """The times of the doses behind ``windows``, each once, in the order of the day: a dose of the
    day before or after only is named so ("06:30 the next day"); one every day is just its time."""
    daily = {w.at for w in windows if not w.shift}
    said = [
        hhmm(w.at) if not w.shift else f"{hhmm(w.at)} {'the day before' if w.shift < 0 else 'the next day'}"
        for w in sorted(windows, key=lambda w: (w.at, w.shift))
        if not w.shift or w.at not in daily
    ]
    return ", ".join(dict.fromkeys(said))


def _blocked(
    readings: list[Reading],
    windows: list[list[Window]],
    allowed: list[list[int]],
    slots: list[int],
    counts: list[int],
) -> list[Unsatisfied]:
    """Why no placement exists: the rules that close the day, and what would open it."""
    out = []
    for r, r_windows, r_slots, n in zip(readings, windows, allowed, counts, strict=True):
        if len(r_slots) >= n and r_slots:
            continue
        by_med: dict[str, list[Window]] = {}
        for w in r_windows:
            by_med.setdefault(w.medicine, []).append(w)
        for med, ws in by_med.items():
            blocked = [t for t in slots if not all(w.allows(t) for w in ws)]
            if not blocked:
                continue
            others = [w for w in r_windows if w.medicine != med]
            freed = [t for t in slots if all(w.allows(t) for w in others)]
            rule = ws[0].rule
            timing = f"{hours(ws[0].before / 60)} after / {hours(ws[0].after / 60)} before"
            taken = _times(ws)
            unblock = []
            if len(freed) >= n:
                unblock.append(
                    f"moving {med} (taken at {taken}) would leave "
                    f"{hours(len(freed) * STEP / 60)} of the waking day open for magnesium"
                )
            if 0 < len(r_slots) < n:
                unblock.append(f"at most {len(r_slots)} dose(s) of this product fit: take fewer servings")
            unblock.append("ask the prescriber or pharmacist whether the medicine times can change")
            out.append(
                Unsatisfied.model_construct(
                    product=r.name,
                    rule=rule.code,
                    medicine=med,
                    why=f"{rule.name} needs magnesium {timing} each dose; with the doses at "
                    f"{taken} that leaves "
                    f"{hours((len(slots) - len(blocked)) * STEP / 60)} of the waking day open",
                    unblock=unblock,
                )
            )
    if not out:
        total = sum(counts)
        out.append(
            Unsatisfied.model_construct(
                product=", ".join(r.name for r in readings),
                rule="spacing",
                medicine="",
                why=f"{total} doses do not fit into the times the rules leave open",
                unblock=["take fewer servings, or combine products into one dose"],
            )
        )
    return out
