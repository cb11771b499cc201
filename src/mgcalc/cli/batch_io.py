"""batch's streams: open the input, write records as they come, show progress, decide the exit status."""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any

from mgcalc.cli.output import ExitStatus, FailOn, at_or_above
from mgcalc.cli.terminal import current
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import Profile


def _open(file: str) -> tuple[Any, int | None]:
    """The input as text lines, and its size in bytes when it is a regular file."""
    if file == "-":
        from mgcalc.cli.app import _stdin_lines

        return _stdin_lines(), None
    import os

    try:
        fh = open(file, "rb")  # noqa: SIM115 - closed by run_batch
        size = os.fstat(fh.fileno()).st_size
    except OSError as e:
        raise MgcalcError(f"cannot read '{literal(file)}': {literal(e.strerror or e)}") from None
    return io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline=""), size or None


def run_batch(
    ref: Reference,
    file: str,
    *,
    input_format: str | None,
    output_format: str,
    fail_fast: bool,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Run a batch from ``file`` (or - for stdin) to stdout; returns the exit status."""
    from mgcalc.core import batch as b

    env = current()
    dsld = input_format == "dsld"
    fmt = b.Format(input_format) if input_format is not None and not dsld else None
    if fmt is None and not dsld and file.lower().endswith((".ndjson", ".jsonl")):
        fmt = b.Format.ndjson
    stream, size = _open(file)
    out = env.out
    writer = None
    if output_format == "csv":
        import csv

        writer = csv.DictWriter(out, fieldnames=b.CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
    binary = getattr(out, "buffer", None)
    tally = b.Tally()
    progress = _Progress(size) if env.err_is_terminal() else None
    try:
        if dsld:
            from mgcalc.core import dsld as d

            outcomes: Any = d.outcomes(ref, d.read_dsld(stream), profile)
        else:
            outcomes = b.run(ref, b.read_records(stream, fmt), profile)
        for outcome in outcomes:
            if writer is not None:
                writer.writerow(b.csv_row(outcome))
            elif binary is not None:
                binary.write(outcome.ndjson() + b"\n")
            else:
                out.write(outcome.ndjson().decode("utf-8") + "\n")
            tally.add(outcome)
            if outcome.error is not None and fail_fast:
                break
            if progress is not None and tally.records % 1000 == 0:
                progress.update(tally.records, stream)
    except KeyboardInterrupt:
        sys.stderr.write(f"\nmgcalc: interrupted after {tally.records:,} record(s)\n")
        raise
    finally:
        if progress is not None:
            progress.close()
        if hasattr(stream, "close"):
            stream.close()
        out.flush()
    if at_or_above(tally.cautions, fail_on):
        return ExitStatus.CAUTION
    if tally.failed:
        env.err.write(f"mgcalc: {tally.failed} of {tally.records} record(s) failed\n")
        return ExitStatus.RECORDS_FAILED
    return ExitStatus.OK


class _Progress:
    """Records written, rate and (for a file) how far through it, on stderr (a terminal only)."""

    def __init__(self, size: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.fields[records]:,} records")]
        if size:
            columns += [BarColumn(), TimeRemainingColumn()]
        columns += [TimeElapsedColumn()]
        self._p = Progress(*columns, console=Console(file=sys.stderr), transient=True)
        self._p.start()
        self._task = self._p.add_task("batch", total=size, records=0)

    def update(self, n: int, stream: Any) -> None:
        done = None
        with contextlib.suppress(AttributeError, OSError, ValueError):
            done = stream.buffer.tell()
        self._p.update(self._task, records=n, completed=done)

    def close(self) -> None:
        self._p.stop()
