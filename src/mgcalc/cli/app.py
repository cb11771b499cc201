"""The mgcalc command line: turns arguments into inputs, calls the core, hands results to ``finish``."""

from __future__ import annotations

import enum
import functools
import inspect
import itertools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from mgcalc.cli.output import ExitStatus, FailOn, Mode, finish
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import Profile

HELP_NAMES = {"help_option_names": ["-h", "--help"]}
APP_SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": HELP_NAMES,
}
HELP = (
    "Magnesium supplement calculator: elemental magnesium from label weights, "
    "with the salt or hydrate used and its sources. Absorbed figures are estimates "
    "for a healthy adult (Fine et al., J Clin Invest 1991;88:396, scaled by form)."
)
EPILOG = """\b
Examples:
  mgcalc label 500 --form citrate
  mgcalc label 500 --form citrate --drug levothyroxine --age 70
  mgcalc dose 300 --form glycinate --tablet 1000
  mgcalc batch labels.csv > results.ndjson
  mgcalc COMMAND --help

\b
Exit codes: 0 ok, 1 records failed, 2 bad input, 3 --fail-on triggered,
4 output failed, 70 internal error, 130 interrupted.
Completion (bash): eval "$(_MGCALC_COMPLETE=source_bash mgcalc)"
(zsh: source_zsh, fish: source_fish; see docs/output.md).

\b
Docs: README.md and docs/ in the mgcalc repository (every option: docs/reference.md)."""

#: Each command's page in the repository's docs/ (the last line of its -h; docs/reference.md).
DOCS_PAGES = {
    "label": "docs/guide/read-a-bottle.md",
    "dose": "docs/guide/read-a-bottle.md",
    "absorb": "docs/absorption.md",
    "compare": "docs/absorption.md",
    "curve": "docs/absorption.md",
    "check": "docs/guide/check-medicines.md",
    "intake": "docs/guide/check-medicines.md",
    "parse": "docs/guide/read-a-bottle.md",
    "batch": "docs/guide/batch.md",
    "panel": "docs/guide/read-a-bottle.md",
    "convert": "docs/guide/read-a-bottle.md",
    "plan": "docs/guide/plan-a-day.md",
    "forms": "docs/guide/read-a-bottle.md",
}


class Command(TyperCommand):
    """A command whose help shows real metavars, and which names a mistyped option.

    Unknown options are let through to the arguments (so that "-5" reaches the
    amount parser and gets a clear message), except that anything that looks
    like an option and is not one is refused here with the closest option.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _refuse_unknown_options(self, ctx, args)
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for p in self.get_params(ctx):
            if p.param_type_name == "argument":
                name = p.metavar or (p.name or "").upper()
                pieces.append(name if p.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for p in self.get_params(ctx):
            record = p.get_help_record(ctx)
            if record is None:
                continue
            if p.param_type_name == "argument":
                args.append((p.metavar or (p.name or "").upper(), record[1]))
            else:
                opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)


_NUMBER = re.compile(r"-(\d|\.\d)")


def _refuse_unknown_options(command: Any, ctx: Any, args: list[str]) -> None:
    """Raise NoSuchOption (with the closest option) for an argument that looks like an unknown option."""
    takes_value: dict[str, bool] = {}
    for p in command.get_params(ctx):
        for opt in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ())):
            if p.param_type_name == "option":
                takes_value[opt] = not (p.is_flag or p.count)
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--":
            return
        if not arg.startswith("-") or arg == "-" or _NUMBER.match(arg):
            continue
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
        if name in takes_value:
            skip = takes_value[name] and arg == name
            continue
        from difflib import get_close_matches

        from typer._click.exceptions import NoSuchOption

        close = get_close_matches(name, [o for o in takes_value if o.startswith("--")], n=1)
        hint = (
            f"; did you mean {close[0]}?" if close else f"; see 'mgcalc {ctx.info_name.split()[-1]} --help'"
        )
        raise NoSuchOption(name, message=f"no such option: {literal(name)}{hint}", ctx=ctx)


#: name -> what builds the command: (function, options) for typer. A command's
#: signature is read (its annotations evaluated) only when it is built: for the one
#: command run (see main), or for all of them when the whole app is (``app``).
COMMANDS: dict[str, Callable[[], tuple[Callable[..., None], dict[str, Any]]]] = {}

#: Environment variable naming a user catalogue, like --catalogue (read here, in the shell only).
CATALOGUE_ENV = "MGCALC_CATALOGUE"
#: Environment variable that asks for shell completion (typer's protocol).
COMPLETE_ENV = "_MGCALC_COMPLETE"

#: Domain field names (MgcalcError.field) -> what the person typed.
FLAGS = {
    "amount": "AMOUNT",
    "concentration": "--concentration",
    "target": "TARGET",
    "text": "TEXT",
    "file": "FILE",
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
    "delimiter": "--delimiter",
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


class Color(enum.StrEnum):
    """--color."""

    auto = "auto"
    always = "always"
    never = "never"


ColorOpt = Annotated[
    Color,
    typer.Option(
        "--color",
        help="Colour: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), always or never.",
    ),
]
SourcesOpt = Annotated[
    bool, typer.Option("--sources", help="Print the sources' full citations (default: short ones).")
]
BriefOpt = Annotated[bool, typer.Option("--brief", help="Print no source footnotes.")]
NoPagerOpt = Annotated[
    bool,
    typer.Option(
        "--no-pager",
        help="Never page: by default output taller than the terminal goes through $MGCALC_PAGER, "
        "$PAGER or less -FRX (never when piped).",
    ),
]


def command(
    *, examples: list[str], footnotes: bool = False, **options: Any
) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register a command: it returns an ExitStatus, which becomes the process exit code.

    Every command gets --color and --no-pager (and, with ``footnotes``,
    --sources and --brief) and its ``examples`` at the end of its help. Text arguments must
    be UTF-8 (file names may be any bytes); a closed pipe on stdout ends the
    command quietly with exit 0.
    """

    def register(func: Callable[..., int]) -> Callable[..., int]:
        COMMANDS[func.__name__] = functools.cache(lambda: build(func))
        return func

    def build(func: Callable[..., int]) -> tuple[Callable[..., None], dict[str, Any]]:
        per_day = getattr(func, PROFILE_MARK, None)
        if per_day is not None:
            func = _profiled(func, per_day=per_day)
        sig = inspect.signature(func, eval_str=True)
        extra = [
            inspect.Parameter(
                "color", inspect.Parameter.KEYWORD_ONLY, default=Color.auto, annotation=ColorOpt
            ),
            inspect.Parameter(
                "no_pager", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=NoPagerOpt
            ),
        ]
        if footnotes:
            extra += [
                inspect.Parameter(
                    "sources", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=SourcesOpt
                ),
                inspect.Parameter(
                    "brief", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=BriefOpt
                ),
            ]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> None:
            from mgcalc.cli import started
            from mgcalc.cli.terminal import current

            started()

            env = current()
            color = kwargs.pop("color")
            if color is not Color.auto:  # auto: as the environment says (an injected one, in tests)
                env.color = color is Color.always
            if kwargs.pop("no_pager"):
                env.paging = False
            if footnotes:
                env.footnote_flags = True
                full, brief = kwargs.pop("sources"), kwargs.pop("brief")
                if full and brief:
                    raise MgcalcError("choose one of --sources and --brief")
                if full or brief:
                    env.sources = "full" if full else "none"
            _check_text(kwargs)
            try:
                status = func(*args, **kwargs)
            except BrokenPipeError:
                _pipe_closed()
            if status:
                raise typer.Exit(int(status))

        params = [*sig.parameters.values(), *extra]
        run.__signature__ = sig.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        lines = "\n".join(f"  {e}" for e in examples)
        page = DOCS_PAGES.get(func.__name__)
        docs = f"\n\n\b\nSee {page} in the mgcalc repository." if page else ""
        options.setdefault("epilog", f"\b\nExamples:\n{lines}{docs}")
        options["cls"] = Command
        options.setdefault("short_help", (func.__doc__ or "").strip().split("\n")[0])
        options["context_settings"] = {**HELP_NAMES, **options.get("context_settings", {})}
        return run, options

    return register


#: Parameters holding file names, which may be any bytes (the others must be UTF-8 text).
PATH_PARAMS = frozenset({"file"})


def _check_text(values: dict[str, Any]) -> None:
    """Refuse text arguments that are not valid UTF-8 (undecodable bytes in argv)."""
    for name, value in values.items():
        if name in PATH_PARAMS:
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    raw = v.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                    raise MgcalcError(f"is not valid UTF-8 text: '{literal(raw)}'", field=name) from None


def _pipe_closed() -> NoReturn:
    """stdout is a closed pipe (``mgcalc ... | head -1``): not an error. Stop quietly with exit 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    raise SystemExit(ExitStatus.OK)


# let "-5" reach the amount parser (and get a clear message) instead of being
# taken for an unknown option
NUMBER_ARGS = {"ignore_unknown_options": True}


def complete_form(incomplete: str) -> list[str]:
    """Shell completion of --form: the catalogue ids (and aliases) that start with what was typed."""
    from mgcalc.reference import packaged_reference

    typed = incomplete.lower()
    names = [n for f in packaged_reference().catalogue.forms for n in (f.id, *f.aliases)]
    return [n for n in dict.fromkeys(names) if n.lower().startswith(typed) and " " not in n]


FormOpt = Annotated[
    str,
    typer.Option(
        "--form",
        "-f",
        metavar="FORM",
        help="Form id, name, alias or formula (e.g. citrate, 'Epsom salt', MgO).",
        autocompletion=complete_form,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
PlainOpt = Annotated[bool, typer.Option("--plain", help="Print only the headline number.")]
FieldsOpt = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="a,b,c",
        help="Only these fields in each JSON record, after line and id (names in docs/guide/batch.md).",
        show_default=False,
    ),
]
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


def mode(json_: bool, plain: bool = False) -> str:
    """The output mode from --json/--plain."""
    if json_ and plain:
        raise MgcalcError("choose one of --json and --plain")
    return Mode.JSON if json_ else Mode.PLAIN if plain else Mode.HUMAN


@functools.cache
def profile_options() -> list[tuple[str, Any, Any]]:
    """The profile options every dosing command and `check` take (see with_profile): built when a
    command taking them is."""
    return [
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
                typer.Option(
                    "--egfr", metavar="ML_MIN", help="eGFR, mL/min/1.73m2 (0-200).", show_default=False
                ),
            ],
            None,
        ),
        (
            "ckd_stage",
            Annotated[
                str | None,
                typer.Option(
                    "--ckd-stage",
                    metavar="STAGE",
                    help="CKD stage 1, 2, 3, 3a, 3b, 4 or 5.",
                    show_default=False,
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
            Annotated[
                int, typer.Option("--per-day", metavar="N", help="Intakes a day (for the daily amount).")
            ],
            1,
        ),
        (
            "standard",
            Annotated[
                Standard, typer.Option("--standard", help="Reference values: us (IOM) or eu (EFSA/SCF).")
            ],
            Standard.us,
        ),
        (
            "fail_on",
            Annotated[
                FailOn | None,
                typer.Option(
                    "--fail-on",
                    help="Exit 3 if a caution of this level or above applies.",
                    show_default=False,
                ),
            ],
            None,
        ),
    ]


#: Attribute marking a command that takes the profile options (see with_profile).
PROFILE_MARK = "_mgcalc_profile"


def with_profile(*, per_day: bool = True) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Give a command the profile options; it receives them as ``profile`` and ``fail_on``.

    The options are added to the command's signature (which typer reads) when
    the command is built, so each command declares only its own options.
    """

    def decorate(func: Callable[..., int]) -> Callable[..., int]:
        setattr(func, PROFILE_MARK, per_day)
        return func

    return decorate


def _profiled(func: Callable[..., int], *, per_day: bool) -> Callable[..., int]:
    """``func`` with the profile options in its signature, called with ``profile`` and ``fail_on``."""
    sig = inspect.signature(func, eval_str=True)
    own = [p for name, p in sig.parameters.items() if name not in ("profile", "fail_on")]
    options = [o for o in profile_options() if per_day or o[0] != "per_day"]
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


@command(
    footnotes=True,
    examples=[
        "mgcalc label 500 --form citrate",
        'mgcalc label "500 mg" --form "Epsom salt" --count 2',
        "mgcalc label 200 --form glycinate --elemental --drug levothyroxine --age 70",
        "mgcalc label 500 --form citrate --plain",
    ],
    context_settings=NUMBER_ARGS,
)
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
    concentration: Annotated[
        str | None,
        typer.Option(
            "--concentration",
            metavar="CONC",
            help="For a volume AMOUNT (5 mL, 1 teaspoon, 1 fl oz): the mass in a measure, '290 mg per 30 mL'.",
        ),
    ] = None,
    json_: JsonOpt = False,
    plain: PlainOpt = False,
    catalogue: CatalogueOpt = None,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """Elemental magnesium, mmol and mEq in a label amount of a compound, with cautions."""
    from mgcalc.cli.views import label_plain_note, label_view
    from mgcalc.core.dosing import label as label_calc

    m = mode(json_, plain)
    ref = reference(catalogue)
    amount_mg: float | None = None
    by_volume: tuple[float, str] | None = None
    if concentration is not None or not amount.replace(".", "", 1).isdigit():
        from mgcalc.core.volumes import dose_from_volume

        by_volume = dose_from_volume(ref, amount, concentration)
        if by_volume is not None:
            amount_mg = by_volume[0]
    r = label_calc(
        ref,
        amount_mg if amount_mg is not None else _amount(ref, amount, elemental=elemental),
        form,
        count=count,
        elemental=elemental,
        profile=_check(ref, profile),
    )
    status = finish(
        r,
        mode=m,
        view=lambda: label_view(r),
        plain=lambda: r.compound_mg if elemental else r.elemental_mg,
        cautions=r.cautions,
        fail_on=fail_on,
        note=lambda: label_plain_note(r),
    )
    if by_volume is not None:  # what the volume was read as, and what was assumed
        from mgcalc.cli.terminal import current

        current().err.write(f"mgcalc: read {literal(by_volume[1])}\n")
    return status


@command(
    footnotes=True,
    examples=[
        "mgcalc dose 300 --form glycinate --tablet 1000",
        "mgcalc dose 300 --form oxide --egfr 45 --json",
    ],
    context_settings=NUMBER_ARGS,
)
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
    """Compound weight that delivers TARGET mg of elemental magnesium, with cautions."""
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


@command(
    footnotes=True,
    examples=[
        "mgcalc absorb 400 --form citrate --elemental",
        "mgcalc absorb 1000 --form glycinate --with-meal --splits 3",
    ],
    context_settings=NUMBER_ARGS,
)
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
    scaled by each form's relative bioavailability.
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


@command(
    footnotes=True,
    examples=[
        "mgcalc compare 500 --form citrate --form oxide --price citrate=9 --price oxide=4",
        "mgcalc compare 200 --elemental --json",
    ],
    context_settings=NUMBER_ARGS,
)
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
        typer.Option(
            "--form",
            "-f",
            metavar="FORM",
            help="A form to compare (repeat); default: all.",
            autocompletion=complete_form,
        ),
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
    """The same amount across forms: elemental, absorbed (estimate), laxative, cost per 100 mg absorbed."""
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


@command(examples=["mgcalc curve --form citrate --form oxide --svg chart.svg"])
def curve(
    form: Annotated[
        list[str],
        typer.Option(
            "--form", "-f", metavar="FORM", help="A form to plot (repeat).", autocompletion=complete_form
        ),
    ],
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
    """Chart of absorbed mg and fraction absorbed against elemental dose (estimates)."""
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


@command(
    footnotes=True,
    examples=[
        "mgcalc check --drug ciprofloxacin --drug levothyroxine --egfr 45",
        "mgcalc check --condition dialysis --fail-on avoid",
    ],
)
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
    """
    from mgcalc.cli.views import check_view
    from mgcalc.core.safety import assess

    m = mode(json_)
    ref = reference(None)
    r = assess(ref, _check(ref, profile))
    return finish(
        r, mode=m, view=lambda: check_view(r, bool(profile.drugs)), cautions=r.cautions, fail_on=fail_on
    )


@command(
    footnotes=True,
    examples=["mgcalc intake --age 40 --sex female", "mgcalc intake --age 2 --standard eu --json"],
)
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
    """Reference intake (RDA or AI) and the upper level for supplemental magnesium."""
    from mgcalc.cli.views import intake_view
    from mgcalc.core.intake import life_state
    from mgcalc.core.intake import reference as intake_reference

    m = mode(json_)
    ref = reference(None)
    sex_ = sex.value if sex is not None else None
    state = life_state(pregnant, lactating, sex_)  # type: ignore[arg-type]
    r = intake_reference(ref, age, sex_, state, standard.value)  # type: ignore[arg-type]
    return finish(r, mode=m, view=lambda: intake_view(r, ref))


def _fields(
    text: str | None, allowed: tuple[str, ...], always: tuple[str, ...] = ()
) -> tuple[str, ...] | None:
    """--fields of parse and panel: names checked against the result's fields (None: all)."""
    if text is None:
        return None
    from mgcalc.core.batch import parse_fields

    return parse_fields(text, allowed, always)


def _pick(result: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """Only ``fields`` of a result, in that order, as JSON data."""
    from mgcalc.cli.output import json_ready

    data = json_ready(result)
    return {k: data[k] for k in dict.fromkeys(fields) if k in data}


@command(
    examples=[
        'mgcalc parse "Magnesium (as magnesium citrate) 200 mg 48% DV"',
        "mgcalc parse --json < label-lines.txt",
    ]
)
def parse(
    text: Annotated[
        str | None,
        typer.Argument(metavar="TEXT", help="A label line; omit it (or give -) to read lines from stdin."),
    ] = None,
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
    catalogue: CatalogueOpt = None,
) -> int:
    """Read a label line: elemental or compound weight and why, forms, elemental mg, the trap.

    With several lines on stdin, one result each; a line it cannot read is an
    error for that line (exit 1 at the end), never a guess.
    """
    from mgcalc.cli.batch_io import parse_stdin_lines
    from mgcalc.cli.output import is_utf8, to_json
    from mgcalc.cli.terminal import current, emit
    from mgcalc.cli.views import parse_view
    from mgcalc.core.labels import parse_label
    from mgcalc.schema.records import ParseError, ParseLine

    chosen = _fields(fields, tuple(ParseLine.model_fields), ("line",))
    m = mode(json_ or chosen is not None)
    ref = reference(catalogue)
    if text is not None and text != "-":
        r = parse_label(ref, text)
        return finish(r if chosen is None else _pick(r, chosen), mode=m, view=lambda: parse_view(r))
    env = current()
    ascii_only = not is_utf8(env.out)
    failed = 0
    for n, line, problem in parse_stdin_lines(env):
        error = problem
        if not problem:
            try:
                r = parse_label(ref, line)
            except MgcalcError as e:
                error = str(e)
        if error:
            failed += 1
            if m is Mode.JSON:
                env.out.write(to_json(ParseError(line=n, text=line, error=error), ascii_only) + "\n")
            else:
                env.out.write(f"line {n}: error: {literal(error, 1000)}\n")
        elif m is Mode.JSON:
            result = ParseLine(line=n, **r.model_dump())
            shown = result if chosen is None else _pick(result, ("line", *chosen))
            env.out.write(to_json(shown, ascii_only) + "\n")
        else:
            emit(parse_view(r, n), env)
    if failed:
        env.err.write(f"mgcalc: {failed:,} line(s) could not be read\n")
    return ExitStatus.RECORDS_FAILED if failed else ExitStatus.OK


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
    from mgcalc.cli.batch_io import delimiter as delimiter_char
    from mgcalc.cli.batch_io import run_batch
    from mgcalc.core import batch as b

    if full and fields is not None:
        raise MgcalcError("give --fields or --full, not both", field="fields")
    chosen = None if full else b.DEFAULT_FIELDS if fields is None else b.parse_fields(fields)
    sep = delimiter_char(delimiter)
    ref = reference(catalogue)
    _check(ref, profile)
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


@command(
    footnotes=True,
    examples=[
        "mgcalc panel label.txt --age 70",
        "mgcalc panel record.json --json",
        "pbpaste | mgcalc panel -",
    ],
)
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
    fields: FieldsOpt = None,
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
    from mgcalc.cli.panel_io import read_panel_file
    from mgcalc.cli.views import panel_view
    from mgcalc.core.panel import panel as panel_calc
    from mgcalc.schema.records import PanelResult

    chosen = _fields(fields, tuple(PanelResult.model_fields))
    m = mode(json_ or chosen is not None)
    ref = reference(catalogue)
    prof = _check(ref, profile)
    r = panel_calc(ref, read_panel_file(ref, file, dsld=dsld), prof)
    shown = r if chosen is None else _pick(r, chosen)
    status = finish(shown, mode=m, view=lambda: panel_view(r), cautions=r.cautions, fail_on=fail_on)
    if status == ExitStatus.OK and any(x.error for x in r.lines):
        return ExitStatus.RECORDS_FAILED
    return status


@command(
    footnotes=True,
    examples=["mgcalc convert 400 mg", "mgcalc convert 4 mmol", "mgcalc convert 2.1 mg/dL"],
    context_settings=NUMBER_ARGS,
)
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


@command(
    footnotes=True,
    examples=[
        "mgcalc plan regimen.yaml",
        "mgcalc plan regimen.yaml --html plan.html --ics plan.ics",
        "mgcalc plan regimen.yaml --ics - --ics-medicines > reminders.ics",
        "mgcalc plan regimen.yaml --fhir plan.fhir.json",
        "mgcalc plan regimen.yaml --json",
    ],
)
def plan(
    regimen: Annotated[
        Path, typer.Argument(metavar="REGIMEN", help="A regimen YAML file (see docs/guide/plan-a-day.md).")
    ],
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write a printable handout for the patient ('-': to stdout, the report to stderr).",
            show_default=False,
        ),
    ] = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            metavar="FILE",
            help="Also write the magnesium times as calendar reminders that ring "
            "('-': to stdout, the report to stderr).",
            show_default=False,
        ),
    ] = None,
    ics_medicines: Annotated[
        bool, typer.Option("--ics-medicines", help="Put the medicine times in the --ics calendar too.")
    ] = False,
    fhir: Annotated[
        Path | None,
        typer.Option(
            "--fhir",
            metavar="FILE",
            help="Also write the plan as a FHIR R4 Bundle of MedicationStatements, with their codes "
            "('-': to stdout, the report to stderr).",
            show_default=False,
        ),
    ] = None,
    allow_outside_panels: Annotated[
        bool,
        typer.Option(
            "--allow-outside-panels",
            help="Let the regimen's panel: files be outside its folder (absolute, '..', symlinks).",
        ),
    ] = False,
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
    in the direction each rule states. Files are written whole or not at all (exit 4),
    never over the regimen or a panel it reads. Example: mgcalc plan regimen.yaml --html plan.html
    """
    from mgcalc import __version__
    from mgcalc.cli.plan_io import (
        STDOUT,
        check_outputs,
        fhir_bytes,
        handout_html,
        ics_bytes,
        panel_paths,
        read_panels,
        read_regimen,
        write_output,
    )
    from mgcalc.cli.terminal import Environment, current
    from mgcalc.cli.views import plan_view
    from mgcalc.core.plan import plan as plan_calc

    m = mode(json_)
    if ics_medicines and ics is None:
        raise MgcalcError("--ics-medicines needs --ics FILE")
    outputs = {"--html": html, "--ics": ics, "--fhir": fhir}
    to_stdout = [flag for flag, p in outputs.items() if p is not None and str(p) == STDOUT]
    if to_stdout and m is Mode.JSON:
        raise MgcalcError(f"{to_stdout[0]} - and --json both write to standard output: choose one")
    ref = reference(catalogue)
    reg = read_regimen(regimen)
    inputs = [regimen, *panel_paths(reg, regimen.parent, allow_outside=allow_outside_panels).values()]
    if catalogue is not None:
        inputs.append(catalogue)
    check_outputs(outputs, inputs)
    r = plan_calc(ref, reg, read_panels(ref, reg, regimen.parent, allow_outside=allow_outside_panels))
    files: list[tuple[str, Path, Callable[[], bytes]]] = []
    if html is not None:
        files.append(("--html", html, lambda: handout_html(r, reg, __version__).encode("utf-8")))
    if ics is not None:
        files.append(("--ics", ics, lambda: ics_bytes(r, medicines=ics_medicines, regimen=reg)[0]))
    if fhir is not None:
        files.append(("--fhir", fhir, lambda: fhir_bytes(r, ref.catalogue, reg)))
    for flag, path, data in files:
        try:
            write_output(path, data())
        except BrokenPipeError:
            raise
        except OSError as e:
            _fail(
                f"{flag}: cannot write '{literal(path)}': {literal(e.strerror or e)} (any previous file is unchanged)",
                ExitStatus.OUTPUT_FAILED,
            )
    env = current()
    if to_stdout:  # stdout holds the file: the report goes to stderr, where a person still sees it
        env = Environment(
            stdout=env.err,
            stderr=env.err,
            stdout_isatty=env.err_is_terminal(),
            stderr_isatty=env.err_is_terminal(),
            color=env.color,
            width=env.width,
            environ=env.environ,
            sources=env.sources,
        )
    status = finish(r, mode=m, view=lambda: plan_view(r), cautions=r.cautions, fail_on=fail_on, env=env)
    if m is Mode.HUMAN:
        for flag, path, _ in files:
            if str(path) != STDOUT:
                what = {"--html": "handout", "--ics": "reminders", "--fhir": "FHIR bundle"}[flag]
                print(f"{what} saved to {literal(path)}", file=sys.stderr)
    blocked = any(t.no_timetable_reason or t.unsatisfied for t in r.timetables)
    if (r.no_timetable_reason or r.conflicts or blocked) and status == ExitStatus.OK:
        status = ExitStatus.RECORDS_FAILED
    return status


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


def _version(value: bool) -> None:
    if value:
        from mgcalc import __version__

        print(f"mgcalc {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", is_eager=True, callback=_version, help="Print the version and exit."),
    ] = False,
) -> None:
    """Magnesium supplement calculator."""


@functools.cache
def _full_app() -> typer.Typer:
    """The whole app, every command built (help, --version, completion; the tests)."""
    full = typer.Typer(name="mgcalc", help=HELP, epilog=EPILOG, **{**APP_SETTINGS, "add_completion": True})
    full.callback()(_root)
    for build in COMMANDS.values():
        func, options = build()
        full.command(**options)(func)
    return full


def __getattr__(name: str) -> Any:
    """``app``, the whole typer app, is built on first use."""
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _exit_now(code: int) -> NoReturn:
    """Exit at once with ``code``: what can be flushed is, nothing is reported twice."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _fail(message: str, code: int = ExitStatus.BAD_INPUT) -> NoReturn:
    try:
        sys.stderr.write(f"mgcalc: error: {literal(message, 1000)}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    if code == ExitStatus.OUTPUT_FAILED:
        _exit_now(code)
    sys.exit(code)


def _message(e: MgcalcError) -> str:
    flag = FLAGS.get(e.field or "")
    text = str(e)
    if flag is not None and flag not in text:
        return f"{flag}: {text}"
    return text


#: Unit words that, written apart from their number ("500 mg"), become an extra argument.
_UNIT_WORDS = frozenset(
    {
        "mg",
        "g",
        "mcg",
        "µg",
        "ug",
        "mmol",
        "meq",
        "milligram",
        "milligrams",
        "gram",
        "grams",
        "microgram",
        "micrograms",
    }
)


def _split_amount_hint(args: list[str]) -> str:
    """'500 mg' unquoted is two arguments: say to quote it or write 500mg."""
    for before, word in itertools.pairwise(args):
        if word.lower() in _UNIT_WORDS and re.fullmatch(r"[\d.,]+", before):
            return (
                f'; an amount and its unit are one argument: write "{literal(before)} {literal(word)}" '
                f"in quotes, or {literal(before)}{literal(word)}"
            )
    return ""


def _single(name: str, args: list[str]) -> int:
    """Run one command as an app of its own.

    typer converts every command of an app before running any; building only
    the one asked for keeps start-up flat as commands are added.
    """
    func, options = COMMANDS[name]()
    single = typer.Typer(**APP_SETTINGS)
    single.command(**options)(func)
    rc = single(args=args, prog_name=f"mgcalc {name}", standalone_mode=False)
    return rc if isinstance(rc, int) else 0


def _prepare_streams() -> None:
    """Check the standard streams before any work.

    A closed stdout is an error (exit 4); closed descriptors are held open on
    /dev/null so that no file mgcalc opens takes their number (a closed stdin
    or stderr is still reported as closed: Python has set them to None); a
    stdout that cannot encode every character escapes what it cannot.
    """
    if sys.stdout is None:
        _fail("standard output is closed: nowhere to write the result", ExitStatus.OUTPUT_FAILED)
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower()
    if encoding not in ("utf-8", "utf8") and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the app; bad input becomes one line on stderr and exit 2.

    Exit codes (ExitStatus): 0 ok, 1 records failed, 2 bad input, 3 --fail-on,
    4 output failed, 70 internal error, 130 interrupted; a closed pipe on
    stdout exits 0 quietly.
    """
    # mgcalc uses no pydantic plugins; looking for them scans every installed
    # package's entry points, the largest single cost of start-up
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = sys.argv[1:] if argv is None else argv
    _prepare_streams()
    completing = bool(os.environ.get(COMPLETE_ENV))
    try:
        if args and args[0] in COMMANDS and not completing:
            rc = _single(args[0], args[1:])
        else:  # the whole app: help (also for a bare 'mgcalc'), --version, shell completion
            rc = _full_app()(
                args=args if args or completing else ["--help"], prog_name="mgcalc", standalone_mode=False
            )
        sys.stdout.flush()
    except MgcalcError as e:
        _fail(_message(e), e.exit_code)
    except typer.TyperException as e:  # click usage errors (vendored click)
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        if "unexpected extra argument" in message:
            message += _split_amount_hint(args)
        _fail(message, getattr(e, "exit_code", 2) or 2)
    except typer.Abort:
        _fail("aborted", ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        _pipe_closed()  # piped into head: not an error
    except KeyboardInterrupt:
        _exit_now(ExitStatus.INTERRUPTED)
    except OSError as e:
        _fail(f"cannot write the output: {e.strerror or e}", ExitStatus.OUTPUT_FAILED)
    except Exception as e:  # a bug: still one line, never a traceback
        _fail(f"internal error ({type(e).__name__}): {e}; please report it", ExitStatus.INTERNAL)
    if rc == ExitStatus.INTERRUPTED:
        _exit_now(ExitStatus.INTERRUPTED)
    sys.exit(rc if isinstance(rc, int) else 0)
