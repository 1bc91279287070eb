"""Assemble the model from its modules, in declaration order, with parameters.yaml values."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Mapping

import yaml

from mscnk.catalog import mechanisms
from mscnk.model import cells, inputs, killing, medium, msc, nk, tumor
from mscnk.model._declare import Model, ModelBuilder

#: Modules in declaration order: each may use the names the ones before it declared.
MODULES = (inputs, cells, medium, nk, msc, killing, tumor)


def parameter_table() -> dict[str, dict[str, object]]:
    """The shipped parameters.yaml: name -> {value, unit, lower, upper, provenance, ...}."""
    text = resources.files("mscnk.model").joinpath("parameters.yaml").read_text()
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe


def declare_model(table: Mapping[str, Mapping[str, object]]) -> Model:
    builder = ModelBuilder(table)
    for module in MODULES:
        module.declare(builder)
    model = builder.build()
    known = mechanisms()
    for process in model.processes:
        unknown = [m for m in process.mechanisms if m not in known]
        if unknown:
            raise ValueError(f"process {process.name!r} names unknown mechanisms {unknown}")
    return model


@lru_cache(maxsize=1)
def build_model() -> Model:
    """The mscnk model (built once per process)."""
    return declare_model(parameter_table())
