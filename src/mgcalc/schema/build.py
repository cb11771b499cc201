"""Building models from values already known to be right, without running validation.

Two users: the packaged data, validated when the wheel was built (see
hatch_build.py), and the results the core computes itself. Validation builds a
schema per model on first use, a large share of a short command's run time;
construction does not. The tests check every command's JSON output against
the models' JSON Schema, so a wrongly typed value cannot go unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

Builder = Callable[[Any], Any]
M = TypeVar("M", bound=BaseModel)


def _same(value: Any) -> Any:
    return value


@cache
def _builder(tp: Any) -> Builder:
    """A function turning plain data of type ``tp`` into models (compiled once per type)."""
    origin = get_origin(tp)
    if origin in (Union, UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return _same
        inner = _builder(args[0])
        return _same if inner is _same else (lambda v: None if v is None else inner(v))
    if origin is Annotated:
        return _builder(get_args(tp)[0])
    if origin is list:
        item = _builder(get_args(tp)[0])
        return _same if item is _same else (lambda v: [item(x) for x in v])
    if origin is dict:
        item = _builder(get_args(tp)[1])
        return _same if item is _same else (lambda v: {k: item(x) for k, x in v.items()})
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return lambda v: v if isinstance(v, BaseModel) else construct(tp, v)
    return _same


@cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, str, Builder, Any], ...]:
    """(name, key, builder, field) per field."""
    return tuple(
        (name, f.alias or name, _builder(f.annotation), f)  # type: ignore[arg-type]
        for name, f in model.model_fields.items()
    )


_set = object.__setattr__


#: After-validators that build lookups (not only checks): run on constructed models too.
LOOKUPS: dict[type[BaseModel], tuple[str, ...]] = {}


def construct(model: type[M], data: dict[str, Any]) -> M:
    """``model`` from plain data (keys by alias or name), nested models built too; no validation.

    What ``BaseModel.model_construct`` does, with the per-field work planned once
    per model (the tests compare the result with a full validation).
    """
    values: dict[str, Any] = {}
    given: set[str] = set()
    for name, key, build, field in _plan(model):
        if key in data:
            values[name] = build(data[key])
            given.add(name)
        elif name in data:
            values[name] = build(data[name])
            given.add(name)
        elif field.default_factory is not None:
            values[name] = field.default_factory()
        elif not field.is_required():
            default = field.default
            values[name] = default.copy() if isinstance(default, list | dict | set) else default
    obj = model.__new__(model)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", given)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    if model.__pydantic_post_init__:
        obj.model_post_init(None)
    for hook in LOOKUPS.get(model, ()):
        getattr(obj, hook)()
    return obj


def make(cls: type[M], /, **fields: Any) -> M:
    """A result model from values the core computed (see the module docstring)."""
    return construct(cls, fields)
