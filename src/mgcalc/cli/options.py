"""What every command shares: the command class, the ``command`` decorator, the options several
commands take (the profile, --form, --json...) and the small input helpers behind them.

A command module (``mgcalc.cli.commands.<name>``) declares its own options and calls
``command`` to register itself; ``mgcalc.cli.app`` builds it into a typer command when it runs.
"""

from __future__ import annotations

import enum
import functools
import inspect
import os
import re
from collections.abc import Callable, Iterator
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.exceptions import BadParameter, NoSuchOption
from typer.core import TyperCommand

from mgcalc.cli import exits
from mgcalc.cli.commands import BUILDER, COMMANDS, HELP_NAMES
from mgcalc.cli.output import FailOn, Mode
from mgcalc.cli.terminal import current
from mgcalc.core.safety import check_profile, person_assessment
from mgcalc.core.units import read_amount
from mgcalc.errors import MgcalcError, literal
from mgcalc.reference import load_reference, packaged_reference
from mgcalc.schema.data import Reference
from mgcalc.schema.inputs import Profile

#: Environment variable naming a user catalogue, like --catalogue (read here, in the shell only).
CATALOGUE_ENV = "MGCALC_CATALOGUE"


class Command(TyperCommand):
    """A command whose help shows real metavars, and which names a mistyped option.

    Unknown options are let through to the arguments (so that "-5" reaches the
    amount parser and gets a clear message), except that anything that looks
    like an option and is not one is refused here with the closest option.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _refuse_unknown_options(self, ctx, args)
        _refuse_digit_separators(self, ctx, args)
        _refuse_empty_paths(self, ctx, args)
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


def _given(command: Any, ctx: Any, args: list[str]) -> Iterator[tuple[str | None, Any, str | None]]:
    """The command line as given, before click reads it: (option name, its parameter or None if
    there is no such option, its value or None for a flag) for each option, and (None, the
    argument's parameter or None, the text) for each argument ("-5" and "-" are arguments;
    everything after "--" too). The one reading the checks below share."""
    options: dict[str, Any] = {}
    arguments: list[Any] = []
    for p in command.get_params(ctx):
        if p.param_type_name == "argument":
            arguments.append(p)
        for opt in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ())):
            if p.param_type_name == "option":
                options[opt] = p
    position = 0
    given = iter(args)
    for arg in given:
        if arg == "--":
            break
        if not arg.startswith("-") or arg == "-" or _NUMBER.match(arg):
            # arguments are matched by position up to the first that takes any number of them
            single = position < len(arguments) and arguments[position].nargs == 1
            yield None, arguments[position] if single else None, arg
            position += 1
            continue
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            attached = value if eq else None
        else:
            name, attached = arg[:2], arg[2:] or None
        param = options.get(name)
        if param is not None and not (param.is_flag or param.count) and attached is None:
            attached = next(given, None)
        yield name, param, attached
    for arg in given:  # after "--": arguments only
        single = position < len(arguments) and arguments[position].nargs == 1
        yield None, arguments[position] if single else None, arg
        position += 1


def _annotation(param: Any) -> Any:
    """The Python type a parameter is declared with (``int``, ``Path``...)."""
    return getattr(getattr(param, "type_descriptor", None), "annotation", None)


def _refuse_unknown_options(command: Any, ctx: Any, args: list[str]) -> None:
    """Raise NoSuchOption (with the closest option) for an argument that looks like an unknown option."""
    for name, param, _ in _given(command, ctx, args):
        if name is None or param is not None:
            continue
        known = [
            o
            for p in command.get_params(ctx)
            if p.param_type_name == "option"
            for o in (*p.opts, *p.secondary_opts)
        ]
        close = get_close_matches(name, [o for o in known if o.startswith("--")], n=1)
        hint = (
            f"; did you mean {close[0]}?" if close else f"; see 'mgcalc {ctx.info_name.split()[-1]} --help'"
        )
        raise NoSuchOption(name, message=f"no such option: {literal(name)}{hint}", ctx=ctx)


def _refuse_digit_separators(command: Any, ctx: Any, args: list[str]) -> None:
    """Raise BadParameter for a number option (``--count``, ``--per-day``, ``--age``...) given with
    a Python digit separator: ``1_0`` is a typo, not ten (the amount grammar refuses ``1_000`` too),
    but Python's ``int`` and ``float`` read it as 10."""
    for name, param, value in _given(command, ctx, args):
        if name is not None and _annotation(param) in (int, float) and value is not None and "_" in value:
            raise BadParameter(
                f"'{literal(value)}' is not a number: '_' is not a digit (a typo, never read as "
                f"{literal(value.replace('_', ''))})",
                ctx=ctx,
                param=param,
            )


def _refuse_empty_paths(command: Any, ctx: Any, args: list[str]) -> None:
    """Raise BadParameter for a file name given as "" (``--catalogue ""``, ``mgcalc plan ""``):
    typer would read it as the current folder, '.', and the error would name a file nobody typed."""
    for _, param, value in _given(command, ctx, args):
        if value == "" and _annotation(param) is Path:
            raise BadParameter("the file name is empty: give a file's path", ctx=ctx, param=param)


class Sex(enum.StrEnum):
    """--sex."""

    female = "female"
    male = "male"


class Standard(enum.StrEnum):
    """--standard."""

    us = "us"
    eu = "eu"


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
    command quietly with exit 0. Its short help (the ``mgcalc --help`` list) is the line
    of ``mgcalc.cli.commands.COMMANDS``.
    """

    def register(func: Callable[..., int]) -> Callable[..., int]:
        setattr(func, BUILDER, functools.cache(lambda: build(func)))
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
            env = current()
            # the options set the shared terminal environment for this command only
            saved = (env.color, env.paging, env.footnote_flags, env.sources)
            try:
                status = _apply(env, kwargs, func, args)
            finally:
                env.color, env.paging, env.footnote_flags, env.sources = saved
            if status:
                raise typer.Exit(int(status))

        def _apply(env: Any, kwargs: dict[str, Any], func: Callable[..., int], args: Any) -> int:
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
                return func(*args, **kwargs)
            except BrokenPipeError:
                exits.pipe_closed()

        params = [*sig.parameters.values(), *extra]
        run.__signature__ = sig.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        lines = "\n".join(f"  {e}" for e in examples)
        page = COMMANDS[func.__name__].docs
        docs = f"\n\n\b\nSee {page} in the mgcalc repository." if page else ""
        options.setdefault("epilog", f"\b\nExamples:\n{lines}{docs}")
        options["cls"] = Command
        options.setdefault("short_help", COMMANDS[func.__name__].summary)
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


# let "-5" reach the amount parser (and get a clear message) instead of being
# taken for an unknown option
NUMBER_ARGS = {"ignore_unknown_options": True}


def complete_form(incomplete: str) -> list[str]:
    """Shell completion of --form: the catalogue ids (and aliases) that start with what was typed."""
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


def catalogue_path(catalogue: Path | None) -> Path | None:
    """The user's catalogue file: --catalogue, else $MGCALC_CATALOGUE, else None (the packaged one)."""
    if catalogue is not None:
        return catalogue
    env = os.environ.get(CATALOGUE_ENV)
    return Path(env) if env else None


def reference(catalogue: Path | None) -> Reference:
    """The data bundle: the packaged data, with --catalogue or $MGCALC_CATALOGUE replacing the forms."""
    return load_reference(catalogue_path(catalogue))


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


def checked(ref: Reference, profile: Profile) -> Profile:
    """The profile, its values checked against the data (bad values: exit 2), before any input
    is read: the medicines named too (a near miss such as 'levothyroxin' is an error, not a
    record-by-record failure), and the conditions and the eGFR against the CKD stage."""
    check_profile(ref, profile)
    person_assessment(ref, profile)  # memoised on the profile: the commands' own checks reuse it
    return profile


def to_mg(
    ref: Reference, text: str, what: str = "amount", *, elemental: bool = True, flag: str = "--elemental"
) -> float:
    """An amount in mg, by the one amount grammar (mmol and mEq of magnesium need ``elemental``)."""
    a = read_amount(text, what, ref.catalogue.constants)
    if a.molar and not elemental:
        raise MgcalcError(
            f"'{literal(a.text)}' is an amount of magnesium itself (mmol/mEq), not a compound weight"
            + (f": add {flag}" if flag else ""),
            field=what,
        )
    return a.mg
