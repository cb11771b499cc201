"""Shared fixtures: the packaged data bundle, and the CLI runners.

``run_cli`` runs ``mgcalc ARGS`` in this process (``mgcalc.cli.main(argv)``) with the standard
streams, the environment and the terminal state a fresh ``python -m mgcalc`` would have, and
returns what ``subprocess.run`` would. ``run_process`` starts the real process: for what only a
process shows (the entry point, signals, closed or full streams, a terminal).
``MGCALC_TEST_PROCESS=1 python -m pytest`` sends every ``run_cli`` to a real process too;
tests/test_inprocess.py holds the two equal.
"""

from __future__ import annotations

import contextlib
import gc
import io
import locale
import os
import signal
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from mgcalc.reference import packaged_reference
from mgcalc.schema.data import Catalogue, Reference

REPO = Path(__file__).resolve().parent.parent

#: Variables the runners remove from the tests' own environment (a test sets them when it means to).
STRIPPED_ENV = ("MGCALC_CATALOGUE", "NO_COLOR")
#: A bound on a hang, not a wait: one mgcalc command takes well under a second.
PROCESS_TIMEOUT = 60


@pytest.fixture(scope="session")
def ref() -> Reference:
    return packaged_reference()


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    return packaged_reference().catalogue


def elemental(amount_mg: float, pct: float = 100.0, decimals: int = 1) -> Decimal:
    """``amount_mg`` x ``pct`` / 100 in exact decimal arithmetic, rounded half-up as people do."""
    exact = Decimal(str(amount_mg)) * Decimal(str(pct)) / 100
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def human_mg(amount_mg: float, pct: float = 100.0, decimals: int = 1) -> str:
    """How mgcalc shows that figure to people: "80.8 mg", "1,000 mg" (a trailing .0 dropped)."""
    text = f"{elemental(amount_mg, pct, decimals):,.{decimals}f}"
    return f"{text.removesuffix('.' + '0' * decimals) if decimals else text} mg"


def cli_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a CLI run gets: this process's, without STRIPPED_ENV, with ``env`` on top."""
    full = {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}
    full.update(env or {})
    return full


def run_process(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mgcalc ARGS`` as a real process (in ``cwd``): stdout and stderr pipes,
    stdin ``input`` (else /dev/null)."""
    return subprocess.run(
        [sys.executable, "-m", "mgcalc", *args],
        capture_output=True,
        text=True,
        env=cli_env(env),
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        cwd=cwd,
        timeout=PROCESS_TIMEOUT,
    )


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``mgcalc ARGS`` as ``python -m mgcalc ARGS`` with stdout and stderr pipes would run it
    (see run_in_process), or as that real process under MGCALC_TEST_PROCESS=1."""
    if os.environ.get("MGCALC_TEST_PROCESS") == "1" or any(map(_process_only, env or {})):
        return run_process(*args, env=env, input=input, cwd=cwd)
    return run_in_process(*args, env=env, input=input, cwd=cwd)


def _process_only(name: str) -> bool:
    """Whether a variable changes how Python itself starts (the locale, the interpreter's
    options): only a new process shows its effect. PYTHONIOENCODING run_in_process applies."""
    if name in ("PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"):
        return False
    return name.startswith(("PYTHON", "LC_")) or name == "LANG"


# ---------------------------------------------------------------- in-process runs


class _ProcessExit(BaseException):
    """os._exit called during an in-process run (the process would end there with ``code``)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _stdio_encoding(env: Mapping[str, str]) -> tuple[str, str]:
    """The encoding and error handler of a child's stdin and stdout on pipes: PYTHONIOENCODING's
    ``encoding:errors`` parts where set, else the locale's and strict (as this process's locale)."""
    enc, _, errors = env.get("PYTHONIOENCODING", "").partition(":")
    return enc or locale.getpreferredencoding(False), errors or "strict"


def _as_text(data: bytes) -> str:
    """Bytes read from a pipe as ``subprocess.run(text=True)`` reads them: the locale's encoding,
    universal newlines."""
    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def _environ(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ is ``env`` inside the block, and what it was before afterwards."""
    before = dict(os.environ)
    for key in [k for k in os.environ if k not in env]:
        del os.environ[key]
    os.environ.update(env)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k not in before]:
            del os.environ[key]
        for key, value in before.items():
            if os.environ.get(key) != value:
                os.environ[key] = value


def _fresh_terminal_environment() -> contextlib.AbstractContextManager[object]:
    """A new mgcalc.cli.terminal.Environment for the run (the commands set their --color, --no-pager
    and --sources on the current one: a process starts with a new one), the old one back after."""
    try:
        from mgcalc.cli.terminal import Environment, use
    except ImportError:  # the shell was reorganised: nothing of that kind to reset
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def fresh() -> Iterator[object]:
        previous = use(Environment())
        try:
            yield None
        finally:
            use(previous)

    return fresh()


#: Python's own warning filters (no -W, no PYTHONWARNINGS, not -X dev), most specific first.
DEFAULT_WARNING_FILTERS: list[tuple[str, type[Warning], str]] = [
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
]


def _show_on_stderr(message: warnings.WarningMessage) -> None:
    """Python's own way of showing a warning (warnings._showwarnmsg_impl): its text on sys.stderr
    as it is now (the run's), not into pytest's record."""
    file = message.file if message.file is not None else sys.stderr
    if file is not None:
        with contextlib.suppress(OSError):
            file.write(warnings._formatwarnmsg(message))  # type: ignore[attr-defined]


@contextlib.contextmanager
def _process_warnings() -> Iterator[None]:
    """Warnings filtered and shown as in a fresh interpreter, not as pytest's run sets them."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        for action, category, module in reversed(DEFAULT_WARNING_FILTERS):
            warnings.filterwarnings(action, category=category, module=module)  # type: ignore[arg-type]
        warnings.showwarning = warnings._showwarning_orig  # type: ignore[attr-defined]
        warnings._showwarnmsg_impl = _show_on_stderr  # type: ignore[attr-defined]
        yield


def process_state() -> dict[str, object]:
    """What a run of main() could leave behind in this process: compared before and after."""
    return {
        "sigint": signal.getsignal(signal.SIGINT),
        "gc enabled": gc.isenabled(),
        "gc frozen": gc.get_freeze_count() > 0,
        "cwd": os.getcwd(),
        "streams": (sys.stdin, sys.stdout, sys.stderr),
    }


def run_in_process(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``mgcalc.cli.main(list(ARGS))`` in this process, as a fresh ``python -m mgcalc ARGS`` with
    pipes would run it: stdout and stderr bytes behind text streams with a pipe's encoding,
    newline and error handler (stderr: backslashreplace), not terminals; stdin ``input`` (else
    empty); os.environ as run_process's child gets it; the working folder ``cwd`` (else this
    process's); a new terminal environment; Python's own warning filters, warnings shown on
    stderr. What main()
    may change in the process (os.environ, the SIGINT handler, the collector, the cwd, the
    streams) is put back afterwards. The result: a CompletedProcess, exit code as the process's
    (SystemExit's code; a traceback and 1 for an exception that escapes; os._exit's code).
    """
    from mgcalc.cli import main

    full_env = cli_env(env)
    encoding, errors = _stdio_encoding(full_env)
    out, err = io.BytesIO(), io.BytesIO()
    stdin = io.TextIOWrapper(
        io.BytesIO((input or "").encode(locale.getpreferredencoding(False))),
        encoding=encoding,
        errors=errors,
        newline="\n",
    )
    stdout = io.TextIOWrapper(out, encoding=encoding, errors=errors, newline="\n")
    stderr = io.TextIOWrapper(
        err, encoding=encoding, errors="backslashreplace", newline="\n", line_buffering=True
    )
    before = process_state()
    real_exit = os._exit

    def no_exit(code: int) -> None:
        raise _ProcessExit(code)

    code: int
    try:
        with _environ(full_env), _fresh_terminal_environment(), _process_warnings():
            if cwd is not None:
                os.chdir(cwd)
            sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
            os._exit = no_exit  # type: ignore[assignment]
            try:
                main(list(args))
                code = 0
            except SystemExit as e:
                if e.code is None or isinstance(e.code, int):
                    code = e.code or 0
                else:  # as the interpreter reports it
                    print(e.code, file=sys.stderr)
                    code = 1
            except _ProcessExit as e:
                code = e.code
            except Exception:  # the interpreter prints it and exits 1
                traceback.print_exc(file=sys.stderr)
                code = 1
            finally:
                os._exit = real_exit
                for stream in (stdout, stderr):
                    with contextlib.suppress(ValueError, OSError):
                        stream.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = before["streams"]  # type: ignore[misc]
        _restore(before)
    return subprocess.CompletedProcess(
        [sys.executable, "-m", "mgcalc", *args], code, _as_text(out.getvalue()), _as_text(err.getvalue())
    )


def _restore(before: dict[str, object]) -> None:
    if signal.getsignal(signal.SIGINT) is not before["sigint"]:
        signal.signal(signal.SIGINT, before["sigint"])  # type: ignore[arg-type]
    if gc.get_freeze_count() and not before["gc frozen"]:
        gc.unfreeze()
    if gc.isenabled() != before["gc enabled"]:
        (gc.enable if before["gc enabled"] else gc.disable)()
    if os.getcwd() != before["cwd"]:
        os.chdir(str(before["cwd"]))
