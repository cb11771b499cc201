"""Input model: who takes the magnesium (Profile). One batch input record is schema.batch_record."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from mgcalc.schema.base import Sex, Standard, empty_list


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
    drugs: list[str] = Field(default_factory=empty_list)
    conditions: list[str] = Field(default_factory=empty_list)
    per_day: int = 1
    standard: Standard = "us"
    _memo: dict[Any, Any] = PrivateAttr(default_factory=dict)

    @property
    def memo(self) -> dict[Any, Any]:
        """Per-profile memo of person-level assessments (process memory only)."""
        memo: dict[Any, Any] = self.__pydantic_private__["_memo"]  # type: ignore[index]
        return memo


__all__ = ["Profile"]
