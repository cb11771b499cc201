"""Building the packaged data's models from the JSON validated when the wheel was built.

An installed wheel carries a JSON copy of each data file, written by
hatch_build.py only after the whole bundle has validated; ``construct`` turns it
into the models without validating it again. Validation would build a
validation schema for every data-file model on each run: measured with
callgrind on an installed wheel, ``mgcalc label 500 --form citrate`` runs 13.8 %
fewer instructions with ``construct`` than with ``model_validate`` (692.0 M
against 787.6 M), so it stays. Results the core computes are built with
pydantic's own ``model_construct`` (a home-made version bought under 2 %).
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
    if tp is float:  # JSON writes 4.0 as 4: a float field holds a float, as validation makes it
        return lambda v: float(v) if v.__class__ is int else v
    return _same


_NO_DEFAULT = object()


@cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, str, Builder | None, Any, Any], ...]:
    """Per field: (name, key in the data, builder or None for plain values, default factory, default)."""
    plan = []
    for name, f in model.model_fields.items():
        build = _builder(f.annotation)  # type: ignore[arg-type]
        default = _NO_DEFAULT if f.is_required() or f.default_factory is not None else f.default
        plan.append((name, f.alias or name, None if build is _same else build, f.default_factory, default))
    return tuple(plan)


_set = object.__setattr__


def construct(model: type[M], data: dict[str, Any]) -> M:
    """``model`` from plain data (keys by alias or name), nested models built too; no validation.

    What ``BaseModel.model_construct`` does, nested models included (pydantic's
    leaves them as dicts), with the per-field work planned once per model
    (tests/test_reference.py compares the result with a full validation).
    """
    values: dict[str, Any] = {}
    given: set[str] = set()
    for name, key, build, factory, default in _plan(model):
        if key in data:
            value = data[key]
        elif name in data:
            value = data[name]
        else:
            if factory is not None:
                values[name] = factory()
            elif default is not _NO_DEFAULT:
                values[name] = default.copy() if isinstance(default, list | dict | set) else default
            continue
        values[name] = value if build is None else build(value)
        given.add(name)
    obj = model.__new__(model)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", given)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    if model.__pydantic_post_init__:
        obj.model_post_init(None)
    return obj


def make(cls: type[M], /, **fields: Any) -> M:
    """A result model from values the core computed: pydantic's ``model_construct`` (no validation;
    the tests check every command's JSON output against the models' JSON Schema)."""
    return cls.model_construct(**fields)
