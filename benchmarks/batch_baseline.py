"""Baseline for the batch benchmark: a plain Python loop doing mgcalc batch's arithmetic.

csv.reader, a dict of per-form constants (elemental fraction, variants,
absorption parameters), the same arithmetic, json.dumps per row.
The constants are taken from mgcalc once at start-up, so the loop writes the
very records `mgcalc batch` writes (benchmarks/batch.py checks that); nothing
else of mgcalc runs per row. Expects the benchmark's input: amount in mg,
a form id, and amounts whose daily elemental stays below the UL (no cautions).

Usage: python benchmarks/batch_baseline.py FILE.csv > out.ndjson
"""

from __future__ import annotations

import csv
import json
import sys

from mgcalc import label
from mgcalc.cli.output import json_ready
from mgcalc.reference import packaged_reference

CATALOGUE = packaged_reference().catalogue


Row = tuple[dict[str, object], float, list[tuple[dict[str, object], float]], tuple[float, float, float]]


def constants() -> dict[str, Row]:
    """Per form id: the record with its constant fields, the fraction, variants, and the
    relative bioavailability (central, low, high)."""
    table = {}
    for f in CATALOGUE.forms:
        r = label(1.0, f.id)
        static = json_ready(r)
        variants = [
            ({k: v for k, v in x.items()}, CATALOGUE.get(x["form"]).fraction) for x in static["variants"]
        ]
        mu = r.absorption_model
        rel = (mu.relative_bioavailability, mu.relative_bioavailability_min, mu.relative_bioavailability_max)
        table[f.id] = (static, f.fraction, variants, rel)
    return table


def main() -> None:
    table = constants()
    m = packaged_reference().absorption
    # the supplement's share without food: r * f * (vmax*(1 - meal/K) * d/(K + d) + k*d),
    # central, low (low r and f, most meal Mg) and high ends
    vmax, half, k = m.vmax_mg.value, m.half_saturation_mg.value, m.linear_fraction.value
    ends = [
        (m.fasting_factor.value, vmax * (1 - m.fit_meal_mg.value / half)),
        (m.fasting_factor.low, vmax * (1 - m.fit_meal_mg.high / half)),
        (m.fasting_factor.high, vmax * (1 - m.fit_meal_mg.low / half)),
    ]
    molar = CATALOGUE.constants.mg_molar_mass.value
    charge = CATALOGUE.constants.mg_charge.value
    out = sys.stdout
    with open(sys.argv[1], newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        i_id, i_amount, i_form = header.index("id"), header.index("amount"), header.index("form")
        for row in reader:
            static, frac, variants, rel = table[row[i_form]]
            amount = float(row[i_amount])
            el = amount * frac
            absorbed, low, high = (
                min(el, r * f * (v * el / (half + el) + k * el)) for r, (f, v) in zip(rel, ends, strict=True)
            )
            rec = dict(static)
            if static["spread"] is not None:
                sp = static["spread"]
                rec["spread"] = dict(
                    sp,
                    elemental_mg_min=amount * (sp["elemental_pct_min"] / 100.0),
                    elemental_mg_max=amount * (sp["elemental_pct_max"] / 100.0),
                    compound_mg_min=amount,
                    compound_mg_max=amount,
                )
            rec.update(
                line=reader.line_num,
                id=row[i_id],
                daily_elemental_mg=el,
                amount_mg=amount,
                compound_mg=amount,
                elemental_mg=el,
                elemental_mmol=el / molar,
                elemental_meq=el / molar * charge,
                variants=[dict(v, compound_mg=amount, elemental_mg=amount * vf) for v, vf in variants],
                absorbed_mg=absorbed,
                absorbed_pct=100 * absorbed / el,
                absorbed_mg_min=low,
                absorbed_mg_max=high,
                absorbed_pct_min=100 * low / el,
                absorbed_pct_max=100 * high / el,
            )
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
