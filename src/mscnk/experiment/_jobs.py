"""An experiment as a list of jobs: every condition under every parameter set, numbered.

The numbering is deterministic (parameter set outer, condition inner, file order), so the
same file and parameters always give the same jobs; a run's store and ``--resume`` rely on
it through :func:`plan_hash`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, get_args

from pydantic import BaseModel

from mscnk.experiment._files import load_conditions, read_document
from mscnk.experiment._parameters import DEFAULT_SET, parameter_sets
from mscnk.experiment._schema import Condition


@dataclass(frozen=True)
class Job:
    """One condition under one parameter set. ``params``: overrides of the defaults."""

    index: int
    condition_name: str
    parameter_set: str
    condition: Condition
    params: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """A loaded experiment: named conditions, named parameter sets, the sampling seed."""

    conditions: dict[str, Condition]
    parameter_sets: dict[str, dict[str, float]]
    seed: int | None
    document: dict[str, Any]

    def jobs(self, base_params: Mapping[str, float] | None = None) -> list[Job]:
        """Every condition under every parameter set, on top of ``base_params``."""
        base = dict(base_params or {})
        jobs = []
        for set_name, overrides in self.parameter_sets.items():
            params = {**base, **overrides}
            for name, condition in self.conditions.items():
                jobs.append(Job(len(jobs), name, set_name, condition.resolved(), params))
        return jobs


def load_experiment(source: str | Path | Mapping[str, Any]) -> Experiment:
    """Conditions (with ``sweep``/``base``) and parameter sets (``parameter_sweep``)."""
    document = read_document(source)
    conditions = load_conditions(document)
    sets, seed = parameter_sets(document.get("parameter_sweep"))
    return Experiment(conditions, sets, seed, document)


def plan_hash(jobs: list[Job]) -> str:
    """Fingerprint of a job list (names, resolved conditions, parameter values)."""
    digest = hashlib.sha256()
    for job in jobs:
        digest.update(json.dumps([job.index, job.condition_name, job.parameter_set,
                                  sorted(job.params.items())]).encode())
        digest.update(job.condition.model_dump_json().encode())
    return digest.hexdigest()[:20]


def _python_type(annotation: Any) -> type:
    """The column type of a condition field: float, bool or str (lists join into str)."""
    options = [a for a in (get_args(annotation) or (annotation,)) if a is not type(None)]
    first = options[0]
    if first in (bool, float, str):
        return first
    if first is int:
        return float
    return str  # Literal vocabularies, tuples of names


def field_types(model: type[BaseModel] = Condition, prefix: str = "") -> dict[str, type]:
    """``{dotted.path: python type}`` of every condition field, in schema order."""
    out: dict[str, type] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update(field_types(annotation, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = _python_type(annotation)
    return out


__all__ = ["DEFAULT_SET", "Experiment", "Job", "field_types", "load_experiment", "plan_hash"]
