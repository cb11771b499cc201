"""mgcalc: magnesium supplement calculator (library API behind the ``mgcalc`` command).

>>> from mgcalc import label
>>> round(label(500, "citrate").elemental_mg, 1)
80.8

Names are imported on first use (PEP 562), so ``import mgcalc.cli`` pays
only for what a command needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Catalogue": "mgcalc.catalogue",
    "Form": "mgcalc.catalogue",
    "load_catalogue": "mgcalc.catalogue",
    "packaged_catalogue": "mgcalc.catalogue",
    "DoseResult": "mgcalc.chemistry",
    "LabelResult": "mgcalc.chemistry",
    "dose": "mgcalc.chemistry",
    "formula_pct": "mgcalc.chemistry",
    "label": "mgcalc.chemistry",
    "meq": "mgcalc.chemistry",
    "mmol": "mgcalc.chemistry",
    "AbsorbResult": "mgcalc.estimates",
    "CompareResult": "mgcalc.estimates",
    "CurveResult": "mgcalc.estimates",
    "absorb": "mgcalc.estimates",
    "compare": "mgcalc.estimates",
    "curve": "mgcalc.estimates",
    "MgcalcError": "mgcalc.errors",
    "parse_amount": "mgcalc.units",
}
__all__ = [
    "AbsorbResult",
    "Catalogue",
    "CompareResult",
    "CurveResult",
    "DoseResult",
    "Form",
    "LabelResult",
    "MgcalcError",
    "absorb",
    "compare",
    "curve",
    "dose",
    "formula_pct",
    "label",
    "load_catalogue",
    "meq",
    "mmol",
    "packaged_catalogue",
    "parse_amount",
]

if TYPE_CHECKING:
    from mgcalc.catalogue import Catalogue, Form, load_catalogue, packaged_catalogue
    from mgcalc.chemistry import DoseResult, LabelResult, dose, formula_pct, label, meq, mmol
    from mgcalc.errors import MgcalcError
    from mgcalc.estimates import AbsorbResult, CompareResult, CurveResult, absorb, compare, curve
    from mgcalc.units import parse_amount


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'mgcalc' has no attribute {name!r}")
