"""Print decoration never changes a reading (issue 19).

Every real line of the corpus (the DSLD rows, the whole DSLD labels as panel text, the Drug Facts
panels) is read plain and decorated: footnote marks and superscripts joined to a word or an
amount, letter case, unusual spaces (NBSP, thin space, tabs, doubled spaces), soft hyphens and
zero-width characters inside words, trailing punctuation. The decorated line must give the same
elemental range as the plain line, or a refusal (an error); never another number. A line the
plain reading refuses stays refused.

One test applies every decoration at every place it can go on every line; a hypothesis property
combines several decorations at random places.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.core.labels import parse_label
from mgcalc.reference import packaged_reference

REF = packaged_reference()
HERE = Path(__file__).resolve().parent / "data"


def _corpus() -> list[str]:
    rows = [
        r["text"] for r in csv.DictReader((HERE / "dsld" / "rows.tsv").open(encoding="utf-8"), delimiter="\t")
    ]
    files = [*sorted((HERE / "dsld" / "labels").glob("*.txt")), *sorted((HERE / "panels").glob("*.txt"))]
    lines = [line.strip() for p in files for line in p.read_text(encoding="utf-8").splitlines()]
    return sorted({line for line in [*rows, *lines] if line})


LINES = _corpus()

#: Footnote marks as labels print them.
MARKS = ["\u00b9", "\u00b2", "\u00b3", "\u2074", "*", "\u2020", "\u2021", "\u00a7", "**"]
#: Spaces a pasted label carries instead of a plain one.
SPACES = ["\u00a0", "\u2009", "\u202f", "\u2002", "\t", "  "]
#: Characters a reader does not see: soft hyphen, zero-width space, non-joiner, joiner, word joiner, BOM.
INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
TRAILING = [".", ",", ";", ":", " .", "*"]
CASES: list[Callable[[str], str]] = [str.upper, str.lower, str.title, str.swapcase]


def reading(text: str) -> tuple[str, float | None, float | None] | None:
    """What a line reads as (role and elemental range), or None for a refusal."""
    try:
        r = parse_label(REF, text)
    except MgcalcError:
        return None
    return (r.role, r.elemental_mg_min, r.elemental_mg_max)


PLAIN = {line: reading(line) for line in LINES}


def word_ends(text: str) -> list[int]:
    """Places right after a word or an amount (a footnote mark's place)."""
    return [m.end() for m in re.finditer(r"\S(?=\s|$)", text)]


def inner_places(text: str) -> list[int]:
    """Places between two letters or digits of one word."""
    return [i for i in range(1, len(text)) if text[i - 1].isalnum() and text[i].isalnum()]


def spaces(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch == " "]


def variants(line: str) -> list[str]:
    out = []
    for at in word_ends(line):
        out += [line[:at] + mark + line[at:] for mark in MARKS]
    for sp in SPACES:
        out.append(line.replace(" ", sp))
        out += [line[:i] + sp + line[i + 1 :] for i in spaces(line)]
    for ch in INVISIBLE:
        out += [line[:i] + ch + line[i:] for i in inner_places(line)[::3]]
    out += [line + p for p in TRAILING]
    out += [case(line) for case in CASES]
    return out


def test_the_corpus_is_real_and_read() -> None:
    assert len(LINES) > 600
    assert sum(r is not None for r in PLAIN.values()) > 150


@pytest.mark.parametrize("line", LINES)
def test_every_decoration_of_every_corpus_line_reads_the_same_or_is_refused(line: str) -> None:
    plain = PLAIN[line]
    wrong = []
    for decorated in variants(line):
        got = reading(decorated)
        if got is not None and got != plain:
            wrong.append(f"{decorated!r}: {got} (plain: {plain})")
    assert not wrong, "\n".join(wrong[:5])


@st.composite
def decorated(draw: st.DrawFn) -> tuple[str, str]:
    line = draw(st.sampled_from(LINES))
    text = line
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["mark", "space", "invisible", "trailing", "case"]))
        if kind == "mark" and (ends := word_ends(text)):
            at = draw(st.sampled_from(ends))
            text = text[:at] + draw(st.sampled_from(MARKS)) + text[at:]
        elif kind == "space" and (places := spaces(text)):
            i = draw(st.sampled_from(places))
            text = text[:i] + draw(st.sampled_from(SPACES)) + text[i + 1 :]
        elif kind == "invisible" and (inner := inner_places(text)):
            i = draw(st.sampled_from(inner))
            text = text[:i] + draw(st.sampled_from(INVISIBLE)) + text[i:]
        elif kind == "trailing":
            text += draw(st.sampled_from(TRAILING))
        elif kind == "case":
            text = draw(st.sampled_from(CASES))(text)
    return line, text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decorated())
def test_decorations_combined_never_give_another_number(case: tuple[str, str]) -> None:
    line, text = case
    got = reading(text)
    assert got is None or got == PLAIN[line], f"{text!r} read {got}, plain {line!r} read {PLAIN[line]}"


@pytest.mark.parametrize(
    ("plain", "decorated"),
    [
        ("Magnesium (as magnesium oxide) 250 mg", "Magnesium (as magnesium oxide)\u00b9 250 mg"),
        ("Magnesium (as magnesium oxide) 250 mg", "Magnesium (as magnesium oxide)\u00b2 250 mg"),
        ("Magnesium (as magnesium oxide) 250 mg", "Magnesium (as magnesium oxide) 250 mg\u00b9"),
        ("Magnesium (as magnesium oxide) 250 mg", "Magnesium\u2020 (as magnesium oxide) 250\u00a0mg"),
        ("Magnesium 200 mg", "Mag\u00adnesium 200 mg"),
        ("Magnesium 200 mg", "Magne\u200bsium 200 mg"),
        ("Magnesium 200 mg", "MAGNESIUM\t200 MG."),
    ],
)
def test_the_issue_lines_read_as_their_plain_line(plain: str, decorated: str) -> None:
    assert reading(plain) is not None
    assert reading(decorated) == reading(plain)


# ---------------------------------------------------------------- whole panels

PANELS = sorted([*(HERE / "dsld" / "labels").glob("*.txt"), *(HERE / "panels").glob("*.txt")])


def panel_reading(text: str) -> tuple[float, float | None]:
    from mgcalc.core.panel import panel, read_panel_text

    p = panel(REF, read_panel_text(text))
    return p.elemental_mg_min, p.elemental_mg_max


PANEL_PLAIN = {p.name: panel_reading(p.read_text(encoding="utf-8")) for p in PANELS}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PANELS), st.data())
def test_a_decorated_panel_reads_the_same_total_or_a_lower_bound(path: Path, data: st.DataObject) -> None:
    """Decorating lines of a real panel never changes its total; a refused line makes it a
    lower bound (max null, exit 1), never another number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        kind = data.draw(st.sampled_from(["mark", "space", "invisible", "trailing"]))
        if kind == "mark" and (ends := word_ends(line)):
            at = data.draw(st.sampled_from(ends))
            line = line[:at] + data.draw(st.sampled_from(MARKS)) + line[at:]
        elif kind == "space" and (places := spaces(line.strip())):
            lead = len(line) - len(line.lstrip())
            j = lead + data.draw(st.sampled_from(places))
            line = line[:j] + data.draw(st.sampled_from(SPACES[:4])) + line[j + 1 :]
        elif kind == "invisible" and (inner := inner_places(line)):
            j = data.draw(st.sampled_from(inner))
            line = line[:j] + data.draw(st.sampled_from(INVISIBLE)) + line[j:]
        elif kind == "trailing" and line.strip():
            line += data.draw(st.sampled_from(TRAILING[:4]))
        lines[i] = line
    lo, hi = panel_reading("\n".join(lines))
    plain = PANEL_PLAIN[path.name]
    assert (lo, hi) == plain or hi is None, f"{path.name}: {(lo, hi)} vs plain {plain}"
