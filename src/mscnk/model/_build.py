"""Assemble a model from its declaration modules, in order, with a parameter table."""

from __future__ import annotations

from types import ModuleType
from typing import Callable, Collection, Mapping, Sequence, TypeVar

import yaml

from mscnk.model._declare import Model, ModelBuilder

T = TypeVar("T")


def read_parameter_table(text: str) -> dict[str, dict[str, object]]:
    """A parameters.yaml text: name -> {value, unit, lower, upper, provenance, ...}."""
    table = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    if not isinstance(table, dict):
        raise ValueError("a parameter table is a mapping of parameter names to their records")
    return table


def declare_model(modules: Sequence[ModuleType], table: Mapping[str, Mapping[str, object]],
                  mechanisms: Collection[str] | None = None) -> Model:
    """The model the ``modules`` declare (each module's ``declare(builder)``, in order: each
    may use the names the ones before it declared), with ``table``'s parameter values.

    ``mechanisms``: the names processes may cite (None: any).
    """
    builder = ModelBuilder(table)
    for module in modules:
        module.declare(builder)
    model = builder.build()
    for process in model.processes if mechanisms is not None else ():
        unknown = [m for m in process.mechanisms if m not in mechanisms]
        if unknown:
            raise ValueError(f"process {process.name!r} names unknown mechanisms {unknown}")
    unknown = [m for m in model.switches if mechanisms is not None and m not in mechanisms]
    if unknown:
        raise ValueError(f"switches of unknown mechanisms {unknown}")
    return model


#: id of a model -> (the model, kept alive so the id stays its own, {function: value})
_PER_MODEL: dict[int, tuple[object, dict[Callable, object]]] = {}


def per_model(function: Callable[[Model], T]) -> Callable[[Model], T]:
    """Cache ``function(model)`` by the model's identity (models are not hashable)."""

    def cached(model: Model) -> T:
        kept = _PER_MODEL.get(id(model))
        if kept is None or kept[0] is not model:
            kept = _PER_MODEL[id(model)] = (model, {})
        if function not in kept[1]:
            kept[1][function] = function(model)
        return kept[1][function]  # type: ignore[return-value]

    cached.__doc__, cached.__name__ = function.__doc__, function.__name__
    return cached
