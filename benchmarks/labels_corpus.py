"""The real DSLD corpus the label benchmarks read (provenance: its README.md).

/work/shared/data/dsld when present (the shared copy), else the copy in
tests/data/dsld: 274 magnesium ingredient rows printed as label lines
(rows.tsv) and 50 whole labels as DSLD records (labels/*.json) and as
reconstructed Supplement Facts panels (labels/*.txt).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
SHARED = Path("/work/shared/data/dsld")


def corpus_dir(given: Path | None = None) -> Path:
    """The corpus folder: ``given``, else the shared copy when present, else tests/data/dsld."""
    if given is not None:
        return given
    return SHARED if (SHARED / "rows.tsv").is_file() else HERE / "tests" / "data" / "dsld"


def rows(corpus: Path) -> list[str]:
    """The label lines of rows.tsv (its ``text`` column), in file order."""
    with (corpus / "rows.tsv").open(encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh, delimiter="\t") if row["text"].strip()]


def panels(corpus: Path) -> list[Path]:
    """The reconstructed Supplement Facts panels, by label id."""
    return sorted((corpus / "labels").glob("*.txt"))


def records(corpus: Path) -> list[Any]:
    """The whole DSLD label records, by label id."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((corpus / "labels").glob("*.json"))]
