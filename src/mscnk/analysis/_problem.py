"""``Problem``: parameters in, readouts out, over a fixed set of conditions.

In the spirit of SALib's problem and pyPESTO's objective: a problem is built from a
scenario, named conditions, the parameters that vary and the readouts wanted;
``evaluate(theta)`` takes an ``(n, p)`` array (batch axis first) and returns the ``(n, k)``
readouts, ``k = conditions x readouts`` (condition-major: column ``c * R + r``). Every
condition of every row goes through the batched engine in chunks on an injected executor
(this process by default, or dask). Sensitivity analysis, calibration and validation all
work on this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from mscnk.engine import BatchEngine
from mscnk.experiment import Job, parameter_values
from mscnk.runs import ChunkTask, Executor, InProcess, run_schema
from mscnk.scenarios import (ConditionError, Scenario, load_scenario, scenario_parameters, show,
                             suggest)

#: Conditions simulated together in one chunk (one engine batch per stage).
CHUNK = 256


@dataclass(frozen=True)
class ProblemRun:
    """What :meth:`Problem.run` gives: readouts ``(n, conditions, readouts)`` (NaN where a
    readout does not apply or the condition failed) and each failure's message."""

    values: np.ndarray
    errors: list[list[str | None]]  # [row][condition]: None if it solved


class Problem:
    """``theta[n, p] -> readouts[n, k]`` for one scenario and a fixed set of conditions.

    ``conditions``: named conditions (mappings or condition objects of the scenario);
    ``parameters``: the names of theta's columns; ``readouts``: the readouts wanted (None:
    all of the scenario's); ``base``: parameter values under every row (checked as
    ``--params`` is); ``executor``: where chunks run (None: this process, every core).
    """

    def __init__(self, scenario: Scenario | str | None, conditions: Mapping[str, Any],
                 parameters: Sequence[str] = (), readouts: Sequence[str] | None = None, *,
                 base: Mapping[str, float] | None = None, executor: Executor | None = None,
                 engine: BatchEngine | None = None, chunk_size: int = CHUNK):
        self.scenario = load_scenario(scenario)
        self.conditions = {str(name): self.scenario.condition_from(raw)
                           for name, raw in conditions.items()}
        known = scenario_parameters(self.scenario)
        self.parameters = tuple(parameters)
        wanted = tuple(self.scenario.readout_names if readouts is None else readouts)
        problems = [f"parameters: unknown parameter {show(name)}{suggest(name, known)}"
                    for name in self.parameters if name not in known]
        problems += [f"parameters: {name!r} is listed more than once"
                     for name in sorted({n for n in self.parameters
                                         if self.parameters.count(n) > 1})]
        problems += [f"readouts: unknown readout {show(name)}"
                     f"{suggest(name, self.scenario.readout_names)}"
                     for name in wanted if name not in self.scenario.readout_names]
        if not self.conditions:
            problems.append("conditions: a problem needs at least one condition")
        if problems:
            raise ConditionError(problems)
        self.readouts = wanted
        self.base = parameter_values(dict(base or {}), where="base", scenario=self.scenario)
        self.executor = executor if executor is not None else InProcess()
        self.engine = engine or BatchEngine()
        self.chunk_size = chunk_size
        self._schema = run_schema(self.scenario, sorted({*self.base, *self.parameters}))

    @property
    def bounds(self) -> np.ndarray:
        """``(p, 2)``: each varied parameter's declared lower and upper bound."""
        known = scenario_parameters(self.scenario)
        return np.array([[known[n].lower, known[n].upper] for n in self.parameters],
                        dtype=float).reshape(len(self.parameters), 2)

    @property
    def defaults(self) -> np.ndarray:
        """``(p,)``: each varied parameter's value under ``base`` (else its default)."""
        known = scenario_parameters(self.scenario)
        return np.array([self.base.get(n, known[n].value) for n in self.parameters], dtype=float)

    @property
    def output_names(self) -> list[str]:
        """The ``k`` column names of :meth:`evaluate`: ``"condition:readout"``."""
        return [f"{c}:{r}" for c in self.conditions for r in self.readouts]

    def salib_problem(self) -> dict[str, Any]:
        """SALib's problem dict (``num_vars``, ``names``, ``bounds``)."""
        return {"num_vars": len(self.parameters), "names": list(self.parameters),
                "bounds": self.bounds.tolist()}

    def _theta(self, theta: Any) -> np.ndarray:
        """``theta`` as an ``(n, p)`` float array within bounds; ConditionError if not."""
        array = np.asarray(theta, dtype=float)
        if array.ndim == 1 and len(self.parameters) and array.shape[0] == len(self.parameters):
            array = array[None, :]
        p = len(self.parameters)
        if array.ndim != 2 or array.shape[1] != p:
            raise ConditionError([f"theta: expected shape (n, {p}) (one column per parameter "
                                  f"{', '.join(self.parameters) or '(none)'}), got "
                                  f"{array.shape}"])
        problems = []
        bounds = self.bounds
        for i, j in zip(*np.nonzero(~np.isfinite(array) | (array < bounds[:, 0])
                                    | (array > bounds[:, 1]))):
            problems.append(f"theta[{i}, {j}] ({self.parameters[j]}) = {float(array[i, j])!r} is not "
                            f"a finite number within its bounds [{bounds[j, 0]}, "
                            f"{bounds[j, 1]}]")
            if len(problems) >= 10:
                problems.append("... (first 10 shown)")
                break
        if problems:
            raise ConditionError(problems)
        return array

    def run(self, theta: Any) -> ProblemRun:
        """Every condition under every row of ``theta``: readouts and failures."""
        array = self._theta(theta)
        n, names = array.shape[0], list(self.conditions)
        count = len(names)
        jobs = (Job(i * count + c, name, f"row_{i}", self.conditions[name],
                    {**self.base, **dict(zip(self.parameters, map(float, array[i])))})
                for i in range(n) for c, name in enumerate(names))
        values = np.full((n * count, len(self.readouts)), np.nan)
        errors: list[str | None] = [None] * (n * count)
        total = n * count
        tasks = (ChunkTask(index, tuple(next(jobs) for _ in range(min(self.chunk_size,
                                                                         total - start))),
                           self._schema, self.engine, None, self.scenario)
                 for index, start in enumerate(range(0, total, self.chunk_size)))
        for index, table in self.executor.run(tasks):
            start = index * self.chunk_size
            rows = slice(start, start + table.num_rows)
            values[rows] = np.column_stack([table.column(r).to_numpy(zero_copy_only=False)
                                            for r in self.readouts])
            for offset, (status, error) in enumerate(zip(table.column("status").to_pylist(),
                                                         table.column("error").to_pylist())):
                if status != "ok":
                    errors[start + offset] = error or "failed"
        return ProblemRun(values.reshape(n, count, len(self.readouts)),
                          [errors[i * count:(i + 1) * count] for i in range(n)])

    def evaluate(self, theta: Any) -> np.ndarray:
        """``(n, k)`` readouts for ``(n, p)`` parameters (see :attr:`output_names`)."""
        values = self.run(theta).values
        return values.reshape(values.shape[0], -1)

    def __repr__(self) -> str:
        return (f"Problem({self.scenario.name}: {len(self.conditions)} conditions x "
                f"{len(self.readouts)} readouts, {len(self.parameters)} parameters; "
                f"{self.executor.describe()})")

