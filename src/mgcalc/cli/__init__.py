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
    import signal

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

        run(argv)
    except KeyboardInterrupt:
        interrupted()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


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
