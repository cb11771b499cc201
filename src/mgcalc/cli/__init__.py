"""The command line: a thin shell over the core (see mgcalc.cli.app)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    import os

    # mgcalc uses no pydantic plugins; looking for them scans every installed
    # package's entry points, a large share of start-up. Set before pydantic loads.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__":
        _no_plugin_loader()
    from mgcalc.cli.app import main as run

    run(argv)


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
