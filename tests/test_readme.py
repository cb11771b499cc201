"""The README's Python example runs as written."""

from __future__ import annotations

import re

from .conftest import REPO


def test_readme_python_example_runs() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})


# ---------------------------------------------------------------- the safety table is the data

TABLE_START = "<!-- cautions-table: generated from data/cautions.yaml by tests/test_readme.py -->"
TABLE_END = "<!-- /cautions-table -->"


def _hours(h: float | None) -> str:
    from mgcalc.numbers import hours

    return "-" if h is None else hours(h)


def caution_table() -> str:
    """One row per drug rule: who it covers, level, the hours each way, forms, source."""
    from mgcalc.reference import packaged_reference

    ref = packaged_reference()
    rows = [
        "| rule | covers (examples) | level | drug before Mg | drug after Mg | forms | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in ref.cautions.drugs:
        for r in d.rules():
            names = ", ".join([*r.generics[:3], *r.brands[:3]])
            member = "" if r.code == d.code else "↳ "
            cite = ref.source(r.sources[0])
            src = cite.cite if cite else r.sources[0]
            src = src if len(src) <= 72 else src[:69].rsplit(" ", 1)[0] + "..."
            rows.append(
                f"| {member}`{r.code}` | {names} | {r.level} | {_hours(r.drug_before_hours)} | "
                f"{_hours(r.drug_after_hours)} | {r.applies_to_forms or 'all'} | {src} |"
            )
    return "\n".join(rows)


def test_readme_safety_table_is_the_data() -> None:
    import os

    text = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    table = caution_table()
    if os.environ.get("MGCALC_UPDATE_GOLDEN") == "1":
        (REPO / "README.md").write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
        return
    assert text[start:end].strip() == table
