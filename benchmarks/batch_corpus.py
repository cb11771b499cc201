"""The batch benchmarks' input files: the README's corpus and a realistic one, made from a fixed seed.

- ``readme``: what the README's figures were first measured on: ``id,amount,form``, whole amounts
  100-399 mg, eight form ids in turn, no bad rows, no cautions.
- ``realistic``: what a product file looks like (``random.Random(24)``; per 1,000 rows on average):

  =====================  ===================================================================
  amount                 600 with one or two decimals (``670.1``, ``83.25``), 400 whole
                         (``500``); 50-1,500 mg, so some rows are over the upper limit
                         (a caution)
  form                   500 by id (``citrate``), 300 by name as the catalogue writes it,
                         in its case or lower case (``Magnesium oxide``; a name with a
                         comma is quoted), 200 by an alias (``Epsom salt``, ``mag-ox``)
  text-label rows        20: ``amount`` and ``form`` empty, a ``text`` label line
                         (``Magnesium (as magnesium citrate) 200 mg``; a few quoted)
  bad rows               20: an unknown form, a typo in a form name, an amount that is not a
                         number, zero or negative
  =====================  ===================================================================

  Forms are drawn from the 20 most sold (citrate, oxide, glycinate, ...), amounts uniformly.
  CSV (``id,amount,form,text``) or NDJSON (the same keys, amounts as JSON numbers, empty
  fields left out); the two files hold the same records.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

#: forms of the README corpus (whole amounts under the UL, so no cautions)
README_FORMS = [
    "citrate",
    "oxide",
    "glycinate",
    "chloride-hexahydrate",
    "malate",
    "sulfate-heptahydrate",
    "threonate",
    "lactate-dihydrate",
]

#: (id, name, aliases) of the forms the realistic corpus draws from (the catalogue's spellings)
FORMS: list[tuple[str, str, list[str]]] = [
    ("citrate", "Magnesium citrate (trimagnesium dicitrate, anhydrous)", ["trimagnesium dicitrate"]),
    ("oxide", "Magnesium oxide", ["magnesia", "Mag-Ox", "magnesium oxide heavy"]),
    ("glycinate", "Magnesium bisglycinate", ["bisglycinate", "Magnesium Bisglycinate Chelate"]),
    ("malate", "Magnesium malate (1:1), anhydrous", ["magnesium malate anhydrous"]),
    ("threonate", "Magnesium L-threonate", ["l-threonate", "magnesium l threonate"]),
    ("taurate", "Magnesium taurate", ["taurinate", "magnesium taurinate"]),
    (
        "chloride-hexahydrate",
        "Magnesium chloride hexahydrate",
        ["magnesium chloride flakes", "magnesium oil"],
    ),
    ("sulfate-heptahydrate", "Magnesium sulfate heptahydrate (Epsom salt)", ["Epsom salt", "epsom salts"]),
    ("hydroxide", "Magnesium hydroxide", ["milk of magnesia"]),
    ("lactate-dihydrate", "Magnesium L-lactate dihydrate", ["magnesium lactate dihydrate"]),
    ("gluconate-dihydrate", "Magnesium gluconate dihydrate", ["magnesium gluconate dihydrate"]),
    ("orotate-dihydrate", "Magnesium orotate dihydrate", ["magnesium orotate"]),
    ("aspartate-dihydrate", "Magnesium L-aspartate dihydrate", ["magnesium aspartate dihydrate"]),
    ("pidolate", "Magnesium pidolate", ["magnesium pca", "pyroglutamate"]),
    ("glycerophosphate", "Magnesium glycerophosphate", ["glycerophosphate"]),
    (
        "chloride-enteric-coated",
        "Magnesium chloride, enteric-coated (Slow-Mag type)",
        ["Slow-Mag", "slow mag"],
    ),
    ("dimagnesium-malate", "Dimagnesium malate (Albion dimagnesium hydroxy malate)", ["dimagnesium malate"]),
    ("acetyl-taurate", "Magnesium acetyl taurate", ["acetyltaurate"]),
    ("carbonate-anhydrous", "Magnesium carbonate, anhydrous", ["magnesite"]),
    ("citrate-malate", "Magnesium citrate malate (mixed salt, specification)", ["citrate malate"]),
]

TEXTS = [
    "Magnesium (as magnesium citrate) 200 mg",
    "Magnesium (as Magnesium Bisglycinate Chelate) 100 mg 24% DV",
    "Magnesium oxide 500 mg",
    "Magnesium 120 mg (as glycinate)",
    "Magnesium Citrate 1,000 mg",
    'Magnesium (from "Magtein" magnesium L-threonate) 144 mg',
    "Epsom salt 1 g",
]

BAD_FORMS = ["unobtanium", "citrat", "magnesium stuff", "glycinnate"]
BAD_AMOUNTS = ["abc", "0", "-5", "five hundred", "1..5"]


def realistic_records(rows: int, seed: int = 24) -> list[dict[str, Any]]:
    """``rows`` records of the realistic corpus (see the module docstring), as CSV would read them."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(rows):
        rid = f"p{i}"
        roll = rng.random()
        if roll < 0.02:
            out.append({"id": rid, "text": rng.choice(TEXTS)})
            continue
        fid, name, aliases = rng.choice(FORMS)
        spelling = rng.random()
        if spelling < 0.5:
            form = fid
        elif spelling < 0.8:
            form = name if rng.random() < 0.5 else name.lower()
        else:
            form = rng.choice(aliases)
        value = rng.uniform(50, 1500)
        shape = rng.random()
        amount = f"{value:.1f}" if shape < 0.45 else f"{value:.2f}" if shape < 0.6 else f"{value:.0f}"
        if roll < 0.03:
            form = rng.choice(BAD_FORMS)
        elif roll < 0.04:
            amount = rng.choice(BAD_AMOUNTS)
        out.append({"id": rid, "amount": amount, "form": form})
    return out


def readme_records(rows: int) -> list[dict[str, Any]]:
    """``rows`` records of the README's corpus."""
    return [
        {"id": f"r{i}", "amount": str(100 + i % 300), "form": README_FORMS[i % len(README_FORMS)]}
        for i in range(rows)
    ]


def _number(text: str) -> Any:
    """An amount as NDJSON writes it: a JSON number when it is one, else the text."""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text else value


def write(path: Path, records: list[dict[str, Any]], fmt: str, columns: list[str]) -> None:
    """``records`` as CSV with ``columns`` or as NDJSON (amounts as numbers)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
            return
        for r in records:
            rec = dict(r)
            if "amount" in rec:
                rec["amount"] = _number(rec["amount"])
            fh.write(json.dumps(rec) + "\n")


def make(path: Path, corpus: str, rows: int, fmt: str) -> None:
    """Write ``rows`` records of ``corpus`` (readme or realistic) to ``path`` as ``fmt`` (csv or ndjson)."""
    if corpus == "realistic":
        write(path, realistic_records(rows), fmt, ["id", "amount", "form", "text"])
    else:
        write(path, readme_records(rows), fmt, ["id", "amount", "form"])
