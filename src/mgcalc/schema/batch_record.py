"""One batch input record (a module of its own: only a batch defines the model)."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator


def _lower(v: Any) -> "Any":
    return v.strip().lower() if isinstance(v, str) else v


class BatchRecord(BaseModel):
    """One input record: ``amount`` and ``form`` (with ``unit``, ``basis``, ``count``), or ``text``.

    Numbers are accepted where text is expected (NDJSON ``"amount": 500``);
    unknown keys are ignored; an empty CSV cell counts as absent. Text is
    trimmed, except the ``id``, which is kept exactly as given.
    """

    model_config = ConfigDict(
        extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True, defer_build=True
    )

    id: Annotated[str, StringConstraints(strip_whitespace=False)] | None = None
    amount: str | None = None
    form: str | None = None
    unit: Annotated[str, StringConstraints(to_lower=True)] | None = None
    basis: Annotated[Literal["compound", "elemental"], BeforeValidator(_lower)] = "compound"
    count: int = Field(default=1, ge=1, le=10_000)
    text: str | None = None

    @model_validator(mode="after")
    def _something_to_do(self) -> "BatchRecord":
        if not self.text and not (self.amount and self.form):
            raise ValueError("needs 'amount' and 'form', or 'text'")
        return self
