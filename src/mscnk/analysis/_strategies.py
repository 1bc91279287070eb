"""Therapy strategies compared: every named strategy of a scenario file simulated together,
its outcome measures in one table and its site's time line for the figure; optionally how
far each outcome moves over the values no data determine (the scenario's ``uncertain``
parameters, drawn log-uniformly over their bounds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy.stats import qmc

from mscnk.analysis._problem import Problem
from mscnk.experiment import Simulator, load_experiment
from mscnk.scenarios import ConditionError, Scenario

#: Percentiles of an outcome over the draws of the uncertain parameters.
SPREAD = (5.0, 50.0, 95.0)
#: Species the time-line figure shows, where the scenario has them.
TIME_LINE = ("tumor", "tissue", "msc", "nk_bright", "nk_dim", "ifng")


@dataclass(frozen=True)
class Comparison:
    """Outcome measures by strategy (rows, in file order) and each strategy's time line."""

    scenario: Scenario
    outcomes: pd.DataFrame  # index: strategy; columns: the scenario's readouts
    timelines: dict[str, pd.DataFrame]  # strategy -> day, tumor/tissue, msc, nk, ifng
    failures: dict[str, str]  # strategy -> why it could not be solved
    #: strategy, readout, low, median, high (5th, 50th, 95th percentile over the draws) and
    #: draws (those that solved); None unless asked for
    spread: pd.DataFrame | None = None

    @property
    def units(self) -> dict[str, str]:
        return self.scenario.readouts.units


def compare_strategies(source: str | Path | Mapping[str, Any], *,
                       scenario: Scenario | str | None = None,
                       params: Mapping[str, float] | None = None,
                       draws: int = 0, seed: int = 2026) -> Comparison:
    """Simulate every strategy of ``source`` (a therapy scenario file or mapping: its
    ``scenario:`` line, ``base`` and ``strategies``) in one batch; with ``draws``, also
    under that many draws of the scenario's uncertain parameters (a scrambled Latin
    hypercube, log-uniform over their bounds, ``seed``), giving each outcome's spread."""
    experiment = load_experiment(source, scenario=scenario)
    chosen = experiment.scenario
    if chosen.timeline is None:
        raise ConditionError([f"compare: scenario {chosen.name!r} is not a therapy scenario "
                              "(tumor, gvhd, transplant, infection, or a folder built like them)"])
    if experiment.document.get("sweep"):
        raise ConditionError(["compare: sweep makes a grid of strategies; run it with mscnk run "
                              "(a store, resume, dask) and compare named strategies here"])
    if len(experiment.parameter_sets) > 1:
        raise ConditionError(["compare: parameter_sweep is for mscnk run; a comparison runs "
                              "one parameter set"])
    conditions = dict(experiment.conditions)
    results = Simulator(chosen, params).simulate_many(list(conditions.values()))
    rows, timelines, failures = {}, {}, {}
    species = chosen.compiled.species
    shown = [n for n in TIME_LINE if n in species]
    for name, result in zip(conditions, results):
        label = name or "strategy"
        if isinstance(result, Exception):
            failures[label] = str(result)
            continue
        rows[label] = result.readouts
        frame = chosen.timeline(result.trajectory, species)[["day", *shown]]
        if "nk_bright" in frame:
            frame = frame.assign(nk=frame.pop("nk_bright") + frame.pop("nk_dim"))
        timelines[label] = frame
    outcomes = pd.DataFrame.from_dict(rows, orient="index", columns=list(chosen.readout_names))
    outcomes.index.name = "strategy"
    spread = (assumption_spread(chosen, {str(n or "strategy"): c for n, c in conditions.items()},
                                draws=draws, seed=seed, params=params) if draws else None)
    return Comparison(chosen, outcomes, timelines, failures, spread)


def uncertain_draws(scenario: Scenario, draws: int, *, seed: int = 2026) -> np.ndarray:
    """``(draws, p)`` values of the scenario's uncertain parameters (columns in its order):
    a scrambled Latin hypercube, log-uniform over each parameter's bounds."""
    names = scenario.uncertain
    if not names:
        raise ConditionError([f"assumptions: scenario {scenario.name!r} names no uncertain "
                              "parameters to vary"])
    known = scenario.parameters_by_name
    bounds = np.log([[known[n].lower, known[n].upper] for n in names])
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(draws)
    return np.exp(qmc.scale(unit, bounds[:, 0], bounds[:, 1]))


def assumption_spread(scenario: Scenario, conditions: Mapping[str, Any], *, draws: int,
                      seed: int = 2026, params: Mapping[str, float] | None = None
                      ) -> pd.DataFrame:
    """Each strategy's outcomes over ``draws`` draws of the scenario's uncertain parameters
    (log-uniform over their bounds): the 5th, 50th and 95th percentile of each, over the
    draws in which it solved and applies."""
    problem = Problem(scenario, conditions, scenario.uncertain, base=params)
    values = problem.run(uncertain_draws(scenario, draws, seed=seed)).values
    rows = []
    for c, strategy in enumerate(problem.conditions):
        for r, readout in enumerate(problem.readouts):
            column = values[:, c, r]
            finite = column[np.isfinite(column)]
            low, median, high = (np.percentile(finite, SPREAD) if finite.size
                                 else (np.nan,) * 3)
            rows.append((strategy, readout, low, median, high, finite.size))
    return pd.DataFrame(rows, columns=["strategy", "readout", "low", "median", "high", "draws"])
