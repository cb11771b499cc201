"""The README and docs/: the Python examples run as written, the cautions table is the data, the
README stays short and its links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import REPO

#: The README and every page of docs/ (their ```python blocks run; their ```console blocks are
#: run by tests/test_readme_console.py).
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
#: Where the safety section, with the generated cautions table, lives.
SAFETY_PAGE = REPO / "docs" / "guide" / "check-medicines.md"


def test_python_examples_run() -> None:
    found = 0
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for code in re.findall(r"```python\n(.*?)```", text, flags=re.S):
            exec(compile(code, str(page.relative_to(REPO)), "exec"), {})
            found += 1
    assert found


def test_the_readme_is_short_and_keeps_the_quick_start() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 30_000
    assert (
        "```sh\npython3 -m venv .venv && . .venv/bin/activate && pip install . && "
        "mgcalc label 500 --form citrate\n```" in text
    )
    assert (
        '```sh\npython3 -m venv .venv && . .venv/bin/activate && pip install ".[test]" && '
        "python -m pytest\n```" in text
    )


def test_relative_links_in_the_readme_and_docs_lead_to_files_and_headings() -> None:
    """Every relative link names a file of the repository, and its #anchor a heading of that file."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            assert file.exists(), f"{page.relative_to(REPO)}: link to {target}: no such file"
            if anchor:
                assert anchor in _anchors(file), (
                    f"{page.relative_to(REPO)}: link to {target}: no such heading"
                )


def _anchors(file: Path) -> set[str]:
    """The GitHub anchors of a Markdown file's headings."""
    text = re.sub(r"```.*?```", "", file.read_text(encoding="utf-8"), flags=re.S)
    return {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
        for h in re.findall(r"^#{1,6} (.*)$", text, flags=re.M)
    }


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
    """The cautions table of the safety page (docs/guide/check-medicines.md) is data/cautions.yaml."""
    import os

    text = SAFETY_PAGE.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    table = caution_table()
    if os.environ.get("MGCALC_UPDATE_GOLDEN") == "1":
        SAFETY_PAGE.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
        return
    assert text[start:end].strip() == table, (
        f"{SAFETY_PAGE.relative_to(REPO)}: the cautions table is stale "
        "(MGCALC_UPDATE_GOLDEN=1 python -m pytest tests/test_readme.py rewrites it)"
    )
