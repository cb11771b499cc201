"""The label reader: every example of the issue, number formats, and hostile text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgcalc import MgcalcError
from mgcalc.core import labels
from mgcalc.core.intake import reference
from mgcalc.core.labels import MAX_LINE
from mgcalc.reference import packaged_reference
from mgcalc.schema.records import ParseResult

from .conftest import human_mg

REF = packaged_reference()
CAT = REF.catalogue
LABELS = REF.labels


def parse_label(text: str) -> ParseResult:
    return labels.parse_label(REF, text)


def frac(form_id: str) -> float:
    return CAT.get(form_id).fraction


def test_supplement_facts_line_is_elemental() -> None:
    r = parse_label("Magnesium (as magnesium citrate) 200 mg")
    assert (r.basis, r.forms, r.stated_mg) == ("elemental", ["citrate"], 200)
    assert r.elemental_mg_min == r.elemental_mg_max == 200
    assert r.trap is not None and "not the weight of the citrate" in r.trap and "as" in r.reason


def test_compound_line_and_its_trap_sentence() -> None:
    r = parse_label("Magnesium Citrate 500 mg")
    assert (r.basis, r.forms) == ("compound", ["citrate"])
    assert r.elemental_mg_min == r.elemental_mg_max == pytest.approx(500 * frac("citrate"))
    tr = LABELS.trap_reference
    rda = reference(REF, tr.age, tr.sex, "none", tr.standard).rda_mg
    assert rda is not None
    assert r.trap is not None
    gives = human_mg(500, CAT.get("citrate").elemental_pct)
    assert r.trap.startswith(f"500 mg is the weight of the citrate salt; it gives {gives} of magnesium")
    assert f"{100 * 500 * frac('citrate') / rda:.0f}% of {tr.wording}" in r.trap


def test_several_forms_give_a_range_or_a_split() -> None:
    r = parse_label("Magnesium 100 mg (as magnesium oxide, citrate)")
    assert (r.basis, r.forms) == ("elemental", ["oxide", "citrate"])
    assert r.elemental_mg_min == r.elemental_mg_max == 100
    assert r.trap is not None and "unknown split" in r.trap
    c = parse_label("Magnesium oxide and citrate 500 mg")
    assert c.basis == "compound"
    assert c.elemental_mg_min == pytest.approx(500 * frac("citrate"))
    assert c.elemental_mg_max == pytest.approx(500 * frac("oxide"))
    three = parse_label("Magnesium 100 mg (as magnesium oxide, citrate, ascorbate)")
    assert three.forms == ["oxide", "citrate", "ascorbate"]


def test_bisglycinate_chelate_with_thousands_separator() -> None:
    r = parse_label("Magnesium bisglycinate chelate 1,000 mg")
    assert (r.basis, r.forms, r.stated_mg) == ("compound", ["glycinate"], 1000)
    assert r.elemental_mg_max == pytest.approx(1000 * frac("glycinate"))


def test_percent_dv_confirms_elemental() -> None:
    r = parse_label("Mg (as oxide) 250mg 60% DV")
    assert (r.basis, r.forms, r.stated_mg, r.percent_dv) == ("elemental", ["oxide"], 250, 60)
    assert "DV" in r.reason


def test_percent_dv_can_show_compound_weight_and_doubt() -> None:
    compound = 1237
    dv = round(100 * compound * frac("citrate") / LABELS.daily_value.adult_mg)
    r = parse_label(f"Magnesium citrate {compound} mg {dv}% DV")
    assert r.basis == "compound"
    doubt = parse_label("Magnesium citrate 300 mg 20% DV")
    assert doubt.basis == "unknown"
    assert doubt.elemental_mg_min == pytest.approx(300 * frac("citrate")) and doubt.elemental_mg_max == 300
    assert doubt.trap is not None and "cannot tell" in doubt.trap


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        ("Magnesium citrate 0,5 g", 500),
        ("Magnesium citrate 0.5 g", 500),
        ("Magnesium citrate 1.000,5 mg", 1000.5),
        ("Magnesium citrate 1 000 mg", 1000),
        ("Magnesium citrate 1,500 mg", 1500),
        ("Magnesium citrate 1,5 g", 1500),
        ("Magnesium citrate 500000 mcg", 500),
        ("Magnesium citrate 500000 µg", 500),
        ("Magnesium citrate 500 milligrams", 500),
        ("MAGNESIUM CITRATE 500MG", 500),
        ("Magnesium citrate \u0665\u0660\u0660 mg", 500),
        ("Magnesium citrate \uff15\uff10\uff10 mg", 500),
    ],
)
def test_amount_formats(text: str, mg: float) -> None:
    assert parse_label(text).stated_mg == pytest.approx(mg)


@given(st.integers(1_000, 999_999))
def test_thousands_separators_property(n: int) -> None:
    for sep in (",", " ", "\u202f"):
        text = f"Magnesium citrate {n // 1000}{sep}{n % 1000:03d} mg"
        assert parse_label(text).stated_mg == n


@given(st.sampled_from([f.id for f in CAT.forms]), st.integers(1, 100_000))
def test_named_compound_reads_as_compound(form_id: str, n: int) -> None:
    r = parse_label(f"{CAT.get(form_id).name} {n} mg")
    assert r.basis == "compound" and r.forms == [form_id]
    assert r.elemental_mg_max == pytest.approx(n * frac(form_id))


def test_excipients_are_recognised_and_not_counted() -> None:
    r = parse_label("Magnesium stearate")
    assert r.excipient and r.forms == [] and r.elemental_mg_max == 0 and r.trap and "not counted" in r.trap
    other = parse_label("Other ingredients: cellulose, magnesium stearate")
    assert other.excipient and other.elemental_mg_max == 0
    mixed = parse_label("Magnesium citrate 500 mg, magnesium stearate")
    assert (
        mixed.excipient
        and mixed.forms == ["citrate"]
        and mixed.elemental_mg_max == pytest.approx(500 * frac("citrate"))
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Vitamin C 500 mg", "no magnesium"),
        ("Magnesium citrate", "no amount"),
        ("Magnesium 100 mg, zinc 10 mg", "several amounts"),
        ("Magnesium xyzate 500 mg", "cannot read the form"),
        ("Magnesium citrate 0 mg", "not between"),
        ("", "no magnesium"),
        ("x" * (MAX_LINE + 1), "characters long"),
    ],
)
def test_unreadable_lines_are_errors_not_guesses(text: str, says: str) -> None:
    with pytest.raises(MgcalcError, match=says):
        parse_label(text)


def _read_or_refuse(text: str) -> None:
    try:
        r = parse_label(text)
    except MgcalcError:
        return
    assert r.basis in ("elemental", "compound", "unknown")
    if r.elemental_mg_min is not None and r.elemental_mg_max is not None:
        assert 0 <= r.elemental_mg_min <= r.elemental_mg_max


@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_cleanly(text: str) -> None:
    _read_or_refuse(text)


@given(
    st.lists(
        st.sampled_from(
            [
                "Magnesium",
                "Mg",
                "(as",
                "magnesium",
                "oxide",
                "citrate,",
                ")",
                "500",
                "mg",
                "1,000",
                "g",
                "60%",
                "DV",
                "stearate",
                "\x1b[2J",
                "[red]x",
                "µg",
                "0,5",
                "and",
                "as",
                "%",
                "1e309",
                "\u0663",
            ]
        ),
        max_size=12,
    )
)
def test_hostile_word_salad(words: list[str]) -> None:
    _read_or_refuse(" ".join(words))
