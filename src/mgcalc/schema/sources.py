"""data/sources.yaml: every citation, once (the file's model; the bundle keeps the mapping itself)."""

from pydantic import Field

from mgcalc.schema.base import DataModel, Source


class SourceData(DataModel):
    """data/sources.yaml: every citation, once."""

    schema_version: int = Field(alias="schema", ge=1, le=1)
    sources: dict[str, Source]
