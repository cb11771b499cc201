"""``mgcalc batch``: label many records, CSV or NDJSON in, one record out each (cli.batch_io)."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from mgcalc.cli.batch_io import delimiter as delimiter_char
from mgcalc.cli.batch_io import run_batch
from mgcalc.cli.options import CatalogueOpt, FieldsOpt, checked, command, reference, with_profile
from mgcalc.cli.output import FailOn
from mgcalc.core import batch as b
from mgcalc.errors import MgcalcError
from mgcalc.schema.inputs import Profile


class InputFormat(enum.StrEnum):
    """batch --input-format."""

    csv = "csv"
    ndjson = "ndjson"
    dsld = "dsld"


class OutputFormat(enum.StrEnum):
    """batch --output-format."""

    ndjson = "ndjson"
    csv = "csv"


@command(
    examples=[
        "mgcalc batch labels.csv > results.ndjson",
        "mgcalc batch labels.csv --output-format csv > results.csv",
        "mgcalc batch labels.tsv --delimiter tab --age 70 --fail-on avoid",
        "cat records.ndjson | mgcalc batch --input-format ndjson",
    ]
)
@with_profile()
def batch(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="CSV or NDJSON file of label records, or - for stdin.")
    ] = "-",
    input_format: Annotated[
        InputFormat | None,
        typer.Option(
            "--input-format",
            help="Input format (default: from the extension, or sniffed).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--output-format", help="Output format.")
    ] = OutputFormat.ndjson,
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            "-d",
            metavar="comma|semicolon|tab",
            help="CSV field separator (default: sniffed from the header).",
            show_default=False,
        ),
    ] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first bad record.")] = False,
    fields: FieldsOpt = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Every field: variants, family spread, absorption model, notes, whole cautions."
        ),
    ] = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Label many records: CSV or NDJSON in, one NDJSON (or CSV) record out per record, in order.

    Each record holds line and id, then the figures (form, input basis,
    compound and elemental mg, %, mmol, mEq, absorbed range, laxative, caution
    codes and levels); --fields picks others, --full gives all of them.

    Input columns: amount, form, and optional unit, basis (compound or
    elemental), count, id; or a text column of label lines. A header with an
    unknown, duplicate or missing column is an error (exit 2) before any
    record. With --input-format dsld: DSLD label records (a JSON array or
    NDJSON), one panel result per label. A bad record becomes an error record and the rest go on: exit 3
    if --fail-on applies, else 1 if any record failed. Progress shows on
    stderr when it is a terminal.
    """

    if full and fields is not None:
        raise MgcalcError("give --fields or --full, not both", field="fields")
    chosen = None if full else b.DEFAULT_FIELDS if fields is None else b.parse_fields(fields)
    sep = delimiter_char(delimiter)
    ref = reference(catalogue)
    checked(ref, profile)
    return run_batch(
        ref,
        file,
        input_format=None if input_format is None else input_format.value,
        output_format=output_format.value,
        delimiter=sep,
        fail_fast=fail_fast,
        profile=profile,
        fail_on=fail_on,
        fields=chosen,
    )
