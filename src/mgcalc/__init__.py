"""mgcalc: magnesium supplement calculator (library API behind the ``mgcalc`` command).

>>> from mgcalc import label
>>> round(label(500, "citrate").elemental_mg, 1)
80.8

Layers: ``mgcalc.schema`` (pydantic models: data files, inputs, results),
``mgcalc.core`` (pure functions, given a ``Reference`` bundle explicitly),
``mgcalc.reference`` (the only code that reads data files), ``mgcalc.api``
(the core with the packaged data filled in) and ``mgcalc.cli`` (the shell).
Names are imported on first use (PEP 562), the one lazy module attribute in mgcalc: this module
runs for every ``mgcalc`` command too (``mgcalc.cli`` is inside the package). Measured with
callgrind on an installed wheel: ``import mgcalc`` runs 39.4 M instructions, and 715.0 M if it
imported ``mgcalc.api`` at once; loading the command line with the API as well costs 820.1 M
instead of 655.1 M (+25 %).
"""

# No imports, not even ``from typing import TYPE_CHECKING`` or ``importlib``: each would widen
# the window in which Ctrl-C at start-up meets no handler of mgcalc's (see mgcalc.cli.process)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.3.0"

_EXPORTS = {
    "absorb": "mgcalc.api",
    "check": "mgcalc.api",
    "compare": "mgcalc.api",
    "curve": "mgcalc.api",
    "dose": "mgcalc.api",
    "intake": "mgcalc.api",
    "label": "mgcalc.api",
    "parse_label": "mgcalc.api",
    "read_panel": "mgcalc.api",
    "convert": "mgcalc.api",
    "load_reference": "mgcalc.reference",
    "Reference": "mgcalc.schema.data",
    "Catalogue": "mgcalc.schema.data",
    "Form": "mgcalc.schema.data",
    "Profile": "mgcalc.schema.inputs",
    "AbsorbResult": "mgcalc.schema.estimates",
    "Assessment": "mgcalc.schema.results",
    "Caution": "mgcalc.schema.results",
    "CompareResult": "mgcalc.schema.estimates",
    "CurveResult": "mgcalc.schema.estimates",
    "DoseResult": "mgcalc.schema.results",
    "IntakeReference": "mgcalc.schema.results",
    "LabelResult": "mgcalc.schema.results",
    "ParseResult": "mgcalc.schema.records",
    "formula_pct": "mgcalc.core.stoichiometry",
    "MgcalcError": "mgcalc.errors",
    "parse_amount": "mgcalc.api",
}
__all__ = [
    "AbsorbResult",
    "Assessment",
    "Catalogue",
    "Caution",
    "CompareResult",
    "CurveResult",
    "DoseResult",
    "Form",
    "IntakeReference",
    "LabelResult",
    "MgcalcError",
    "ParseResult",
    "Profile",
    "Reference",
    "absorb",
    "check",
    "compare",
    "convert",
    "curve",
    "dose",
    "formula_pct",
    "intake",
    "label",
    "load_reference",
    "parse_amount",
    "parse_label",
    "read_panel",
]

if TYPE_CHECKING:
    from mgcalc.api import (
        absorb,
        check,
        compare,
        convert,
        curve,
        dose,
        intake,
        label,
        parse_amount,
        parse_label,
        read_panel,
    )
    from mgcalc.core.stoichiometry import formula_pct
    from mgcalc.errors import MgcalcError
    from mgcalc.reference import load_reference
    from mgcalc.schema.data import Catalogue, Form, Reference
    from mgcalc.schema.estimates import AbsorbResult, CompareResult, CurveResult
    from mgcalc.schema.inputs import Profile
    from mgcalc.schema.records import ParseResult
    from mgcalc.schema.results import Assessment, Caution, DoseResult, IntakeReference, LabelResult


def __getattr__(name: str) -> "Any":
    if name in _EXPORTS:
        return getattr(__import__(_EXPORTS[name], fromlist=[name]), name)
    raise AttributeError(f"module 'mgcalc' has no attribute {name!r}")
