"""The mgcalc command line: parses arguments, calls the library, hands results to render."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mgcalc import render
from mgcalc.catalogue import load_catalogue
from mgcalc.chemistry import dose as dose_calc
from mgcalc.chemistry import label as label_calc
from mgcalc.errors import MgcalcError, literal
from mgcalc.units import parse_amount

app = typer.Typer(
    name="mgcalc",
    help=(
        "Magnesium supplement calculator: elemental magnesium from label weights, "
        "with the salt or hydrate used and its sources."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# let "-5" reach the amount parser (and get a clear message) instead of being
# taken for an unknown option
NUMBER_ARGS = {"ignore_unknown_options": True}

FormOpt = Annotated[
    str,
    typer.Option("--form", "-f", help="Form id, name, alias or formula (e.g. citrate, 'Epsom salt', MgO)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
PlainOpt = Annotated[bool, typer.Option("--plain", help="Print only the headline number.")]
CatalogueOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        help="Use this catalogue YAML instead of the packaged one (or set MGCALC_CATALOGUE).",
        show_default=False,
    ),
]


def _output_mode(json_: bool, plain: bool) -> None:
    if json_ and plain:
        raise MgcalcError("choose one of --json and --plain")


@app.command(context_settings=NUMBER_ARGS)
def label(
    amount: Annotated[
        str,
        typer.Argument(help="Weight on the label, per tablet or serving: 500, 500mg, 0.5g, 500000mcg."),
    ],
    form: FormOpt,
    count: Annotated[int, typer.Option("--count", "-n", help="Number of tablets or servings.")] = 1,
    elemental: Annotated[
        bool,
        typer.Option("--elemental", help="AMOUNT is already elemental Mg (a Supplement Facts line)."),
    ] = False,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Elemental magnesium, mmol and mEq in a label amount of a compound."""
    _output_mode(json_, plain)
    cat = load_catalogue(catalogue)
    result = label_calc(parse_amount(amount), form, count=count, elemental=elemental, catalogue=cat)
    if json_:
        print(render.to_json(result))
    elif plain:
        print(render.plain(result.compound_mg if elemental else result.elemental_mg))
    else:
        render.emit(render.label_view(result))


@app.command(context_settings=NUMBER_ARGS)
def dose(
    target: Annotated[str, typer.Argument(help="Elemental magnesium wanted: 300, 300mg, 0.3g.")],
    form: FormOpt,
    tablet: Annotated[
        str | None,
        typer.Option("--tablet", help="Compound weight of one tablet: gives whole tablet counts."),
    ] = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Compound weight that delivers TARGET mg of elemental magnesium."""
    _output_mode(json_, plain)
    cat = load_catalogue(catalogue)
    tablet_mg = parse_amount(tablet, "tablet") if tablet is not None else None
    result = dose_calc(parse_amount(target, "target"), form, tablet_mg=tablet_mg, catalogue=cat)
    if json_:
        print(render.to_json(result))
    elif plain:
        print(render.plain(result.compound_mg))
    else:
        render.emit(render.dose_view(result))


@app.command()
def forms(
    form: Annotated[str | None, typer.Argument(help="Show this entry in full, with its sources.")] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Validate a catalogue file and list every problem.", show_default=False),
    ] = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """The form catalogue as a table, one entry in full, or --check a catalogue file."""
    if check is not None:
        from mgcalc.catalogue import check_catalogue

        problems = check_catalogue(check)
        if json_:
            print(render.to_json({"file": str(check), "ok": not problems, "problems": problems}))
        else:
            for p in problems:
                print(literal(p, 10_000))
            print(
                f"{literal(check)}: {len(problems)} problem(s)" if problems else f"{literal(check)}: ok",
                file=sys.stderr,
            )
        raise typer.Exit(1 if problems else 0)
    cat = load_catalogue(catalogue)
    if form is None:
        if json_:
            print(render.to_json(cat.forms))
        else:
            render.emit(render.forms_view(cat))
        return
    f = cat.resolve(form)
    if json_:
        data = f.model_dump(mode="json")
        data["source_details"] = {k: cat.sources[k].model_dump() for k in _source_keys(f)}
        print(render.to_json(data))
    else:
        render.emit(render.form_view(cat, f))


def _source_keys(f: object) -> list[str]:
    from mgcalc.catalogue import Form

    assert isinstance(f, Form)
    keys = [
        *f.sources.elemental_pct,
        *f.sources.laxative,
        *(f.absorption.sources if f.absorption else []),
    ]
    return list(dict.fromkeys(keys))


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"mgcalc: error: {literal(message, 1000)}\n")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the app; bad input becomes one line on stderr and exit 2."""
    # mgcalc uses no pydantic plugins; looking for them scans every installed
    # package's entry points, the largest single cost of start-up
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        rc = app(args=argv, prog_name="mgcalc", standalone_mode=False)
    except MgcalcError as e:
        _fail(str(e))
    except typer.TyperException as e:  # click usage errors (vendored click)
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        _fail(message, getattr(e, "exit_code", 2) or 2)
    except typer.Abort:
        _fail("aborted", 1)
    except BrokenPipeError:
        sys.stderr.close()  # e.g. piped into head: not an error
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else 0)
