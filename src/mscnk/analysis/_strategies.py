"""Therapy strategies compared: every named strategy of a scenario file simulated together,
its outcome measures in one table and its site's time line for the figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from mscnk.experiment import Simulator, load_experiment
from mscnk.scenarios import ConditionError, Scenario

#: Species the time-line figure shows, where the scenario has them.
TIME_LINE = ("tumor", "tissue", "msc", "nk_bright", "nk_dim", "ifng")


@dataclass(frozen=True)
class Comparison:
    """Outcome measures by strategy (rows, in file order) and each strategy's time line."""

    scenario: Scenario
    outcomes: pd.DataFrame  # index: strategy; columns: the scenario's readouts
    timelines: dict[str, pd.DataFrame]  # strategy -> day, tumor/tissue, msc, nk, ifng
    failures: dict[str, str]  # strategy -> why it could not be solved

    @property
    def units(self) -> dict[str, str]:
        return self.scenario.readouts.units


def compare_strategies(source: str | Path | Mapping[str, Any], *,
                       scenario: Scenario | str | None = None,
                       params: Mapping[str, float] | None = None) -> Comparison:
    """Simulate every strategy of ``source`` (a therapy scenario file or mapping: its
    ``scenario:`` line, ``base`` and ``strategies``) in one batch."""
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
    return Comparison(chosen, outcomes, timelines, failures)
