"""Footnote decoration never changes a reading (labels probe, findings 1, 4, 6 and 13).

Labels print a footnote mark after an ingredient's name or its amount in many forms: ``*``,
``†``, superscripts (``¹``, ``⁽¹⁾``, ``ᵃ``), a number or letter in parentheses or brackets
(``(1)``, ``[1]``, ``(a)``, ``(†)``) and circled numbers (``①``, ``⑩``). None is part of the
amount: every real DSLD line (tests/data/dsld/rows.tsv), decorated with any of them, reads the
same elemental range as the plain line, or is refused where the plain line is.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.core.labels import parse_label
from mgcalc.reference import packaged_reference

REF = packaged_reference()
ROWS = Path(__file__).resolve().parent / "data" / "dsld" / "rows.tsv"
LINES = sorted(
    {r["text"] for r in csv.DictReader(ROWS.open(encoding="utf-8"), delimiter="\t") if r["text"].strip()}
)

#: Footnote marks as labels print them, in every form the probe found reading wrong.
SINGLE = ["*", "**", "\u2020", "\u2021", "\u00a7", "\u2020\u2021", "\u00b9", "\u00b2", "\u00b3"]
BRACKETED = ["(1)", "[1]", "(a)", "[a]", "(\u2020)", "(*)", "\u207d\u00b9\u207e", "(12)"]
LETTERS = ["\u1d43", "\u00aa", "\u1d47"]  # superscript a, feminine ordinal, superscript b
CIRCLED = ["\u2460", "\u2469", "\u2473", "\u24b6", "\u2776", "\U0001f102", "\u2474"]  # ① ⑩ ⑳ Ⓐ ❶ 🄂 ⑴
MARKS = SINGLE + BRACKETED + LETTERS + CIRCLED

_AMOUNT = re.compile(r"\d[\d,.]*\s*(?:mg|mcg|g|Gram\(s\)|mmol|mEq)\b", re.IGNORECASE)


def reading(text: str) -> tuple[str, float | None, float | None] | tuple[str, str]:
    """Role and elemental range of a line, or the kind of refusal."""
    try:
        r = parse_label(REF, text)
    except MgcalcError as e:
        return ("refused", type(e).__name__)
    return (r.role, r.elemental_mg_min, r.elemental_mg_max)


#: A footnote mark as a label prints it, generated: a symbol or a run of them, a number or a letter
#: in parentheses or brackets, in superscript parentheses, a circled number or letter.
GENERATED_MARKS = st.one_of(
    st.sampled_from(MARKS),
    st.lists(st.sampled_from(SINGLE), min_size=1, max_size=3).map("".join),
    st.integers(1, 20).map(lambda n: f"({n})"),
    st.integers(1, 20).map(lambda n: f"[{n}]"),
    st.sampled_from("abcdefghjkmnpqrstuvwxyz").map(lambda c: f"({c})"),
    st.sampled_from(SINGLE[:6]).map(lambda c: f"({c})"),
    st.sampled_from("\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079").map(
        lambda c: f"\u207d{c}\u207e"
    ),
    st.integers(0x2460, 0x2473).map(chr),  # ① to ⑳
    st.integers(0x2474, 0x2487).map(chr),  # ⑴ to ⒇
    st.integers(0x24B6, 0x24E9).map(chr),  # Ⓐ to ⓩ
    st.integers(0x2776, 0x2793).map(chr),  # ❶ to ➓
)


def places(text: str) -> list[int]:
    """Where a mark goes: right after the name (before its parenthesis or amount), after the unit."""
    out = []
    amount = _AMOUNT.search(text)
    paren = text.find(" (")
    name_end = paren if paren > 0 else (amount.start() - 1 if amount and amount.start() > 0 else len(text))
    out.append(name_end)
    if amount is not None:
        out.append(amount.end())
    return out


def decorate(text: str, at: int, mark: str) -> str:
    return text[:at] + mark + text[at:]


PLAIN = {t: reading(t) for t in LINES}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=st.sampled_from(LINES), mark=GENERATED_MARKS, where=st.integers(0, 1), spaced=st.booleans())
def test_a_footnote_mark_never_changes_a_reading(line: str, mark: str, where: int, spaced: bool) -> None:
    at = places(line)
    decorated = decorate(line, at[min(where, len(at) - 1)], (" " if spaced else "") + mark)
    assert reading(decorated) == PLAIN[line], decorated


@pytest.mark.parametrize("mark", MARKS)
def test_every_mark_after_a_real_amount_reads_the_same(mark: str) -> None:
    """Every mark, after the unit of every real line with an amount (the probe's ⁽¹⁾ and [1])."""
    changed = []
    for line in LINES:
        at = places(line)
        if len(at) < 2:
            continue
        if reading(decorate(line, at[1], mark)) != PLAIN[line]:
            changed.append(line)
    assert changed == []


@pytest.mark.parametrize(
    ("text", "elemental"),
    [
        ("Magnesium \u2460 250 mg", 250.0),  # ① was read as 1,250 mg
        ("Magnesium (as magnesium citrate) \u2460 250 mg", 250.0),
        ("Magnesium \U0001f102250 mg", 250.0),  # 🄂 (digit one comma) was 1,250 mg
        ("Magnesium (as magnesium oxide) 250 mg[1] 60% DV", 250.0),
        ("Magnesium (as Magnesium Citrate, Magnesium Malate) 150 mg\u207d\u00b9\u207e   38%", 150.0),
        ("Magnesium2 250 mg   60%", 250.0),  # "Magnesium²" pasted from a PDF
        ("Magnesium\u1d43 250 mg", 250.0),
        ("Magnesium1 (as magnesium oxide) 250 mg", 250.0),
    ],
)
def test_the_probe_repros_read_the_plain_figure(text: str, elemental: float) -> None:
    r = parse_label(REF, text)
    assert (r.role, r.elemental_mg_min, r.elemental_mg_max) == ("source", elemental, elemental)


def test_a_circled_ten_is_a_mark_not_digits() -> None:
    """ "Magnesium Citrate ⑩ 500 mg" was read as 10,500 mg of citrate."""
    assert reading("Magnesium Citrate \u2469 500 mg") == reading("Magnesium Citrate 500 mg")
