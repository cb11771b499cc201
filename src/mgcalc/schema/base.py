"""What every data-file model shares: the base model, citations and the small vocabularies.

A module of its own so that each data file's models (``data.py`` the catalogue and the
bundle, ``absorption.py``, ``cautions.py``, ``intake.py``, ``labels.py``, ``sources.py``)
can be defined, and imported, without the others.
"""

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Laxative = Literal["none", "low", "mild", "strong"]
LAXATIVE_LEVELS: tuple[Laxative, ...] = ("none", "low", "mild", "strong")
PctBasis = Literal["stoichiometry", "manufacturer", "pharmacopoeia"]
SourceKeys = Annotated[list[str], Field(min_length=1)]
FormId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Sex = Literal["female", "male"]
Standard = Literal["us", "eu"]
State = Literal["none", "pregnant", "lactating"]
Level = Literal["info", "caution", "avoid"]
LEVELS: tuple[Level, ...] = ("info", "caution", "avoid")


def severity(level: Level) -> int:
    """0 for info, 1 for caution, 2 for avoid."""
    return LEVELS.index(level)


def empty_list() -> list[Any]:
    """A new empty list: the default factory of the result models' list fields.

    Not ``list``: ``model_construct`` (how the core builds results) asks each default factory
    it calls whether it takes the validated data, reading its signature every time, and a
    builtin's signature is parsed from text by ``tokenize`` (a Python function's is read at
    once). Measured on an installed wheel, valgrind: check 806.6 -> 793.6 M instructions, plan
    1141.7 -> 1125.2 (the first call also compiles tokenize's pattern).
    """
    return []


def nfkc(text: str) -> str:
    """``text`` in Unicode NFKC form (ASCII text already is)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


class DataModel(BaseModel):
    """Base of the data-file models: strict keys, immutable, schema built on first use."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Source(DataModel):
    """A citation that figures refer to by key."""

    cite: str = Field(min_length=1)
    url: str | None = None
