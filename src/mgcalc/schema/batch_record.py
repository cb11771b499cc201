"""One batch input record (a module of its own: only a batch defines the model)."""

import difflib
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from mgcalc.errors import literal

#: The keys that describe a record by its amount and form; a ``text`` record has none of them.
AMOUNT_KEYS = ("amount", "form", "unit", "basis", "count")

#: A whole number as a person writes one: digits, an optional sign (no ``1_0``, no ``0x10``).
WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*")


def _lower(v: Any) -> "Any":
    return v.strip().lower() if isinstance(v, str) else v


def _whole(v: Any) -> Any:
    """A count as written: a JSON integer (or a float with no fraction), or text of digits;
    ``true`` and ``1_0`` (a Python digit separator: a typo, not ten) are refused."""
    if isinstance(v, bool):
        raise ValueError(f"must be a whole number, not {str(v).lower()}")
    if isinstance(v, str) and not WHOLE.fullmatch(v):
        raise ValueError(f"must be a whole number written in digits, not '{literal(v, 40)}'")
    return v


def closest_key(name: str) -> str | None:
    """The known key closest to ``name`` (None when none is close)."""
    close = difflib.get_close_matches(name.strip().lower(), KEYS, n=1, cutoff=0.5)
    return close[0] if close else None


def match_keys(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with its keys matched as CSV headers are: ignoring case and surrounding spaces.

    An unknown key, or one key written twice ("unit" and "Unit"), is a ValueError naming it
    (and the closest known key): a misspelt "units" must not be dropped, leaving the amount
    read in mg.
    """
    if all(k in KEYS for k in raw):
        return raw
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    for k, v in raw.items():
        name = k.strip().lower() if isinstance(k, str) else k
        if name not in KEYS:
            close = closest_key(k) if isinstance(k, str) else None
            hint = f"; did you mean '{close}'?" if close else ""
            raise ValueError(f"unknown key '{literal(k, 40)}'{hint} (known: {', '.join(KEYS)})")
        if name in out:
            raise ValueError(
                f"the keys '{literal(given[name], 40)}' and '{literal(k, 40)}' are one key, '{name}'"
            )
        out[name] = v
        given[name] = k
    return out


class BatchRecord(BaseModel):
    """One input record: ``amount`` and ``form`` (with ``unit``, ``basis``, ``count``), or ``text``.

    Numbers are accepted where text is expected (NDJSON ``"amount": 500``).
    Keys are matched as CSV headers are (ignoring case and surrounding spaces);
    an unknown key is an error, and so is a record with both a ``text`` and an
    amount or form (two descriptions of one product: which is right?). An
    empty CSV cell counts as absent. Text is trimmed, except the ``id``, which
    is kept exactly as given.
    """

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, defer_build=True
    )

    id: Annotated[str, StringConstraints(strip_whitespace=False)] | None = None
    amount: str | None = None
    form: str | None = None
    unit: Annotated[str, StringConstraints(to_lower=True)] | None = None
    basis: Annotated[Literal["compound", "elemental"], BeforeValidator(_lower)] = "compound"
    count: Annotated[int, BeforeValidator(_whole)] = Field(default=1, ge=1, le=10_000)
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        return match_keys(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _something_to_do(self) -> "BatchRecord":
        if self.text:
            given = [
                k for k in AMOUNT_KEYS if k in self.model_fields_set and getattr(self, k) not in (None, "")
            ]
            if given:
                raise ValueError(
                    f"a record gives 'text' or 'amount' and 'form', not both: it has 'text' and "
                    f"{', '.join(repr(k) for k in given)} (two descriptions of one product)"
                )
            return self
        if not (self.amount and self.form):
            raise ValueError("needs 'amount' and 'form', or 'text'")
        return self


#: The keys a record may have (the CSV columns).
KEYS = tuple(BatchRecord.model_fields)
