"""Why a readout came out as it did: switch each mechanism off and see what it was doing.

Every switchable mechanism of the scenario (parameter ``on_<mechanism>``, see
:meth:`mscnk.model.ModelBuilder.switch`) is switched off in turn, in one batch through
:class:`~mscnk.analysis.Problem`. A mechanism's *contribution* is the readout with everything
on minus the readout with it off: what it does in this well (-38 points: it holds lysis 38
points down). The leading mechanisms are then switched off in pairs (the interaction of a
pair is its joint contribution minus the two single ones) and all together, so a reader sees
how far single contributions add up. With ``versus``, the readout is the difference between
two conditions (for example licensed minus naive MSCs), and each contribution is that
mechanism's share of the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Mapping

import numpy as np
import pandas as pd

from mscnk.analysis._problem import Problem
from mscnk.catalog import all_mechanisms as catalog
from mscnk.runs import Executor
from mscnk.scenarios import ConditionError, Scenario, load_scenario, show, suggest

#: Values and contributions within this share of the largest value (at least 1) are round-off
#: and reported as 0.
NEGLIGIBLE = 1e-9


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain_condition` found. Values in the readout's unit.

    ``contributions``: one row per switchable mechanism, largest first: ``mechanism``,
    ``name``, ``off`` (the readout with it off), ``contribution`` (``value - off``).
    ``interactions``: one row per pair of the ``top`` mechanisms: ``first``, ``second``,
    ``off`` (both off), ``joint`` (``value - off``), ``interaction`` (``joint`` minus the
    two single contributions). ``joint_off`` / ``joint``: the readout with all ``top``
    mechanisms off, and ``value`` minus it; ``higher_order``: what neither the single
    contributions nor the pairwise interactions account for.
    """

    readout: str
    unit: str
    what: str                 # "msc_lysis_pct in licensed" or "... licensed minus naive"
    value: float
    contributions: pd.DataFrame
    interactions: pd.DataFrame
    top: tuple[str, ...]
    joint_off: float
    joint: float
    higher_order: float
    fixed: Mapping[str, str]  # mechanisms without a switch, and why

    def sentence(self, count: int = 3) -> str:
        """'msc_lysis_pct in licensed is 21.7 %: missing_self -18.8, ifng_licensing -14.9, ...'"""
        leading = [row for row in self.contributions.itertuples()
                   if abs(row.contribution) > 0][:count]
        parts = [f"{row.mechanism} {row.contribution:+.3g}" for row in leading]
        return (f"{self.what} is {self.value:.4g} {self.unit}: "
                + (", ".join(parts) if parts else "no switchable mechanism moves it"))


def _condition_of(conditions: Mapping[str, Any], name: str | None, what: str) -> tuple[str, Any]:
    if name is None:
        if len(conditions) != 1:
            raise ConditionError([f"{what}: the file has {len(conditions)} conditions; name one "
                                  f"of {', '.join(conditions)}"])
        return next(iter(conditions.items()))
    if name not in conditions:
        raise ConditionError([f"{what}: no condition {show(name)} in the file"
                              f"{suggest(name, list(conditions))}; allowed: "
                              f"{', '.join(conditions)}"])
    return name, conditions[name]


def what_of(name: str, versus: str | None) -> str:
    return name + (f" minus {versus}" if versus is not None else "")


def explain_condition(conditions: Mapping[str, Any], readout: str, *,
                      condition: str | None = None, versus: str | None = None, top: int = 4,
                      params: Mapping[str, float] | None = None,
                      scenario: Scenario | str | None = None,
                      executor: Executor | None = None) -> Explanation:
    """Switch every switchable mechanism off in turn in ``condition`` (a name of
    ``conditions``; None: its only one) and rank what each does to ``readout``; then the
    ``top`` leading ones in pairs and together. ``versus``: explain ``condition`` minus that
    condition instead. ``params``: parameter values under every run (a switch at 0 there
    stays off). ConditionError names any bad argument.
    """
    chosen = load_scenario(scenario)
    problems = []
    if readout not in chosen.readout_names:
        problems.append(f"readout: unknown readout {show(readout)}"
                        f"{suggest(readout, chosen.readout_names)}; allowed: "
                        f"{', '.join(chosen.readout_names)}")
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 8:
        problems.append(f"top: {top!r} is not a whole number from 1 to 8")
    if problems:
        raise ConditionError(problems)
    name, main = _condition_of(conditions, condition, "condition")
    wells = {name: main}
    if versus is not None:
        other, reference = _condition_of(conditions, versus, "versus")
        if other == name:
            raise ConditionError([f"versus: {show(versus)} is the condition explained itself"])
        wells[other] = reference
    switches = chosen.model.switches
    names = list(switches.values())
    problem = Problem(chosen, wells, names, [readout], base=params, executor=executor)
    on = problem.defaults                      # 1, or 0 where params switched it off
    mechanisms = [m for m, switch in switches.items() if on[names.index(switch)] > 0]

    def rows(groups: list[tuple[str, ...]]) -> np.ndarray:
        theta = np.tile(on, (len(groups), 1))
        for row, group in enumerate(groups):
            for mechanism in group:
                theta[row, names.index(switches[mechanism])] = 0.0
        run = problem.run(theta)
        failed = [(group, error) for group, errs in zip(groups, run.errors)
                  for error in errs if error]
        if failed:
            group, error = failed[0]
            raise ConditionError([f"switching off {', '.join(group) or 'nothing'}: {error}"])
        values = run.values[:, :, 0]           # (rows, wells)
        return values[:, 0] - values[:, 1] if versus is not None else values[:, 0]

    singles = [(), *((m,) for m in mechanisms)]
    values = rows(singles)
    value = float(values[0])
    if not np.isfinite(value):
        raise ConditionError([f"readout: {readout} does not apply to {what_of(name, versus)} "
                              f"(it reads NaN there)"])
    scale = NEGLIGIBLE * max(float(np.nanmax(np.abs(values))), 1.0)
    values = np.where(np.abs(values) <= scale, 0.0, values)  # round-off of a difference
    off = dict(zip(mechanisms, map(float, values[1:])))
    known = catalog()
    table = pd.DataFrame({
        "mechanism": mechanisms,
        "name": [known[m].name if m in known else "" for m in mechanisms],
        "off": [off[m] for m in mechanisms],
        "contribution": [value - off[m] for m in mechanisms]})
    table.loc[table.contribution.abs() <= scale, "contribution"] = 0.0
    table = (table.assign(size=table.contribution.abs())
             .sort_values(["size", "mechanism"], ascending=[False, True], kind="stable")
             .drop(columns="size").reset_index(drop=True))
    leading = tuple(m for m, c in zip(table.mechanism, table.contribution) if c != 0)[:top]
    pairs = list(combinations(leading, 2))
    more = rows([*pairs, leading]) if leading else np.array([value])
    more = np.where(np.abs(more) <= scale, 0.0, more)
    single = dict(zip(table.mechanism, table.contribution))
    interactions = pd.DataFrame({
        "first": [a for a, _ in pairs], "second": [b for _, b in pairs],
        "off": [float(v) for v in more[:len(pairs)]],
        "joint": [value - float(v) for v in more[:len(pairs)]]})
    interactions["interaction"] = [joint - single[a] - single[b] for (a, b), joint
                                   in zip(pairs, interactions.joint)]
    joint_off = float(more[-1])
    joint = value - joint_off
    higher = joint - sum(single[m] for m in leading) - float(interactions.interaction.sum())
    return Explanation(readout, chosen.readouts[readout].unit,
                       f"{readout} in {what_of(name, versus)}", value, table,
                       interactions, leading, joint_off, joint, higher,
                       dict(chosen.fixed_mechanisms))
