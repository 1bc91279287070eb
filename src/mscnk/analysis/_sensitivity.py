"""Global sensitivity of readouts to parameters (SALib), from a finished run, and by mechanism.

The run is an ordinary experiment whose ``parameter_sweep`` samples with SALib's
``saltelli`` (Sobol first-order and total indices) or ``morris`` (elementary effects) design
(:func:`mscnk.experiment.sensitivity_design`), so it goes through the batched engine, the
local or dask executors and the results store like any sweep, and resumes like one. This
module reads the store back in the design's order and hands each readout of each condition
to SALib's analysis. A parameter's index is then shared equally among the mechanisms that
use it and are live for that readout in that condition (switching one off changes it: no
tumor mechanism for MSC lysis in a well without tumor cells), so the indices also add up
per mechanism
("PGE2 explains 40 % of the variance of NK proliferation inhibition at 1:1").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from mscnk.analysis._problem import Problem
from mscnk.experiment import SensitivityDesign, load_conditions, sensitivity_design, simulate
from mscnk.model import parameter_owners
from mscnk.scenarios import Scenario
from mscnk.scenarios import ConditionError, load_scenario, show, suggest
from mscnk.store import METADATA, load

#: Bootstrap resamples for the confidence intervals, and their level. The bootstrap is seeded
#: with the design's seed + 1 (SALib's Sobol analysis reads a seed of 0 as none), so an
#: analysis repeats exactly.
RESAMPLES, CONFIDENCE = 100, 0.95


@dataclass(frozen=True)
class Sensitivity:
    """Indices per condition, readout and parameter, and summed per mechanism.

    ``indices`` columns: ``condition``, ``readout``, ``parameter`` and for ``saltelli`` ``S1``,
    ``S1_conf``, ``ST``, ``ST_conf`` (95 % bootstrap half-widths); for ``morris`` ``mu_star``,
    ``mu_star_conf``, ``sigma`` (per unit of the sampled range) and ``share`` (``mu_star``
    over the readout's sum). ``mechanisms``: ``condition``, ``readout``, ``mechanism`` and the
    summed ``S1``/``ST`` (or ``share``). ``skipped``: readouts not analysed, and why.
    """

    method: str
    parameters: tuple[str, ...]
    sets: int
    rank: bool
    indices: pd.DataFrame
    mechanisms: pd.DataFrame
    skipped: list[str] = field(default_factory=list)

    def leading(self, condition: str, readout: str, count: int = 5) -> list[tuple[str, float]]:
        """The ``count`` mechanisms with the largest total (or share) for one readout."""
        column = "ST" if self.method == "saltelli" else "share"
        rows = self.mechanisms[(self.mechanisms.condition == condition)
                               & (self.mechanisms.readout == readout)]
        rows = rows.sort_values(column, ascending=False, kind="stable").head(count)
        return [(m, float(v)) for m, v in zip(rows.mechanism, rows[column])]


def _design(folder: Path) -> tuple[SensitivityDesign, dict]:
    try:
        metadata = json.loads((folder / METADATA).read_text())
    except (OSError, ValueError) as error:
        raise ConditionError([f"run {str(folder)!r}: no readable {METADATA} ({error})"]) from None
    if metadata.get("status") != "complete":
        raise ConditionError([f"run {str(folder)!r} is {metadata.get('status', 'unfinished')}; "
                              f"finish it first (mscnk run ... --out {folder} --resume)"])
    block = (metadata.get("experiment") or {}).get("parameter_sweep")
    return sensitivity_design(block, scenario=metadata.get("scenario")), metadata


def analyse_run(folder: str | Path, *, readouts: Sequence[str] | None = None,
                rank: bool = False) -> Sensitivity:
    """Sobol or Morris indices of ``readouts`` (None: every readout that varies) in every
    condition of the finished run in ``folder``. ``rank``: of each readout's ranks (0 to 1)
    instead of its values, so that a few extreme values (a ratio whose control nearly
    vanishes) do not make the variance, and with it the indices, their own."""
    from SALib.analyze import morris, sobol

    folder = Path(folder)
    design, metadata = _design(folder)
    scenario = load_scenario(metadata.get("scenario"))
    names = scenario.readout_names
    unknown = [r for r in readouts or () if r not in names]
    if unknown:
        raise ConditionError([f"readout: unknown readout {show(r)}{suggest(r, names)}"
                              for r in unknown])
    wanted = list(readouts or names)
    table = load(folder)
    order = {name: i for i, name in enumerate(design.set_names)}
    problem = {"num_vars": len(design.parameters), "names": list(design.parameters),
               "bounds": [[0.0, 1.0]] * len(design.parameters)}
    owners = parameter_owners(scenario.model)
    live = _live(scenario, metadata)
    rows, mechanisms, skipped = [], [], []
    for condition, group in table.groupby("condition", sort=False):
        group = group.assign(_row=group.parameter_set.map(order)).sort_values("_row")
        if len(group) != len(order) or group._row.isna().any():
            raise ConditionError([f"condition {condition!r}: {len(group)} rows for the "
                                  f"{len(order)} parameter sets of the design"])
        for readout in wanted:
            y = group[readout].to_numpy(dtype=float)
            missing = int((~np.isfinite(y)).sum())
            if missing:
                skipped.append(f"{condition}: {readout}: {missing} of {len(y)} parameter sets "
                               "gave no value (failed, or the readout does not apply)")
                continue
            if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
                if readouts is not None:
                    skipped.append(f"{condition}: {readout}: the same in every parameter set")
                continue
            if rank:
                y = (rankdata(y) - 1) / (len(y) - 1)
            if design.method == "saltelli":
                found = sobol.analyze(problem, y, calc_second_order=False,
                                      num_resamples=RESAMPLES, conf_level=CONFIDENCE,
                                      seed=design.seed + 1)
                columns = {"S1": found["S1"], "S1_conf": found["S1_conf"],
                           "ST": found["ST"], "ST_conf": found["ST_conf"]}
                summed = ("S1", "ST")
            else:
                found = morris.analyze(problem, design.unit, y, num_resamples=RESAMPLES,
                                       conf_level=CONFIDENCE, num_levels=4, seed=design.seed + 1)
                mu_star = np.asarray(found["mu_star"], dtype=float)
                columns = {"mu_star": mu_star, "mu_star_conf": found["mu_star_conf"],
                           "sigma": found["sigma"],
                           "share": mu_star / mu_star.sum() if mu_star.sum() > 0 else mu_star}
                summed = ("share",)
            frame = pd.DataFrame({"condition": condition, "readout": readout,
                                  "parameter": design.parameters, **columns})
            rows.append(frame)
            mechanisms.append(_by_mechanism(frame, owners, live[condition, readout], summed))
    indices = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    per_mechanism = pd.concat(mechanisms, ignore_index=True) if mechanisms else pd.DataFrame()
    return Sensitivity(design.method, design.parameters, len(design.set_names), rank, indices,
                       per_mechanism, skipped)


def _by_mechanism(frame: pd.DataFrame, owners: dict[str, tuple[str, ...]], live: set[str],
                  columns: Sequence[str]) -> pd.DataFrame:
    """Each parameter's indices shared equally among the live mechanisms that use it,
    summed."""
    parts = []
    for row in frame.itertuples(index=False):
        mechanisms = [m for m in owners.get(row.parameter, ()) if m in live] or ["(none)"]
        for mechanism in mechanisms:
            parts.append({"mechanism": mechanism,
                          **{c: getattr(row, c) / len(mechanisms) for c in columns}})
    summed = pd.DataFrame(parts).groupby("mechanism", sort=False).sum().reset_index()
    summed.insert(0, "readout", frame.readout.iloc[0])
    summed.insert(0, "condition", frame.condition.iloc[0])
    return summed.sort_values(list(columns)[-1], ascending=False, kind="stable")


def _live(scenario: Scenario, metadata: dict) -> dict[tuple[str, str], set[str]]:
    """(condition, readout) -> the mechanisms live there: switching the mechanism off changes
    that readout of that condition (at the run's base values); a mechanism without a switch
    is live in a condition if one of its processes runs there (a rate other than 0 at some
    sample of some well)."""
    model, compiled = scenario.model, scenario.compiled
    base = metadata.get("base_parameters") or {}
    conditions = load_conditions(metadata["experiment"], scenario=scenario)
    switches = model.switches
    names = list(switches.values())
    problem = Problem(scenario, conditions, names, base=base)
    theta = np.tile(problem.defaults, (len(names) + 1, 1))
    for row in range(len(names)):
        theta[row + 1, row] = 0.0
    values = problem.run(theta).values          # (switches + 1, conditions, readouts)
    reference = values[0]
    moved = (np.abs(np.nan_to_num(values[1:] - reference))
             > 1e-9 * np.maximum(np.abs(np.nan_to_num(reference)), 1.0))
    params = compiled.default_parameters()
    for name, value in base.items():
        params[compiled.parameters.index(name)] = value
    live = {}
    for c, (name, condition) in enumerate(conditions.items()):
        running: set[str] = set()
        result = simulate(condition, params=base, scenario=scenario)
        for well in (result.trajectory, *result.control_trajectories.values()):
            rates = np.array([compiled.rates(state, params, well.main_phase.inputs)
                              for state in well.main.states])
            for j in np.flatnonzero(np.abs(rates).max(axis=0) > 0):
                running.update(m for m in model.processes[j].mechanisms if m not in switches)
        for r, readout in enumerate(problem.readouts):
            live[name, readout] = running | {m for m, row in zip(switches, moved[:, c, r])
                                             if row}
    return live
