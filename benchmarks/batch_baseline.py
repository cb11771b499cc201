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


def constants() -> dict[str, tuple[dict[str, object], float, list[tuple[dict[str, object], float]], float]]:
    """Per form id: the record with its constant fields, the fraction, variants, relative bioavailability."""
    table = {}
    for f in CATALOGUE.forms:
        r = label(1.0, f.id)
        static = json_ready(r)
        variants = [
            ({k: v for k, v in x.items()}, CATALOGUE.get(x["form"]).fraction) for x in static["variants"]
        ]
        table[f.id] = (static, f.fraction, variants, r.absorption_model.relative_bioavailability)
    return table


def main() -> None:
    table = constants()
    m = packaged_reference().absorption
    vmax, km, k = m.vmax_mg.value, m.km_mg.value, m.linear_fraction.value
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
            absorbed = rel * (vmax * el / (km + el) + k * el)
            rec = dict(static)
            if static["spread"] is not None:
                fracs = [frac, *(vf for _, vf in variants)]
                rec["spread"] = dict(
                    static["spread"],
                    elemental_mg_min=amount * min(fracs),
                    elemental_mg_max=amount * max(fracs),
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
            )
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
