"""Memory benchmark: peak RSS of whole `mgcalc` processes on hostile inputs (target: under 64 MiB).

Writes each input in a temporary directory (one at a time, deleted once
measured), runs mgcalc on it as a whole process in a fresh probe interpreter
(output to /dev/null; stdin from the file for `parse -` and `panel -`) and
takes its max RSS from getrusage(RUSAGE_CHILDREN). The inputs: a CSV of N
records (`batch`, `batch --full`), the same records as NDJSON, a CSV header
then a long run of bytes without a newline (`batch`, and on stdin to
`parse -` and `panel -`), 100,000-character fields and lines, 100,000
distinct unknown and known form spellings, and real DSLD data (see
benchmarks/labels_corpus.py) at its largest: the label lines repeated
(`parse`, text and --json), the largest real panel and a panel of real
panels up to the 200,000 characters `panel` reads, the label records
repeated (`batch --input-format dsld`), and a regimen of many products
(label lines, real panels, forms) for `plan`. Prints a table (--markdown: a
Markdown table for the README) and exits 1 if any peak is at or over the
limit, or if mgcalc crashed or ran out of time on an input. Exit 1 (some
records failed) is normal; exit 2 (bad usage or header) is reported with
mgcalc's message; `--full` not recognised yet shows as n/a.
Usage: python benchmarks/memory.py [--rows 1000000] [--blob-mib 200] [--dsld-lines 300000] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_corpus import README_FORMS
from labels_corpus import corpus_dir, panels, records, rows

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
MiB = 1024 * 1024
#: the forms of benchmarks/batch.py's README corpus
FORMS = README_FORMS
NAMES = [
    "magnesium citrate",
    "magnesium oxide",
    "magnesium glycinate",
    "magnesium chloride hexahydrate",
    "magnesium malate",
    "magnesium sulfate heptahydrate",
    "magnesium threonate",
    "magnesium lactate dihydrate",
]
FILE = "FILE"  # stands for the input's path in a command
LABEL_LINE = "Magnesium (as magnesium citrate) 200 mg 48% DV "

# Run by a fresh interpreter: argv is stdin path ("" for /dev/null), timeout, command.
# Prints seconds, mgcalc's max RSS (KiB), exit code (None on timeout) and the
# head and tail of its stderr, which is read and dropped as it comes.
PROBE = r"""
import json, resource, subprocess, sys, threading, time
stdin_path, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
keep = {"head": b"", "tail": b""}
def drain(pipe):
    keep["head"] = pipe.read(4096)
    tail = keep["head"]
    for chunk in iter(lambda: pipe.read(65536), b""):
        tail = (tail + chunk)[-4096:]
    keep["tail"] = tail
stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
t = time.perf_counter()
p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
reader = threading.Thread(target=drain, args=(p.stderr,))
reader.start()
try:
    rc = p.wait(timeout=timeout)
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    rc = None
dt = time.perf_counter() - t
reader.join()
print(json.dumps({
    "seconds": dt,
    "rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "rc": rc,
    "head": keep["head"].decode("utf-8", "replace"),
    "tail": keep["tail"].decode("utf-8", "replace"),
}))
"""


@dataclass
class Row:
    input: str
    command: str
    size: str
    rss_mib: float | None
    rc: int | None
    seconds: float
    note: str


def measure(cmd: list[str], stdin: Path | None, timeout: float) -> dict[str, object]:
    """Seconds, peak RSS (KiB), exit code and stderr head/tail of one whole mgcalc process."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(stdin) if stdin else "", str(timeout), *cmd],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def last_line(text: str) -> str:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")


def run(label: str, mgcalc: str, args: list[str], path: Path, timeout: float) -> Row:
    """Measure `mgcalc ARGS` with FILE in ARGS replaced by the input's path, or, without FILE,
    the input on stdin, and describe it."""
    on_stdin = FILE not in args
    cmd = [mgcalc, *(str(path) if a == FILE else a for a in args)]
    shown = " ".join(["mgcalc", *(path.name if a == FILE else a for a in args)])
    shown += f" < {path.name}" if on_stdin else ""
    print(f"  {shown} ...", file=sys.stderr, flush=True)
    r = measure(cmd, path if on_stdin else None, timeout)
    rc = r["rc"] if isinstance(r["rc"], int) else None
    seconds = float(str(r["seconds"]))
    rss: float | None = int(str(r["rss_kib"])) / 1024
    head, tail = str(r["head"]), str(r["tail"])
    note = ""
    if rc is None:
        note = f"timeout after {timeout:g} s (killed)"
    elif rc == 2 and "no such option" in head:
        note = f"n/a: {first_line(head)}"
        rss = None
    elif rc == 2:
        note = first_line(head)
    elif rc not in (0, 1):
        note = f"crashed: {last_line(tail)}"
    size = f"{path.stat().st_size / MiB:,.1f} MiB"
    return Row(label, shown, size, rss, rc, seconds, note)


# --- inputs ---------------------------------------------------------------------------------


def write_lines(path: Path, header: str, lines: Iterator[str], batch: int = 10_000) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= batch:
                fh.write("".join(chunk))
                chunk.clear()
        fh.write("".join(chunk))


def write_csv(path: Path, rows: int) -> None:
    lines = (f"r{i},{100 + i % 300},{FORMS[i % len(FORMS)]}\n" for i in range(rows))
    write_lines(path, "id,amount,form\n", lines)


def write_ndjson(path: Path, rows: int) -> None:
    lines = (
        f'{{"id":"r{i}","amount":"{100 + i % 300}","form":"{FORMS[i % len(FORMS)]}"}}\n' for i in range(rows)
    )
    write_lines(path, "", lines)


def write_newline_free(path: Path, mib: int) -> None:
    """A CSV header line, then ``mib`` MiB of `a,a,a,...` without a newline."""
    block = b"a," * (MiB // 2)
    with path.open("wb") as fh:
        fh.write(b"id,amount,form\n")
        for _ in range(mib):
            fh.write(block)


def long_text(i: int, width: int) -> str:
    """A ``width``-character field: a letter run, a repeated label line, or a form name and spaces."""
    kind = i % 3
    if kind == 0:
        return "x" * width
    if kind == 1:
        return (LABEL_LINE * (width // len(LABEL_LINE) + 1))[:width]
    return FORMS[i % len(FORMS)].ljust(width)


def write_long_fields(path: Path, rows: int, width: int) -> None:
    """CSV rows whose form is ``width`` characters; every 10th id is as long."""

    def lines() -> Iterator[str]:
        for i in range(rows):
            ident = ("i" * width) if i % 10 == 0 else f"r{i}"
            yield f"{ident},{100 + i % 300},{long_text(i, width)}\n"

    write_lines(path, "id,amount,form\n", lines(), batch=100)


def write_long_lines(path: Path, rows: int, width: int) -> None:
    """Label lines of ``width`` characters for `parse -`."""
    lines = (long_text(i, width).rstrip() + "\n" if i % 3 != 2 else "9" * width + "\n" for i in range(rows))
    write_lines(path, "", lines, batch=100)


def write_unknown_spellings(path: Path, rows: int) -> None:
    """Rows whose form is a distinct unknown spelling of about 200 characters."""
    lines = (f"r{i},{100 + i % 300},{f'citrate-xyz{i}-'.ljust(200, 'q')}\n" for i in range(rows))
    write_lines(path, "id,amount,form\n", lines)


def known_spelling(i: int) -> str:
    """A distinct spelling of a known form: its catalogue name with letter case from the bits of
    i // len(NAMES) and, past 2**14 variants, more spaces between the words."""
    name = NAMES[i % len(NAMES)]
    j = i // len(NAMES)
    mask, spaces = j & 0x3FFF, 1 + (j >> 14)
    out, bit = [], 0
    for ch in name:
        if ch.isalpha():
            out.append(ch.upper() if mask >> bit & 1 else ch)
            bit += 1
        else:
            out.append(" " * spaces)
    return "".join(out)


def write_known_spellings(path: Path, rows: int) -> None:
    lines = (f"r{i},{100 + i % 300},{known_spelling(i)}\n" for i in range(rows))
    write_lines(path, "id,amount,form\n", lines)


def write_dsld_lines(path: Path, lines: int) -> None:
    """``lines`` real DSLD label lines: the corpus rows over and over."""
    real = rows(corpus_dir())
    write_lines(path, "", (real[i % len(real)] + "\n" for i in range(lines)))


def write_dsld_records(path: Path, count: int) -> None:
    """``count`` real DSLD label records as NDJSON: the corpus records over and over."""
    real = [json.dumps(r) + "\n" for r in records(corpus_dir())]
    write_lines(path, "", (real[i % len(real)] for i in range(count)), batch=1_000)


def largest_panel(path: Path) -> None:
    """The longest real panel of the corpus."""
    text = max((p.read_text(encoding="utf-8") for p in panels(corpus_dir())), key=len)
    path.write_text(text, encoding="utf-8")


def long_panel(path: Path, limit: int = 200_000) -> None:
    """Real panels one after another (their rows), as long as `panel` reads (MAX_PANEL characters)."""
    texts = [p.read_text(encoding="utf-8") for p in panels(corpus_dir())]
    body = [line for t in texts for line in t.splitlines()[1:] if line.strip()]
    out, size, i = ["Supplement Facts"], len("Supplement Facts") + 1, 0
    while size + len(body[i % len(body)]) + 1 < limit:
        out.append(body[i % len(body)])
        size += len(out[-1]) + 1
        i += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def many_products(path: Path, products: int) -> None:
    """A regimen with ``products`` products: real DSLD label lines that name
    magnesium with an amount, real panels (written beside it) and forms with amounts, six servings each."""
    lines = [x for x in rows(corpus_dir()) if x.lower().startswith("magnesium (") and "mg" in x]
    texts = panels(corpus_dir())
    magnesium: list[dict[str, object]] = []
    for i in range(products):
        kind = i % 3
        if kind == 0:
            magnesium.append({"label": lines[i % len(lines)], "servings": 6})
        elif kind == 1:
            panel = texts[i % len(texts)]
            (path.parent / panel.name).write_text(panel.read_text(encoding="utf-8"), encoding="utf-8")
            magnesium.append({"panel": panel.name, "servings": 6})
        else:
            magnesium.append({"form": FORMS[i % len(FORMS)], "amount": f"{50 + i} mg", "servings": 6})
    regimen = {
        "person": {"age": 58, "sex": "female"},
        "day": {"wake": "07:00", "sleep": "23:00", "meals": ["07:30", "12:30", "19:00"]},
        "medicines": [
            {"name": "levothyroxine 100 mcg", "times": ["06:30"]},
            {"name": "ciprofloxacin 500 mg", "times": ["08:00", "20:00"]},
            {"name": "atazanavir 300 mg", "times": ["21:00"]},
        ],
        "magnesium": magnesium,
        "diet_mg": 250,
    }
    path.write_text(yaml.safe_dump(regimen, sort_keys=False), encoding="utf-8")


# --- table ----------------------------------------------------------------------------------

HEADERS = ["input", "command", "size", "peak RSS MiB", "exit", "time s", "note"]


def cells(row: Row) -> list[str]:
    return [
        row.input,
        row.command,
        row.size,
        "n/a" if row.rss_mib is None else f"{row.rss_mib:.1f}",
        "-" if row.rc is None else str(row.rc),
        f"{row.seconds:.1f}",
        row.note,
    ]


def table(rows: list[Row], markdown: bool) -> str:
    body = [cells(r) for r in rows]
    if markdown:
        out = [
            "| " + " | ".join(HEADERS) + " |",
            "|" + "|".join(["---", "---", "--:", "--:", "--:", "--:", "---"]) + "|",
        ]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in body]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[k]) for line in body)) for k, h in enumerate(HEADERS)]
    right = {2, 3, 4, 5}

    def fmt(line: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if k in right else c.ljust(w)
            for k, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    return "\n".join([fmt(HEADERS), fmt(["-" * w for w in widths]), *(fmt(line) for line in body)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="records in the CSV and NDJSON inputs")
    parser.add_argument("--blob-mib", type=int, default=200, help="MiB of bytes without a newline")
    parser.add_argument("--long-rows", type=int, default=1_000, help="rows (and lines) of long fields")
    parser.add_argument("--long-width", type=int, default=100_000, help="characters in a long field or line")
    parser.add_argument("--spellings", type=int, default=100_000, help="distinct form spellings (each kind)")
    parser.add_argument("--dsld-lines", type=int, default=300_000, help="real DSLD label lines for parse")
    parser.add_argument("--dsld-records", type=int, default=20_000, help="real DSLD records for batch")
    parser.add_argument("--products", type=int, default=10, help="products in the plan regimen (at most 10)")
    parser.add_argument("--limit-mib", type=float, default=64.0, help="peak RSS target")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a run is killed")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    mgcalc = shutil.which("mgcalc") or sys.exit("mgcalc is not on PATH: pip install . first")
    started = time.perf_counter()
    rows: list[Row] = []
    r, n = args.rows, f"{args.rows:,}"
    with tempfile.TemporaryDirectory(prefix="mgcalc-memory-") as tmp:
        batch = ["batch", FILE]  # commands without FILE get the input on stdin
        cases: list[tuple[str, str, Callable[[Path], None], list[list[str]]]] = [
            ("baseline: 100-row CSV", ".csv", lambda p: write_csv(p, 100), [batch]),
            (f"{n}-row CSV", ".csv", lambda p: write_csv(p, r), [batch, [*batch, "--full"]]),
            (f"{n} records NDJSON", ".ndjson", lambda p: write_ndjson(p, r), [batch]),
            (
                f"header + {args.blob_mib} MiB, no newline",
                ".csv",
                lambda p: write_newline_free(p, args.blob_mib),
                [batch, ["parse", "-"], ["panel", "-"]],
            ),
            (
                f"{args.long_rows:,} rows, {args.long_width:,}-char form/id",
                ".csv",
                lambda p: write_long_fields(p, args.long_rows, args.long_width),
                [batch],
            ),
            (
                f"{args.long_rows:,} lines of {args.long_width:,} chars",
                ".txt",
                lambda p: write_long_lines(p, args.long_rows, args.long_width),
                [["parse", "-"]],
            ),
            (
                f"{args.spellings:,} distinct unknown forms",
                ".csv",
                lambda p: write_unknown_spellings(p, args.spellings),
                [batch],
            ),
            (
                f"{args.spellings:,} distinct known spellings",
                ".csv",
                lambda p: write_known_spellings(p, args.spellings),
                [batch],
            ),
            (
                f"{args.dsld_lines:,} real DSLD label lines",
                ".txt",
                lambda p: write_dsld_lines(p, args.dsld_lines),
                [["parse", "-"], ["parse", "--json"]],
            ),
            ("largest real DSLD panel", ".txt", largest_panel, [["panel", FILE]]),
            ("real panels up to 200,000 characters", ".txt", long_panel, [["panel", FILE]]),
            (
                f"{args.dsld_records:,} real DSLD records NDJSON",
                ".ndjson",
                lambda p: write_dsld_records(p, args.dsld_records),
                [["batch", "--input-format", "dsld", FILE]],
            ),
            (
                f"regimen of {args.products} products",
                ".yaml",
                lambda p: many_products(p, args.products),
                [["plan", FILE], ["plan", FILE, "--json"]],
            ),
        ]
        for k, (label, suffix, write, commands) in enumerate(cases):
            path = Path(tmp) / f"input{k}{suffix}"
            print(f"{label}: writing {path.name}", file=sys.stderr, flush=True)
            write(path)
            try:
                for command in commands:
                    rows.append(run(label, mgcalc, command, path, args.timeout))
            finally:
                path.unlink()
    elapsed = time.perf_counter() - started
    print(table(rows, args.markdown))
    print(f"\n{len(rows)} runs in {elapsed:.0f} s; target: peak RSS under {args.limit_mib:g} MiB")
    over = [x for x in rows if x.rss_mib is not None and x.rss_mib >= args.limit_mib]
    broken = [x for x in rows if x.rc is None or x.rc not in (0, 1, 2)]
    for x in over:
        print(f"OVER: {x.command} ({x.input}): {x.rss_mib:.1f} MiB", file=sys.stderr)
    for x in broken:
        print(f"FAILED: {x.command} ({x.input}): {x.note}", file=sys.stderr)
    if over or broken:
        sys.exit(1)


if __name__ == "__main__":
    main()
