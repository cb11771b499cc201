"""Reading a label line: is the figure elemental or compound weight, which forms, how much magnesium.

Pure: ``parse_label`` turns one line of label text into a ParseResult, or
raises MgcalcError when it cannot read the line. It never guesses: where the
split between forms or the basis cannot be told, it gives a range and says so.
"""

from __future__ import annotations

import re
import unicodedata

from mgcalc.core.intake import reference
from mgcalc.core.units import MAX_MG, UNITS_MG
from mgcalc.errors import MgcalcError, literal
from mgcalc.numbers import mg
from mgcalc.schema.build import make
from mgcalc.schema.data import Catalogue, Excipient, Form, LabelData, Reference
from mgcalc.schema.records import ParseResult
from mgcalc.schema.results import Basis

#: Longest label line read, in characters: a real one is far shorter.
MAX_LINE = 10_000


_UNIT = r"(?P<unit>mg|mcg|µg|μg|ug|g|milligrams?|micrograms?|grams?)(?![a-z])"
_NUMBER = r"(?P<num>\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_AMOUNT = re.compile(rf"(?<![\w.,]){_NUMBER}\s*{_UNIT}")
_DV = re.compile(r"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)?)\s*%\s*(?:dv|daily\s+value|d\.v\.|nrv|ri)?")
_AS = re.compile(r"\(\s*as\s+(?P<inner>[^()]*)\)|\bas\s+(?P<tail>[^()]*)$")
_SPLIT = re.compile(r",|;|/|&|\+|\band\b|\bor\b")
_FILLER = frozenset(
    [
        "magnesium",
        "mg",
        "total",
        "elemental",
        "from",
        "of",
        "each",
        "per",
        "serving",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "contains",
        "containing",
        "provides",
        "providing",
        "supplying",
        "yielding",
        "amount",
        "supplement",
        "facts",
        "mineral",
    ]
)
_UNITS = {
    "milligram": "mg",
    "milligrams": "mg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "gram": "g",
    "grams": "g",
}


def _clean(text: str) -> str:
    """NFKC, any Unicode digit as ASCII, controls and odd spaces as plain spaces, lower case."""
    if len(text) > MAX_LINE:
        raise MgcalcError(
            f"label line is {len(text):,} characters long; mgcalc reads lines up to {MAX_LINE:,}"
        )
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        cat = unicodedata.category(ch)
        if cat == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif cat[0] in "CZ":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).casefold()


def _number(raw: str) -> float:
    """A label number: thousands separators and decimal commas ("1,000", "1 000", "0,5", "1.000,5")."""
    s = raw.replace(" ", "")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if dec == "," else ",", "").replace(",", ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        s = s.replace(",", "").replace(".", "")
    elif "," in s:
        whole, frac = s.split(",")
        s = s.replace(",", "") if len(frac) == 3 and whole not in ("0", "") else s.replace(",", ".")
    return float(s)


_fmt = mg


def _forms(
    items: list[str], cat: Catalogue, excipients: list[Excipient], lenient: bool = False
) -> tuple[list[Form], list[Excipient]]:
    """Forms and excipients named by list items; MgcalcError for an item it cannot read.

    ``lenient`` (an ingredient list with no amount) skips items that neither
    name magnesium nor resolve, such as "cellulose".
    """
    forms: list[Form] = []
    found: list[Excipient] = []
    for item in items:
        words = [w for w in re.split(r"[^0-9a-z·.()-]+", item) if w]
        meaningful = [w for w in words if w not in _FILLER]
        if not meaningful:
            continue
        # an excipient only when the item names nothing else ("magnesium stearate")
        exc = next((e for e in excipients if all(w in e.words for w in meaningful)), None)
        if exc is not None:
            found.append(exc)
            continue
        try:
            forms.append(
                cat.resolve(" ".join(w for w in words if w not in _FILLER or w in ("magnesium", "mg")))
            )
        except MgcalcError:
            if lenient and not {"magnesium", "mg"} & set(words):
                continue
            raise MgcalcError(f"cannot read the form '{literal(item.strip())}' on this label line") from None
    return list({f.id: f for f in forms}.values()), found


def parse_label(ref: Reference, text: str) -> ParseResult:
    """Read one label line: basis (elemental/compound/unknown) and why, forms, elemental mg, the trap.

    Raises MgcalcError for a line it cannot read (no magnesium, no amount,
    several amounts, an unknown form, over MAX_LINE characters).
    """
    cat, data = ref.catalogue, ref.labels
    t = _clean(text)
    amounts = [
        (_number(m["num"]) * UNITS_MG[_UNITS.get(m["unit"], m["unit"])], m) for m in _AMOUNT.finditer(t)
    ]
    rest = _AMOUNT.sub(" ", t)
    dvs = [_number(m["num"]) for m in _DV.finditer(rest)]
    rest = _DV.sub(" ", rest)
    if len(amounts) > 1:
        listed = ", ".join(literal(m.group(0).strip()) for _, m in amounts[:4])
        raise MgcalcError(f"several amounts on one line ({listed}): give one ingredient per line")
    stated = amounts[0][0] if amounts else None
    if stated is not None and not 0 < stated <= MAX_MG:
        raise MgcalcError(f"amount {stated:g} mg on this line is not between 0 and {MAX_MG:,.0f} mg")
    m = _AS.search(rest)
    clause = (m["inner"] or m["tail"] or "") if m else ""
    head = rest[: m.start()] + " " + rest[m.end() :] if m else rest
    head_items = [head] if head.strip() else []
    mentions_mg = re.search(r"\b(magnesium|mg)\b", rest) is not None
    try:
        try:
            forms, excipients = _forms(head_items, cat, data.excipients)
        except MgcalcError:
            forms, excipients = _forms(_SPLIT.split(head), cat, data.excipients, lenient=stated is None)
        more, more_exc = _forms(_SPLIT.split(clause), cat, data.excipients)
    except MgcalcError:
        if not mentions_mg:
            raise MgcalcError("no magnesium on this label line") from None
        raise
    forms = list({f.id: f for f in [*forms, *more]}.values())
    excipients = [*excipients, *more_exc]
    if not forms and not excipients and not mentions_mg:
        raise MgcalcError("no magnesium on this label line")
    exc_names = list(dict.fromkeys(e.name for e in excipients))
    if stated is None:
        if excipients and not forms:
            e = excipients[0]
            return make(
                ParseResult,
                text=text,
                basis="unknown",
                reason=f"{e.name} is {e.role}, not a magnesium source",
                forms=[],
                stated_mg=None,
                elemental_mg_min=0.0,
                elemental_mg_max=0.0,
                excipient=True,
                excipients=exc_names,
                trap=f"{e.name.capitalize()} is {e.role}, not a magnesium source: it is not counted.",
            )
        raise MgcalcError("no amount with a unit (mg, g, mcg) on this label line")
    dv = dvs[0] if dvs else None
    basis, reason = _basis(stated, dv, forms, bool(m), t, data)
    fractions = [f.fraction for f in forms] or [1.0]
    if basis == "elemental":
        lo = hi = stated
    elif basis == "compound":
        lo, hi = stated * min(fractions), stated * max(fractions)
    else:
        lo, hi = stated * min(fractions), stated
    return make(
        ParseResult,
        text=text,
        basis=basis,
        reason=reason,
        forms=[f.id for f in forms],
        stated_mg=stated,
        percent_dv=dv,
        elemental_mg_min=lo,
        elemental_mg_max=hi,
        excipient=bool(excipients),
        excipients=exc_names,
        trap=_trap(ref, stated, basis, reason, forms, lo, hi),
    )


def _basis(
    stated: float, dv: float | None, forms: list[Form], has_as: bool, text: str, data: LabelData
) -> tuple[Basis, str]:
    if dv is not None:
        values = (data.daily_value.adult_mg, data.daily_value.older_mg)
        # a %DV is rounded to a whole percent on labels
        fits = [abs(stated - dv / 100 * v) <= 0.5 / 100 * v + 1 for v in values]
        if any(fits):
            return (
                "elemental",
                f"{dv:g}% DV matches {_fmt(stated)} of elemental magnesium (DV {values[fits.index(True)]:g} mg)",
            )
        if forms and any(
            abs(stated * f.fraction - dv / 100 * v) <= 0.5 / 100 * v + 1 for f in forms for v in values
        ):
            return (
                "compound",
                f"{dv:g}% DV matches the magnesium in {_fmt(stated)} of the compound, not {_fmt(stated)} itself",
            )
        if forms:
            return (
                "unknown",
                f"{dv:g}% DV fits neither {_fmt(stated)} of magnesium nor {_fmt(stated)} of the compound",
            )
    if has_as:
        return (
            "elemental",
            "the figure is on the magnesium line with the compound after 'as': a Supplement Facts line states elemental magnesium (21 CFR 101.36)",
        )
    marker = next((w for w in data.elemental_markers if re.search(rf"\b{re.escape(w)}\b", text)), None)
    if marker is not None:
        return "elemental", f"the line says '{marker}'"
    if not forms:
        return (
            "elemental",
            "the line names magnesium and no compound: a nutrient line states elemental magnesium",
        )
    return "compound", "the compound is named as the ingredient, so the figure is the compound's weight"


def _trap(
    ref: Reference,
    stated: float,
    basis: Basis,
    reason: str,
    forms: list[Form],
    lo: float,
    hi: float,
) -> str | None:
    from mgcalc.core.stoichiometry import spread

    cat, tr = ref.catalogue, ref.labels.trap_reference
    r = reference(ref, tr.age, tr.sex, "none", tr.standard)
    rda = r.rda_mg or r.ai_mg or 0.0
    names = [f.family.replace("-", " ") for f in forms]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""
    share = f"{100 * hi / rda:.0f}% of {tr.wording}" if rda else ""
    if basis == "compound" and len(forms) == 1:
        f = forms[0]
        # the family spread, computed once in stoichiometry (the same as `label` shows)
        sp = spread(cat, f, stated * f.fraction, stated)
        extra = ""
        if sp is not None:
            extra = (
                f" (from {_fmt(sp['elemental_mg_min'])} to {_fmt(sp['elemental_mg_max'])} depending on which "
                f"{names[0]} salt or hydrate it is)"
            )
        # named by the bare family name, the salt is a guess
        bare = cat.family_default(f).id == f.id
        what = f"the {names[0]} salt" if bare else f.name[0].lower() + f.name[1:]
        return f"{_fmt(stated)} is the weight of {what}; it gives {_fmt(hi)} of magnesium, {share}{extra}."
    if basis == "compound":
        return f"{_fmt(stated)} is the combined weight of {listed} in an unknown split; it gives {_fmt(lo)} to {_fmt(hi)} of magnesium."
    if basis == "elemental" and forms:
        weights = [stated / f.fraction for f in forms]
        if len(weights) == 1:
            inside = f"in {_fmt(weights[0])} of the {listed} salt"
        else:
            inside = f"in {_fmt(min(weights))} to {_fmt(max(weights))} of the compounds, depending on the unknown split"
        return f"{_fmt(stated)} is elemental magnesium, not the weight of the {listed}: {share}, {inside}."
    if basis == "unknown":
        return f"mgcalc cannot tell whether {_fmt(stated)} is elemental magnesium or the weight of the {listed} ({reason}): between {_fmt(lo)} and {_fmt(hi)} of magnesium."
    return None
