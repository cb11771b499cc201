"""One rule for a family's label-trap range (issue 19, item 3).

``label`` (its ``spread``), ``parse``, ``panel`` and ``batch`` (amount/form rows and text rows)
must give the same range for the same figure, to the last digit, for every member of every
family; the JSON range of a reading must be the range its sentence states. The expected range
is worked out here from the catalogue's own fields (each member's %Mg, or its stated min and
max), not from mgcalc's code.
"""

from __future__ import annotations

import json

import pytest

from mgcalc.core.dosing import label_fields
from mgcalc.core.labels import parse_label
from mgcalc.core.panel import panel, read_panel_text
from mgcalc.numbers import mg as human
from mgcalc.reference import packaged_reference
from mgcalc.schema.data import Form

from .conftest import run_cli

REF = packaged_reference()
CAT = REF.catalogue
AMOUNT = 500.0


def _low(f: Form) -> float:
    return f.elemental_pct_min if f.elemental_pct_min is not None else f.elemental_pct


def _high(f: Form) -> float:
    return f.elemental_pct_max if f.elemental_pct_max is not None else f.elemental_pct


#: Families with a spread: several members, or one whose composition varies.
MEMBERS = [f for f in CAT.forms if len(CAT.family_of(f)) > 1 or _low(f) != _high(f)]


def family_range(f: Form) -> tuple[float, float]:
    members = CAT.family_of(f)
    return AMOUNT * min(map(_low, members)) / 100, AMOUNT * max(map(_high, members)) / 100


def family_line(f: Form) -> str:
    """The family named bare, as a label prints it: "Magnesium Threonate 500 mg"."""
    return f"Magnesium {f.family.replace('-', ' ')} {AMOUNT:g} mg"


def test_there_are_families_to_check() -> None:
    assert len(MEMBERS) > 30
    assert {f.family for f in MEMBERS} >= {"threonate", "citrate", "chloride", "glycinate", "trisilicate"}


@pytest.mark.parametrize("form", MEMBERS, ids=lambda f: f.id)
def test_label_spread_and_parse_of_the_family_name_agree(form: Form) -> None:
    lo, hi = family_range(form)
    spread = label_fields(REF, AMOUNT, form)["spread"]
    assert spread is not None
    assert (spread["elemental_mg_min"], spread["elemental_mg_max"]) == pytest.approx((lo, hi), rel=1e-12)
    r = parse_label(REF, family_line(form))
    assert r.basis == "compound"
    assert (r.elemental_mg_min, r.elemental_mg_max) == (
        spread["elemental_mg_min"],
        spread["elemental_mg_max"],
    )
    p = panel(REF, read_panel_text(f"Supplement Facts\n{family_line(form)}\n"))
    assert (p.elemental_mg_min, p.elemental_mg_max) == (r.elemental_mg_min, r.elemental_mg_max)


def _span(lo: float, hi: float) -> str:
    return human(lo) if abs(hi - lo) < 0.05 else f"{human(lo)} to {human(hi)}"


@pytest.mark.parametrize(
    "text",
    [
        "Magnesium threonate 500 mg",
        "Magnesium L-Threonate 2,000 mg",
        "Magnesium L-Threonate 500 mg",
        "Magnesium Citrate 500 mg",
        "Trimagnesium dicitrate 500 mg",
        "Magnesium trisilicate 500 mg",
        "Magnesium chloride hexahydrate 520 mg",
        "Magnesium Chloride 520 mg (62.17 mg elemental magnesium)",
        "Magnesium Oxide 500 mg",
    ],
)
def test_the_json_range_is_the_range_the_sentence_states(text: str) -> None:
    r = parse_label(REF, text)
    assert r.elemental_mg_min is not None and r.elemental_mg_max is not None and r.trap is not None
    assert f"it gives {_span(r.elemental_mg_min, r.elemental_mg_max)} of magnesium" in r.trap, r.trap


def test_magnesium_l_threonate_is_the_range_of_its_grades() -> None:
    """Magtein is magnesium L-threonate at the supplier's 7-8%: a label naming the salt cannot tell."""
    r = parse_label(REF, "Magnesium L-Threonate 2,000 mg")
    magtein = CAT.get("threonate-magtein")
    assert r.elemental_mg_min == pytest.approx(2000 * _low(magtein) / 100)
    assert r.elemental_mg_max == pytest.approx(2000 * CAT.get("threonate").elemental_pct / 100)


def test_the_commands_agree_to_the_last_digit() -> None:
    """label --json, parse --json, panel --json and batch (both row kinds) as real processes."""
    ids = [f.id for f in MEMBERS]
    csv_rows = "id,amount,form\n" + "".join(f"{i},{AMOUNT:g},{i}\n" for i in ids)
    by_form = run_cli("batch", "-", "--fields", "spread", input=csv_rows)
    assert by_form.returncode == 0, by_form.stderr
    spreads = {rec["id"]: rec["spread"] for rec in map(json.loads, by_form.stdout.splitlines())}
    text_rows = "id,text\n" + "".join(f"{f.id},{family_line(f)}\n" for f in MEMBERS)
    by_text = run_cli("batch", "-", "--fields", "elemental_mg_min,elemental_mg_max", input=text_rows)
    assert by_text.returncode == 0, by_text.stderr
    texts = {rec["id"]: rec for rec in map(json.loads, by_text.stdout.splitlines())}
    parsed = run_cli("parse", "-", "--json", input="".join(family_line(f) + "\n" for f in MEMBERS))
    assert parsed.returncode == 0, parsed.stderr
    lines = [json.loads(x) for x in parsed.stdout.splitlines()]
    for f, p in zip(MEMBERS, lines, strict=True):
        want = (spreads[f.id]["elemental_mg_min"], spreads[f.id]["elemental_mg_max"])
        assert (p["elemental_mg_min"], p["elemental_mg_max"]) == want, f.id
        assert (texts[f.id]["elemental_mg_min"], texts[f.id]["elemental_mg_max"]) == want, f.id
    threonate = run_cli("label", f"{AMOUNT:g}", "--form", "threonate", "--json")
    spread = json.loads(threonate.stdout)["spread"]
    assert (spread["elemental_mg_min"], spread["elemental_mg_max"]) == (
        spreads["threonate"]["elemental_mg_min"],
        spreads["threonate"]["elemental_mg_max"],
    )
    pan = run_cli("panel", "-", "--json", input="Supplement Facts\nMagnesium threonate 500 mg\n")
    got = json.loads(pan.stdout)
    assert (got["elemental_mg_min"], got["elemental_mg_max"]) == (
        spread["elemental_mg_min"],
        spread["elemental_mg_max"],
    )
