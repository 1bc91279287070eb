"""An experiment as jobs: every condition under every parameter set, numbered.

The numbering is deterministic (parameter set outer, condition inner, file order), so the
same file and parameters always give the same jobs; a run's store and ``--resume`` rely on
it through :func:`plan_hash`. Jobs are made one at a time (:meth:`Experiment.iter_jobs`);
the plan is counted (:attr:`Experiment.size`) and hashed without making them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence, get_args

from pydantic import BaseModel

from mscnk.experiment._files import (MAX_CONDITIONS, PlanTooLarge, load_plan, read_document,
                                     scenario_named)
from mscnk.experiment._parameters import DEFAULT_SET, count_parameter_sets, parameter_sets
from mscnk.scenarios import ConditionError, Scenario, load_scenario, name_of


@dataclass(frozen=True)
class Job:
    """One condition under one parameter set. ``params``: overrides of the defaults."""

    index: int
    condition_name: str
    parameter_set: str
    condition: Any  # resolved, of the experiment's scenario
    params: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """A loaded experiment: named conditions, named parameter sets, the sampling seed, the
    experiment document (as JSON data, the way a run records it) and its scenario.

    ``conditions`` is a :class:`~mscnk.experiment._files.ConditionPlan` (a read-only
    mapping made lazily); ``size`` and :meth:`iter_jobs` never hold all jobs in memory.
    """

    conditions: Mapping[str, Any]
    parameter_sets: dict[str, dict[str, float]]
    seed: int | None
    document: dict[str, Any]
    scenario: Scenario = field(default_factory=load_scenario)

    @property
    def size(self) -> int:
        """Number of jobs (conditions x parameter sets), counted without making them."""
        return len(self.conditions) * len(self.parameter_sets)

    def iter_jobs(self, base_params: Mapping[str, float] | None = None) -> Iterator[Job]:
        """Every condition under every parameter set, on top of ``base_params``, one at a
        time (parameter set outer, condition inner; ``index`` counts from 0).

        A condition that turns out invalid when made raises :class:`ConditionError`
        naming it (only possible for plans too large to check whole up front).
        """
        base = dict(base_params or {})
        index = 0
        for set_name, overrides in self.parameter_sets.items():
            params = {**base, **overrides}
            for name, condition in self.conditions.items():
                yield Job(index, name, set_name, condition.resolved(), params)
                index += 1

    def jobs(self, base_params: Mapping[str, float] | None = None) -> list[Job]:
        """``list(iter_jobs(base_params))``: every job in memory (small plans only)."""
        return list(self.iter_jobs(base_params))


def load_experiment(source: str | Path | Mapping[str, Any], *,
                    scenario: Scenario | str | None = None,
                    max_jobs: int | None = MAX_CONDITIONS) -> Experiment:
    """Conditions (with ``sweep``/``base``) and parameter sets (``parameter_sweep``) of an
    experiment of ``scenario`` (None: the one the file's ``scenario:`` line names, else the
    co-culture).

    The plan is counted first: more than ``max_jobs`` jobs (conditions x parameter sets;
    None: no limit) is a :class:`ConditionError` with the count, before anything is built.
    """
    document = read_document(source)
    chosen = load_scenario(scenario if scenario is not None else scenario_named(document))
    block = document.get("parameter_sweep")
    problems: list[str] = []
    try:  # a PlanTooLarge goes straight up: nothing more is built
        plan = load_plan(document, scenario=chosen, max_conditions=max_jobs,
                         sets=count_parameter_sets(block, chosen))
    except PlanTooLarge:
        raise
    except ConditionError as error:
        problems += error.problems
    try:
        sets, seed = parameter_sets(block, scenario=chosen)
    except ConditionError as error:
        problems += error.problems
    if problems:  # the conditions' and the parameter sets' problems together
        raise ConditionError(problems)
    return Experiment(plan, sets, seed, _jsonable(document), chosen)


def _jsonable(value: Any) -> Any:
    """``value`` as the JSON a run records: string keys, lists for tuples, text for the rest."""
    if isinstance(value, Mapping):
        return {name_of(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return name_of(value)


def plan_hash(experiment: Experiment | Sequence[Job],
              base_params: Mapping[str, float] | None = None) -> str:
    """Fingerprint of a plan: ``plan_hash(experiment, base_params)``.

    Made from the canonical experiment document, ``base_params``, every parameter set,
    the scenario and its condition defaults (every field), the job count and the mscnk
    version,
    so it needs no job in memory. Equal hashes mean the same jobs in the same order.
    (``plan_hash(jobs)`` with a list of jobs is the older per-job fingerprint; it is a
    different value, kept for callers that still hold a list.)
    """
    if not isinstance(experiment, Experiment):
        return _jobs_hash(list(experiment))
    from mscnk import __version__

    digest = hashlib.sha256()
    head = {"mscnk": __version__, "document": _jsonable(experiment.document),
            "base_parameters": _jsonable(dict(base_params or {})), "size": experiment.size,
            "scenario": experiment.scenario.location,
            "defaults": experiment.scenario.condition().model_dump(mode="json")}
    digest.update(json.dumps(head, sort_keys=True, default=repr).encode())
    for name, values in experiment.parameter_sets.items():
        digest.update(json.dumps([name, sorted(values.items())]).encode())
    return digest.hexdigest()[:20]


def _jobs_hash(jobs: list[Job]) -> str:
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


def field_types(model: type[BaseModel], prefix: str = "") -> dict[str, type]:
    """``{dotted.path: python type}`` of every condition field, in schema order."""
    out: dict[str, type] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update(field_types(annotation, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = _python_type(annotation)
    return out


__all__ = ["DEFAULT_SET", "MAX_CONDITIONS", "Experiment", "Job", "field_types",
           "load_experiment", "plan_hash"]
