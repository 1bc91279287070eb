"""``run_experiment``: every condition of an experiment file as one tidy table."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from mscnk.engine import Engine, SolverError
from mscnk.experiment._simulate import Result, Simulator
from mscnk.scenarios import Scenario, load_scenario


def flatten(condition: Any) -> dict[str, Any]:
    """Resolved condition fields as ``{dotted.path: value}`` (lists joined with '+')."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}{key}.", item)
        else:
            out[prefix[:-1]] = "+".join(value) if isinstance(value, (list, tuple)) else value

    walk("", condition.resolved().model_dump())
    return out


def result_row(name: str, condition: Any, outcome: Result | SolverError,
               readout_names: Sequence[str]) -> dict[str, Any]:
    """One table row: name, status (``ok``/``failed``), error, resolved fields, readouts
    (NaN where a readout does not apply or the solver failed)."""
    failed = isinstance(outcome, SolverError)
    readouts = {} if failed else outcome.readouts
    return {"condition": name, "status": "failed" if failed else "ok",
            "error": str(outcome) if failed else None, **flatten(condition),
            **{readout: readouts.get(readout, float("nan")) for readout in readout_names}}


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
    simulator = Simulator(scenario, params, engine=engine)
    names_of_readouts = simulator.scenario.readout_names
    names = list(conditions)
    rows = []
    for start in range(0, len(names), CHUNK):
        chunk = names[start:start + CHUNK]
        outcomes = simulator.simulate_many([conditions[name] for name in chunk])
        for name, outcome in zip(chunk, outcomes):
            rows.append(result_row(name, conditions[name], outcome, names_of_readouts))
            if progress:
                progress(name)
    return pd.DataFrame(rows).set_index("condition")


def run_experiment(source: str | Path | Mapping[str, Any], *,
                   scenario: Scenario | str | None = None,
                   params: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Simulate every condition of an experiment file or mapping (contract section 1).

    With a ``parameter_sweep`` every condition runs under every parameter set; the table
    then has a ``parameter_set`` column and a ``param.<name>`` column per swept parameter
    (index: condition, repeated per set). Large runs belong in :func:`mscnk.runs.run_sweep`
    (a results store, workers, resume).
    """
    from mscnk.experiment._jobs import load_experiment

    experiment = load_experiment(source, scenario=load_scenario(scenario))
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
