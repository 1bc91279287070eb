"""``run_experiment``: every condition of an experiment file as one tidy table."""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np
from pydantic import BaseModel

from mscnk.engine import Engine, SolverError
from mscnk.experiment._files import field_paths
from mscnk.experiment._simulate import Result, Simulator
from mscnk.scenarios import Scenario

if TYPE_CHECKING:
    import pandas as pd


def flatten(condition: Any) -> dict[str, Any]:
    """Resolved condition fields as ``{dotted.path: value}`` (lists joined with '+')."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}{key}.", item)
        else:
            out[prefix[:-1]] = _joined(value)

    walk("", condition.resolved().model_dump())
    return out


def _joined(value: Any) -> Any:
    """A list field as one cell: items joined with '+', an item with fields (a therapy's
    drug course) as ``name=...;level=...``."""
    if not isinstance(value, (list, tuple)):
        return value
    return "+".join(_item(item) for item in value)


def _item(item: Any) -> str:
    if isinstance(item, BaseModel):
        item = item.model_dump()
    if isinstance(item, dict):
        return ";".join(f"{key}={field:g}" if isinstance(field, float) else f"{key}={field}"
                        for key, field in item.items())
    return str(item)


def result_columns(names: Sequence[str], conditions: Sequence[Any],
                   outcomes: Sequence[Result | SolverError], scenario: Scenario
                   ) -> dict[str, Any]:
    """Table columns over a batch of resolved conditions: name, status (``ok``/``failed``),
    error, every condition field (dotted paths, lists joined with '+'), then readouts (NaN
    where a readout does not apply or the solver failed). Built column by column."""
    failed = [isinstance(outcome, SolverError) for outcome in outcomes]
    columns: dict[str, Any] = {
        "condition": list(names),
        "status": ["failed" if f else "ok" for f in failed],
        "error": [str(o) if f else None for o, f in zip(outcomes, failed)]}
    for path in field_paths(scenario.condition):
        values = list(map(attrgetter(path), conditions))
        if not set(map(type, values)).isdisjoint((list, tuple)):  # only lists are joined
            values = [_joined(value) for value in values]
        columns[path] = values
    readout_names = scenario.readout_names
    values = np.full((len(outcomes), len(readout_names)), np.nan)
    nan = float("nan")
    for row, (outcome, bad) in enumerate(zip(outcomes, failed)):
        if not bad:
            got = outcome.readouts
            values[row] = [got.get(name, nan) for name in readout_names]
    columns.update({name: values[:, j] for j, name in enumerate(readout_names)})
    return columns


#: Conditions simulated together (one engine batch of their wells); progress is per chunk.
CHUNK = 256


def run_conditions(conditions: Mapping[str, Any], *,
                   scenario: Scenario | str | None = None,
                   params: Mapping[str, float] | None = None,
                   progress: Callable[[str], None] | None = None,
                   engine: Engine | None = None) -> pd.DataFrame:
    """One row per condition (index: name): status, error, resolved fields, then readouts.

    Conditions go to the engine in chunks of :data:`CHUNK` (their wells batched together);
    a condition whose solver fails gets ``status = "failed"``, the solver's message in
    ``error`` and NaN readouts. (Runs into a results store: :func:`mscnk.runs.run_sweep`.)
    ``scenario``: whose conditions these are (None: the co-culture); ``engine``: the solver
    (default: the batched engine).
    """
    import pandas as pd

    simulator = Simulator(scenario, params, engine=engine)
    chosen = simulator.scenario
    names = list(conditions)
    frames = []
    for start in range(0, len(names), CHUNK):
        chunk = names[start:start + CHUNK]
        resolved = [chosen.condition_from(conditions[name]) for name in chunk]
        outcomes = simulator.simulate_many(resolved)
        frames.append(pd.DataFrame(result_columns(chunk, resolved, outcomes, chosen)))
        for name in chunk if progress else ():
            progress(name)
    return pd.concat(frames, ignore_index=True).set_index("condition")


def run_experiment(source: str | Path | Mapping[str, Any], *,
                   scenario: Scenario | str | None = None,
                   params: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Simulate every condition of an experiment file or mapping (contract section 1).

    With a ``parameter_sweep`` every condition runs under every parameter set; the table
    then has a ``parameter_set`` column and a ``param.<name>`` column per swept parameter
    (index: condition, repeated per set). Large runs belong in :func:`mscnk.runs.run_sweep`
    (a results store, workers, resume).
    """
    import pandas as pd

    from mscnk.experiment._jobs import load_experiment

    experiment = load_experiment(source, scenario=scenario)
    if len(experiment.parameter_sets) == 1:
        (overrides,) = experiment.parameter_sets.values()
        return run_conditions(experiment.conditions, scenario=experiment.scenario,
                              params={**(params or {}), **overrides})
    frames = []
    for name, overrides in experiment.parameter_sets.items():
        frame = run_conditions(experiment.conditions, scenario=experiment.scenario,
                               params={**(params or {}), **overrides})
        frame.insert(0, "parameter_set", name)
        for parameter, value in overrides.items():
            frame[f"param.{parameter}"] = value
        frames.append(frame)
    return pd.concat(frames)
