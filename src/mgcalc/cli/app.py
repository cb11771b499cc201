"""The mgcalc command line: turns arguments into inputs, calls the core, hands results to ``finish``."""

from __future__ import annotations

import enum
import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from mgcalc.cli.output import ExitStatus, FailOn, Mode, finish
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import Profile

APP_SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}
HELP = (
    "Magnesium supplement calculator: elemental magnesium from label weights, "
    "with the salt or hydrate used and its sources. Absorbed figures are estimates "
    "for a healthy adult (Fine et al., J Clin Invest 1991;88:396, scaled by form)."
)
app = typer.Typer(name="mgcalc", help=HELP, no_args_is_help=True, **APP_SETTINGS)
#: name -> (function, options) of every command, for dispatching one alone (see main)
COMMANDS: dict[str, tuple[Callable[..., None], dict[str, Any]]] = {}

#: Environment variable naming a user catalogue, like --catalogue (read here, in the shell only).
CATALOGUE_ENV = "MGCALC_CATALOGUE"

#: Domain field names (MgcalcError.field) -> what the person typed.
FLAGS = {
    "amount": "AMOUNT",
    "target": "TARGET",
    "form": "--form",
    "count": "--count",
    "tablet": "--tablet",
    "meal_mg": "--meal-mg",
    "splits": "--splits",
    "price": "--price",
    "max": "--max",
    "age": "--age",
    "sex": "--sex",
    "pregnant": "--pregnant",
    "egfr": "--egfr",
    "ckd_stage": "--ckd-stage",
    "drug": "--drug",
    "condition": "--condition",
    "per_day": "--per-day",
    "catalogue": "--catalogue",
    "check": "--check",
    "regimen": "REGIMEN",
    "html": "--html",
    "ics": "--ics",
    "value": "VALUE",
    "file": "FILE",
}


class Sex(enum.StrEnum):
    """--sex."""

    female = "female"
    male = "male"


class Standard(enum.StrEnum):
    """--standard."""

    us = "us"
    eu = "eu"


class InputFormat(enum.StrEnum):
    """batch --input-format."""

    csv = "csv"
    ndjson = "ndjson"
    dsld = "dsld"


class OutputFormat(enum.StrEnum):
    """batch --output-format."""

    ndjson = "ndjson"
    csv = "csv"


def command(**options: Any) -> Callable[[Callable[..., int]], Callable[..., None]]:
    """Register a command: it returns an ExitStatus, which becomes the process exit code."""

    def register(func: Callable[..., int]) -> Callable[..., None]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> None:
            status = func(*args, **kwargs)
            if status:
                raise typer.Exit(int(status))

        run.__signature__ = inspect.signature(func, eval_str=True).replace(return_annotation=None)  # type: ignore[attr-defined]
        COMMANDS[func.__name__] = (run, options)
        app.command(**options)(run)
        return run

    return register


# let "-5" reach the amount parser (and get a clear message) instead of being
# taken for an unknown option
NUMBER_ARGS = {"ignore_unknown_options": True}

FormOpt = Annotated[
    str,
    typer.Option(
        "--form",
        "-f",
        metavar="FORM",
        help="Form id, name, alias or formula (e.g. citrate, 'Epsom salt', MgO).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
PlainOpt = Annotated[bool, typer.Option("--plain", help="Print only the headline number.")]
CatalogueOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        metavar="FILE",
        help=f"Use this catalogue YAML instead of the packaged one (or set {CATALOGUE_ENV}).",
        show_default=False,
    ),
]


def reference(catalogue: Path | None) -> Reference:
    """The data bundle: the packaged data, with --catalogue or $MGCALC_CATALOGUE replacing the forms."""
    from mgcalc.reference import load_reference

    path = catalogue if catalogue is not None else (os.environ.get(CATALOGUE_ENV) or None)
    return load_reference(path)


def mode(json_: bool, plain: bool = False) -> Mode:
    """The output mode from --json/--plain."""
    if json_ and plain:
        raise MgcalcError("choose one of --json and --plain")
    return Mode.JSON if json_ else Mode.PLAIN if plain else Mode.HUMAN


#: The profile options every dosing command and `check` take (see with_profile).
PROFILE_OPTIONS: list[tuple[str, Any, Any]] = [
    (
        "age",
        Annotated[
            float | None, typer.Option("--age", metavar="YEARS", help="Age in years.", show_default=False)
        ],
        None,
    ),
    (
        "sex",
        Annotated[
            Sex | None, typer.Option("--sex", help="Sex, for the reference intake.", show_default=False)
        ],
        None,
    ),
    ("pregnant", Annotated[bool, typer.Option("--pregnant", help="Pregnant.")], False),
    ("lactating", Annotated[bool, typer.Option("--lactating", help="Breastfeeding.")], False),
    (
        "egfr",
        Annotated[
            float | None,
            typer.Option("--egfr", metavar="ML_MIN", help="eGFR, mL/min/1.73m2 (0-200).", show_default=False),
        ],
        None,
    ),
    (
        "ckd_stage",
        Annotated[
            str | None,
            typer.Option(
                "--ckd-stage", metavar="STAGE", help="CKD stage 1, 2, 3, 3a, 3b, 4 or 5.", show_default=False
            ),
        ],
        None,
    ),
    (
        "drug",
        Annotated[
            list[str] | None,
            typer.Option("--drug", metavar="NAME", help="A medicine taken, generic or brand (repeat)."),
        ],
        None,
    ),
    (
        "condition",
        Annotated[
            list[str] | None,
            typer.Option(
                "--condition",
                metavar="NAME",
                help="chronic-diarrhea, myasthenia-gravis, heart-block, pregnancy, ckd, dialysis (repeat).",
            ),
        ],
        None,
    ),
    (
        "per_day",
        Annotated[int, typer.Option("--per-day", metavar="N", help="Intakes a day (for the daily amount).")],
        1,
    ),
    (
        "standard",
        Annotated[Standard, typer.Option("--standard", help="Reference values: us (IOM) or eu (EFSA/SCF).")],
        Standard.us,
    ),
    (
        "fail_on",
        Annotated[
            FailOn | None,
            typer.Option(
                "--fail-on", help="Exit 3 if a caution of this level or above applies.", show_default=False
            ),
        ],
        None,
    ),
]


def with_profile(*, per_day: bool = True) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Give a command the profile options; it receives them as ``profile`` and ``fail_on``.

    The options are added to the command's signature (which typer reads), so
    each command declares only its own options.
    """

    def decorate(func: Callable[..., int]) -> Callable[..., int]:
        sig = inspect.signature(func, eval_str=True)
        own = [p for name, p in sig.parameters.items() if name not in ("profile", "fail_on")]
        options = [o for o in PROFILE_OPTIONS if per_day or o[0] != "per_day"]
        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, annotation, default in options
        ]

        @functools.wraps(func)
        def run(**kwargs: Any) -> int:
            values = {name: kwargs.pop(name) for name, _, _ in options}
            fail_on = values.pop("fail_on")
            # typer has already checked every type; core.safety.check_profile checks the values
            profile = Profile.model_construct(
                age=values["age"],
                sex=values["sex"].value if values["sex"] is not None else None,
                pregnant=values["pregnant"],
                lactating=values["lactating"],
                egfr=values["egfr"],
                ckd_stage=values["ckd_stage"],
                drugs=values["drug"] or [],
                conditions=values["condition"] or [],
                per_day=values.get("per_day", 1),
                standard=values["standard"].value,
            )
            return func(profile=profile, fail_on=fail_on, **kwargs)

        run.__signature__ = sig.replace(parameters=[*own, *extra], return_annotation=int)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in [*own, *extra]}
        return run

    return decorate


def _check(ref: Reference, profile: Profile) -> Profile:
    from mgcalc.core.safety import check_profile

    return check_profile(ref, profile)


def _amount(
    ref: Reference, text: str, what: str = "amount", *, elemental: bool = True, flag: str = "--elemental"
) -> float:
    """An amount in mg, by the one amount grammar (mmol and mEq of magnesium need ``elemental``)."""
    from mgcalc.core.units import read_amount

    a = read_amount(text, what, ref.catalogue.constants)
    if a.molar and not elemental:
        raise MgcalcError(
            f"'{literal(a.text)}' is an amount of magnesium itself (mmol/mEq), not a compound weight"
            + (f": add {flag}" if flag else ""),
            field=what,
        )
    return a.mg


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
    count: Annotated[
        int, typer.Option("--count", "-n", metavar="N", help="Number of tablets or servings.")
    ] = 1,
    elemental: Annotated[
        bool,
        typer.Option("--elemental", help="AMOUNT is already elemental Mg (a Supplement Facts line)."),
    ] = False,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Elemental magnesium, mmol and mEq in a label amount of a compound, with cautions.

    Example: mgcalc label 500 --form citrate
    """
    from mgcalc.cli.views import label_plain_note, label_view
    from mgcalc.core.dosing import label as label_calc

    m = mode(json_, plain)
    ref = reference(catalogue)
    r = label_calc(
        ref,
        _amount(ref, amount, elemental=elemental),
        form,
        count=count,
        elemental=elemental,
        profile=_check(ref, profile),
    )
    return finish(
        r,
        mode=m,
        view=lambda: label_view(r),
        plain=lambda: r.compound_mg if elemental else r.elemental_mg,
        cautions=r.cautions,
        fail_on=fail_on,
        note=lambda: label_plain_note(r),
    )


@command(context_settings=NUMBER_ARGS)
@with_profile()
def dose(
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="Elemental magnesium wanted: 300, 300mg, 0.3g.")
    ],
    form: FormOpt,
    tablet: Annotated[
        str | None,
        typer.Option(
            "--tablet", metavar="AMOUNT", help="Compound weight of one tablet: gives whole tablet counts."
        ),
    ] = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Compound weight that delivers TARGET mg of elemental magnesium, with cautions.

    Example: mgcalc dose 300 --form glycinate --tablet 1000
    """
    from mgcalc.cli.views import dose_view
    from mgcalc.core.dosing import dose as dose_calc

    m = mode(json_, plain)
    ref = reference(catalogue)
    tablet_mg = _amount(ref, tablet, "tablet", elemental=False, flag="") if tablet is not None else None
    r = dose_calc(
        ref, _amount(ref, target, "target"), form, tablet_mg=tablet_mg, profile=_check(ref, profile)
    )
    return finish(
        r,
        mode=m,
        view=lambda: dose_view(r),
        plain=lambda: r.compound_mg,
        cautions=r.cautions,
        fail_on=fail_on,
    )


WithMealOpt = Annotated[
    bool, typer.Option("--with-meal", help="Each dose taken with a meal (see --meal-mg).")
]
MealOpt = Annotated[
    float | None,
    typer.Option(
        "--meal-mg",
        metavar="MG",
        help="Mg in the meal, mg (default from the absorption data).",
        show_default=False,
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
    splits: Annotated[int, typer.Option("--splits", metavar="N", help="Compare 1..N equal doses a day.")] = 4,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Estimated absorbed magnesium, and the gain from splitting the daily amount.

    Estimates for a healthy adult: the saturable + linear model of Fine et al. 1991,
    scaled by each form's relative bioavailability. Example: mgcalc absorb 400 --form citrate --elemental
    """
    from mgcalc.cli.views import absorb_view
    from mgcalc.core.estimates import absorb as absorb_calc

    m = mode(json_, plain)
    ref = reference(catalogue)
    r = absorb_calc(
        ref,
        _amount(ref, amount, elemental=elemental),
        form,
        elemental=elemental,
        splits=splits,
        with_meal=with_meal,
        meal_mg=meal_mg,
        profile=_check(ref, profile),
    )
    return finish(
        r,
        mode=m,
        view=lambda: absorb_view(r),
        plain=lambda: r.absorbed_mg,
        cautions=r.cautions,
        fail_on=fail_on,
    )


def _prices(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        try:
            price = float(value)
        except ValueError:
            price = float("nan")
        if not sep or not name.strip() or not (0 <= price <= 1e9):
            raise MgcalcError(
                f"--price takes FORM=PRICE with a price from 0 to 1e9, e.g. citrate=12.50, not '{literal(item)}'"
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
        list[str] | None,
        typer.Option("--form", "-f", metavar="FORM", help="A form to compare (repeat); default: all."),
    ] = None,
    price: Annotated[
        list[str] | None,
        typer.Option("--price", metavar="FORM=PRICE", help="The price of AMOUNT of that form (repeat)."),
    ] = None,
    elemental: ElementalOpt = False,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """The same amount across forms: elemental, absorbed (estimate), laxative, cost per 100 mg absorbed.

    Example: mgcalc compare 500 --form citrate --form oxide --price citrate=9 --price oxide=4
    """
    from mgcalc.cli.views import compare_view
    from mgcalc.core.estimates import compare as compare_calc

    m = mode(json_)
    ref = reference(catalogue)
    r = compare_calc(
        ref,
        _amount(ref, amount, elemental=elemental),
        form or None,
        prices=_prices(price or []),
        elemental=elemental,
        with_meal=with_meal,
        meal_mg=meal_mg,
        profile=_check(ref, profile),
    )
    return finish(
        r,
        mode=m,
        view=lambda: compare_view(r),
        cautions=[*r.cautions, *(c for row in r.rows for c in row.cautions)],
        fail_on=fail_on,
    )


@command()
def curve(
    form: Annotated[list[str], typer.Option("--form", "-f", metavar="FORM", help="A form to plot (repeat).")],
    max_: Annotated[
        str, typer.Option("--max", metavar="AMOUNT", help="Largest elemental dose on the chart.")
    ] = "1000",
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg", metavar="FILE", help="Also save the chart as an SVG picture.", show_default=False
        ),
    ] = None,
    with_meal: WithMealOpt = False,
    meal_mg: MealOpt = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """Chart of absorbed mg and fraction absorbed against elemental dose (estimates).

    Example: mgcalc curve --form citrate --form oxide --svg chart.svg
    """
    from mgcalc.cli.views import curve_svg, curve_view
    from mgcalc.core.estimates import curve as curve_calc

    m = mode(json_)
    ref = reference(catalogue)
    r = curve_calc(ref, form, max_mg=_amount(ref, max_, "max"), with_meal=with_meal, meal_mg=meal_mg)
    if svg is not None:
        try:
            svg.write_text(curve_svg(r), encoding="utf-8")
        except OSError as e:
            raise MgcalcError(f"cannot write '{literal(svg)}': {literal(e.strerror or e)}") from None
    status = finish(r, mode=m, view=lambda: curve_view(r))
    if svg is not None and m is Mode.HUMAN:
        print(f"chart saved to {literal(svg)}", file=sys.stderr)
    return status


@command()
@with_profile(per_day=False)
def check(
    json_: JsonOpt = False,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """The cautions for kidney function, medicines, conditions and age, most severe first.

    Give --egfr or --ckd-stage, and --drug and --condition as often as needed.
    Exit 0 whatever applies, unless --fail-on says otherwise.
    Example: mgcalc check --drug ciprofloxacin --drug levothyroxine --egfr 45
    """
    from mgcalc.cli.views import check_view
    from mgcalc.core.safety import assess

    m = mode(json_)
    ref = reference(None)
    r = assess(ref, _check(ref, profile))
    return finish(
        r, mode=m, view=lambda: check_view(r, bool(profile.drugs)), cautions=r.cautions, fail_on=fail_on
    )


@command()
def intake(
    age: Annotated[float, typer.Option("--age", metavar="YEARS", help="Age in years (0.5 = 6 months).")],
    sex: Annotated[Sex | None, typer.Option("--sex", help="Sex.", show_default=False)] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="Pregnant.")] = False,
    lactating: Annotated[bool, typer.Option("--lactating", help="Breastfeeding.")] = False,
    standard: Annotated[
        Standard, typer.Option("--standard", help="us (IOM 1997) or eu (EFSA 2015, SCF 2001).")
    ] = Standard.us,
    json_: JsonOpt = False,
) -> int:
    """Reference intake (RDA or AI) and the upper level for supplemental magnesium.

    Example: mgcalc intake --age 40 --sex female
    """
    from mgcalc.cli.views import intake_view
    from mgcalc.core.intake import life_state
    from mgcalc.core.intake import reference as intake_reference

    m = mode(json_)
    ref = reference(None)
    sex_ = sex.value if sex is not None else None
    state = life_state(pregnant, lactating, sex_)  # type: ignore[arg-type]
    r = intake_reference(ref, age, sex_, state, standard.value)  # type: ignore[arg-type]
    return finish(r, mode=m, view=lambda: intake_view(r, ref))


def _stdin_lines() -> Iterator[str]:
    """Lines of stdin as text; a hint on stderr when stdin is a terminal."""
    import io

    if sys.stdin is None:
        raise MgcalcError("standard input is closed: give the text or a file")
    try:
        if sys.stdin.isatty():
            print("mgcalc: reading from the terminal; end with Ctrl-D (or give a file)", file=sys.stderr)
        buffer = sys.stdin.buffer
    except (AttributeError, ValueError, OSError):
        raise MgcalcError("standard input is closed: give the text or a file") from None
    return iter(io.TextIOWrapper(buffer, encoding="utf-8-sig", errors="replace", newline=""))


@command()
def parse(
    text: Annotated[
        str | None,
        typer.Argument(metavar="TEXT", help="A label line; omit it (or give -) to read lines from stdin."),
    ] = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """Read a label line: elemental or compound weight and why, forms, elemental mg, the trap.

    With several lines on stdin, one result each; a line it cannot read is an
    error for that line (exit 1 at the end), never a guess.
    Example: mgcalc parse "Magnesium (as magnesium citrate) 200 mg 48% DV"
    """
    from mgcalc.cli.output import to_json
    from mgcalc.cli.terminal import current, emit
    from mgcalc.cli.views import parse_view
    from mgcalc.core.labels import parse_label
    from mgcalc.schema.records import ParseError, ParseLine

    m = mode(json_)
    ref = reference(catalogue)
    if text is not None and text != "-":
        r = parse_label(ref, text)
        return finish(r, mode=m, view=lambda: parse_view(r))
    env = current()
    failed = False
    for n, line in enumerate(_stdin_lines(), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            r = parse_label(ref, line)
        except MgcalcError as e:
            failed = True
            if m is Mode.JSON:
                env.out.write(to_json(ParseError(line=n, text=line, error=str(e))) + "\n")
            else:
                env.out.write(f"line {n}: error: {literal(e, 1000)}\n")
            continue
        if m is Mode.JSON:
            env.out.write(to_json(ParseLine(line=n, **r.model_dump())) + "\n")
        else:
            emit(parse_view(r, n), env)
    return ExitStatus.RECORDS_FAILED if failed else ExitStatus.OK


@command()
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
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first bad record.")] = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Label many records: CSV or NDJSON in, one NDJSON (or CSV) record out per record, in order.

    Input columns: amount, form, and optional unit, basis (compound or
    elemental), count, id; or a text column of label lines. With
    --input-format dsld: DSLD label records (a JSON array or NDJSON), one
    panel result per label. A bad record becomes an error record and the rest
    go on; exit 1 if any failed.
    Example: mgcalc batch labels.csv --output-format csv > out.csv
    """
    from mgcalc.cli.batch_io import run_batch

    ref = reference(catalogue)
    _check(ref, profile)
    return run_batch(
        ref,
        file,
        input_format=None if input_format is None else input_format.value,
        output_format=output_format.value,
        fail_fast=fail_fast,
        profile=profile,
        fail_on=fail_on,
    )


#: Largest panel or DSLD record file read (a multivitamin record is about 25 kB).
MAX_PANEL_BYTES = 5_000_000


def _read_text(file: str) -> str:
    """The whole of ``file`` (or stdin for -) as text, capped at MAX_PANEL_BYTES."""
    if file == "-":
        text = "".join(_stdin_lines())
    else:
        try:
            with open(file, "rb") as fh:
                raw = fh.read(MAX_PANEL_BYTES + 1)
        except OSError as e:
            raise MgcalcError(
                f"cannot read '{literal(file)}': {literal(e.strerror or e)}", field="file"
            ) from None
        text = raw.decode("utf-8-sig", errors="replace")
    if len(text) > MAX_PANEL_BYTES:
        raise MgcalcError(
            f"'{literal(file)}' is over {MAX_PANEL_BYTES:,} bytes: a panel is far smaller", field="file"
        )
    return text


@command()
@with_profile()
def panel(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="A Supplement Facts or Drug Facts panel as text, or a DSLD label record (.json); - for stdin.",
        ),
    ] = "-",
    dsld: Annotated[
        bool, typer.Option("--dsld", help="FILE is a DSLD label record (JSON), whatever its name.")
    ] = False,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Read a whole panel: each magnesium line and its role, elemental Mg per serving, checks, cautions.

    Nested per-form rows are counted once with their parent; Drug Facts actives
    are per their measure ("in each 15 mL"); --per-day is servings a day (a DSLD
    record's maxDailyServings otherwise). Exit 1 if a line naming magnesium
    could not be read. Example: mgcalc panel label.txt --age 70
    """
    from mgcalc.cli.views import panel_view
    from mgcalc.core.panel import panel as panel_calc
    from mgcalc.core.panel import read_panel_text

    m = mode(json_)
    ref = reference(catalogue)
    prof = _check(ref, profile)
    text = _read_text(file)
    if dsld or file.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        from mgcalc.core.dsld import read_dsld, read_label

        records = list(read_dsld(text.splitlines(keepends=True)))
        if not records:
            raise MgcalcError(f"'{literal(file)}' holds no DSLD label record", field="file")
        if len(records) > 1:
            raise MgcalcError(
                f"'{literal(file)}' holds {len(records)} records: 'mgcalc panel' reads one label; "
                "use 'mgcalc batch FILE --input-format dsld' for several",
                field="file",
            )
        _, record = records[0]
        if isinstance(record, str):
            raise MgcalcError(f"'{literal(file)}': {record}", field="file")
        r = read_label(ref, record, prof)
    else:
        r = panel_calc(ref, read_panel_text(text), prof)
    status = finish(r, mode=m, view=lambda: panel_view(r), cautions=r.cautions, fail_on=fail_on)
    if status == ExitStatus.OK and any(x.error for x in r.lines):
        return ExitStatus.RECORDS_FAILED
    return status


@command(context_settings=NUMBER_ARGS)
def convert(
    value: Annotated[
        str, typer.Argument(metavar="VALUE", help="A number, with its unit or followed by it: 400, 4mmol.")
    ],
    unit: Annotated[
        str | None,
        typer.Argument(
            metavar="UNIT",
            help="mg, g, mcg, mmol, mEq (elemental magnesium) or mg/dL, mmol/L, mEq/L (serum).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """Convert elemental magnesium mg <-> mmol <-> mEq, or serum magnesium mg/dL <-> mmol/L <-> mEq/L.

    A serum value is placed against the reference range (IOM 1997).
    Example: mgcalc convert 2.1 mg/dL
    """
    from mgcalc.cli.views import convert_view
    from mgcalc.core.convert import convert as convert_calc

    m = mode(json_)
    ref = reference(catalogue)
    r = convert_calc(ref, value, unit)
    return finish(r, mode=m, view=lambda: convert_view(r))


@command()
def plan(
    regimen: Annotated[Path, typer.Argument(metavar="REGIMEN", help="A regimen YAML file (see the README).")],
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", metavar="FILE", help="Also write a one-page printable handout.", show_default=False
        ),
    ] = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            metavar="FILE",
            help="Also write the magnesium times as daily calendar reminders.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on", help="Exit 3 if a caution of this level or above applies.", show_default=False
        ),
    ] = None,
    catalogue: CatalogueOpt = None,
) -> int:
    """A day's plan: every product and medicine together, the daily total, and a timetable.

    Every magnesium time keeps every separation rule against every medicine time,
    in the direction each rule states. Example: mgcalc plan regimen.yaml --html plan.html
    """
    from mgcalc import __version__
    from mgcalc.cli.plan_io import handout_html, read_panels, read_regimen, write_ics
    from mgcalc.cli.views import plan_view
    from mgcalc.core.plan import plan as plan_calc

    m = mode(json_)
    ref = reference(catalogue)
    reg = read_regimen(regimen)
    r = plan_calc(ref, reg, read_panels(ref, reg, regimen.parent))
    if html is not None:
        try:
            html.write_text(handout_html(r, reg, __version__), encoding="utf-8")
        except OSError as e:
            raise MgcalcError(
                f"cannot write '{literal(html)}': {literal(e.strerror or e)}", field="html"
            ) from None
    if ics is not None:
        write_ics(r, ics)
    status = finish(r, mode=m, view=lambda: plan_view(r), cautions=r.cautions, fail_on=fail_on)
    if r.no_timetable_reason and status == ExitStatus.OK:
        status = ExitStatus.RECORDS_FAILED
    return status


@command()
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
    json_: JsonOpt = False,
    catalogue: CatalogueOpt = None,
) -> int:
    """The form catalogue as a table, one entry in full, or --check a catalogue file.

    Example: mgcalc forms chloride
    """
    from mgcalc.cli.views import form_view, forms_view

    m = mode(json_)
    if check is not None:
        from mgcalc.cli.output import to_json
        from mgcalc.reference import check_catalogue
        from mgcalc.schema.records import CatalogueCheck

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
    f = cat.resolve(form)
    from mgcalc.schema.records import FormEntry

    keys = [*f.sources.elemental_pct, *f.sources.laxative, *(f.absorption.sources if f.absorption else [])]
    details = {k: s for k in dict.fromkeys(keys) if (s := ref.source(k)) is not None}
    entry = FormEntry(
        **f.model_dump(),
        family_default=cat.family_default(f).id,
        family_members=[x.id for x in cat.family_of(f)],
        source_details=details,
    )
    return finish(entry, mode=m, view=lambda: form_view(ref, f))


def _fail(message: str, code: int = ExitStatus.BAD_INPUT) -> None:
    try:
        sys.stderr.write(f"mgcalc: error: {literal(message, 1000)}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(code) if code == ExitStatus.OUTPUT_FAILED else sys.exit(code)


def _message(e: MgcalcError) -> str:
    flag = FLAGS.get(e.field or "")
    text = str(e)
    if flag is not None and flag not in text:
        return f"{flag}: {text}"
    return text


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
        sys.stdout.flush()
    except MgcalcError as e:
        _fail(_message(e))
    except typer.TyperException as e:  # click usage errors (vendored click)
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        _fail(message, getattr(e, "exit_code", 2) or 2)
    except typer.Abort:
        _fail("aborted", ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        # piped into head: not an error; stop writing to the closed pipe quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(ExitStatus.OK)
    except KeyboardInterrupt:
        sys.exit(ExitStatus.INTERRUPTED)
    except OSError as e:
        _fail(f"cannot write the output: {e.strerror or e}", ExitStatus.OUTPUT_FAILED)
    except Exception as e:  # a bug: still one line, never a traceback
        _fail(f"internal error ({type(e).__name__}): {e}; please report it", ExitStatus.INTERNAL)
    sys.exit(rc if isinstance(rc, int) else 0)
