"""Input models: who takes the magnesium (Profile) and one batch input record."""

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from mgcalc.schema.data import Sex, Standard


class Profile(BaseModel):
    """Who takes the magnesium: what the safety checks need to know.

    Frozen: the cautions that depend only on the person are worked out once
    per Profile and reused for every amount (a batch has one Profile).
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    age: float | None = None
    sex: Sex | None = None
    pregnant: bool = False
    lactating: bool = False
    egfr: float | None = None
    ckd_stage: str | None = None
    drugs: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    per_day: int = 1
    standard: Standard = "us"
    _memo: dict[Any, Any] = PrivateAttr(default_factory=dict)

    @property
    def memo(self) -> dict[Any, Any]:
        """Per-profile memo of person-level assessments (process memory only)."""
        memo: dict[Any, Any] = self.__pydantic_private__["_memo"]  # type: ignore[index]
        return memo


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
