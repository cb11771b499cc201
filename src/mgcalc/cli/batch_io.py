"""batch's streams: open the input, write records as they come, show progress, decide the exit status."""

from __future__ import annotations

import csv
import itertools
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from mgcalc.cli import interrupted
from mgcalc.cli.output import ExitStatus, FailOn, at_or_above, is_utf8, json_bytes_safe
from mgcalc.cli.terminal import Environment, current, stdin_binary
from mgcalc.core import batch as b
from mgcalc.core import dsld as d
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import Profile

#: What --delimiter accepts, and the character each means.
DELIMITER_NAMES = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "\t": "\t", "\\t": "\t", "tab": "\t"}

STDIN_HINT = "mgcalc: reading records from the terminal; end with Ctrl-D (or give a file)\n"


def delimiter(value: str | None) -> str | None:
    """The delimiter character --delimiter names (None: sniff it from the header)."""
    if value is None:
        return None
    found = DELIMITER_NAMES.get(value.lower() if len(value) > 1 else value)
    if found is None:
        raise MgcalcError(
            f"use comma, semicolon or tab (or , ; \\t), not '{literal(value)}'", field="delimiter"
        )
    return found


class Input:
    """A binary input read line by line with a bounded line length, and how far through it we are.

    Reads go through ``guard`` (see ``Interrupt``): Ctrl-C may abandon a read.
    """

    def __init__(
        self, stream: BinaryIO, size: int | None, owned: bool, guard: Interrupt | None = None
    ) -> None:
        self.stream, self.size, self.owned = stream, size, owned
        read = getattr(stream, "read1", stream.read)  # what is there: a slow pipe's records stream out
        #: blocks of whole lines (see core.batch.bounded_blocks)
        self.lines = b.bounded_blocks(guard.reader(read) if guard is not None else read)

    def position(self) -> int | None:
        """Bytes read so far (None when the stream cannot tell)."""
        try:
            return self.stream.tell()
        except (OSError, ValueError, AttributeError):
            return None

    def close(self) -> None:
        if self.owned:
            self.stream.close()


def open_input(file: str, env: Environment, guard: Interrupt | None = None) -> Input:
    """FILE (or - for stdin) opened for reading bytes, with its size when it is a regular file."""
    if file == "-":
        return Input(stdin_binary(env, STDIN_HINT), None, owned=False, guard=guard)
    try:
        fh = open(file, "rb")  # noqa: SIM115 - closed by run_batch
    except OSError as e:
        raise MgcalcError(f"cannot read '{literal(file)}': {literal(e.strerror or e)}") from None
    st = os.fstat(fh.fileno())
    if stat.S_ISDIR(st.st_mode):
        fh.close()
        raise MgcalcError(f"cannot read '{literal(file)}': it is a directory")
    return Input(fh, st.st_size if stat.S_ISREG(st.st_mode) and st.st_size else None, owned=True, guard=guard)


def _binary_out(env: Environment) -> Callable[[bytes], Any]:
    """Write bytes to stdout (its buffer, or encoded when it has none, as under a test runner)."""
    out = env.out
    binary = getattr(out, "buffer", None)
    if binary is not None:
        return binary.write  # type: ignore[no-any-return]
    return lambda data: out.write(data.decode("utf-8"))


def run_batch(
    ref: Reference,
    file: str,
    *,
    input_format: str | None,
    output_format: str,
    delimiter: str | None,
    fail_fast: bool,
    profile: Profile,
    fail_on: FailOn | None,
    fields: tuple[str, ...] | None = None,
) -> int:
    """Run a batch from ``file`` (or - for stdin) to stdout; returns the exit status.

    ``fields``: what each record holds after line and id (None: every field).

    Bad options and a bad CSV header are errors (exit 2) before any record is
    written. Then one record out per record in; the exit status is 3 when
    --fail-on applies (safety first), else 1 when records failed (their count
    goes to stderr), else 0.
    """
    env = current()
    dsld = input_format == "dsld"
    fmt = b.Format(input_format) if input_format is not None and not dsld else None
    if fmt is None and not dsld and file.lower().endswith((".ndjson", ".jsonl")):
        fmt = b.Format.ndjson
    tally = b.Tally(b.profile_cautions(ref, profile))
    progress: Progress | None = None
    out = env.out
    guard = Interrupt()
    source: Input | None = None
    try:
        with guard:
            source = open_input(file, env, guard)
            outcomes: Any
            if dsld:
                # a line over the limit cannot be part of a readable record: make it fail to parse
                text = (
                    x.decode("utf-8-sig", errors="replace") if isinstance(x, bytes) else "\0"
                    for x in b.physical_lines(source.lines)
                )
                outcomes = b.dsld_outcomes(ref, d.read_dsld(text), profile)
            else:
                records = b.read_records(source.lines, fmt, delimiter=delimiter)
                first = next(records, None)  # a bad header raises here, before anything is written
                if first is None:
                    return ExitStatus.OK
                outcomes = b.run(
                    ref,
                    itertools.chain([first], records),
                    profile,
                    full=b.needs_full(fields),
                    absorbed=b.needs_absorbed(fields),
                    caution_text=b.needs_caution_text(fields),
                )

            write = _writer(env, output_format, fields)
            if env.err_is_terminal():
                progress = Progress(env, source)
            tick = 0
            add = tally.add
            for outcome in outcomes:
                write(outcome)
                add(outcome)
                if guard.interrupted:
                    raise KeyboardInterrupt
                if fail_fast and outcome.error is not None:
                    break
                if progress is not None:
                    tick += 1
                    if tick >= 64:
                        tick = 0
                        progress.update(tally.records)
            out.flush()
    except KeyboardInterrupt:
        if progress is not None:
            progress.close()
            progress = None
        try:
            out.flush()
        finally:
            env.err.write(f"mgcalc: interrupted after {tally.records:,} record(s) written\n")
        raise
    finally:
        if progress is not None:
            progress.close()
        if source is not None:
            source.close()
    if tally.failed:
        env.err.write(f"mgcalc: {tally.failed:,} of {tally.records:,} record(s) failed\n")
    if tally.serious and fields is not None and not {"cautions", "caution_levels"} & set(fields):
        env.err.write(
            f"mgcalc: {tally.serious:,} record(s) carry a caution not in the fields asked for; "
            "add caution_levels to --fields to see them\n"
        )
    if at_or_above(tally.cautions, fail_on):
        return ExitStatus.CAUTION
    return ExitStatus.RECORDS_FAILED if tally.failed else ExitStatus.OK


class Interrupt:
    """Ctrl-C in a batch: the record being processed is finished, written and counted, then the
    batch stops (``interrupted``); only a read, which may wait on a terminal or a slow pipe, is
    abandoned at once. So the output ends with a whole record and the count reported is exact."""

    def __init__(self) -> None:
        self.reading = False
        self.interrupted = False
        self._previous: Any = None

    def reader(self, readline: Callable[[int], bytes]) -> Callable[[int], bytes]:
        """``readline`` marked as a read that Ctrl-C abandons."""

        def read(size: int) -> bytes:
            self.reading = True
            try:
                if self.interrupted:  # Ctrl-C between reads (after the terminal hint): do not wait
                    raise KeyboardInterrupt
                return readline(size)
            finally:
                self.reading = False

        return read

    def _on_sigint(self, signum: int, frame: Any) -> None:
        self.interrupted = True
        if self.reading:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupt:
        # only in place of mgcalc's or Python's own Ctrl-C handler (not where SIGINT is ignored)
        current_handler = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is threading.main_thread() and (
            current_handler is signal.default_int_handler or current_handler is interrupted
        ):
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _writer(env: Environment, output_format: str, fields: tuple[str, ...] | None) -> Callable[[Any], None]:
    """A function writing one outcome to stdout as NDJSON or CSV.

    NDJSON is UTF-8 (ASCII with escapes on a terminal that is not UTF-8), with
    C1, bidirectional and separator characters escaped; CSV is UTF-8 off a
    terminal, the terminal's encoding on one, with cells made safe
    (``core.batch.csv_cell``).
    """
    emit = _binary_out(env)
    terminal = env.out_is_terminal()
    ascii_only = terminal and not is_utf8(env.out)
    if output_format == "csv":
        encoding = (getattr(env.out, "encoding", None) or "utf-8") if terminal else "utf-8"

        class _Encoded:
            def write(self, text: str) -> None:
                emit(text.encode(encoding, "backslashreplace"))

        writer = csv.DictWriter(
            _Encoded(), fieldnames=b.csv_columns(fields), extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()

        def write_csv(outcome: Any) -> None:
            writer.writerow(b.csv_row(outcome, fields))

        return write_csv

    def write_ndjson(outcome: Any) -> None:
        data = outcome.ndjson(fields, True)
        if not data.isascii() or b"\x7f" in data:
            data = json_bytes_safe(data, ascii_only)
        emit(data)

    return write_ndjson


def _err_width(env: Environment) -> int:
    """The width of the terminal stderr is (the progress line's), as ``Environment.columns`` for stdout."""
    if env.width is not None:
        return env.columns()
    try:
        columns = int(env.environ.get("COLUMNS", "") or 0)
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(env.err.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 80
    return max(columns or 80, 30)


class Progress:
    """Records written, their rate and, reading a file, how far through it and the time left: on
    stderr, only when stderr is a terminal (rich's progress display, removed when done)."""

    def __init__(self, env: Environment, source: Input) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._source = source
        self._start = time.monotonic()
        columns: list[Any] = [
            SpinnerColumn(),
            TextColumn("{task.fields[records]:,} records"),
            TextColumn("{task.fields[rate]:,.0f}/s"),
        ]
        if source.size:
            columns += [BarColumn(), TaskProgressColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        columns += [TimeElapsedColumn()]
        # stderr is a terminal here: colour unless --color never or NO_COLOR
        colour = env.color if env.color is not None else not env.environ.get("NO_COLOR")
        console = Console(file=env.err, force_terminal=True, no_color=not colour, width=_err_width(env))
        self._p = RichProgress(*columns, console=console, transient=True, refresh_per_second=8)
        self._task = self._p.add_task("batch", total=source.size, records=0, rate=0.0)
        self._p.start()

    def update(self, records: int) -> None:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        done = self._source.position() if self._source.size else None
        self._p.update(self._task, records=records, rate=records / elapsed, completed=done)

    def close(self) -> None:
        self._p.stop()


def parse_stdin_lines(env: Environment) -> Iterator[tuple[int, str, str]]:
    """(line number, text, error) for each non-blank line of stdin, for ``parse``; error is "" if none.

    Lines are UTF-8 (a BOM dropped); a line that is not (its text then shows
    the bytes as \\xNN) or is longer than MAX_LINE bytes comes with an error.
    """
    hint = "mgcalc: reading label lines from the terminal; end with Ctrl-D (or give the text)\n"
    for n, line in enumerate(b.bounded_lines(stdin_binary(env, hint).readline), start=1):
        if isinstance(line, b.TooLong):
            yield n, "", f"line is over {b.MAX_LINE:,} bytes; skipped"
            continue
        if n == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            shown = line.decode("utf-8", "backslashreplace").rstrip("\r\n")
            yield n, shown, f"not valid UTF-8 (byte {e.start + 1} of the line)"
            continue
        text = text.rstrip("\r\n")
        if text.strip():
            yield n, text, ""
