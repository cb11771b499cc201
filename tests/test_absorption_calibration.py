"""The calibration table is the test: every comparable human study lies inside mgcalc's range.

data/absorption_studies.yaml holds the studies, each with the sentence it rests
on. A comparable row's measured mean must lie in the range ``mgcalc.absorb``
gives at the row's form, dose per intake, intakes a day and meal state (both
meal states' union where the study does not say); a "floor" row (a urinary
increment) must not lie above the range's high end. Changing a parameter in
data/absorption.yaml means this table still holds.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

import mgcalc
from mgcalc.reference import packaged_reference

from .conftest import REPO

TABLE_PATH = REPO / "data" / "absorption_studies.yaml"
TABLE: dict[str, Any] = yaml.safe_load(TABLE_PATH.read_text(encoding="utf-8"))
ROWS: list[dict[str, Any]] = TABLE["studies"]
CHECKED = [r for r in ROWS if r["comparable"] in ("yes", "floor")]
METHODS = {"net balance", "apparent isotope", "true isotope", "urinary increment", "serum"}


def mgcalc_range(row: dict[str, Any]) -> tuple[float, float, float]:
    """mgcalc's absorbed % (central, low, high) at a row's form, dose, splitting and meal state."""
    n = int(row["intakes"])
    meals = {"with": [True], "without": [False], "not stated": [False, True]}[row["meal"]]
    ends = []
    for fed in meals:
        r = mgcalc.absorb(row["dose_mg"] * n, row["mgcalc_form"], elemental=True, splits=n, with_meal=fed)
        s = r.splits[n - 1]
        assert s.doses == n and s.absorbed_pct_min is not None and s.absorbed_pct_max is not None
        ends.append((s.absorbed_pct, s.absorbed_pct_min, s.absorbed_pct_max))
    # the central figure of the first state listed (fasting where the study does not say)
    return ends[0][0], min(e[1] for e in ends), max(e[2] for e in ends)


@pytest.mark.parametrize("row", CHECKED, ids=[r["id"] for r in CHECKED])
def test_the_measured_value_lies_in_mgcalcs_range(row: dict[str, Any]) -> None:
    _, low, high = mgcalc_range(row)
    measured = row["measured_pct"]
    if row["comparable"] == "floor":
        assert measured <= high, f"{row['id']}: a floor of {measured}% above mgcalc's high end {high:.1f}%"
    else:
        assert low <= measured <= high, f"{row['id']}: {measured}% outside mgcalc's {low:.1f}-{high:.1f}%"


def test_every_row_is_complete_and_sourced() -> None:
    sources = packaged_reference().sources
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids))
    for r in ROWS:
        assert r["source"] in sources, r["id"]
        assert r["read"] in ("abstract", "full text"), r["id"]
        assert r["method"] in METHODS, r["id"]
        assert r["meal"] in ("with", "without", "not stated"), r["id"]
        assert r["quote"].strip() and r["population"].strip() and r["url"], r["id"]
        assert r["comparable"] in ("yes", "no", "floor"), r["id"]
        if r["comparable"] == "no" or r["comparable"] == "floor":
            assert r.get("reason"), f"{r['id']}: a row not compared says why"
        if r["comparable"] != "no":
            needed = (r["mgcalc_form"], r["dose_mg"], r["intakes"], r["measured_pct"])
            assert all(v is not None for v in needed), r["id"]


def test_the_measured_figures_are_in_their_quotes() -> None:
    """A measured mean is the number the quoted sentence gives (as a % or a fraction)."""
    for r in ROWS:
        m = r["measured_pct"]
        if m is None:
            continue
        quote = r["quote"].replace("·", ".")
        forms = {f"{m:g}", f"{m / 100:.2f}", f"{m:.1f}"}
        assert any(f in quote for f in forms), f"{r['id']}: {m} not in its quote"


def test_at_least_three_independent_studies_are_compared() -> None:
    compared = {r["source"] for r in ROWS if r["comparable"] == "yes" and r["source"] != "fine1991"}
    assert len(compared) >= 2
    assert sum(r["comparable"] == "yes" for r in ROWS) >= 4


@pytest.mark.parametrize(
    "row", [r for r in CHECKED if r["intakes"] == 1], ids=[r["id"] for r in CHECKED if r["intakes"] == 1]
)
def test_label_gives_the_same_fasting_range_for_one_intake(row: dict[str, Any]) -> None:
    """``label`` (one intake, no meal) agrees with ``absorb``: the table holds for both."""
    lab = mgcalc.label(row["dose_mg"], row["mgcalc_form"], elemental=True)
    ab = mgcalc.absorb(row["dose_mg"], row["mgcalc_form"], elemental=True, splits=1)
    assert lab.absorbed_mg == pytest.approx(ab.absorbed_mg)
    assert lab.absorbed_mg_min == pytest.approx(ab.absorbed_mg_min)
    assert lab.absorbed_mg_max == pytest.approx(ab.absorbed_mg_max)
    assert lab.absorption_model is not None and lab.absorption_model.quantity is not None
