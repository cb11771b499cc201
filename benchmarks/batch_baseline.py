"""Baseline for the batch benchmark: the plain Python loop a competent user would write, writing
what mgcalc writes.

csv.reader (or json.loads per NDJSON line), a dict of per-form constants looked up by form id,
name or alias (lower case, as a user would fold them), the arithmetic, json.dumps per row, an
error record for a row it cannot read, nothing else. The constants come from mgcalc once at
start-up, so the loop writes the very records `mgcalc batch` writes (benchmarks/batch.py checks
that; error rows are checked to be errors in both, not for the same message); none of mgcalc runs
per row, except for a ``text`` row (a label line), which it reads with mgcalc's parse_label as a
user would (a plain loop cannot read label text).

Its limits, where it does less than mgcalc (so the comparison favours it): no safety check (no
cautions, so no --fail-on and no note on hidden cautions), no amount with a unit or a thousands
separator, no forgiving form names (only the catalogue's id, name and aliases, case folded), no
hint naming the closest form, no protection against hostile input (stray quotes, invalid UTF-8,
huge lines), the stdlib json encoder (as the issue has it; orjson would make it faster). The
default and full modes expect the README's corpus (whole amounts in mg, form ids, no cautions).

Usage: python benchmarks/batch_baseline.py FILE.{csv,ndjson} {six|default|full} > out.ndjson

- six: line, id and form, compound_mg, elemental_pct, elemental_mg, elemental_mmol,
  elemental_meq (``mgcalc batch --fields form,compound_mg,...``);
- default: line, id and the default record's fields (``mgcalc batch``);
- full: line, id and every field (``mgcalc batch --full``).

Numbers are rounded as mgcalc rounds them (12 significant digits), so the
records are equal.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

from mgcalc import label, parse_label
from mgcalc.cli.output import json_ready
from mgcalc.core.absorption import curve, relative_range
from mgcalc.reference import packaged_reference

REF = packaged_reference()
CATALOGUE = REF.catalogue

SIX = ("form", "compound_mg", "elemental_pct", "elemental_mg", "elemental_mmol", "elemental_meq")


def r12(x: float) -> float:
    """mgcalc's JSON rounding: 12 significant digits."""
    return float("%.12g" % x)  # noqa: UP031 - the fastest form


def constants() -> dict[str, tuple[dict[str, Any], float, list[tuple[dict[str, Any], float]], Any]]:
    """Per form id: the full record's constant fields, the fraction, the variants, and the
    absorption curve's constants."""
    table = {}
    for f in CATALOGUE.forms:
        r = label(1.0, f.id)
        static = json_ready(r)
        static["caution_levels"] = {}
        variants = [(dict(x), CATALOGUE.get(x["form"]).fraction) for x in static["variants"]]
        # the form's absorption curve, as mgcalc works it out once per form: (scale, Km) at the
        # central, low and high ends, Vmax and the linear fraction
        (sc, sl, sh), (kc, kl, kh), vmax, k = curve(
            relative_range(f, REF.absorption, CATALOGUE)[0], False, REF.absorption
        )
        table[f.id] = (static, f.fraction, variants, ((sc, kc), (sl, kl), (sh, kh), vmax, k))
    return table


def names(table: dict[str, Any]) -> dict[str, Any]:
    """The per-form constants by form id, name and alias, lower case."""
    by_name = {}
    for f in CATALOGUE.forms:
        for n in (f.id, f.name, *f.aliases):
            by_name[n.lower()] = table[f.id]
    return by_name


def six_loop(path: str, by_name: dict[str, Any], molar: float, charge: float) -> None:
    """The six fields of every record of a CSV or NDJSON file, to stdout."""
    out = sys.stdout
    dumps = json.dumps
    ndjson = path.endswith((".ndjson", ".jsonl"))
    with open(path, newline="", encoding="utf-8") as fh:
        if ndjson:
            rows: Any = (
                (no, r.get("id"), r.get("amount"), r.get("form"), r.get("text"))
                for no, r in ((no, json.loads(line)) for no, line in enumerate(fh, start=1))
            )
        else:
            reader = csv.reader(fh)
            at = {c: i for i, c in enumerate(next(reader))}
            i_id, i_amount, i_form, i_text = at["id"], at["amount"], at["form"], at.get("text")
            rows = (
                (reader.line_num, r[i_id], r[i_amount], r[i_form], r[i_text] if i_text is not None else "")
                for r in reader
            )
        for no, rid, amount_text, form, text in rows:
            rec: dict[str, Any] = {"line": no, "id": rid}
            try:
                if text:
                    p = parse_label(text, reference=REF)
                    if p.stated_mg is None or len(p.forms) != 1 or p.basis == "unknown":
                        out.write(dumps(rec) + "\n")
                        continue
                    static, frac = by_name[p.forms[0]][:2]
                    if p.basis == "elemental":
                        el = p.stated_mg
                        amount = el / frac
                    else:
                        amount = p.stated_mg
                        el = amount * frac
                else:
                    static, frac = by_name[form.strip().lower()][:2]
                    amount = float(amount_text)
                    if not 1e-6 <= amount <= 1e6:
                        raise ValueError(amount)
                    el = amount * frac
            except (KeyError, ValueError, AttributeError, TypeError) as e:
                rec["error"] = f"cannot read this row: {e}"
                out.write(dumps(rec) + "\n")
                continue
            rec["form"] = static["form"]
            rec["compound_mg"] = r12(amount)
            rec["elemental_pct"] = static["elemental_pct"]
            rec["elemental_mg"] = r12(el)
            rec["elemental_mmol"] = r12(el / molar)
            rec["elemental_meq"] = r12(el / molar * charge)
            out.write(dumps(rec) + "\n")


def main() -> None:
    path, mode = sys.argv[1], sys.argv[2]
    table = constants()
    molar = CATALOGUE.constants.mg_molar_mass.value
    charge = CATALOGUE.constants.mg_charge.value
    if mode == "six":
        six_loop(path, names(table), molar, charge)
        return
    out = sys.stdout
    dumps = json.dumps  # as the issue has it: the plain loop's encoder, default options
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        i_id, i_amount, i_form = header.index("id"), header.index("amount"), header.index("form")
        for row in reader:
            static, frac, variants, (*ends, vmax, k) = table[row[i_form]]
            amount = float(row[i_amount])
            el = amount * frac
            # r * f * spread * (Vmax * d / (Km + d) + k * d), at most the dose (Fine's curve on the dose)
            absorbed, low, high = (min(el, s * (vmax * el / (km + el) + k * el)) for s, km in ends)
            if mode == "default":
                rec = {
                    "line": reader.line_num,
                    "id": row[i_id],
                    "form": static["form"],
                    "input_basis": "compound",
                    "compound_mg": r12(amount),
                    "elemental_pct": static["elemental_pct"],
                    "elemental_mg": r12(el),
                    "elemental_mmol": r12(el / molar),
                    "elemental_meq": r12(el / molar * charge),
                    "absorbed_mg_min": r12(low),
                    "absorbed_mg_max": r12(high),
                    "laxative": static["laxative"],
                    "caution_levels": {},
                }
                out.write(dumps(rec) + "\n")
                continue
            rec = dict(static)
            if static["spread"] is not None:
                sp = static["spread"]
                rec["spread"] = dict(
                    sp,
                    elemental_mg_min=r12(amount * (sp["elemental_pct_min"] / 100.0)),
                    elemental_mg_max=r12(amount * (sp["elemental_pct_max"] / 100.0)),
                    compound_mg_min=r12(amount),
                    compound_mg_max=r12(amount),
                )
            rec.update(
                line=reader.line_num,
                id=row[i_id],
                daily_elemental_mg=r12(el),
                amount_mg=r12(amount),
                compound_mg=r12(amount),
                elemental_mg=r12(el),
                elemental_mmol=r12(el / molar),
                elemental_meq=r12(el / molar * charge),
                variants=[
                    dict(v, compound_mg=r12(amount), elemental_mg=r12(amount * vf)) for v, vf in variants
                ],
                absorbed_mg=r12(absorbed),
                absorbed_pct=r12(100 * absorbed / el),
                absorbed_mg_min=r12(low),
                absorbed_mg_max=r12(high),
                absorbed_pct_min=r12(100 * low / el),
                absorbed_pct_max=r12(100 * high / el),
            )
            out.write(dumps(rec) + "\n")


if __name__ == "__main__":
    main()
