"""``mgcalc forms``: the form catalogue, one entry in full, or --check a catalogue file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mgcalc.cli.options import CatalogueOpt, command, mode, reference
from mgcalc.cli.output import ExitStatus, Mode, finish, to_json
from mgcalc.cli.views import form_view, forms_view
from mgcalc.errors import MgcalcError, literal
from mgcalc.reference import check_catalogue
from mgcalc.schema.records import CatalogueCheck, FormEntry


@command(examples=["mgcalc forms", 'mgcalc forms "Epsom salt"', "mgcalc forms --check my-forms.yaml"])
def forms(
    form: Annotated[
        str | None, typer.Argument(metavar="FORM", help="Show this entry in full, with its sources.")
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            metavar="FILE",
            help="Validate a catalogue file and list every problem.",
            show_default=False,
        ),
    ] = None,
    json_: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON: an array of every catalogue entry; with FORM, one object "
            "(the entry in full); with --check, one object (file, ok, problems).",
        ),
    ] = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """The form catalogue as a table, one entry in full, or --check a catalogue file."""

    m = mode(json_)
    if check is not None:
        try:
            problems = check_catalogue(check)
        except MgcalcError as e:
            raise MgcalcError(str(e), field="check") from None
        if m is Mode.JSON:
            print(to_json(CatalogueCheck(file=str(check), ok=not problems, problems=problems)))
        else:
            for p in problems:
                print(literal(p, 10_000))
            print(
                f"{literal(check)}: {len(problems)} problem(s)" if problems else f"{literal(check)}: ok",
                file=sys.stderr,
            )
        return ExitStatus.RECORDS_FAILED if problems else ExitStatus.OK
    ref = reference(catalogue)
    cat = ref.catalogue
    if form is None:
        return finish(cat.forms, mode=m, view=lambda: forms_view(cat))
    try:
        f = cat.resolve(form)
    except MgcalcError as e:  # the FORM argument here, not --form
        raise MgcalcError(str(e), field="form_argument") from None

    keys = [*f.sources.elemental_pct, *f.sources.laxative, *(f.absorption.sources if f.absorption else [])]
    details = {k: s for k in dict.fromkeys(keys) if (s := ref.source(k)) is not None}
    entry = FormEntry(
        **f.model_dump(),
        family_default=cat.family_default(f).id,
        family_members=[x.id for x in cat.family_of(f)],
        source_details=details,
    )
    return finish(entry, mode=m, view=lambda: form_view(ref, f))
