"""The command line: a thin shell over the core (see mgcalc.cli.app)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    """Console entry point.

    Ctrl-C at any time, start-up included, exits 130 at once, without a
    traceback: SIGINT ends the process rather than raising KeyboardInterrupt,
    which a library (pydantic's validators, for one) could swallow and turn
    into a wrong error. ``batch`` handles it itself, to finish the record it
    is writing and say how many it wrote (mgcalc.cli.batch_io).
    """
    import gc
    import signal

    # Start-up creates only long-lived objects (modules, classes, the data): the
    # cyclic collector, run every few hundred allocations, would find nothing to
    # free. It is paused until the command starts its work (see started()).
    collecting = gc.isenabled()
    gc.disable()
    _paused[0] = collecting
    previous = None
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            previous = signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread: leave Python's handler
        pass
    try:
        import os

        # mgcalc uses no pydantic plugins; looking for them scans every installed
        # package's entry points, a large share of start-up. Set before pydantic loads.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        if os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__":
            _no_plugin_loader()
        from mgcalc.cli.app import main as run

        try:
            run(argv)
        except SystemExit as done:
            if argv is None:  # the console script: nothing runs after it
                _exit_without_teardown(done.code)
            raise
    except KeyboardInterrupt:
        interrupted()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if _paused[0]:
            _paused[0] = False
            gc.enable()
        gc.unfreeze()


#: Whether main() paused the cyclic garbage collector for start-up (a list: set in place).
_paused = [False]


def started() -> None:
    """Start-up is over: the collector runs again, leaving what start-up made (frozen) alone."""
    if _paused[0]:
        import gc

        _paused[0] = False
        gc.freeze()
        gc.enable()


def _exit_without_teardown(code: object) -> None:
    """End the process with ``code`` once the output is flushed, skipping the interpreter's
    teardown (freeing every module, class and object one by one: a large share of a short
    command's run). mgcalc closes every file it writes itself and registers no exit hooks.
    Returns (and the normal exit follows) if a stream cannot be flushed, so that the error
    is reported as before."""
    import os
    import sys

    status = 0 if code is None else code
    if not isinstance(status, int) or isinstance(status, bool):
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            return
    os._exit(status)


def interrupted(signum: int = 0, frame: object = None) -> None:
    """Exit 130 at once, as a shell reports Ctrl-C (output not yet written is dropped)."""
    import os

    os._exit(130)


def _no_plugin_loader() -> None:
    """With every plugin disabled, pydantic's plugin loader returns nothing, but importing it
    imports importlib.metadata (about 16 ms). Give pydantic a loader that returns nothing
    directly; any other name falls through to the real module."""
    import sys
    import types

    if "pydantic.plugin._loader" in sys.modules:
        return
    stub = types.ModuleType("pydantic.plugin._loader")

    def get_plugins() -> tuple[()]:
        return ()

    def real(name: str) -> object:
        import importlib

        if name.startswith("__"):  # the import system probing the module, not pydantic asking
            raise AttributeError(name)
        del sys.modules["pydantic.plugin._loader"]
        return getattr(importlib.import_module("pydantic.plugin._loader"), name)

    stub.get_plugins = get_plugins  # type: ignore[attr-defined]
    stub.__getattr__ = real  # type: ignore[method-assign]
    sys.modules["pydantic.plugin._loader"] = stub
