"""Global sensitivity of readouts to parameters (SALib), from a finished run, and by mechanism.

The run is an ordinary experiment whose ``parameter_sweep`` samples with SALib's
``saltelli`` (Sobol first-order and total indices) or ``morris`` (elementary effects) design
(:func:`mscnk.experiment.sensitivity_design`), so it goes through the batched engine, the
local or dask executors and the results store like any sweep, and resumes like one. This
module reads the store back in the design's order and hands each readout of each condition
to SALib's analysis. A parameter's index is then split among the mechanisms that use it
and are live for that readout in that condition (switching one off changes it: no tumor
mechanism for MSC lysis in a well without tumor cells), each by how much of the parameter's
local effect goes away when it is switched off, so the indices also add up per mechanism
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
    condition of the finished run in ``folder``; ``readout@condition`` asks for a readout in
    one condition only. ``rank``: of each readout's ranks (0 to 1)
    instead of its values, so that a few extreme values (a ratio whose control nearly
    vanishes) do not make the variance, and with it the indices, their own."""
    from SALib.analyze import morris, sobol

    folder = Path(folder)
    design, metadata = _design(folder)
    scenario = load_scenario(metadata.get("scenario"))
    names = scenario.readout_names
    table = load(folder)
    conditions = list(dict.fromkeys(table["condition"]))
    pairs = [tuple(r.split("@", 1)) if "@" in r else (r, None) for r in readouts or names]
    problems = [f"readout: unknown readout {show(r)}{suggest(r, names)}"
                for r, _ in pairs if r not in names]
    problems += [f"readout: {r}@{c}: no condition {show(c)} in the run{suggest(c, conditions)}"
                 f"; allowed: {', '.join(conditions)}"
                 for r, c in pairs if c is not None and c not in conditions]
    if problems:
        raise ConditionError(problems)
    order = {name: i for i, name in enumerate(design.set_names)}
    problem = {"num_vars": len(design.parameters), "names": list(design.parameters),
               "bounds": [[0.0, 1.0]] * len(design.parameters)}
    shares = _shares(scenario, metadata, design.parameters)
    rows, mechanisms, skipped = [], [], []
    for condition, group in table.groupby("condition", sort=False):
        group = group.assign(_row=group.parameter_set.map(order)).sort_values("_row")
        if len(group) != len(order) or group._row.isna().any():
            raise ConditionError([f"condition {condition!r}: {len(group)} rows for the "
                                  f"{len(order)} parameter sets of the design"])
        for readout in dict.fromkeys(r for r, c in pairs if c in (None, condition)):
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
            mechanisms.append(_by_mechanism(frame, shares[condition, readout], summed))
    indices = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    per_mechanism = pd.concat(mechanisms, ignore_index=True) if mechanisms else pd.DataFrame()
    return Sensitivity(design.method, design.parameters, len(design.set_names), rank, indices,
                       per_mechanism, skipped)


def _by_mechanism(frame: pd.DataFrame, shares: dict[str, dict[str, float]],
                  columns: Sequence[str]) -> pd.DataFrame:
    """Each parameter's indices split among mechanisms by ``shares``, summed per mechanism."""
    parts = []
    for row in frame.itertuples(index=False):
        for mechanism, share in (shares.get(row.parameter) or {"(none)": 1.0}).items():
            parts.append({"mechanism": mechanism,
                          **{c: getattr(row, c) * share for c in columns}})
    summed = pd.DataFrame(parts).groupby("mechanism", sort=False).sum().reset_index()
    summed.insert(0, "readout", frame.readout.iloc[0])
    summed.insert(0, "condition", frame.condition.iloc[0])
    return summed.sort_values(list(columns)[-1], ascending=False, kind="stable")


#: Relative step of the local derivatives that weigh a parameter's mechanisms.
NUDGE = 0.05


def _shares(scenario: Scenario, metadata: dict, parameters: Sequence[str]
            ) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
    """(condition, readout) -> parameter -> {mechanism: share of its index}.

    A parameter's candidates are the mechanisms that use it (:func:`parameter_owners`) and
    are live there: switching the mechanism off changes the readout (a mechanism without a
    switch: one of its processes runs in one of the condition's wells). Each switchable
    candidate weighs by how much of the parameter's local effect goes with it: the change
    of the readout's response to a 5 % nudge of the parameter when the mechanism is
    switched off. If none carries any, the candidates share equally."""
    model = scenario.model
    base = metadata.get("base_parameters") or {}
    conditions = load_conditions(metadata["experiment"], scenario=scenario)
    switches = model.switches
    owners = parameter_owners(model)
    varied = list(dict.fromkeys([*parameters, *switches.values()]))
    problem = Problem(scenario, conditions, varied, base=base)
    centre, bounds = problem.defaults, problem.bounds
    column = {name: j for j, name in enumerate(varied)}
    pairs = [(p, m) for p in parameters for m in owners.get(p, ()) if m in switches]
    rows: list[dict[str, float]] = [{}]
    rows += [{switches[m]: 0.0} for m in switches]
    rows += [{p: _nudged(centre[column[p]], bounds[column[p]])} for p in parameters]
    rows += [{switches[m]: 0.0, p: _nudged(centre[column[p]], bounds[column[p]])}
             for p, m in pairs]
    theta = np.tile(centre, (len(rows), 1))
    for i, row in enumerate(rows):
        for name, value in row.items():
            theta[i, column[name]] = value
    values = np.nan_to_num(problem.run(theta).values)  # (rows, conditions, readouts)
    off = {m: values[1 + i] for i, m in enumerate(switches)}
    start = 1 + len(switches)
    nudged = {p: values[start + i] for i, p in enumerate(parameters)}
    start += len(parameters)
    reference = values[0]
    scale = 1e-9 * np.maximum(np.abs(reference), 1.0)
    carried = {(p, m): np.abs((nudged[p] - reference) - (values[start + i] - off[m]))
               for i, (p, m) in enumerate(pairs)}
    running = _running_fixed(scenario, conditions, base)
    shares = {}
    for c, name in enumerate(conditions):
        for r, readout in enumerate(problem.readouts):
            live = running[name] | {m for m in switches
                                    if abs(off[m][c, r] - reference[c, r]) > scale[c, r]}
            shares[name, readout] = {}
            for p in parameters:
                candidates = [m for m in owners.get(p, ()) if m in live]
                weights = {m: float(carried[p, m][c, r]) for m in candidates if m in switches}
                total = sum(weights.values())
                if total > scale[c, r]:
                    shares[name, readout][p] = {m: w / total for m, w in weights.items() if w}
                elif candidates:
                    shares[name, readout][p] = dict.fromkeys(candidates, 1 / len(candidates))
    return shares


def _nudged(value: float, bounds: np.ndarray) -> float:
    """``value`` moved up by :data:`NUDGE` (of itself, or of its range at 0), or down at the
    upper bound."""
    step = NUDGE * (abs(value) if value else bounds[1] - bounds[0])
    return value + step if value + step <= bounds[1] else value - step


def _running_fixed(scenario: Scenario, conditions: dict, base: dict) -> dict[str, set[str]]:
    """Condition -> the mechanisms without a switch one of whose processes runs there (a
    rate other than 0 at some sample of some of its wells, at the run's base values)."""
    model, compiled = scenario.model, scenario.compiled
    switches = model.switches
    params = compiled.default_parameters()
    for name, value in base.items():
        params[compiled.parameters.index(name)] = value
    found = {}
    for name, condition in conditions.items():
        running: set[str] = set()
        result = simulate(condition, params=base, scenario=scenario)
        for well in (result.trajectory, *result.control_trajectories.values()):
            rates = np.array([compiled.rates(state, params, well.main_phase.inputs)
                              for state in well.main.states])
            for j in np.flatnonzero(np.abs(rates).max(axis=0) > 0):
                running.update(m for m in model.processes[j].mechanisms if m not in switches)
        found[name] = running
    return found
