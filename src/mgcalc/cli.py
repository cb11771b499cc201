"""The mgcalc command line: parses arguments, calls the library, hands results to render."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from mgcalc import render
from mgcalc.catalogue import load_catalogue
from mgcalc.chemistry import dose as dose_calc
from mgcalc.chemistry import label as label_calc
from mgcalc.errors import MgcalcError, literal
from mgcalc.units import parse_amount

APP_SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}
app = typer.Typer(
    name="mgcalc",
    help=(
        "Magnesium supplement calculator: elemental magnesium from label weights, "
        "with the salt or hydrate used and its sources. Absorbed figures are estimates "
        "for a healthy adult (Fine et al., J Clin Invest 1991;88:396, scaled by form; "
        "see data/absorption.yaml)."
    ),
    no_args_is_help=True,
    **APP_SETTINGS,
)
#: name -> (function, options) of every command, for dispatching one alone (see main)
COMMANDS: dict[str, tuple[Callable[..., None], dict[str, Any]]] = {}


def command(**options: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command on the app, and in COMMANDS."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        COMMANDS[func.__name__] = (func, options)
        return app.command(**options)(func)

    return register


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


@command(context_settings=NUMBER_ARGS)
def label(
    amount: Annotated[
        str,
        typer.Argument(
            metavar="AMOUNT", help="Weight on the label, per tablet or serving: 500, 500mg, 0.5g, 500000mcg."
        ),
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


@command(context_settings=NUMBER_ARGS)
def dose(
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="Elemental magnesium wanted: 300, 300mg, 0.3g.")
    ],
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


WithMealOpt = Annotated[
    bool, typer.Option("--with-meal", help="Each dose taken with a meal (see --meal-mg).")
]
MealOpt = Annotated[
    float | None,
    typer.Option(
        "--meal-mg", help="Mg in the meal, mg (default from data/absorption.yaml: 100).", show_default=False
    ),
]
ElementalOpt = Annotated[
    bool, typer.Option("--elemental", help="AMOUNT is elemental Mg, not compound weight.")
]


@command(context_settings=NUMBER_ARGS)
def absorb(
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Compound weight per day (or elemental with --elemental).")
    ],
    form: FormOpt,
    elemental: ElementalOpt = False,
    splits: Annotated[int, typer.Option("--splits", help="Compare 1..N equal doses a day.")] = 4,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Estimated absorbed magnesium, and the gain from splitting the daily amount.

    Estimates for a healthy adult: the saturable + linear model of Fine et al. 1991,
    scaled by each form's relative bioavailability.
    """
    from mgcalc.absorb import absorb as absorb_calc

    _output_mode(json_, plain)
    cat = load_catalogue(catalogue)
    result = absorb_calc(
        parse_amount(amount),
        form,
        elemental=elemental,
        splits=splits,
        with_meal=with_meal,
        meal_mg=meal_mg,
        catalogue=cat,
    )
    if json_:
        print(render.to_json(result))
    elif plain:
        print(render.plain(result.absorbed_mg))
    else:
        render.emit(render.absorb_view(result))


def _prices(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        try:
            price = float(value)
        except ValueError:
            price = float("nan")
        if not sep or not name.strip() or not (0 <= price < float("inf")):
            raise MgcalcError(
                f"--price takes FORM=PRICE with a price >= 0, e.g. citrate=12.50, not '{literal(item)}'"
            )
        out[name.strip()] = price
    return out


@command(context_settings=NUMBER_ARGS)
def compare(
    amount: Annotated[
        str,
        typer.Argument(
            metavar="AMOUNT",
            help="The label amount to compare: compound weight, or elemental with --elemental.",
        ),
    ],
    form: Annotated[
        list[str] | None, typer.Option("--form", "-f", help="A form to compare (repeat); default: all.")
    ] = None,
    price: Annotated[
        list[str] | None, typer.Option("--price", help="FORM=PRICE for AMOUNT of that form (repeat).")
    ] = None,
    elemental: ElementalOpt = False,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """The same amount across forms: elemental, absorbed (estimate), laxative, cost per 100 mg absorbed."""
    from mgcalc.absorb import compare as compare_calc

    cat = load_catalogue(catalogue)
    result = compare_calc(
        parse_amount(amount),
        form or None,
        prices=_prices(price or []),
        elemental=elemental,
        with_meal=with_meal,
        meal_mg=meal_mg,
        catalogue=cat,
    )
    if json_:
        print(render.to_json(result))
    else:
        render.emit(render.compare_view(result))


@command()
def curve(
    form: Annotated[list[str], typer.Option("--form", "-f", help="A form to plot (repeat).")],
    max_: Annotated[str, typer.Option("--max", help="Largest elemental dose on the chart.")] = "1000",
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Also save the chart as an SVG picture.", show_default=False)
    ] = None,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Chart of absorbed mg and fraction absorbed against elemental dose (estimates)."""
    from mgcalc.absorb import curve as curve_calc

    cat = load_catalogue(catalogue)
    result = curve_calc(
        form, max_mg=parse_amount(max_, "--max"), with_meal=with_meal, meal_mg=meal_mg, catalogue=cat
    )
    if svg is not None:
        try:
            svg.write_text(render.curve_svg(result), encoding="utf-8")
        except OSError as e:
            raise MgcalcError(f"cannot write '{literal(svg)}': {literal(e.strerror or e)}") from None
    if json_:
        print(render.to_json(result))
    else:
        render.emit(render.curve_view(result))
        if svg is not None:
            print(f"chart saved to {literal(svg)}", file=sys.stderr)


@command()
def forms(
    form: Annotated[
        str | None, typer.Argument(metavar="FORM", help="Show this entry in full, with its sources.")
    ] = None,
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


def _single(name: str, args: list[str]) -> int:
    """Run one command as an app of its own.

    typer converts every command of an app before running any; building only
    the one asked for keeps start-up flat as commands are added.
    """
    func, options = COMMANDS[name]
    single = typer.Typer(**APP_SETTINGS)
    single.command(**options)(func)
    rc = single(args=args, prog_name=f"mgcalc {name}", standalone_mode=False)
    return rc if isinstance(rc, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the app; bad input becomes one line on stderr and exit 2."""
    # mgcalc uses no pydantic plugins; looking for them scans every installed
    # package's entry points, the largest single cost of start-up
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = sys.argv[1:] if argv is None else argv
    try:
        rc = _single(args[0], args[1:]) if args and args[0] in COMMANDS else None
        if rc is None:
            rc = app(args=args, prog_name="mgcalc", standalone_mode=False)
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
