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
from dataclasses import dataclass, field

from mgcalc.core.absorption import Bounds, relative_range
from mgcalc.core.absorption import absorbed as est
from mgcalc.core.dosing import label_fields
from mgcalc.core.intake import life_state, reference, upper_level
from mgcalc.core.labels import parse_label
from mgcalc.core.panel import PanelInput
from mgcalc.core.panel import panel as read_panel
from mgcalc.core.safety import (
    amount_cautions,
    assess,
    check_profile,
    is_antacid,
    match_drug,
    route_of,
    unknown_gap,
)
from mgcalc.core.units import parse_amount
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import hours, mg
from mgcalc.schema.build import make
from mgcalc.schema.data import DrugRule, Form, Reference, severity
from mgcalc.schema.inputs import Profile
from mgcalc.schema.plan import (
    PlanConflict,
    PlanItem,
    PlanProduct,
    PlanResult,
    Product,
    Regimen,
    Unsatisfied,
    hhmm,
    minutes,
)
from mgcalc.schema.results import Caution

STEP = 5  # minutes
DAY = 1440


@dataclass(frozen=True)
class Window:
    """Where one dose of one drug forbids magnesium, and why."""

    medicine: str
    at: int  # minute of the drug dose
    rule: DrugRule
    before: int  # minutes magnesium must wait after the drug dose
    after: int  # minutes magnesium must come before the next drug dose

    def allows(self, t: int) -> bool:
        """Whether magnesium at minute ``t`` keeps this rule (the day repeats)."""
        return (t - self.at) % DAY >= self.before and (self.at - t) % DAY >= self.after


@dataclass
class Reading:
    """A product as read: elemental per serving, its forms, and which drug windows apply to it."""

    product: Product
    name: str
    forms: list[Form]
    el_min: float
    el_max: float
    basis: str
    windows: list[Window] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)


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


def _timing(rule: DrugRule) -> tuple[int, int] | None:
    b, a = rule.drug_before_hours, rule.drug_after_hours
    if b is None and a is None:
        return None
    b = a if b is None else b
    a = b if a is None else a
    assert a is not None and b is not None
    return round(b * 60), round(a * 60)


@dataclass
class Medicines:
    """The regimen's medicines as mgcalc reads them."""

    #: (medicine, its minutes, rule) for every rule a medicine falls under (route words respected)
    rules: list[tuple[str, list[int], DrugRule]] = field(default_factory=list)
    #: medicines mgcalc cannot identify, taken by mouth and not marked cleared: (name, minutes)
    unknown: list[tuple[str, list[int]]] = field(default_factory=list)
    #: medicines that are themselves magnesium products (antacids, laxatives): (name, minutes, rule)
    magnesium: list[tuple[str, list[int], DrugRule]] = field(default_factory=list)
    #: medicines the regimen marks cleared
    cleared: list[str] = field(default_factory=list)


def _medicines(ref: Reference, regimen: Regimen) -> Medicines:
    out = Medicines()
    for n, med in enumerate(regimen.medicines):
        try:
            found = match_drug(ref, med.name)
        except MgcalcError as e:
            raise MgcalcError(f"medicines[{n}]: {e}", field=e.field) from None
        route = route_of(med.name, ref.cautions)
        times = [minutes(t) for t in med.times]
        if not isinstance(found, list):
            if med.cleared:
                out.cleared.append(med.name)
            elif route is None:
                out.unknown.append((med.name, times))
            continue
        if med.cleared:
            names = ", ".join(r.name for r in found)
            raise MgcalcError(
                f"medicines[{n}]: '{literal(med.name)}' is {names}, which mgcalc has a rule for; "
                "'cleared' is only for medicines mgcalc cannot identify"
            )
        for rule in found:
            if route is not None and rule.oral_chelation:
                continue
            if rule.magnesium_form is not None and route is None:
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
        quote=None,
        where=None,
        conflicts=None,
    )


def _windows(ref: Reference, meds: Medicines, forms: list[Form]) -> list[Window]:
    """Every window the medicines close to magnesium of these forms."""
    out = []
    unknown = unknown_rule(ref, forms)
    pairs = [*((m, t, r) for m, t, r in meds.rules), *((m, t, unknown) for m, t in meds.unknown)]
    for medicine, times, rule in pairs:
        timing = _timing(rule)
        if timing is None or rule.level == "avoid" or not _applies(ref, rule, forms):
            continue
        out += [Window(medicine, t, rule, timing[0], timing[1]) for t in times]
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
                    make(
                        PlanConflict,
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
    """Every 5-minute slot from wake to sleep, both included."""
    return list(range(minutes(regimen.day.wake), minutes(regimen.day.sleep) + 1, STEP))


def solve(
    allowed: Sequence[Sequence[int]], counts: Sequence[int], meals: set[int]
) -> tuple[int, list[tuple[int, int]]] | None:
    """The best placement: (smallest gap, [(minute, product index)]) or None if none exists.

    ``allowed[p]`` are the minutes product p may be taken at (sorted), ``counts[p]``
    how many doses of it. Maximises the smallest gap between consecutive doses,
    then doses at meals, then earlier times.
    """
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
    gaps = sorted({b - a for i, a in enumerate(slots) for b in slots[i + 1 :]})
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


Score = tuple[int, int]
Back = tuple[tuple[int, ...], int, int] | None


def _placement(
    allowed: Sequence[Sequence[int]], counts: Sequence[int], meals: set[int], gap: int
) -> list[tuple[int, int]] | None:
    """A placement with every gap >= ``gap`` maximising doses at meals (then earliest), or None.

    States are the numbers of doses placed per product; ``best[state][t]`` is the
    best partial schedule whose last dose is at minute t, and where it came from.
    """
    from itertools import product as cartesian

    n = len(counts)
    best: dict[tuple[int, ...], dict[int, tuple[Score, Back]]] = {}
    for p in range(n):
        if counts[p]:
            s = tuple(1 if i == p else 0 for i in range(n))
            best[s] = {t: ((int(t in meals), -t), None) for t in allowed[p]}
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
            j, run = 0, None  # the best end at least `gap` before t2, as a running maximum
            for t2 in allowed[p]:
                while j < len(ends) and ends[j][0] <= t2 - gap:
                    t1, (score, _) = ends[j]
                    if run is None or score > run[0]:
                        run = (score, t1)
                    j += 1
                if run is None:
                    continue
                (m, neg), t1 = run
                score = (m + int(t2 in meals), neg - t2)
                if t2 not in target or score > target[t2][0]:
                    target[t2] = (score, (s, t1, p))
    final = best.get(tuple(counts))
    if not final:
        return None
    t = max(final, key=lambda k: final[k][0])
    state: tuple[int, ...] = tuple(counts)
    out: list[tuple[int, int]] = []
    while True:
        back = best[state][t][1]
        if back is None:
            out.append((t, next(i for i, x in enumerate(state) if x)))
            return sorted(out)
        prev_state, prev_t, p = back
        out.append((t, p))
        state, t = prev_state, prev_t


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


def plan(ref: Reference, regimen: Regimen, panels: dict[int, PanelInput] | None = None) -> PlanResult:
    """The plan for a regimen: totals, absorbed estimate, a timetable, the cautions.

    ``panels`` holds the panel files the regimen names, read by the caller
    (``mgcalc.cli.plan_io.read_panels``), by the index of their product.
    """
    profile = check_profile(ref, _profile(regimen))
    meds = _medicines(ref, regimen)
    got = panels or {}
    readings = [read_product(ref, p, n, got.get(n)) for n, p in enumerate(regimen.magnesium)]
    day_min = sum(r.el_min * r.product.servings for r in readings)
    day_max = sum(r.el_max * r.product.servings for r in readings)
    person = regimen.person
    state = life_state(person.pregnant, person.lactating, person.sex)
    ul = upper_level(ref, person.age, state, person.standard)
    rda = rda_kind = None
    if person.age is not None and (person.sex is not None or state != "none"):
        ri = reference(ref, person.age, person.sex, state, person.standard)
        rda, rda_kind = (ri.rda_mg, "RDA") if ri.rda_mg else (ri.ai_mg, "AI" if ri.ai_mg else None)
    # cautions: the person and the medicines once, each product's form, the daily total
    seen: dict[tuple[str, str], Caution] = {}
    base = assess(ref, profile)
    for c in base.cautions:
        seen.setdefault((c.code, c.message), c)
    for r in readings or []:
        for f in r.forms or [None]:  # type: ignore[list-item]
            for c in [*assess(ref, profile, None, f).cautions, *amount_cautions(ref, profile, day_max, f)]:
                seen.setdefault((c.code, c.message), c)
    for name in meds.cleared:
        for key, c in list(seen.items()):
            if c.code == "unknown-drug" and c.message.startswith(f"'{literal(name)}'"):
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
    conflicts = _conflicts(ref, meds)
    for cf in conflicts:
        c = make(
            Caution,
            code="medicine-conflict",
            level="caution",
            message=f"{cf.why}: move one of them, or ask the pharmacist.",
            source=next((x.source for x in seen.values() if x.code == cf.rule), "mgcalc data/cautions.yaml"),
        )
        seen.setdefault((c.code, c.message), c)
    cautions = sorted(seen.values(), key=lambda c: -severity(c.level))
    # which cautions stop the timetable altogether
    stop = [c for c in cautions if c.level == "avoid"]
    meals = {minutes(m): _meal_name(i, len(regimen.day.meals)) for i, m in enumerate(regimen.day.meals)}
    slots = waking_slots(regimen)
    for r in readings:
        r.windows = _windows(ref, meds, r.forms)
        r.slots = [t for t in slots if all(w.allows(t) for w in r.windows)]
    schedule = [make(PlanItem, time=hhmm(t), item=meals[t], kind="meal", why="") for t in sorted(meals)] + [
        make(PlanItem, time=hhmm(t), item=med.name, kind="medicine", why="fixed time")
        for med in regimen.medicines
        for t in (minutes(x) for x in med.times)
    ]
    unsatisfied: list[Unsatisfied] = []
    reason = None
    gap = None
    absorbed = absorbed_lo = absorbed_hi = None
    if stop:
        reason = "no magnesium times: " + "; ".join(f"{c.level.upper()}: {c.message}" for c in stop)
    else:
        counts = [r.product.servings for r in readings]
        found = solve([r.slots for r in readings], counts, set(meals))
        if found is None:
            unsatisfied = _blocked(readings, slots, counts)
            reason = "no time in the waking day keeps every rule; see unsatisfied"
        else:
            gap, placed = found
            absorbed, absorbed_lo, absorbed_hi = 0.0, 0.0, 0.0
            for t, p in placed:
                r = readings[p]
                el_mid = (r.el_min + r.el_max) / 2
                # several forms in an unknown split: the lowest central figure, the widest range
                ranges = [relative_range(f, ref.absorption, ref.catalogue)[0] for f in r.forms]
                rel = (
                    Bounds(
                        min(x.central for x in ranges),
                        min(x.low for x in ranges),
                        max(x.high for x in ranges),
                    )
                    if ranges
                    else None
                )
                fed = t in meals
                schedule.append(
                    make(
                        PlanItem,
                        time=hhmm(t),
                        item=r.name,
                        kind="magnesium",
                        elemental_mg=el_mid,
                        elemental_mg_min=r.el_min,
                        elemental_mg_max=r.el_max,
                        why=_why(t, r.windows, meals),
                    )
                )
                if rel is None:
                    absorbed = absorbed_lo = absorbed_hi = None
                elif absorbed is not None and absorbed_lo is not None and absorbed_hi is not None:
                    absorbed += est(el_mid, rel, fed, ref.absorption).central
                    absorbed_lo += est(r.el_min, rel, fed, ref.absorption).low
                    absorbed_hi += est(r.el_max, rel, fed, ref.absorption).high
            if len(placed) < 2:
                gap = None
    order = {"medicine": 0, "meal": 1, "magnesium": 2}
    schedule.sort(key=lambda i: (minutes(i.time), order[i.kind]))
    diet = regimen.diet_mg
    return make(
        PlanResult,
        products=[
            make(
                PlanProduct,
                name=r.name,
                form=r.forms[0].id if len(r.forms) == 1 else None,
                servings=r.product.servings,
                elemental_mg_min=r.el_min,
                elemental_mg_max=r.el_max,
                basis=r.basis,
            )
            for r in readings
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
        daily_absorbed_mg=absorbed,
        daily_absorbed_mg_min=absorbed_lo,
        daily_absorbed_mg_max=absorbed_hi,
        schedule=schedule,
        unsatisfied=unsatisfied,
        no_timetable_reason=reason,
        min_gap_minutes=gap,
        cautions=cautions,
        unknown_drugs=base.unknown_drugs,
        conflicts=conflicts,
    )


def _meal_name(i: int, n: int) -> str:
    names = {1: ["meal"], 2: ["breakfast", "dinner"], 3: ["breakfast", "lunch", "dinner"]}
    return names.get(n, [f"meal {k + 1}" for k in range(n)])[i]


def _blocked(readings: list[Reading], slots: list[int], counts: list[int]) -> list[Unsatisfied]:
    """Why no placement exists: the rules that close the day, and what would open it."""
    out = []
    for r, n in zip(readings, counts, strict=True):
        if len(r.slots) >= n and r.slots:
            continue
        by_med: dict[str, list[Window]] = {}
        for w in r.windows:
            by_med.setdefault(w.medicine, []).append(w)
        for med, ws in by_med.items():
            blocked = [t for t in slots if not all(w.allows(t) for w in ws)]
            if not blocked:
                continue
            others = [w for w in r.windows if w.medicine != med]
            freed = [t for t in slots if all(w.allows(t) for w in others)]
            rule = ws[0].rule
            timing = f"{hours(ws[0].before / 60)} after / {hours(ws[0].after / 60)} before"
            unblock = []
            if len(freed) >= n:
                unblock.append(
                    f"moving {med} (taken at {', '.join(hhmm(w.at) for w in ws)}) would free {len(freed)} five-minute slots"
                )
            if 0 < len(r.slots) < n:
                unblock.append(f"at most {len(r.slots)} dose(s) of this product fit: take fewer servings")
            unblock.append("ask the prescriber or pharmacist whether the medicine times can change")
            out.append(
                make(
                    Unsatisfied,
                    product=r.name,
                    rule=rule.code,
                    medicine=med,
                    why=f"{rule.name} needs magnesium {timing} each dose; with the doses at "
                    f"{', '.join(hhmm(w.at) for w in ws)} that closes {len(blocked)} of {len(slots)} waking slots",
                    unblock=unblock,
                )
            )
    if not out:
        total = sum(counts)
        out.append(
            make(
                Unsatisfied,
                product=", ".join(r.name for r in readings),
                rule="spacing",
                medicine="",
                why=f"{total} doses do not fit into the times the rules leave open",
                unblock=["take fewer servings, or combine products into one dose"],
            )
        )
    return out
