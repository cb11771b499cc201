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
from mgcalc.schema.data import name_key
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


def family_fractions(form_id: str) -> tuple[float, float]:
    """Lowest and highest elemental fraction over the family of a form (from the catalogue)."""
    fr = [f.fraction for f in CAT.family_of(CAT.get(form_id))]
    return min(fr), max(fr)


def test_compound_line_and_its_trap_sentence() -> None:
    """A bare family name gives the family's spread, with the usual salt named."""
    r = parse_label("Magnesium Citrate 500 mg")
    default = CAT.family_default(CAT.resolve("citrate"))
    assert (r.basis, r.forms, r.default_form) == ("compound", [default.id], default.id)
    lo, hi = family_fractions(default.id)
    assert r.elemental_mg_min == pytest.approx(500 * lo) and r.elemental_mg_max == pytest.approx(500 * hi)
    tr = LABELS.trap_reference
    rda = reference(REF, tr.age, tr.sex, "none", tr.standard).rda_mg
    assert rda is not None
    assert r.trap is not None
    low, high = human_mg(500 * lo), human_mg(500 * hi)
    assert r.trap.startswith(
        f"500 mg is the weight of the citrate salt; it gives {low} to {high} of magnesium"
    )
    assert human_mg(500, default.elemental_pct) in r.trap
    assert f"{100 * 500 * hi / rda:.0f}% of {tr.wording}" in r.trap


def test_a_named_salt_is_not_a_family() -> None:
    r = parse_label("Magnesium citrate nonahydrate 500 mg")
    assert r.forms == ["citrate-nonahydrate"] and r.default_form is None
    assert r.elemental_mg_min == r.elemental_mg_max == pytest.approx(500 * frac("citrate-nonahydrate"))


def test_several_forms_give_a_range_or_a_split() -> None:
    r = parse_label("Magnesium 100 mg (as magnesium oxide, citrate)")
    assert (r.basis, r.forms) == ("elemental", ["oxide", "citrate"])
    assert r.elemental_mg_min == r.elemental_mg_max == 100
    assert r.trap is not None and "unknown split" in r.trap
    c = parse_label("Magnesium oxide and citrate 500 mg")
    assert c.basis == "compound"
    # "citrate" is a bare family name: its lowest member bounds the range
    assert c.elemental_mg_min == pytest.approx(500 * family_fractions("citrate")[0])
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
    assert doubt.elemental_mg_min == pytest.approx(300 * family_fractions("citrate")[0])
    assert doubt.elemental_mg_max == 300
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
    # the grades of one salt a label naming it cannot tell apart (same formula), each with its range
    f = CAT.get(form_id)
    grades = [
        m for m in CAT.family_of(f) if m.id == f.id or (f.formula is not None and m.formula == f.formula)
    ]
    if f.basis == "manufacturer":  # a supplier's grade, named: its own figure
        grades = [f]
    if name_key(f.name) == name_key(f.family):  # the bare family name: the whole family
        grades = CAT.family_of(f)
    assert r.elemental_mg_min == pytest.approx(n * min(m.pct_range[0] for m in grades) / 100)
    assert r.elemental_mg_max == pytest.approx(n * max(m.pct_range[1] for m in grades) / 100)


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
        ("Magnesium", "no amount"),
        ("Magnesium 100 mg, zinc 10 mg", "several amounts"),
        ("Magnesium xyzate 500 mg", "cannot read the form"),
        ("Magnesium citrate 0 mg", "reads as zero"),
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


# ---------------------------------------------------------------- what real labels print (issue 11)


def _resolved(name: str) -> str | None:
    try:
        return CAT.resolve(name).id
    except MgcalcError:
        return None


def test_from_prefix_is_elemental() -> None:
    r = parse_label("Magnesium (from Magnesium Oxide) 420 mg 100% DV")
    assert (r.role, r.basis, r.forms) == ("source", "elemental", ["oxide"])
    assert r.elemental_mg_min == r.elemental_mg_max == 420


@pytest.mark.parametrize(
    ("clause", "salt", "trade"),
    [
        ("as Albion DiMagnesium Malate", "dimagnesium malate", ["Albion"]),
        ("as Dimagnesium Malate, Albion", "dimagnesium malate", ["Albion"]),
        (
            "as TRAACS Magnesium Lysinate Glycinate Chelate",
            "magnesium lysinate glycinate chelate",
            ["TRAACS"],
        ),
        ("as Aquamin, Magnesium Oxide", "magnesium oxide", ["Aquamin"]),
        ("as Mag. Hydroxide", "magnesium hydroxide", []),
        ("as {Magnesium} Glycinate Chelate", "magnesium glycinate chelate", []),
    ],
)
def test_trade_words_and_abbreviations_are_not_forms(clause: str, salt: str, trade: list[str]) -> None:
    """Brand words are reported, never read as forms; the salt is whatever the catalogue makes of it."""
    r = parse_label(f"Magnesium ({clause}) 100 mg")
    assert (r.role, r.basis, r.elemental_mg_min, r.elemental_mg_max) == ("source", "elemental", 100, 100)
    assert set(trade) <= set(r.trade_words)
    form = _resolved(salt)
    if form is not None:
        assert r.forms == [form] and r.unknown_forms == []
    else:  # not in the catalogue yet: named, and the elemental figure stands
        assert r.forms == [] and r.unknown_forms and any("not a form in the catalogue" in c for c in r.checks)


def test_magnesium_chelate_names_no_single_salt() -> None:
    """An ambiguous name reads whatever the catalogue resolves it to (a family whose spread is the
    honest answer), or is listed as unknown; the elemental figure stands either way."""
    r = parse_label("Magnesium (as Magnesium Chelate) 50 mg")
    try:
        expected = ([CAT.resolve("magnesium chelate").id], [])
    except MgcalcError:
        expected = ([], ["magnesium chelate"])
    assert (r.basis, r.elemental_mg_max, r.forms, r.unknown_forms) == ("elemental", 50, *expected)


def test_nested_parentheses_raw_materials_are_not_forms() -> None:
    r = parse_label(
        "Magnesium (as Magnesium Ascorbate (reacted from Magnesium Carbonate, and Ascorbic Acid)) 350 mg 83% DV"
    )
    assert (r.basis, r.forms, r.elemental_mg_min, r.elemental_mg_max) == (
        "elemental",
        ["ascorbate"],
        350,
        350,
    )
    flat = parse_label(
        "Magnesium (as Magnesium Citrate, Magnesium Ascorbate, reacted from Magnesium Oxide, and Citric Acid, Ascorbic Acid) 200 mg 48% DV"
    )
    assert flat.forms == ["citrate", "ascorbate"] and flat.elemental_mg_max == 200


def test_two_amounts_that_agree_identify_the_salt() -> None:
    r = parse_label("Magnesium Oxide 400mg (241.3mg elemental magnesium)")
    assert (r.basis, r.forms, r.stated_compound_mg, r.stated_elemental_mg) == (
        "compound",
        ["oxide"],
        400,
        241.3,
    )
    assert r.elemental_mg_min == r.elemental_mg_max == 241.3
    assert any("agree" in c for c in r.checks)


def test_two_amounts_identify_the_hydrate_of_a_bare_family() -> None:
    """The label's own elemental line picks the chloride salt: the member whose stoichiometry fits
    (among entries of one salt, such as a product type, the family default)."""
    fits = [
        f for f in CAT.family_of(CAT.resolve("chloride")) if abs(520 * f.fraction - 62.17) <= 0.01 * 62.17
    ]
    default = CAT.family_default(CAT.resolve("chloride"))
    fits = [default] if default in fits else [f for f in fits if f.basis == "stoichiometry"]
    assert len(fits) == 1
    r = parse_label("Magnesium Chloride 520 mg (62.17 mg elemental magnesium)")
    assert r.forms == [fits[0].id] and r.elemental_mg_max == 62.17
    bare = parse_label("Magnesium Chloride 520 mg")
    lo, hi = family_fractions(bare.forms[0])
    assert bare.default_form == CAT.family_default(CAT.resolve("chloride")).id
    assert bare.elemental_mg_min == pytest.approx(520 * lo) and bare.elemental_mg_max == pytest.approx(
        520 * hi
    )
    assert bare.elemental_mg_min <= 62.17 <= bare.elemental_mg_max


def test_two_amounts_that_disagree_are_a_label_error_with_both_figures() -> None:
    r = parse_label("Magnesium Oxide 400 mg (100 mg elemental magnesium)")
    assert r.elemental_mg_min == 100 and r.elemental_mg_max == pytest.approx(400 * frac("oxide"))
    assert any(c.startswith("label error") and "100 mg" in c for c in r.checks)


def test_elemental_line_with_its_compound_weight() -> None:
    r = parse_label("Magnesium 200 mg 50% DV (from 2000 mg Magnesium Glycinate/Lysinate Chelate)")
    assert (r.basis, r.stated_mg, r.stated_compound_mg) == ("elemental", 200, 2000)
    assert r.elemental_mg_min == r.elemental_mg_max == 200  # the %DV confirms the elemental claim
    assert any("2,000 mg" in c for c in r.checks)


@pytest.mark.parametrize(
    "text",
    [
        "Vegetable Magnesium Stearate",
        "Magnesium Vegetable Stearate",
        "Vegetable Stearate",
        "Magnesium Laurate",
        "Talc",
        "Magnesium Citrate Laurate",
    ],
)
def test_excipient_spellings(text: str) -> None:
    r = parse_label(text)
    assert r.role == "excipient" and r.excipient and r.elemental_mg_max == 0 and r.forms == []


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Other Ingredients: cellulose, magnesium hydroxide, silica", "hydroxide"),
        ("Magnesium Hydroxide", "hydroxide"),
        ("Magnesium Citrate (Time-Sorb)", "citrate"),
    ],
)
def test_other_ingredient_salts_are_present_amount_not_stated(text: str, form: str) -> None:
    r = parse_label(text)
    assert r.role == "other" and r.stated_mg is None
    assert r.elemental_mg_min is None and r.elemental_mg_max is None
    assert r.forms == [CAT.resolve(form).id] and "present, amount not stated" in r.reason


@pytest.mark.parametrize(
    "text",
    ["Vitamin C (as Magnesium Ascorbate) 300 mg 500% DV", "Malic Acid (as DiMagnesium Malate) 1436 mg"],
)
def test_another_nutrient_as_a_magnesium_salt_is_not_magnesium_amount(text: str) -> None:
    r = parse_label(text)
    assert r.role == "other" and r.elemental_mg_max is None and r.forms


def test_a_blend_of_several_minerals_states_no_magnesium_share() -> None:
    r = parse_label(
        "Calcium Beta-Hydroxybutyrate, Potassium Beta-Hydroxybutyrate, Magnesium Beta-Hydroxybutyrate 11700 mg"
    )
    assert r.role == "other" and r.elemental_mg_max is None and "combined weight" in r.reason


def test_a_dsld_data_entry_error_names_no_magnesium() -> None:
    with pytest.raises(MgcalcError, match="no magnesium"):
        parse_label("Manganese (as Manganese Bisglycinate Chelate TRAACS) 15 mg 750% DV")


def test_pregnancy_lactation_dv() -> None:
    groups = {g.id: g for g in LABELS.daily_value.groups}
    pl = groups["pregnancy-lactation"]
    dv = round(100 * 100 / pl.values[-1])  # 100 mg on an older prenatal label
    line = f"Magnesium (as Magnesium Oxide) 100 mg {dv}% DV"
    plain = parse_label(line)
    assert plain.basis == "elemental" and plain.elemental_mg_max == 100
    assert any(pl.name in c for c in plain.checks)
    named = parse_label(line + " for pregnant and lactating women")
    assert named.dv_group == "pregnancy-lactation" and named.checks == []
    # a compound-named line whose %DV fits only an unnamed group's DV: both readings
    doubt = parse_label(f"Magnesium Oxide 100 mg {dv}% DV")
    assert doubt.basis == "unknown"
    assert doubt.elemental_mg_min == pytest.approx(100 * frac("oxide")) and doubt.elemental_mg_max == 100
    sure = parse_label(f"Magnesium Oxide 100 mg {dv}% Daily Value for Pregnant and Lactating Women")
    assert sure.basis == "elemental" and sure.elemental_mg_max == 100


def test_dimagnesium_phosphate_names_magnesium() -> None:
    try:
        r = parse_label("Dimagnesium Phosphate 500 mg")
    except MgcalcError as e:
        assert "no magnesium" not in str(e) and "dimagnesium phosphate" in str(e)
        return
    assert r.basis == "compound" and r.forms  # once the catalogue has the salt


def test_a_bare_anion_of_another_nutrient_is_not_magnesium() -> None:
    for text in (
        "Chloride (as Potassium Chloride) 200 mg 9% DV",
        "Chloride 600 mg",
        "Calcium (as Carbonate, Amino Acid Chelate) 500 mg",
    ):
        with pytest.raises(MgcalcError, match="no magnesium"):
            parse_label(text)


def test_amounts_in_mmol_and_meq_are_magnesium_itself() -> None:
    molar = CAT.constants.mg_molar_mass.value
    r = parse_label("Magnesium glycerophosphate 4 mmol")
    assert r.basis == "elemental" and r.elemental_mg_max == pytest.approx(4 * molar)
    q = parse_label("Magnesium 8 mEq")
    assert q.elemental_mg_max == pytest.approx(8 / CAT.constants.mg_charge.value * molar)
