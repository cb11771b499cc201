"""The process layer: everything mgcalc does to the Python process it runs in, and nothing else.

Only the console script (``mgcalc.cli.main()``, no argv) gets this layer; ``main(argv)`` called
from Python runs the app as a plain function that raises ``SystemExit``. Each speed trick says
what it buys: instructions of the whole process of the installed wheel, counted by
``valgrind --tool=callgrind``, on ``mgcalc label 500 --form citrate`` (the command every trick
serves: they act on start-up and exit, the same for every command), with the other trick on.
A trick is kept only if it buys at least 5 % there. Dropped: pausing the cyclic collector
(label 730.8 -> 705.2 M even paused for the whole run, 3.5 %; --version 3.8 %).
benchmarks/startup.py runs its baseline, a bare typer app, in this same layer. Imports: the standard library only, as this runs before typer and
pydantic load.
"""

import os
import signal
import sys

# Only modules Python has loaded before mgcalc runs, and signal: Ctrl-C meets no handler of
# mgcalc's until run() puts one in place, so the imports before it are kept to these.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any, NoReturn

    Handler = Callable[[int, FrameType | None], Any] | int | None

#: The speed tricks this layer plays (benchmarks/startup.py reads it), each measured below.
TRICKS: tuple[str, ...] = ("teardown", "plugins")

#: The exit status of an interrupted run (ExitStatus.INTERRUPTED; this module imports no mgcalc).
INTERRUPTED = 130


def run(argv: list[str] | None, entry: str = "mgcalc.cli.app") -> None:
    """Run ``entry``'s ``main(argv)``: as the console script (``argv`` None) inside this layer,
    else as a plain call that raises ``SystemExit`` with the exit status."""
    if argv is not None:
        __import__(entry, fromlist=["main"]).main(argv)
        return
    try:
        previous = _console()
        try:
            # imported here, after the set-up: typer and pydantic load now, and Ctrl-C is handled
            main = __import__(entry, fromlist=["main"]).main
            try:
                main(None)
            except SystemExit as done:
                if "teardown" in TRICKS:
                    # End without the interpreter's teardown, which frees every module, class and
                    # object one by one (see end).
                    # Measured: label 795.0 -> 730.8 M instructions (-8.1 %); --version 274.8 ->
                    # 244.5 (-11.0 %).
                    end(done.code)
                raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    except KeyboardInterrupt:  # Ctrl-C before the handler was in place, or while it is replaced
        interrupted()


def _console() -> "Handler":
    """Set the process up for the console script; return the SIGINT handler to put back, if any."""
    # Not a speed trick, and first: Ctrl-C at any moment, imports included, exits 130 at once
    # without a traceback. SIGINT ends the process instead of raising KeyboardInterrupt, which a
    # library (pydantic's validators, for one) could swallow and turn into a wrong error. ``batch``
    # puts its own handler in place to finish the record it is writing (cli.batch_io).
    previous = None
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            previous = signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread: leave Python's handler
        pass
    if "plugins" in TRICKS:
        # mgcalc uses no pydantic plugins. With them disabled, pydantic's plugin loader returns
        # nothing, but importing it imports importlib.metadata: a stub loader returns nothing
        # at once. Measured: label 781.9 -> 730.8 M instructions (-6.5 %); the variable alone
        # bought nothing measurable (755.0 -> 754.8): it is what makes the stub right.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        if os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__":
            _no_plugin_loader()
    return previous


def end(code: object) -> "NoReturn":
    """End the process with ``code`` (``SystemExit.code``) once stdout and stderr are flushed,
    without the interpreter's teardown, which frees every module, class and object one by one.
    mgcalc closes every file it writes itself and registers no exit hooks."""
    status = 0 if code is None else code
    if not isinstance(status, int) or isinstance(status, bool):
        print(status, file=sys.stderr)  # what SystemExit("text") does
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass  # already reported: a failed write ended the command with exit 4
    os._exit(status)


def interrupted(signum: int = 0, frame: object = None) -> "NoReturn":
    """Exit 130 at once, as a shell reports Ctrl-C (output not yet written is dropped)."""
    os._exit(INTERRUPTED)


def _no_plugin_loader() -> None:
    """Give pydantic a plugin loader that returns no plugin; any other name falls through to the
    real module."""
    if "pydantic.plugin._loader" in sys.modules:
        return
    stub = type(sys)("pydantic.plugin._loader")  # a new module (types.ModuleType)

    def get_plugins() -> tuple[()]:
        return ()

    def real(name: str) -> object:
        if name.startswith("__"):  # the import system probing the module, not pydantic asking
            raise AttributeError(name)
        del sys.modules["pydantic.plugin._loader"]
        return getattr(__import__("pydantic.plugin._loader", fromlist=[name]), name)

    stub.get_plugins = get_plugins  # type: ignore[attr-defined]
    stub.__getattr__ = real  # type: ignore[method-assign]
    sys.modules["pydantic.plugin._loader"] = stub
