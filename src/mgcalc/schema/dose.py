"""The result of ``dose`` (a module of its own: ``label`` never defines it)."""

from mgcalc.schema.data import Laxative
from mgcalc.schema.results import SafetyFields, Spread, VariantAmount


class DoseResult(SafetyFields):
    """Compound weight that delivers a target of elemental magnesium (``dose``)."""

    form: str
    form_name: str
    formula: str
    elemental_pct: float
    target_elemental_mg: float
    target_elemental_mmol: float
    compound_mg: float
    tablet_mg: float | None = None
    tablets_below: int | None = None
    tablets_above: int | None = None
    elemental_mg_below: float | None = None
    elemental_mg_above: float | None = None
    laxative: Laxative
    variants: list[VariantAmount]
    spread: Spread | None = None
