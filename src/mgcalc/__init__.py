"""mgcalc: magnesium supplement calculator (library API behind the ``mgcalc`` command).

>>> from mgcalc import label
>>> round(label(500, "citrate").elemental_mg, 1)
80.8
"""

from mgcalc.catalogue import Catalogue, Form, load_catalogue, packaged_catalogue
from mgcalc.chemistry import DoseResult, LabelResult, dose, formula_pct, label, meq, mmol
from mgcalc.errors import MgcalcError
from mgcalc.units import parse_amount

__all__ = [
    "Catalogue",
    "DoseResult",
    "Form",
    "LabelResult",
    "MgcalcError",
    "dose",
    "formula_pct",
    "label",
    "load_catalogue",
    "meq",
    "mmol",
    "packaged_catalogue",
    "parse_amount",
]
__version__ = "0.1.0"
