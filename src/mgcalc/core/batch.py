"""Batch mode: label records in, one result record out per input record, streaming.

Three steps, a module each: ``core.batch_read`` turns CSV or NDJSON lines into (line, raw
record) pairs; this module turns each into an Outcome (``Batch.process``, the one path every
record takes; ``process`` for one record, ``run`` for a stream) and counts them (``Tally``);
``core.batch_write`` writes an Outcome as the ``label --json`` fields (for a ``text`` column,
the ``parse --json`` fields too), or an error record. Nothing here opens files or prints; the
shell does (``cli.batch_io``).

The names other modules use from the three steps are importable from here.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from mgcalc.core.batch_read import (
    BLOCK,
    COLUMNS,
    DELIMITERS,
    MAX_DEPTH,
    MAX_FIELD,
    MAX_LINE,
    MAX_RECORD_LINES,
    BadRecord,
    Format,
    HeaderError,
    Line,
    Record,
    TooLong,
    bounded_blocks,
    bounded_lines,
    physical_lines,
    raw_id,
    read_csv,
    read_ndjson,
    read_records,
    sniff,
    sniff_delimiter,
)
from mgcalc.core.batch_write import (
    ALWAYS,
    DEFAULT_FIELDS,
    FIELDS,
    FORMULA_START,
    Outcome,
    caution_levels,
    csv_cell,
    csv_columns,
    csv_row,
    needs_absorbed,
    needs_full,
    parse_fields,
)
from mgcalc.core.dosing import FiguresPlan, figures_checked, figures_plan, label_fields, resolve
from mgcalc.core.dsld import brand_words, record_id, record_panel
from mgcalc.core.labels import parse_label
from mgcalc.core.panel import PanelInput, PanelRow, panel
from mgcalc.core.safety import Finding, assess, build
from mgcalc.core.units import UNITS_TEXT, amount_parts, unit_key
from mgcalc.errors import MgcalcError, literal
from mgcalc.schema.batch_record import BatchRecord
from mgcalc.schema.data import Form, Reference
from mgcalc.schema.inputs import Profile
from mgcalc.schema.results import Caution

__all__ = [
    "ALWAYS",
    "BLOCK",
    "COLUMNS",
    "DEFAULT_FIELDS",
    "DELIMITERS",
    "FIELDS",
    "FORMULA_START",
    "MAX_DEPTH",
    "MAX_FIELD",
    "MAX_LINE",
    "MAX_RECORD_LINES",
    "PLANS_MAX",
    "PLAN_NAME_MAX",
    "BadRecord",
    "Batch",
    "Format",
    "HeaderError",
    "Line",
    "Outcome",
    "Record",
    "Tally",
    "TooLong",
    "bounded_blocks",
    "bounded_lines",
    "caution_levels",
    "csv_cell",
    "csv_columns",
    "csv_row",
    "dsld_outcomes",
    "needs_absorbed",
    "needs_caution_text",
    "needs_full",
    "parse_fields",
    "physical_lines",
    "process",
    "profile_cautions",
    "read_csv",
    "read_fields",
    "read_ndjson",
    "read_records",
    "run",
    "sniff",
    "sniff_delimiter",
]

#: The keys of a record ``read_fields`` reads without building a BatchRecord.
_PLAIN = frozenset(("id", "amount", "form", "text"))

#: What ``read_fields`` gives: id, amount, form, unit ("" for none), elemental basis, count, text.
Fields = tuple[str | None, str | float | None, str | None, str, bool, int, str | None]


def read_fields(raw: dict[str, Any]) -> Fields:
    """(id, amount, form, unit, elemental, count, text) of a raw record, as ``BatchRecord`` reads it
    (raising its ValidationError for a record it refuses).

    A record of only an id and an amount and a form, or an id and a text, each text (the amount
    may be a JSON number: BatchRecord takes its text) and none of them padded or empty, is read as
    it stands, without building a BatchRecord: what BatchRecord would give (a property test holds
    the two equal), but that an amount that is a JSON float stays the number (its text, which
    BatchRecord gives, reads back as that very number: ``amount_parts`` reads either alike).
    """
    if raw.keys() <= _PLAIN:
        rid = raw.get("id")
        text = raw.get("text")
        amount = raw.get("amount")
        form = raw.get("form")
        if rid is None or rid.__class__ is str:
            if text is None:
                kind = amount.__class__
                if kind is float:  # kept: writing it as text and reading it back is slow
                    if form.__class__ is str and form and form.strip() == form:
                        return rid, amount, form, "", False, 1, None
                elif kind is int:
                    amount = str(amount)  # BatchRecord's coerce_numbers_to_str
                    kind = str
                if (
                    kind is str
                    and amount
                    and form.__class__ is str
                    and form
                    and amount.strip() == amount  # not padded (strip: the same whitespace as isspace)
                    and form.strip() == form
                ):
                    return rid, amount, form, "", False, 1, None
            elif amount is None and form is None and text.__class__ is str and text and text.strip() == text:
                return rid, None, None, "", False, 1, text
    rec = BatchRecord.model_validate(raw)
    return rec.id, rec.amount, rec.form, rec.unit or "", rec.basis == "elemental", rec.count, rec.text


#: Longest form text whose plan a batch keeps, and how many plans it keeps (bounded memory).
PLAN_NAME_MAX = 200
PLANS_MAX = 4096


class Batch:
    """One batch's settings and what it keeps from record to record: ``process`` turns each input
    record into its Outcome (the one path every record takes).

    ``full``: a label's full fields (``label_fields``); else only its figures
    (``label_figures``: the default record needs no more; the absorbed range
    only with ``absorbed``), with the per-form part kept in ``plans`` for the
    next record of that form (None: nothing kept). Without ``caution_text``
    (the record shows no ``cautions``) and without ``full``, the label's
    cautions are decided, not built (``safety.decide``): code and level, what
    ``caution_levels``, the tally, --fail-on and the hidden-caution note use.
    """

    __slots__ = ("absorbed", "by_form", "caution_text", "constants", "full", "plans", "profile", "ref")

    def __init__(
        self,
        ref: Reference,
        profile: Profile,
        *,
        full: bool = True,
        absorbed: bool = True,
        caution_text: bool = True,
        plans: dict[Any, FiguresPlan | MgcalcError] | None = None,
    ) -> None:
        self.ref = ref
        self.profile = profile
        self.full = full
        self.absorbed = absorbed
        self.caution_text = caution_text
        self.plans = plans
        #: plans by form id, count and basis: the spellings of one form share one
        self.by_form: dict[tuple[str, int, bool], FiguresPlan] | None = None if plans is None else {}
        self.constants = ref.catalogue.constants  # for amounts in mmol or mEq

    def process(self, line: int, raw: dict[str, Any] | str | BadRecord) -> Outcome:
        """The outcome of one input record: never raises for bad input."""
        if not isinstance(raw, dict):
            if isinstance(raw, BadRecord):
                return Outcome(line, raw.id, error=raw.error, id_hex=raw.id_hex)
            return Outcome(line, None, error=raw)
        try:
            rid, amount_text, form, unit, elemental, count, text = read_fields(raw)
            if text:
                return self._text(line, rid, text)
            assert amount_text is not None and form is not None
            if unit and unit_key(unit) is None:
                raise MgcalcError(f"unknown unit '{literal(unit)}': use {UNITS_TEXT}", field="unit")
            mg, molar, written = amount_parts(
                f"{amount_text} {unit}" if unit else amount_text, "amount", self.constants
            )
            if molar and not elemental:
                raise _molar(written)
            return _new_outcome((line, rid, self._label(mg, form, count, elemental), None, None, None, None))
        except ValidationError as e:
            return Outcome(line, raw_id(raw), error=literal(_validation_message(e), 500))
        except MgcalcError as e:
            return Outcome(line, raw_id(raw), error=str(e))
        except Exception as e:
            return Outcome(line, raw_id(raw), error=f"internal error ({type(e).__name__}): {literal(e, 300)}")

    def _label(self, mg: float, form: str, count: int, elemental: bool) -> dict[str, Any]:
        """A label's fields: all of them (``full``), else its figures, from the form's plan kept in
        ``plans`` by form text, count and basis."""
        if self.full:
            return label_fields(self.ref, mg, form, count=count, elemental=elemental, profile=self.profile)
        key: Any = form if count == 1 and not elemental else (form, count, elemental)
        plans = self.plans
        plan = plans.get(key) if plans is not None else None
        if not isinstance(plan, FiguresPlan):
            plan = self._plan(key, plan, form, count, elemental)
        return figures_checked(self.ref, plan, mg, self.absorbed, self.caution_text)

    def _plan(
        self, key: Any, kept: MgcalcError | None, form: str, count: int, elemental: bool
    ) -> FiguresPlan:
        """The per-form part of a label's figures (``dosing.figures_plan``) for a form text, count
        and basis not in ``plans`` (``kept`` None) or kept there as an error: worked out and kept
        under ``key``; so is an unknown form's error (with the closest names, slow to find)."""
        plans = self.plans
        plan: FiguresPlan | MgcalcError | None = kept
        if plan is None:
            try:
                plan = self._form_plan(resolve(self.ref, form), count, elemental)
            except MgcalcError as e:
                # kept without its traceback: the frames it holds would keep every local of the
                # failed lookup alive, thousands of them for a file of unknown forms
                plan = MgcalcError(str(e), field=e.field)
            if plans is not None and len(form) <= PLAN_NAME_MAX:
                if len(plans) >= PLANS_MAX:
                    plans.clear()
                plans[key] = plan
        if plan.__class__ is FiguresPlan:
            return plan
        assert isinstance(plan, MgcalcError)
        raise MgcalcError(str(plan), field=plan.field)

    def _form_plan(self, form: Form, count: int, elemental: bool) -> FiguresPlan:
        """The plan of a form (``dosing.figures_plan``), worked out once whatever the spelling that
        named it (kept in ``by_form`` when plans are kept)."""
        by_form = self.by_form
        key = (form.id, count, elemental)
        plan = by_form.get(key) if by_form is not None else None
        if plan is None:
            plan = figures_plan(self.ref, form, count=count, elemental=elemental, profile=self.profile)
            if by_form is not None:
                if len(by_form) >= PLANS_MAX:
                    by_form.clear()
                by_form[key] = plan
        return plan

    def _text(self, line: int, rid: str | None, text: str) -> Outcome:
        """A ``text`` record: the label line read, and its label's fields when one form and the
        basis are known; else the cautions ``panel`` gives that line alone (the person's, and the
        amount's against the UL whatever the form: a line read without one form is still checked)."""
        p = parse_label(self.ref, text)
        if p.stated_mg is not None and len(p.forms) == 1 and p.basis != "unknown":
            fields = self._label(p.stated_mg, p.forms[0], 1, p.basis == "elemental")
            return _new_outcome((line, rid, fields, p, None, None, None))
        read = panel(self.ref, PanelInput("supplement facts", [PanelRow(text)]), self.profile)
        checked = {"cautions": read.cautions, "unknown_drugs": read.unknown_drugs}
        return _new_outcome((line, rid, None, p, None, checked, None))


def process(
    ref: Reference,
    line: int,
    raw: dict[str, Any] | str | BadRecord,
    profile: Profile,
    full: bool = True,
    plans: dict[Any, FiguresPlan | MgcalcError] | None = None,
    absorbed: bool = True,
    caution_text: bool = True,
) -> Outcome:
    """The outcome of one input record (``Batch.process``): never raises for bad input."""
    batch = Batch(ref, profile, full=full, absorbed=absorbed, caution_text=caution_text, plans=plans)
    return batch.process(line, raw)


#: Outcome(line, id, label) without the keyword handling of NamedTuple's constructor (a batch
#: makes one per record).
_new_outcome = functools.partial(tuple.__new__, Outcome)


def _validation_message(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where + ': ' if where else ''}{err['msg'].removeprefix('Value error, ')}"


def _molar(text: str) -> MgcalcError:
    """An amount in mmol or mEq on a record whose basis is compound."""
    return MgcalcError(
        f"amount {literal(text)} is magnesium itself (mmol/mEq): set basis to elemental", field="basis"
    )


def run(
    ref: Reference,
    records: Iterable[Record],
    profile: Profile | None = None,
    *,
    full: bool = True,
    absorbed: bool = True,
    caution_text: bool = True,
) -> Iterator[Outcome]:
    """One outcome per input record, in order, streaming (``full``, ``absorbed`` and
    ``caution_text``: see ``Batch``; a batch asks for what its fields need, ``needs_full``,
    ``needs_absorbed`` and ``needs_caution_text``)."""
    batch = Batch(
        ref, profile or Profile(), full=full, absorbed=absorbed, caution_text=caution_text, plans={}
    )
    return itertools.starmap(batch.process, records)


def needs_caution_text(fields: tuple[str, ...] | None) -> bool:
    """Whether the selected fields show a caution's text (``cautions``), not just its code and level."""
    return fields is None or "cautions" in fields


def profile_cautions(ref: Reference, profile: Profile) -> list[Caution]:
    """The cautions of the person alone (kidney, medicines, conditions, age), with no form or
    amount known: what holds for a record that could not be read (rules for antacid forms
    included, since the form is unknown)."""
    return assess(ref, profile).cautions


class Tally:
    """What a batch run found so far: records, failures, the worst caution per level, and the
    records with a caution at caution level or above (``serious``).

    ``person``: the cautions of the person alone (``profile_cautions``), which hold for a record
    that failed too: an error record is not read as safe (it counts them for --fail-on; it shows
    no caution fields, so it is not counted in ``serious``)."""

    __slots__ = ("failed", "person", "records", "serious", "worst")

    def __init__(self, person: list[Caution] | None = None) -> None:
        self.records = 0
        self.failed = 0
        self.serious = 0
        self.worst: dict[str, Caution | Finding] = {}
        self.person = person or []

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.records += 1
        if outcome.error is not None:
            self.failed += 1
            for c in self.person:
                self.worst.setdefault(c.level, c)
            return
        label = outcome.label
        cautions = label["cautions"] if label is not None else outcome.cautions
        if cautions:
            worst = self.worst
            serious = False
            for c in cautions:
                level = c.level
                if level not in worst:
                    worst[level] = c
                if level != "info":
                    serious = True
            if serious:
                self.serious += 1

    @property
    def cautions(self) -> list[Caution]:
        """One caution of each level seen (for --fail-on)."""
        return build(list(self.worst.values()))


def dsld_outcomes(
    ref: Reference, records: Iterable[tuple[int, Any]], profile: Profile | None = None
) -> Iterator[Any]:
    """One batch outcome per DSLD record, in order: the ``panel`` fields, or an error."""
    prof = profile or Profile()
    brands = brand_words(ref)
    for n, record in records:
        rid = record_id(record)  # exactly as given: never cut or escaped
        if isinstance(record, str):
            yield Outcome(n, rid, error=record)
            continue
        try:
            result = panel(ref, record_panel(record, brands), prof)
        except MgcalcError as e:
            yield Outcome(n, rid, error=str(e))
            continue
        except Exception as e:  # a bug: this record fails, the batch goes on
            yield Outcome(n, rid, error=f"internal error ({type(e).__name__}): {literal(e, 300)}")
            continue
        yield Outcome(n, rid, extra=result.model_dump(exclude={"id"}))
