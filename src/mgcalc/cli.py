"""The mgcalc command line: parses arguments, calls the library, hands results to render."""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from mgcalc import render
from mgcalc.catalogue import load_catalogue
from mgcalc.cautions import Caution, Profile
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


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    if value is None or value.lower() in allowed:
        return None if value is None else value.lower()
    raise MgcalcError(f"{option} must be one of {', '.join(allowed)}, not '{literal(value)}'")


#: The profile options every dosing command and `check` take (see with_profile).
PROFILE_OPTIONS: list[tuple[str, Any, Any]] = [
    ("age", Annotated[float | None, typer.Option("--age", help="Age in years.", show_default=False)], None),
    ("sex", Annotated[str | None, typer.Option("--sex", help="female or male.", show_default=False)], None),
    ("pregnant", Annotated[bool, typer.Option("--pregnant", help="Pregnant.")], False),
    ("lactating", Annotated[bool, typer.Option("--lactating", help="Breastfeeding.")], False),
    (
        "egfr",
        Annotated[
            float | None, typer.Option("--egfr", help="eGFR, mL/min/1.73m2 (0-200).", show_default=False)
        ],
        None,
    ),
    (
        "ckd_stage",
        Annotated[
            str | None,
            typer.Option("--ckd-stage", help="CKD stage 1, 2, 3a, 3b, 4 or 5.", show_default=False),
        ],
        None,
    ),
    (
        "drug",
        Annotated[
            list[str] | None, typer.Option("--drug", help="A medicine taken, generic or brand (repeat).")
        ],
        None,
    ),
    (
        "condition",
        Annotated[
            list[str] | None,
            typer.Option(
                "--condition",
                help="chronic-diarrhea, myasthenia-gravis, heart-block, pregnancy or ckd (repeat).",
            ),
        ],
        None,
    ),
    ("per_day", Annotated[int, typer.Option("--per-day", help="Intakes a day (for the daily amount).")], 1),
    (
        "standard",
        Annotated[str, typer.Option("--standard", help="Reference values: us (IOM) or eu (EFSA/SCF).")],
        "us",
    ),
    (
        "fail_on",
        Annotated[
            str | None,
            typer.Option(
                "--fail-on", help="caution or avoid: exit 3 if a caution of that level or above applies."
            ),
        ],
        None,
    ),
]


def with_profile(*, per_day: bool = True) -> Callable[[Callable[..., list[Caution]]], Callable[..., None]]:
    """Give a command the profile options; it receives them as ``profile`` and returns its cautions.

    The options are added to the command's signature (which typer reads), so
    each command declares only its own options; ``--fail-on`` is applied here.
    """

    def decorate(func: Callable[..., list[Caution]]) -> Callable[..., None]:
        sig = inspect.signature(func, eval_str=True)
        own = [p for name, p in sig.parameters.items() if name != "profile"]
        options = [o for o in PROFILE_OPTIONS if per_day or o[0] != "per_day"]
        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, annotation, default in options
        ]

        @functools.wraps(func)
        def run(**kwargs: Any) -> None:
            from mgcalc.cautions import LEVELS, severity, worst

            values = {name: kwargs.pop(name) for name, _, _ in options}
            fail_on = _choice(values.pop("fail_on"), LEVELS[1:], "--fail-on")
            profile = Profile(
                age=values["age"],
                sex=_choice(values["sex"], ("female", "male"), "--sex"),
                pregnant=values["pregnant"],
                lactating=values["lactating"],
                egfr=values["egfr"],
                ckd_stage=values["ckd_stage"],
                drugs=values["drug"] or [],
                conditions=values["condition"] or [],
                per_day=values.get("per_day", 1),
                standard=_choice(values["standard"], ("us", "eu"), "--standard"),
            ).check()
            level = worst(func(profile=profile, **kwargs))
            if fail_on is not None and level is not None and severity(level) >= LEVELS.index(fail_on):
                raise typer.Exit(3)

        run.__signature__ = sig.replace(parameters=[*own, *extra], return_annotation=None)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in [*own, *extra]}
        return run

    return decorate


def _output_mode(json_: bool, plain: bool) -> None:
    if json_ and plain:
        raise MgcalcError("choose one of --json and --plain")


@command(context_settings=NUMBER_ARGS)
@with_profile()
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
    *,
    profile: Profile,
) -> list[Caution]:
    """Elemental magnesium, mmol and mEq in a label amount of a compound, with cautions."""
    _output_mode(json_, plain)
    cat = load_catalogue(catalogue)
    result = label_calc(
        parse_amount(amount), form, count=count, elemental=elemental, catalogue=cat, profile=profile
    )
    if json_:
        print(render.to_json(result))
    elif plain:
        print(render.plain(result.compound_mg if elemental else result.elemental_mg))
    else:
        render.emit(render.label_view(result))
    return result.cautions


@command(context_settings=NUMBER_ARGS)
@with_profile()
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
    *,
    profile: Profile,
) -> list[Caution]:
    """Compound weight that delivers TARGET mg of elemental magnesium, with cautions."""
    _output_mode(json_, plain)
    cat = load_catalogue(catalogue)
    tablet_mg = parse_amount(tablet, "tablet") if tablet is not None else None
    result = dose_calc(
        parse_amount(target, "target"), form, tablet_mg=tablet_mg, catalogue=cat, profile=profile
    )
    if json_:
        print(render.to_json(result))
    elif plain:
        print(render.plain(result.compound_mg))
    else:
        render.emit(render.dose_view(result))
    return result.cautions


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
@with_profile(per_day=False)
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
    *,
    profile: Profile,
) -> list[Caution]:
    """Estimated absorbed magnesium, and the gain from splitting the daily amount.

    Estimates for a healthy adult: the saturable + linear model of Fine et al. 1991,
    scaled by each form's relative bioavailability.
    """
    from mgcalc.estimates import absorb as absorb_calc

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
        profile=profile,
    )
    if json_:
        print(render.to_json(result))
    elif plain:
        print(render.plain(result.absorbed_mg))
    else:
        render.emit(render.absorb_view(result))
    return result.cautions


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
@with_profile()
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
    *,
    profile: Profile,
) -> list[Caution]:
    """The same amount across forms: elemental, absorbed (estimate), laxative, cost per 100 mg absorbed."""
    from mgcalc.estimates import compare as compare_calc

    cat = load_catalogue(catalogue)
    result = compare_calc(
        parse_amount(amount),
        form or None,
        prices=_prices(price or []),
        elemental=elemental,
        with_meal=with_meal,
        meal_mg=meal_mg,
        catalogue=cat,
        profile=profile,
    )
    if json_:
        print(render.to_json(result))
    else:
        render.emit(render.compare_view(result))
    return [*result.cautions, *(c for row in result.rows for c in row.cautions)]


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
    from mgcalc.estimates import curve as curve_calc

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
@with_profile(per_day=False)
def check(
    json_: JsonOpt = False,
    *,
    profile: Profile,
) -> list[Caution]:
    """The cautions for kidney function, medicines and conditions, most severe first.

    Give --egfr or --ckd-stage, and --drug and --condition as often as needed.
    Exit 0 whatever applies, unless --fail-on says otherwise.
    """
    from mgcalc.cautions import assess

    result = assess(profile)
    if json_:
        print(render.to_json(result))
    else:
        render.emit(render.check_view(result))
    return result.cautions


@command()
def intake(
    age: Annotated[float, typer.Option("--age", help="Age in years (0.5 = 6 months).")],
    sex: Annotated[str | None, typer.Option("--sex", help="female or male.", show_default=False)] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="Pregnant.")] = False,
    lactating: Annotated[bool, typer.Option("--lactating", help="Breastfeeding.")] = False,
    standard: Annotated[
        str, typer.Option("--standard", help="us (IOM 1997) or eu (EFSA 2015, SCF 2001).")
    ] = "us",
    json_: JsonOpt = False,
) -> None:
    """Reference intake (RDA or AI) and the upper level for supplemental magnesium."""
    from mgcalc.intake import life_state, reference

    sex_ = _choice(sex, ("female", "male"), "--sex")
    state = life_state(pregnant, lactating, sex_)  # type: ignore[arg-type]
    ref = reference(age, sex_, state, _choice(standard, ("us", "eu"), "--standard"))  # type: ignore[arg-type]
    if json_:
        print(render.to_json(ref))
    else:
        render.emit(render.intake_view(ref))


@command()
def parse(
    text: Annotated[
        str | None,
        typer.Argument(metavar="TEXT", help="A label line; omit it (or give -) to read lines from stdin."),
    ] = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Read a label line: elemental or compound weight and why, forms, elemental mg, the trap.

    With several lines on stdin, one result each; a line it cannot read is an
    error for that line (exit 1 at the end), never a guess.
    """
    from mgcalc.labels import parse_label

    cat = load_catalogue(catalogue)
    if text is not None and text != "-":
        result = parse_label(text, cat)
        if json_:
            print(render.to_json(result))
        else:
            render.emit(render.parse_view(result))
        return
    failed = False
    for n, line in enumerate(_stdin_lines(), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            result = parse_label(line, cat)
        except MgcalcError as e:
            failed = True
            if json_:
                print(render.to_json({"line": n, "text": line, "error": str(e)}))
            else:
                print(f"line {n}: error: {literal(e, 1000)}")
            continue
        if json_:
            print(render.to_json({"line": n, **render.json_ready(result)}))
        else:
            render.emit(render.parse_view(result, n))
    if failed:
        raise typer.Exit(1)


def _stdin_lines() -> Any:
    import io

    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="")


@command()
@with_profile()
def batch(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="CSV or NDJSON file of label records, or - for stdin.")
    ] = "-",
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            help="csv or ndjson (default: from the extension, or sniffed).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--output-format", help="ndjson or csv.")] = "ndjson",
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first bad record.")] = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
) -> list[Caution]:
    """Label many records: CSV or NDJSON in, one NDJSON (or CSV) record out per record, in order.

    Input columns: amount, form, and optional unit, basis (compound or
    elemental), count, id; or a text column of label lines. A bad record
    becomes an error record and the rest go on; exit 1 if any failed.
    """

    from mgcalc import batch as b

    fmt_in = _choice(input_format, ("csv", "ndjson"), "--input-format")
    fmt_out = _choice(output_format, ("ndjson", "csv"), "--output-format")
    cat = load_catalogue(catalogue)
    if file == "-":
        stream: Any = _stdin_lines()
    else:
        try:
            stream = open(file, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115 - closed below
        except OSError as e:
            raise MgcalcError(f"cannot read '{literal(file)}': {literal(e.strerror or e)}") from None
        if fmt_in is None and file.lower().endswith((".ndjson", ".jsonl")):
            fmt_in = "ndjson"
    if fmt_in is None:  # sniff: NDJSON starts with '{'
        first = stream.readline()
        fmt_in = "ndjson" if first.lstrip().startswith("{") else "csv"
        stream = _chain(first, stream)
    records = b.read_ndjson(stream) if fmt_in == "ndjson" else b.read_csv(stream)
    out = sys.stdout
    writer = None
    if fmt_out == "csv":
        import csv

        writer = csv.DictWriter(out, fieldnames=b.CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
    failed = 0
    worst_seen: dict[str, Caution] = {}
    progress = _Progress() if sys.stderr.isatty() else None
    try:
        for n, rec in enumerate(b.run(records, catalogue=cat, profile=profile), start=1):
            if writer is not None:
                writer.writerow(b.csv_row(rec))
            else:
                out.buffer.write(rec.ndjson() + b"\n")
            for c in rec.cautions:
                worst_seen.setdefault(c.level, c)
            if rec.error is not None:
                failed += 1
                if fail_fast:
                    break
            if progress is not None and n % 1000 == 0:
                progress.update(n)
    finally:
        if progress is not None:
            progress.close()
        if stream is not sys.stdin and hasattr(stream, "close"):
            stream.close()
        out.flush()
    if failed:
        print(f"mgcalc: {failed} record(s) failed", file=sys.stderr)
        raise typer.Exit(1)
    return list(worst_seen.values())


def _chain(first: str, rest: Any) -> Any:
    import itertools

    return itertools.chain([first], rest)


class _Progress:
    """A record counter on stderr (a terminal only)."""

    def __init__(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        self._p = Progress(SpinnerColumn(), TextColumn("{task.completed:,} records"), transient=True)
        self._p.start()
        self._task = self._p.add_task("batch", total=None)

    def update(self, n: int) -> None:
        self._p.update(self._task, completed=n)

    def close(self) -> None:
        self._p.stop()


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
