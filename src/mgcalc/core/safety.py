"""Cautions: drugs, conditions, kidney function, age and the upper level.

Pure: ``assess`` turns a Profile (and optionally a daily amount and form) into
an Assessment whose cautions carry structured facts (code, level, hours in
each direction, the forms concerned, sources and the sentence each rule rests
on) and a message in plain words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from mgcalc.core.intake import check_age, life_state, reference, upper_level
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import hours, mg
from mgcalc.schema.base import LEVELS, Level, State, severity
from mgcalc.schema.cautions import (
    CKD_STAGES,
    STRENGTH,
    Advice,
    CautionData,
    Combination,
    Condition,
    DrugRule,
    bare_name,
    norm_name,
)
from mgcalc.schema.data import Form, LaxativeEvidence, Reference
from mgcalc.schema.inputs import Profile
from mgcalc.schema.results import Assessment, Caution, IntakeReference, UnknownDrug

#: CKD stage "3" (not split into a/b) covers both.
STAGE_ALIASES = {"3": ("3a", "3b")}


def check_profile(ref: Reference, profile: Profile) -> Profile:
    """Raise MgcalcError for impossible values; return the profile."""
    if profile.age is not None:
        check_age(profile.age)
    life_state(profile.pregnant, profile.lactating, profile.sex)
    if profile.egfr is not None:
        limit = ref.cautions.kidney.max_egfr
        if not math.isfinite(profile.egfr) or not 0 <= profile.egfr <= limit:
            raise MgcalcError(
                f"eGFR must be between 0 and {limit:g} mL/min/1.73m2, got {profile.egfr:.15g}", field="egfr"
            )
    if profile.ckd_stage is not None and profile.ckd_stage.lower() not in (*CKD_STAGES, *STAGE_ALIASES):
        raise MgcalcError(
            f"CKD stage must be one of 1, 2, 3, 3a, 3b, 4, 5, not '{literal(profile.ckd_stage)}'",
            field="ckd_stage",
        )
    if not 1 <= profile.per_day <= 24:
        raise MgcalcError(f"intakes a day must be between 1 and 24, got {profile.per_day}", field="per_day")
    for name in profile.drugs:
        if is_empty_name(name):
            raise MgcalcError("a drug name is empty", field="drug")
    for c in profile.conditions:
        _condition(c, ref.cautions)
    return profile


def is_antacid(ref: Reference, form: Form) -> bool:
    """Whether a form is one of the acid-neutralising (antacid) forms."""
    return form.family in ref.cautions.antacid_families or form.id in ref.cautions.antacid_forms


def _quote(q: str | None, where: str | None) -> str | None:
    if not q:
        return None
    return f'"{q}"' + (f" ({where})" if where else "")


def timing_text(before: float | None, after: float | None) -> str:
    """The rule's timing in plain words: "take it at least 4 h before or 8 h after magnesium"."""
    parts = []
    if before is not None:
        parts.append(f"at least {hours(before)} before")
    if after is not None:
        parts.append(f"at least {hours(after)} after")
    return " or ".join(parts) + " magnesium" if parts else ""


#: Added to an antacid-only rule's message where no form is known (``check``).
ANTACID_NOTE = " (with antacid forms of magnesium: oxide, hydroxide, carbonate, trisilicate)"


def advice_caution(ref: Reference, code: str, advice: Advice, message: str | None = None) -> Caution:
    """The caution a whole data entry states (a kidney band, a condition, an age rule)."""
    return Caution.model_construct(
        code=code,
        level=advice.level,
        message=advice.message if message is None else message,
        source=ref.cite(advice.sources),
        quote=_quote(advice.quote, None),
    )


def drug_caution(ref: Reference, given: str, rule: DrugRule, form: Form | None) -> Caution:
    """The caution one drug rule gives for a drug name as the person typed it."""
    antacid_note = ANTACID_NOTE if rule.applies_to_forms == "antacid" and form is None else ""
    who = literal(given) if norm_name(given) == norm_name(rule.name) else f"{literal(given)} ({rule.name})"
    return Caution.model_construct(
        code=rule.code,
        level=rule.level,
        message=f"{who}{antacid_note}: {rule.effect}; {rule.advice}.",
        separate_hours=rule.separate_hours,
        drug_before_hours=rule.drug_before_hours,
        drug_after_hours=rule.drug_after_hours,
        applies_to_forms=rule.applies_to_forms,
        drug_class=rule.drug_class,
        magnesium_form=rule.magnesium_form,
        rxcui=ingredient_codes(ref, given, rule),
        source=ref.cite(rule.sources),
        quote=_quote(rule.quote, rule.where),
    )


def ingredient_codes(ref: Reference, name: str, rule: DrugRule) -> list[str]:
    """The RxCUI of the ingredient a medicine name denotes under one rule, or none.

    The code of the generic name the medicine was matched by; for a brand or any other name,
    the rule's code only when every generic of the rule carries that one code (a class rule's
    brand, or a rule with an uncoded generic, names no one ingredient: no code, never a guess).
    An RxCUI typed as the name is its own code.
    """
    if name.strip().isdigit():
        return [name.strip()] if name.strip() in rule.rxcui.values() else []
    d = ref.cautions
    by_generic = {norm_name(g): code for g, code in rule.rxcui.items()}
    for key in _spelled_out(_name_keys(name, d), d):
        if key in by_generic:
            return [by_generic[key]]
    codes = set(rule.rxcui.values())
    every = rule.generics and all(g in rule.rxcui for g in rule.generics)
    return list(codes) if every and len(codes) == 1 else []


def route_of(name: str, d: CautionData) -> str | None:
    """The non-oral route a drug name states ("otic", "eye", "IV"...), or None."""
    words = set(norm_name(name).replace("/", " ").split())
    found = [w for w in d.route_words if w in words]
    return found[0] if found else None


#: What a person writes to enter a medicine mgcalc does not know and should not guess at.
OTHER_PREFIX = "other:"  # matched with any case and spacing


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance between ``a`` and ``b`` (insertions, deletions, substitutions and swaps of
    two neighbouring letters each count 1), or ``limit + 1`` once it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


def near_misses(key: str, names: list[str]) -> list[str]:
    """Known names one or two letters from ``key`` (one for names of five letters or fewer), with
    the same first letter: what a misspelling of a known name looks like. Nearest first."""
    if len(key) < 4:
        return []
    limit = 1 if len(key) <= 5 else 2
    hits = sorted(
        (d, n) for n in names if n and n[0] == key[0] and n != key and (d := distance(key, n, limit)) <= limit
    )
    return [n for _, n in hits]


_DELAYED = re.compile(r"\b(?:dr|delayed[ -]release|gastro[ -]resistant)\b")


def _words(name: str, d: CautionData) -> list[str]:
    """The words of a name that are not salts, dosage forms, routes or strengths."""
    ignore = set(d.ignore_words) | set(d.dosage_words) | set(d.route_words)
    return [w for w in norm_name(name).split() if w not in ignore and not STRENGTH.fullmatch(w)]


def _whole_keys(name: str, d: CautionData) -> list[str]:
    """The keys a drug name is looked up by as a whole, most specific first: the whole name;
    without salts, strengths and dosage forms but with "delayed-release" kept (Atelvia is
    delayed-release risedronate); without route words, dosage forms and strengths ("magnesium
    hydroxide injection", "Maalox 20 mL"); without all of them. Data names are indexed whole
    and without their dosage words too ("Envarsus XR" also as "envarsus")."""
    full = norm_name(name).replace("/", " ")
    bare = bare_name(full, set(d.dosage_words) | set(d.route_words))
    words = _words(full, d)
    # "delayed-release" (one word) is not a dosage word, so it survives where "dr" would not
    release = " ".join(_words(_DELAYED.sub("delayed-release", full), d)) if _DELAYED.search(full) else full
    return list(dict.fromkeys((full, release, bare, " ".join(words))))


def _name_keys(name: str, d: CautionData) -> list[str]:
    """``_whole_keys``, then each word of the name that is not a salt, strength or dosage form."""
    return list(dict.fromkeys((*_whole_keys(name, d), *_words(name, d))))


def _spelled_out(keys: list[str], d: CautionData) -> list[str]:
    """The lookup keys with the data's abbreviations ("doxy") written out as their drug."""
    return [norm_name(d.abbreviations.get(k, k)) for k in keys]


def is_empty_name(name: str) -> bool:
    """Whether a drug name names nothing: blank, punctuation only ("-"), or "other:" with nothing after."""
    other = _OTHER.match(name)
    rest = name[other.end() :] if other else name
    return not re.search(r"[0-9a-z]", norm_name(rest))


_OTHER = re.compile(r"\s*other\s*:", re.IGNORECASE)


def match_drug(ref: Reference, name: str) -> list[DrugRule] | UnknownDrug:
    """The rules a drug name falls under, ignoring case, salts, strengths and dosage forms.

    "omeprazole magnesium 20 mg" and "Levothyroxine sodium" match; a member's
    own rule (moxifloxacin) replaces its class's, and where several members of
    one class are named ("dasatinib (Phyrago)") the strictest holds. Abbreviations
    in the data ("doxy") stand for their drug. A name one or two letters from
    a known name is an error naming the match (look-alike names can be
    different drugs, so it is never resolved silently); a name written
    ``other: NAME`` skips that check. Anything else comes back as UnknownDrug:
    never a clearance. Words beside a known name that name nothing known
    are not reported here: ``match_parts`` reads them as parts of their own.
    """
    rules, _ = _read(ref, name)
    return rules or UnknownDrug.model_construct(name=name, close_matches=[])


def _read(ref: Reference, name: str) -> tuple[list[DrugRule], list[str]]:
    """(the rules a name falls under, the texts in it that name a medicine mgcalc cannot identify).

    The whole name first (as typed, without salts and strengths, a rule's own name, a combination
    brand); else its words, longest known run first ("gaviscon advance" before "gaviscon"), where
    a run of other words that looks like a medicine name is read alone (a magnesium product, a
    misspelling: an error, or a medicine mgcalc cannot identify); else the name is one of those.
    """
    d = ref.cautions
    if is_empty_name(name):
        raise MgcalcError("a drug name is empty", field="drug")
    other = _OTHER.match(name)
    if other:
        rest = name[other.end() :]
        same = _exact_rules(rest, d)
        if same:
            raise MgcalcError(
                f"'{literal(rest.strip())}' is {same[0].name}, a medicine mgcalc knows: 'other:' is for a "
                "different medicine; write the name without it",
                field="drug",
            )
        return [], [name]
    if name.strip().isdigit():  # an RxCUI: the rules whose ingredients carry it (else whose brands do)
        carrying = [r for r in d.all_rules() if name.strip() in r.rxcui.values()]
        by_code = [r for r in carrying if r.generics] or carrying
        return (by_code, []) if by_code else ([], [name])
    keys = _name_keys(name, d)
    for key in keys:
        if key in d.ambiguous_abbreviations:
            raise MgcalcError(
                f"'{literal(name)}': '{key}' can mean {' or '.join(d.ambiguous_abbreviations[key])}; "
                "write the medicine's full name",
                field="drug",
            )
    found: list[DrugRule] = []
    unknown: list[str] = []
    # the whole name as typed ("Calcium Resonium", "Envarsus XR"), then without salts and strengths
    # (two-word brands such as "Slow Fe")
    for key in _spelled_out(_whole_keys(name, d), d):
        _lookup(ref, key, found, unknown, whole=True)
    if found or unknown:
        # a known name is what it names; its words add only the rules of other classes ("Zegerid" in
        # "Zegerid with Magnesium Hydroxide"), never a sibling ("Gaviscon" in "Gaviscon Advance")
        whole = _strictest(found)
        classes = {r.drug_class or r.code for r in whole}
        more: list[DrugRule] = []
        for key in _spelled_out(_words(name, d), d):
            _lookup(ref, key, more, [], whole=False)
        return whole + _strictest([r for r in more if (r.drug_class or r.code) not in classes]), list(
            dict.fromkeys(unknown)
        )
    tokens = norm_name(name).replace("/", " ").split()
    used = _known_runs(ref, tokens, found, unknown)
    if not found and not unknown:
        return _unidentified(ref, name, keys)
    for run in _leftover_runs(ref, tokens, used):
        more, lost = _unidentified(ref, run, _name_keys(run, d))
        found += more
        unknown += lost
    return _strictest(found), list(dict.fromkeys(unknown))


def _lookup(ref: Reference, key: str, found: list[DrugRule], unknown: list[str], whole: bool) -> bool:
    """Add the rules (and unidentified ingredients) one normalised key names; whether it named any."""
    d = ref.cautions
    combo = _combinations(ref).get(key)
    if combo is not None:
        for ingredient in combo.ingredients:
            rules = d.rules_named(norm_name(ingredient))
            found += rules
            if not rules:
                unknown.append(ingredient)
    rules = d.rules_named(key)
    if whole:
        rules = rules + [r for r in _rule_names(ref).get(key, []) if r not in rules]
    found += rules
    return bool(rules) or combo is not None


def _combinations(ref: Reference) -> dict[str, Combination]:
    """The data's combination brands by normalised name (and without their dosage words)."""
    hit = ref.memo.get("combinations")
    if hit is None:
        d = ref.cautions
        dropped = set(d.dosage_words) | set(d.route_words)
        hit = ref.memo["combinations"] = {
            k: c
            for c in d.combinations
            for b in c.brands
            for k in (norm_name(b), bare_name(norm_name(b), dropped))
        }
    found: dict[str, Combination] = hit
    return found


def _rule_names(ref: Reference) -> dict[str, list[DrugRule]]:
    """The rules by their own normalised name ("dasatinib (Phyrago)"): a whole name that is a
    rule's name is that rule."""
    hit = ref.memo.get("rule-names")
    if hit is None:
        hit = {}
        for rule in ref.cautions.all_rules():
            hit.setdefault(norm_name(rule.name), []).append(rule)
        ref.memo["rule-names"] = hit
    found: dict[str, list[DrugRule]] = hit
    return found


#: the longest run of words looked up as one name ("gaviscon double action")
_LONGEST_RUN = 4


def _known_runs(ref: Reference, tokens: list[str], found: list[DrugRule], unknown: list[str]) -> set[int]:
    """Look up the words of a name, the longest known run first at each word; the indexes used."""
    d = ref.cautions
    used: set[int] = set()
    i = 0
    while i < len(tokens):
        for n in range(min(_LONGEST_RUN, len(tokens) - i), 0, -1):
            key = " ".join(tokens[i : i + n])
            if _lookup(ref, _spelled_out([key], d)[0], found, unknown, whole=False):
                used.update(range(i, i + n))
                i += n
                break
        else:
            i += 1
    return used


def _magnesium_mg(tokens: list[str], i: int) -> bool:
    """Whether "mg" at ``tokens[i]`` stands for magnesium ("Mg oxide"), not for milligrams ("500 mg")."""
    return tokens[i] == "mg" and not (i > 0 and tokens[i - 1][-1:].isdigit())


def _decoration(ref: Reference, tokens: list[str], i: int) -> bool:
    """Whether ``tokens[i]`` is no medicine name: a salt, dosage, route, frequency or instruction
    word, a strength, a word with a digit ("x7", "q12h") or of one or two letters ("HD"); a
    hyphenated word when the whole or each of its pieces is one."""
    if _magnesium_mg(tokens, i):
        return False
    noise = _noise_words(ref)

    def quiet(word: str) -> bool:
        return word in noise or len(word) <= 2 or any(c.isdigit() for c in word)

    w = tokens[i]
    return quiet(w) or all(quiet(p) for p in w.split("-") if p)


def _noise_words(ref: Reference) -> frozenset[str]:
    """Words that are never a medicine name on their own (memoised per reference)."""
    hit = ref.memo.get("noise-words")
    if hit is None:
        d = ref.cautions
        words = (*d.ignore_words, *d.dosage_words, *d.route_words, *d.instruction_words)
        hit = ref.memo["noise-words"] = frozenset(norm_name(w) for w in words)
    found: frozenset[str] = hit
    return found


def _leftover_runs(ref: Reference, tokens: list[str], used: set[int]) -> list[str]:
    """The runs of words a name's known words leave that look like a medicine name, each without
    the decoration words at its ends ("cipro metformin 500 mg" leaves "metformin")."""
    runs: list[list[int]] = []
    for i in range(len(tokens)):
        if i in used:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        named = [i for i in run if not _decoration(ref, tokens, i)]
        if named:
            out.append(" ".join(tokens[named[0] : named[-1] + 1]))
    return out


def _unidentified(ref: Reference, name: str, keys: list[str]) -> tuple[list[DrugRule], list[str]]:
    """A name (or run of words) no rule names: a magnesium product, a misspelling of a known
    name (an error), or a medicine mgcalc cannot identify."""
    d = ref.cautions
    named = _magnesium_named(ref, name)
    if named is not None:
        return [named], []
    known = [*d.drug_names, *(norm_name(a) for a in d.abbreviations)]
    for key in _spelled_out(keys, d):
        close = near_misses(key, known)
        if close:
            shown = ", ".join(f"'{c}'" for c in close[:3])
            raise MgcalcError(
                f"'{literal(name)}' is not a medicine mgcalc knows, but it is close to {shown}: write the "
                f"exact name, or 'other: {literal(name)}' if it is a different medicine",
                field="drug",
            )
    return [], [name]


def timing_hours(rule: DrugRule) -> tuple[float, float] | None:
    """A rule's hours each way as a plan keeps them (drug before, drug after magnesium): a
    direction the rule leaves open takes its other direction's hours; None for a rule without
    timing."""
    b, a = rule.drug_before_hours, rule.drug_after_hours
    if b is None:
        return None if a is None else (a, a)
    return b, b if a is None else a


def _covers(a: DrugRule, b: DrugRule) -> bool:
    """Whether rule ``a`` asks for at least what ``b`` does: as severe, for at least the same
    forms, of the same magnesium form where ``b`` is a magnesium product, and (below avoid) at
    least as long each way."""
    if severity(a.level) < severity(b.level):
        return False
    if a.applies_to_forms is not None and b.applies_to_forms is None:
        return False
    if b.magnesium_form not in (None, a.magnesium_form):  # a magnesium product of another form
        return False
    if a.level == "avoid":
        return True
    (ab, aa), (bb, ba) = timing_hours(a) or (0.0, 0.0), timing_hours(b) or (0.0, 0.0)
    return ab >= bb and aa >= ba


def _strictest(rules: list[DrugRule]) -> list[DrugRule]:
    """The rules, one per code, where within each class a rule another one covers is dropped
    ("dasatinib (Phyrago)": the avoid rule of Phyrago, not dasatinib's 2 h): the strictest holds,
    and a rule no other covers (a different form or direction) is kept too. First found first."""
    unique = list({r.code: r for r in rules}.values())  # first found first
    kept: list[DrugRule] = []
    for r in unique:
        cls = r.drug_class or r.code
        same = [k for k in kept if (k.drug_class or k.code) == cls]
        if any(_covers(k, r) for k in same):
            continue
        kept = [k for k in kept if (k.drug_class or k.code) != cls or not _covers(r, k)] + [r]
    order = {r.code: n for n, r in enumerate(unique)}
    return sorted(kept, key=lambda r: order[r.code])


def _exact_rules(name: str, d: CautionData) -> list[DrugRule]:
    """The rules a name is, whole: as typed, or without its dosage words, routes and strengths."""
    full = norm_name(name).replace("/", " ")
    bare = bare_name(full, set(d.dosage_words) | set(d.route_words))
    return [r for k in dict.fromkeys((full, bare)) for r in d.rules_named(k)]


def _known_whole(ref: Reference, name: str) -> bool:
    """Whether a name is itself a known name (a rule's generic, brand or own name, or a
    combination brand), so that it is never split ("Zegerid with Magnesium Hydroxide")."""
    d = ref.cautions
    if _exact_rules(name, d):
        return True
    full = norm_name(name).replace("/", " ")
    keys = (full, bare_name(full, set(d.dosage_words) | set(d.route_words)))
    return any(k in _combinations(ref) or k in _rule_names(ref) for k in keys)


_MAGNESIUM_WORD = re.compile(r"\b(?:magnesium|mag)\b")


def _magnesium_text(name: str) -> str:
    """A normalised name with magnesium's abbreviations written out: "MgO" and "Mg(OH)2" as
    magnesium oxide and hydroxide, and "Mg" as magnesium where it is no unit ("Mg oxide", not
    "500 mg")."""
    text = re.sub(r"\bmgo\b", "magnesium oxide", norm_name(name))
    text = re.sub(r"\bmg oh 2\b", "magnesium hydroxide", text)
    tokens = text.split()
    return " ".join("magnesium" if _magnesium_mg(tokens, i) else t for i, t in enumerate(tokens))


def _magnesium_named(ref: Reference, name: str) -> DrugRule | None:
    """A medicine no rule names that names magnesium ("magnesium carbonate", "Mag oxide 400 mg",
    "Mg oxide", "MgO", "aluminum hydroxide and magnesium hydroxide suspension", "Magnesium 400 mg")
    is a magnesium product: of the catalogue form it names, else of the magnesium-product class's
    default form (an antacid form: every rule holds against it, the conservative reading)."""
    text = _magnesium_text(name)
    if not _MAGNESIUM_WORD.search(text):
        return None
    text = _MAGNESIUM_WORD.sub("magnesium", text)
    try:
        base = ref.cautions.rule("magnesium-product")
    except KeyError:
        return None
    form = None
    for m in re.finditer(r"magnesium(?:\s+[a-z-]+){1,2}", text):
        for candidate in (m[0], " ".join(m[0].split()[:2])):
            try:
                form = ref.catalogue.resolve(candidate)
                break
            except (MgcalcError, KeyError, LookupError):
                continue
        if form is not None:
            break
    return base.model_copy(
        update={
            "code": "magnesium-named",
            "name": f"a medicine that names magnesium ({form.name if form else 'form not named'})",
            "magnesium_form": form.id if form is not None else base.magnesium_form,
            "effect": "the medicine names magnesium"
            + ("" if form is not None else "; its form is not named, so it is taken as an antacid form"),
        }
    )


class NamePart(NamedTuple):
    """One part of a medicine name as mgcalc reads it: the whole name, or one medicine of a
    combination ("timolol eye drops" in "timolol eye drops + raltegravir")."""

    text: str
    rules: list[DrugRule]
    unknown: list[UnknownDrug]
    #: the non-oral route the part states ("eye"), or None: taken by mouth
    route: str | None


#: what separates the medicines of a combination ("amlodipine/lisinopril", "a & b", "a with b")
_SEPARATORS = re.compile(r"[/+,;&]|\band\b|\bwith\b", re.IGNORECASE)
_HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")


def read_parts(ref: Reference, name: str) -> list[NamePart]:
    """A medicine name read part by part (memoised per reference; ``match_parts`` merges them).

    A combination ("amlodipine/lisinopril", "levothyroxine & metformin", "naproxen and
    esomeprazole magnesium", "lamivudine-raltegravir") is read part by part, so a known part never
    hides an unknown one and a route word ("eye drops") belongs to its own part only; a name
    that is itself a known name ("Zegerid with Magnesium Hydroxide", "L-thyroxine", "Mag-Tab SR")
    stays whole. A part of salts only ("calcium acetate") is a medicine mgcalc cannot identify,
    as it is alone; one of strengths and dosage words only ("400 mg") is no medicine.
    """
    memo: dict[str, list[NamePart]] = ref.memo.setdefault("name-parts", {})
    hit = memo.get(name)
    if hit is None:
        if len(memo) >= 512:  # names typed by people: a small cache, never a growing one
            memo.clear()
        hit = memo[name] = _read_parts(ref, name)
    return hit


def _read_parts(ref: Reference, name: str) -> list[NamePart]:
    d = ref.cautions
    if is_empty_name(name):
        raise MgcalcError("a drug name is empty", field="drug")
    pieces = [name]
    if not (_OTHER.match(name) or name.strip().isdigit() or _known_whole(ref, name)):
        text = _split_hyphens(ref, name)
        split = [p.strip() for p in _SEPARATORS.split(text)]
        split = [p for p in split if _names_something(ref, p)]
        pieces = split if len(split) >= 2 else [text]  # "Cipro-XR" is read as "Cipro/XR": one medicine
    single = len(pieces) == 1
    out = []
    for piece in pieces:
        rules, lost = _read(ref, piece)
        unknown = [
            UnknownDrug.model_construct(
                name=name if single and u == piece else f"{u} (in {name.strip() if single else name})",
                close_matches=[],
            )
            for u in lost
        ]
        out.append(NamePart(name if single else piece, rules, unknown, route_of(piece, d)))
    return out


def _split_hyphens(ref: Reference, name: str) -> str:
    """The name with each hyphen that joins two medicines written as "/": "lamivudine-raltegravir",
    "triamterene-HCTZ" (a side is a known name and the whole word is none), never a known
    hyphenated name ("L-thyroxine", "Mag-Tab SR", "co-amilozide") or a strength ("150-300")."""
    d = ref.cautions
    whole_words = _hyphenated_words(ref)

    def known(piece: str) -> bool:
        key = _spelled_out([piece], d)[0]
        return bool(d.rules_named(key)) or key in _combinations(ref)

    def split(m: re.Match[str]) -> str:
        word = norm_name(m[0])
        if word in whole_words or d.rules_named(word):
            return m[0]
        return m[0].replace("-", "/") if any(known(p) for p in word.split("-") if p) else m[0]

    return _HYPHENATED.sub(split, name)


def _hyphenated_words(ref: Reference) -> frozenset[str]:
    """Every hyphenated word of a known name or abbreviation ("mag-tab", "l-thyroxine")."""
    hit = ref.memo.get("hyphenated-words")
    if hit is None:
        d = ref.cautions
        names = [*d.drug_names, *(norm_name(a) for a in d.abbreviations), *_combinations(ref)]
        hit = ref.memo["hyphenated-words"] = frozenset(w for n in names for w in n.split() if "-" in w)
    found: frozenset[str] = hit
    return found


def _names_something(ref: Reference, part: str) -> bool:
    """Whether a part of a combination names a medicine: a word that is no strength, dosage,
    route or instruction word, or a salt ("calcium acetate" is a medicine; "400 mg" is not)."""
    tokens = norm_name(part).split()
    if any(not _decoration(ref, tokens, i) for i in range(len(tokens))):
        return True
    salts = set(ref.cautions.ignore_words) - {"and", "with", "plus"}
    return any(t in salts for t in tokens)


def match_parts(ref: Reference, name: str) -> tuple[list[DrugRule], list[UnknownDrug]]:
    """The rules a name falls under and the parts of it mgcalc cannot identify (``read_parts``,
    merged): words beside a known name that name nothing known ("metformin" in "cipro
    metformin") and combination-brand ingredients no rule names ("losartan" in Hyzaar) are
    parts of their own, never dropped."""
    parts = read_parts(ref, name)
    rules: dict[str, DrugRule] = {}
    for p in parts:
        for r in p.rules:
            rules.setdefault(r.code, r)
    return list(rules.values()), [u for p in parts for u in p.unknown]


def oral_reading(ref: Reference, name: str) -> tuple[frozenset[str], bool]:
    """(the codes of the rules a name falls under only in parts not taken by mouth, whether a part
    of it mgcalc cannot identify is taken by mouth): "timolol eye drops + raltegravir" is an oral
    raltegravir; "ciprofloxacin ear drops" is no oral ciprofloxacin."""
    parts = read_parts(ref, name)
    oral = {r.code for p in parts if p.route is None for r in p.rules}
    routed = frozenset(r.code for p in parts if p.route is not None for r in p.rules) - oral
    return routed, any(p.unknown and p.route is None for p in parts)


def unknown_gap(ref: Reference, forms: list[Form] | None) -> tuple[float, float]:
    """(drug_before_hours, drug_after_hours) kept between a medicine mgcalc cannot identify and
    magnesium: the longest separation, each way, that any rule in the data asks for and that
    could apply to ``forms`` (antacid-only rules count when a form is an antacid or unknown).
    A direction a rule leaves open takes its other direction's hours, as the plan reads it."""
    antacid = not forms or any(is_antacid(ref, f) for f in forms)
    before = after = 0.0
    for rule in ref.cautions.all_rules():
        if rule.level != "caution" or (rule.applies_to_forms == "antacid" and not antacid):
            continue
        hours = timing_hours(rule)
        if hours is not None:
            before, after = max(before, hours[0]), max(after, hours[1])
    return before, after


def unknown_caution(ref: Reference, name: str) -> Caution:
    """The caution a medicine mgcalc cannot identify gets: never a clearance."""
    rule = ref.cautions.unknown_medicine
    b, a = unknown_gap(ref, None)
    note = rule.message if rule is not None else "ask a pharmacist"
    return Caution.model_construct(
        code="unknown-drug",
        level=rule.level if rule is not None else "caution",
        message=(
            f"'{literal(name)}' is not a medicine mgcalc can identify, so it is not cleared: {note} "
            f"(a plan keeps magnesium up to {hours(a)} before and {hours(b)} after each dose of it)."
        ),
        source=ref.cite(rule.sources) if rule is not None else "mgcalc data/cautions.yaml",
        quote=_quote(rule.quote, None) if rule is not None else None,
    )


def _stage_range(stage: str, d: CautionData) -> tuple[float, float]:
    names = STAGE_ALIASES.get(stage.lower(), (stage.lower(),))
    ranges = [d.kidney.stages[n] for n in names]
    return min(r.egfr_min for r in ranges), max(r.egfr_max for r in ranges)


def _kidney(ref: Reference, profile: Profile, failure: bool) -> list[Caution]:
    d = ref.cautions
    egfr = profile.egfr
    if profile.ckd_stage is not None:
        lo, hi = _stage_range(profile.ckd_stage, d)
        if egfr is not None and not lo <= egfr < hi:
            raise MgcalcError(
                f"eGFR {egfr:.15g} is not in CKD stage {literal(profile.ckd_stage)} "
                f"(eGFR {lo:g} to under {hi:g} mL/min/1.73m2)",
                field="egfr",
            )
        egfr = lo if egfr is None else egfr
    if failure:
        egfr = 0.0 if egfr is None else min(egfr, 0.0)
    if egfr is None:
        return []
    for band in d.kidney.bands:
        if band.egfr_min <= egfr < band.egfr_max:
            return [advice_caution(ref, "ckd", band)]
    return []


def _condition(name: str, d: CautionData) -> Condition | str:
    """The condition a name means, or "kidney-failure" for the failure words."""
    key = norm_name(name)
    if key in {norm_name(w) for w in d.kidney.failure_words}:
        return "kidney-failure"
    code = d.condition_code(name)
    if code is None:
        pool = [*d.condition_names, *(norm_name(w).replace(" ", "-") for w in d.kidney.failure_words)]
        close = near_misses(key.replace(" ", "-"), pool)
        hint = (
            f"; closest: {', '.join(dict.fromkeys(close))}"
            if close
            else f"; known: {', '.join(c.code for c in d.conditions)}, dialysis"
        )
        raise MgcalcError(f"unknown condition '{literal(name)}'{hint}", field="condition")
    return d.condition(code)


def _age_cautions(ref: Reference, profile: Profile) -> list[Caution]:
    rules = ref.cautions.rules
    out = []
    if profile.age is not None and rules.infant is not None and profile.age < rules.infant_age_max:
        out.append(advice_caution(ref, "infant", rules.infant))
    return out


def person_assessment(ref: Reference, profile: Profile) -> Assessment:
    """The cautions that depend only on the person (memoised on the profile)."""
    key = ("person", id(ref))
    hit = profile.memo.get(key)
    if hit is None:
        hit = profile.memo[key] = _assess_person(ref, profile)
    assert isinstance(hit, Assessment)
    return hit


def _assess_person(ref: Reference, profile: Profile) -> Assessment:
    d = ref.cautions
    check_profile(ref, profile)
    conditions = [_condition(c, d) for c in profile.conditions]
    failure = "kidney-failure" in conditions
    cautions = _kidney(ref, profile, failure)
    cautions += _age_cautions(ref, profile)
    unknown: list[UnknownDrug] = []
    routes: list[str | None] = []  # the route of each unknown part
    seen: set[tuple[str, str]] = set()
    for name in profile.drugs:
        parts = read_parts(ref, name)
        oral = {r.code for p in parts if p.route is None for r in p.rules}
        for part in parts:
            unknown += part.unknown
            routes += [part.route] * len(part.unknown)
            for rule in part.rules:
                if (rule.code, norm_name(name)) in seen:
                    continue
                if part.route is not None and rule.oral_chelation and rule.code not in oral:
                    seen.add((rule.code, norm_name(name)))
                    who = literal(name) if len(parts) == 1 else f"{literal(part.text)} (in {literal(name)})"
                    cautions.append(
                        Caution.model_construct(
                            code=f"{rule.code}-route",
                            level="info",
                            message=(
                                f"{who} ({rule.name}) is not taken by mouth ({part.route}): the "
                                "gut interaction with oral magnesium does not apply."
                            ),
                            source=ref.cite(rule.sources),
                        )
                    )
                    continue
                if part.route is not None and rule.oral_chelation:
                    continue  # the same rule in a part taken by mouth says it
                seen.add((rule.code, norm_name(name)))
                cautions.append(drug_caution(ref, name, rule, None))
    named = [c for c in conditions if isinstance(c, Condition)]
    if profile.pregnant and all(c.code != "pregnancy" for c in named):
        named.append(d.condition("pregnancy"))
    for c in {c.code: c for c in named}.values():
        if c.code == "ckd" and any(x.code == "ckd" for x in cautions):
            continue  # the eGFR band says more
        cautions.append(advice_caution(ref, c.code, c, f"{c.name}: {c.message}."))
    for u, route in zip(unknown, routes, strict=True):
        if route is None:
            cautions.append(unknown_caution(ref, u.name))
        else:
            cautions.append(
                Caution.model_construct(
                    code="unknown-drug-route",
                    level="info",
                    message=(
                        f"'{literal(u.name)}' is not a medicine mgcalc can identify; it is not taken by mouth "
                        f"({route}), so no gut interaction with oral magnesium is expected. Nothing else "
                        "about it was checked."
                    ),
                    source="mgcalc data/cautions.yaml (route_words)",
                )
            )
    cautions.sort(key=lambda c: -severity(c.level))
    return Assessment.model_construct(cautions=cautions, unknown_drugs=unknown)


def _diarrhoea(profile: Profile, d: CautionData) -> bool:
    return any(d.condition_code(c) == "chronic-diarrhea" for c in profile.conditions)


def quiet_below(ref: Reference, profile: Profile) -> float:
    """The daily elemental amount below which no amount-dependent caution applies to ``profile``
    (0 when every amount has something to say: no UL, diarrhoea, or an RDA to report). Memoised."""
    key = ("quiet", id(ref))
    quiet = profile.memo.get(key)
    if quiet is None:
        d = ref.cautions
        state = life_state(profile.pregnant, profile.lactating, profile.sex)
        ul = _upper_level(ref, profile, state).ul_supplemental_mg
        reports_rda = profile.age is not None and (
            profile.sex is not None or profile.pregnant or profile.lactating
        )
        quiet = profile.memo[key] = float(
            0.0
            if ul is None or _diarrhoea(profile, d) or reports_rda
            else min(ul, d.rules.laxative_near_ul.fraction_of_ul * ul, laxative_quiet_below(ref))
        )
    assert isinstance(quiet, float)
    return quiet


class Finding:
    """A caution decided but not yet built: its code and level, and ``make(*facts)``, which builds
    the Caution (message, sources). A batch whose records show no caution text needs no more than
    the code and level (``decide``); ``caution`` builds it when it is wanted."""

    __slots__ = ("code", "facts", "level", "make")

    def __init__(self, code: str, level: Level, make: Callable[..., Caution], *facts: Any) -> None:
        self.code = code
        self.level = level
        self.make = make
        self.facts = facts

    def caution(self) -> Caution:
        """The Caution, message and all."""
        return self.make(*self.facts)


def build(found: list[Caution | Finding]) -> list[Caution]:
    """``found`` with every Finding built into its Caution."""
    return [c.caution() if isinstance(c, Finding) else c for c in found]


def amount_cautions(
    ref: Reference, profile: Profile, daily_mg: float, form: Form | None = None
) -> list[Caution]:
    """Cautions that depend on the daily amount: the UL, laxative forms, % of the reference intake."""
    return [f.caution() for f in amount_findings(ref, profile, daily_mg, form)]


def amount_findings(
    ref: Reference, profile: Profile, daily_mg: float, form: Form | None = None
) -> list[Finding]:
    """Which amount-dependent cautions apply (``amount_cautions``), decided, not yet built."""
    return amount_rules(ref, profile, form).findings(daily_mg)


class AmountRules:
    """What decides the cautions of one person taking one form, worked out once (``amount_rules``):
    the person's cautions as they apply to the form, and what the amount-dependent ones turn on
    (the UL, the form's laxative doses, the reference intake); ``findings`` and ``decide`` apply
    them to a daily amount."""

    __slots__ = (
        "diarrhoea",
        "form",
        "form_findings",
        "infant",
        "intake",
        "lax_doses",
        "level",
        "per_day",
        "person",
        "profile",
        "quiet",
        "ref",
        "target",
        "ul",
        "ul_ref",
    )

    def __init__(self, ref: Reference, profile: Profile, form: Form | None) -> None:
        d = ref.cautions
        self.ref, self.profile, self.form = ref, profile, form
        self.person: list[Caution] | None = None  # the person's cautions for the form, on first use
        self.quiet = quiet_below(ref, profile)
        state = life_state(profile.pregnant, profile.lactating, profile.sex)
        self.ul_ref = _upper_level(ref, profile, state)
        self.ul = self.ul_ref.ul_supplemental_mg
        self.infant = (
            profile.age is not None and d.rules.infant is not None and profile.age < d.rules.infant_age_max
        )
        self.level = d.rules.upper_limit.level
        self.diarrhoea = form is not None and _diarrhoea(profile, d) and form.laxative != "none"
        self.per_day = profile.per_day
        self.lax_doses = _laxative_doses(ref, form) if form is not None else (0.0, 0.0)
        self.intake: IntakeReference | None = None
        self.target: float | None = None
        if profile.age is not None and (profile.sex is not None or state != "none"):
            self.intake = reference(ref, profile.age, profile.sex, state, profile.standard)
            self.target = self.intake.rda_mg or self.intake.ai_mg
        self.form_findings = _form_findings(ref, profile, form)

    def findings(self, daily_mg: float) -> list[Finding]:
        """The amount-dependent cautions for ``daily_mg`` a day (``amount_findings``)."""
        if daily_mg < self.quiet:  # the common case in a batch: nothing to say
            return list(self.form_findings)
        ref, form, ul = self.ref, self.form, self.ul
        out: list[Finding] = []
        if ul is None and not self.infant:
            out.append(Finding("upper-limit", self.level, _no_upper_limit, ref, daily_mg, self.ul_ref))
        elif ul is not None and daily_mg > ul:
            out.append(
                Finding(
                    "upper-limit", self.level, _over_upper_limit, ref, self.profile, daily_mg, ul, self.ul_ref
                )
            )
        if form is not None:
            if self.diarrhoea:
                out.append(Finding("laxative", "caution", _laxative_diarrhoea, ref, form))
            else:
                per_intake = daily_mg / self.per_day
                lax = _laxative_at(per_intake, self.lax_doses)
                if lax is not None:
                    out.append(Finding("laxative", lax, _laxative_caution, ref, form, per_intake, lax))
        if self.target:
            out.append(
                Finding(
                    "reference-intake", "info", _reference_intake, ref, daily_mg, self.intake, self.target
                )
            )
        if self.form_findings:
            out += self.form_findings
        return out

    def decide(self, daily_mg: float) -> list[Caution | Finding]:
        """Every caution for ``daily_mg`` a day (``decide``), most severe first."""
        person = self.person
        if person is None:
            person = self.person = _person_cautions(
                self.ref, self.profile, person_assessment(self.ref, self.profile), self.form
            )
        extra = self.findings(daily_mg)
        return _merged(person, extra) if extra else list(person)


def amount_rules(ref: Reference, profile: Profile, form: Form | None) -> AmountRules:
    """The AmountRules of ``profile`` taking ``form`` (memoised on the profile, per reference and form)."""
    key = ("amount-rules", id(ref), None if form is None else form.id)
    hit = profile.memo.get(key)
    if hit is None or hit.ref is not ref or hit.form is not form:
        hit = profile.memo[key] = AmountRules(ref, profile, form)
    assert isinstance(hit, AmountRules)
    return hit


def _upper_level(ref: Reference, profile: Profile, state: State) -> IntakeReference:
    """``intake.upper_level`` for the profile (memoised on it, per reference)."""
    key = ("upper-level", id(ref))
    hit = profile.memo.get(key)
    if hit is None or hit[0] is not ref:
        hit = profile.memo[key] = (ref, upper_level(ref, profile.age, state, profile.standard))
    result: IntakeReference = hit[1]
    return result


def _no_upper_limit(ref: Reference, daily_mg: float, ul_ref: IntakeReference) -> Caution:
    return Caution.model_construct(
        code="upper-limit",
        level=ref.cautions.rules.upper_limit.level,
        message=f"{mg(daily_mg)}/day supplemental magnesium for {ul_ref.life_stage}: {ul_ref.ul_note}.",
        source=ref.cite(ul_ref.sources),
    )


def _over_upper_limit(
    ref: Reference, profile: Profile, daily_mg: float, ul: float, ul_ref: IntakeReference
) -> Caution:
    rule = ref.cautions.rules.upper_limit
    who = f"age {profile.age:g}" if profile.age is not None else "adults (no age given)"
    whose = ul_ref.ul_standard or ul_ref.standard_name
    return Caution.model_construct(
        code="upper-limit",
        level=rule.level,
        message=(
            f"{mg(daily_mg)}/day supplemental magnesium is above the UL of {mg(ul)}/day for "
            f"{who} ({whose}); {rule.note}."
        ),
        source=ref.cite(ul_ref.sources),
    )


def _laxative_diarrhoea(ref: Reference, form: Form) -> Caution:
    return Caution.model_construct(
        code="laxative",
        level="caution",
        message=(
            f"{form.name} is a {form.laxative}ly laxative form and you have chronic diarrhoea; "
            "a gentler form at a low dose is kinder."
        ),
        source=ref.cite(ref.cautions.condition("chronic-diarrhea").sources),
    )


def _reference_intake(ref: Reference, daily_mg: float, r: IntakeReference, target: float) -> Caution:
    kind = "RDA" if r.rda_mg else "adequate intake"
    return Caution.model_construct(
        code="reference-intake",
        level="info",
        message=(
            f"{mg(daily_mg)}/day is {100 * daily_mg / target:.0f}% of the {kind} "
            f"({mg(target)}/day, food included) for {r.life_stage} ({r.standard_name})."
        ),
        source=ref.cite(r.sources),
    )


def laxative_basis(ref: Reference, form: Form) -> tuple[float, LaxativeEvidence]:
    """(dose, evidence): the elemental mg taken at once from which ``form`` is expected to loosen
    stools, and the evidence that states it: the form's own source where it states a dose (per
    intake, else its daily amount read as taken at once), else the class default its ``like``
    names (the IOM's LOAEL); a user catalogue without that form: its lowest stated dose
    (infinite, so no dose-based caution, where it states none)."""
    ev = form.laxative_evidence
    own = ev.own_dose_mg
    if own is not None:
        return own, ev
    key = ("laxative-basis", form.id)
    hit = ref.memo.get(key)
    if hit is None or hit[0] is not form:  # the catalogue lookup by name, once per form
        hit = ref.memo[key] = (form, _laxative_basis(ref, ev))
    basis: tuple[float, LaxativeEvidence] = hit[1]
    return basis


def _laxative_basis(ref: Reference, ev: LaxativeEvidence) -> tuple[float, LaxativeEvidence]:
    target = ref.catalogue.find(ev.like) if ev.like is not None else None
    dose = target.laxative_evidence.own_dose_mg if target is not None else None
    if target is not None and dose is not None:
        return dose, target.laxative_evidence
    return laxative_floor(ref)


def laxative_floor(ref: Reference) -> tuple[float, LaxativeEvidence]:
    """(dose, evidence) of the class default: the lowest dose a "no data" form is held to (the
    IOM's LOAEL), from which every form gets at least a note. Memoised per reference."""
    hit = _FLOOR.get(id(ref))
    if hit is None or hit[0] is not ref:
        forms = ref.catalogue.forms
        likes = {k for f in forms if (k := f.laxative_evidence.like) is not None}
        stated = [
            (d, f.laxative_evidence) for f in forms if (d := f.laxative_evidence.own_dose_mg) is not None
        ]
        defaults = [
            (d, ev) for d, ev in stated if any(f.laxative_evidence is ev and f.id in likes for f in forms)
        ]
        pool = defaults or stated
        dose, ev = min(pool, key=lambda b: b[0]) if pool else (math.inf, LaxativeEvidence(read="no data"))
        hit = _FLOOR[id(ref)] = (ref, dose, ev)
    return hit[1], hit[2]


_FLOOR: dict[int, tuple[Reference, float, LaxativeEvidence]] = {}


def laxative_quiet_below(ref: Reference) -> float:
    """The dose taken at once below which no form gets a laxative caution (not even a note)."""
    doses = [laxative_floor(ref)[0], *(laxative_basis(ref, f)[0] for f in ref.catalogue.forms)]
    return laxative_near(ref) * min(doses)


def laxative_level(ref: Reference, form: Form, per_intake_mg: float) -> Level | None:
    """The laxative caution's level for ``per_intake_mg`` elemental taken at once: "caution" from
    the form's own evidence dose (or the class default where it has none), "info" from the class
    default (the IOM's LOAEL, which the IOM assumes for every dissociable salt) below that, else
    None. Non-decreasing in the dose, so splitting a dose never raises it."""
    return _laxative_at(per_intake_mg, _laxative_doses(ref, form))


def _laxative_at(per_intake_mg: float, doses: tuple[float, float]) -> Level | None:
    """``laxative_level`` of a dose taken at once, given the form's (caution, info) doses."""
    caution, info = doses
    if per_intake_mg >= caution:
        return "caution"
    if per_intake_mg >= info:
        return "info"
    return None


def _laxative_doses(ref: Reference, form: Form) -> tuple[float, float]:
    """The doses taken at once from which ``laxative_level`` is "caution" and "info"."""
    dose, _ = laxative_basis(ref, form)
    return dose, laxative_near(ref) * min(dose, laxative_floor(ref)[0])


def laxative_near(ref: Reference) -> float:
    """The fraction of a dose from which a dose counts as near it (the editorial 80% that
    data/cautions.yaml ``laxative_near_ul`` also applies to the UL)."""
    return ref.cautions.rules.laxative_near_ul.fraction_of_ul


def _dose_text(dose: float, ev: LaxativeEvidence) -> str:
    return f"{ev.describes} is {mg(dose)}" + (" at once" if ev.dose_mg is not None else " a day")


def laxative_caution(ref: Reference, form: Form, per_intake_mg: float) -> Caution | None:
    """The laxative caution for ``per_intake_mg`` elemental of ``form`` taken at once, against the
    evidence (the form's laxative dose, or the IOM's LOAEL), or None below both."""
    level = laxative_level(ref, form, per_intake_mg)
    return None if level is None else _laxative_caution(ref, form, per_intake_mg, level)


def _laxative_caution(ref: Reference, form: Form, per_intake_mg: float, level: Level) -> Caution:
    dose, ev = laxative_basis(ref, form)
    own = form.laxative_evidence
    what = f"{mg(per_intake_mg)} of magnesium at once from {form.name}"
    default = (
        ""
        if own.own_dose_mg is not None
        else "no laxative dose is known for this form, so the class default applies: "
    )
    if level == "caution":
        message = (
            f"{what}: {default}{_dose_text(dose, ev)}; expect loose stools: split it into smaller intakes."
        )
        shown = ev
    else:
        floor, shown = laxative_floor(ref)
        parts = [f"{_dose_text(floor, shown)}, and the IOM assumes it for every dissociable salt"]
        if own.own_dose_mg is None:
            parts.append("no laxative dose is known for this form")
        elif ev is not shown:
            parts.append(_dose_text(dose, ev))
        message = f"{what}: {'; '.join(parts)}; splitting it keeps each intake lower."
    return Caution.model_construct(
        code="laxative",
        level=level,
        message=message,
        source="; ".join(dict.fromkeys(ref.cite([k]) for k in (shown.source, ev.source) if k)),
        quote=_quote(shown.quote, shown.where),
    )


def _form_findings(ref: Reference, profile: Profile, form: Form | None) -> list[Finding]:
    """Cautions that depend on the form: older adults on magnesium oxide."""
    rule = ref.cautions.rules.older_adult
    if (
        form is None
        or rule is None
        or profile.age is None
        or profile.age < ref.cautions.rules.older_adult_age_min
        or form.family != "oxide"
    ):
        return []
    return [Finding("older-adult-oxide", rule.level, advice_caution, ref, "older-adult-oxide", rule)]


def assess(
    ref: Reference, profile: Profile, daily_mg: float | None = None, form: Form | None = None
) -> Assessment:
    """The cautions that apply to ``profile`` (and to ``daily_mg`` of ``form`` a day), most severe first.

    With a form, rules that concern only antacid forms apply only to those.
    """
    if daily_mg is not None and daily_mg < quiet_below(ref, profile):  # the same for any such amount
        key = ("quiet-assessment", id(ref), None if form is None else form.id)
        hit = profile.memo.get(key)
        if hit is None:
            hit = profile.memo[key] = _assess(ref, profile, daily_mg, form)
        assert isinstance(hit, Assessment)
        return hit
    return _assess(ref, profile, daily_mg, form)


def _assess(ref: Reference, profile: Profile, daily_mg: float | None, form: Form | None) -> Assessment:
    base = person_assessment(ref, profile)
    cautions = _person_cautions(ref, profile, base, form)
    if daily_mg is None:
        return (
            base
            if cautions is base.cautions
            else Assessment.model_construct(cautions=cautions, unknown_drugs=base.unknown_drugs)
        )
    extra = amount_findings(ref, profile, daily_mg, form)
    if not extra and cautions is base.cautions:
        return base
    return Assessment.model_construct(
        cautions=build(_merged(cautions, extra)), unknown_drugs=base.unknown_drugs
    )


def decide(
    ref: Reference, profile: Profile, daily_mg: float, form: Form | None = None
) -> list[Caution | Finding]:
    """Which cautions apply to ``profile`` taking ``daily_mg`` of ``form`` a day, in ``assess``'s
    order: the same codes and levels as ``assess(...).cautions``, with the amount-dependent ones
    decided but not built (``Finding``: a batch whose records show no caution text needs only
    their code and level; ``build`` makes the Cautions)."""
    return amount_rules(ref, profile, form).decide(daily_mg)


def _merged(cautions: list[Caution], extra: list[Finding]) -> list[Caution | Finding]:
    """The person's cautions and the amount's, most severe first (in order within a level)."""
    merged: list[Caution | Finding] = [*cautions, *extra]
    merged.sort(key=_most_severe_first)
    return merged


_RANK = {level: -severity(level) for level in LEVELS}


def _most_severe_first(c: Caution | Finding) -> int:
    return _RANK[c.level]


def _person_cautions(ref: Reference, profile: Profile, base: Assessment, form: Form | None) -> list[Caution]:
    """The person's cautions as they apply to ``form``: with a form, rules that concern only
    antacid forms apply only to those (memoised on the profile per reference and form)."""
    cautions = base.cautions
    if form is None or not any(c.applies_to_forms == "antacid" for c in cautions):
        return cautions
    key = ("person-form", id(ref), form.id)
    hit = profile.memo.get(key)
    if hit is not None and hit[0] is form:
        found: list[Caution] = hit[1]
        return found
    if is_antacid(ref, form):  # the form is known: the note about antacid forms is implied
        cautions = [
            c.model_copy(update={"message": c.message.replace(ANTACID_NOTE, "")})
            if c.applies_to_forms == "antacid"
            else c
            for c in cautions
        ]
    else:
        cautions = [c for c in cautions if c.applies_to_forms != "antacid"]
    profile.memo[key] = (form, cautions)
    return cautions


def safety(
    ref: Reference, profile: Profile | None, per_intake_mg: float, form: Form | None
) -> dict[str, Any]:
    """SafetyFields values for ``per_intake_mg`` elemental taken ``profile.per_day`` times a day."""
    prof = profile or Profile()
    daily = per_intake_mg * prof.per_day
    a = assess(ref, prof, daily, form)
    return {
        "per_day": prof.per_day,
        "daily_elemental_mg": daily,
        "cautions": a.cautions,
        "unknown_drugs": a.unknown_drugs,
    }


def estimate_cautions(ref: Reference, profile: Profile | None) -> list[Caution]:
    """A note on absorbed estimates for a child: the model comes from adults."""
    note = ref.cautions.rules.child_absorption_note
    if profile is None or profile.age is None or profile.age >= 18 or note is None:
        return []
    return [
        Caution.model_construct(
            code="child-estimate",
            level="info",
            message=f"age {profile.age:g}: {note}.",
            source=ref.cite(ref.absorption.reference_form.sources),
        )
    ]


def worst(cautions: list[Caution]) -> str | None:
    """The most severe level among ``cautions``."""
    return max((c.level for c in cautions), key=severity, default=None)
