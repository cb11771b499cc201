"""The console examples of the README and of docs/ print what they say they print.

Each ``$ mgcalc ...`` line of a ```console block (in README.md and every
docs/**/*.md page) is run in-process (through
``mgcalc.cli.app.main``, as the console script runs it, stdout not a
terminal) and its stdout and stderr, together as on a screen, are compared
with the lines that follow it in the block, up to the next ``$`` line or the
end of the block. Trailing spaces and trailing blank lines are ignored; when
the expected text is JSON it is compared as data (floats to 1e-9 relative).

Commands that need a shell are skipped: a pipe, a redirection, or a command
other than ``mgcalc`` (``$ cat lines.txt``).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgcalc.cli.app import main
from mgcalc.cli.terminal import Environment, use

from .test_golden import approx_diff

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
#: Every page whose console examples run as tests (and that scripts/refresh_readme.py refreshes).
PAGES = [README, *sorted((REPO / "docs").rglob("*.md"))]
SHELL = re.compile(r"[|<>;&`]|\$\(")


@dataclass(frozen=True)
class Example:
    block: int  # 1-based number of the ```console block
    line: int  # line of the $ command in its page
    command: str
    expected: str
    files: tuple[tuple[str, str], ...] = ()  # files shown earlier in the block with `$ cat FILE`
    page: str = "README.md"  # the page, relative to the repository


def console_blocks(text: str) -> list[tuple[int, list[str]]]:
    """Each ```console block: (line number of its first line, its lines)."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```console":
            start, body = i + 2, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            blocks.append((start, body))
        i += 1
    return blocks


def cat_files(text: str) -> dict[str, str]:
    """The files a page writes with ``$ cat FILE`` (the lines after it, up to the next ``$``)."""
    files: dict[str, str] = {}
    for _, body in console_blocks(text):
        for n, line in enumerate(body):
            m = re.fullmatch(r"\$ cat (\S+)", line)
            if m is None:
                continue
            end = next((k for k in range(n + 1, len(body)) if body[k].startswith("$ ")), len(body))
            files[m[1]] = "\n".join(body[n + 1 : end]) + "\n"
    return files


def examples(text: str, page: str = "README.md") -> tuple[list[Example], int]:
    """The runnable examples of one page, and how many blocks there are in all."""
    found = []
    blocks = console_blocks(text)
    for number, (start, body) in enumerate(blocks, start=1):
        commands = [n for n, line in enumerate(body) if line.startswith("$ ")]
        files: list[tuple[str, str]] = []
        for k, n in enumerate(commands):
            end = commands[k + 1] if k + 1 < len(commands) else len(body)
            command = body[n][2:].strip()
            cat = re.fullmatch(r"cat (\S+)", command)
            if cat:  # the block shows a file: later commands in it can read it
                files.append((cat[1], "\n".join(body[n + 1 : end]) + "\n"))
                continue
            if SHELL.search(command) or not command.startswith("mgcalc "):
                continue
            found.append(
                Example(number, start + n, command, "\n".join(body[n + 1 : end]), tuple(files), page)
            )
    return found, len(blocks)


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def run(command: str) -> tuple[int, str]:
    """``mgcalc ARGS`` in-process: exit code and the screen (stdout then stderr)."""
    argv = shlex.split(command)[1:]
    runner = CliRunner()
    previous = use(Environment())
    try:
        with runner.isolation(env={"MGCALC_CATALOGUE": None, "PYDANTIC_DISABLE_PLUGINS": None}) as (
            out,
            err,
            _,
        ):
            import sys

            try:
                main(argv)
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            screen = out.getvalue().decode("utf-8") + err.getvalue().decode("utf-8")
    finally:
        use(previous)
    return code, screen


def mismatch(example: Example) -> str | None:
    """Why the command's output differs from its page (None if it does not)."""
    _, screen = run(example.command)
    expected, actual = normalise(example.expected), normalise(screen)
    try:
        data = json.loads(expected)
    except ValueError:
        pass
    else:
        try:
            return approx_diff(data, json.loads(actual))
        except ValueError:
            return "the page shows JSON, the command does not print JSON"
    if expected == actual:
        return None
    exp, act = expected.splitlines(), actual.splitlines()
    for n, (e, a) in enumerate(zip(exp, act, strict=False)):
        if e != a:
            return f"output line {n + 1}: the page has {e!r}, mgcalc prints {a!r}"
    return f"the page shows {len(exp)} lines, mgcalc prints {len(act)}"


def _all_examples() -> tuple[list[Example], int]:
    found: list[Example] = []
    blocks = 0
    for path in PAGES:
        page = path.relative_to(REPO).as_posix()
        more, n = examples(path.read_text(encoding="utf-8"), page)
        found += more
        blocks += n
    return found, blocks


EXAMPLES, BLOCKS = _all_examples()


@pytest.fixture(autouse=True)
def _packaged_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The packaged data (the examples' scratch folder is set up by each test)."""
    monkeypatch.delenv("MGCALC_CATALOGUE", raising=False)
    yield


def test_the_readme_and_the_docs_have_runnable_console_examples() -> None:
    assert BLOCKS >= 1 and EXAMPLES, "no ```console block with a plain '$ mgcalc ...' line"
    pages = {e.page for e in EXAMPLES}
    assert "README.md" in pages and any(p.startswith("docs/") for p in pages), pages


def test_parser_splits_commands_and_skips_shell() -> None:
    text = (
        "intro\n```console\n$ mgcalc label 500 --form citrate\nline one\n  line two\n"
        "$ mgcalc forms | head -3\nx\n$ cat f.txt\ny\n$ mgcalc check\nNo cautions.\n```\n"
        "```sh\n$ mgcalc intake --age 3\n```\n"
    )
    found, blocks = examples(text)
    assert blocks == 1
    assert [(e.command, e.expected) for e in found] == [
        ("mgcalc label 500 --form citrate", "line one\n  line two"),
        ("mgcalc check", "No cautions."),
    ]
    assert found[0].line == 3


@pytest.mark.parametrize(
    "example",
    EXAMPLES,
    ids=lambda e: f"{e.page}-block{e.block}-line{e.line}-{shlex.split(e.command)[1]}",
)
def test_readme_console_example(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a scratch folder holding the page's ``$ cat`` files (as the refresh script runs them)."""
    for name, body in cat_files((REPO / example.page).read_text(encoding="utf-8")).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name, content in example.files:
        (tmp_path / name).write_text(content, encoding="utf-8")
    problem = mismatch(example)
    assert problem is None, (
        f"{example.page} line {example.line}: $ {example.command}\n{problem}\n"
        "(python scripts/refresh_readme.py rewrites the examples with what mgcalc prints)"
    )
