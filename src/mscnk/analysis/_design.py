"""Which experiment tells two explanations apart: candidate wells ranked by how far apart two
model variants predict them, in units of the measurement noise.

A variant is a set of parameter values on top of the defaults: a calibrated parameter file,
or the model without one mechanism (its switch ``on_<mechanism>`` at 0). Every candidate
condition runs under both variants in one batch (:class:`~mscnk.analysis.Problem`); for each
readout the separation is ``|a - b| / sqrt(sd(a)^2 + sd(b)^2)`` with the readout's assumed
measurement SD (:func:`mscnk.vocabulary.measurement_sd`), and a candidate's score is its best
readout's separation: how many noise SDs one well of it would put between the variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from mscnk.analysis._problem import Problem
from mscnk.runs import Executor
from mscnk.scenarios import ConditionError, Scenario, load_scenario, show, suggest
from mscnk.vocabulary import measurement_sd


@dataclass(frozen=True)
class Design:
    """``ranking``: one row per candidate, best first: ``candidate``, ``readout`` (its most
    separating one), ``first``, ``second`` (the two predictions), ``separation`` (noise SDs).
    ``separations``: every candidate x readout. ``names``: how the two variants were named."""

    ranking: pd.DataFrame
    separations: pd.DataFrame
    names: tuple[str, str]

    def best(self, count: int = 3) -> list[str]:
        """The ``count`` candidates to run next (those that separate the variants at all)."""
        moving = self.ranking[self.ranking.separation > 0]
        return list(moving.candidate.head(count))


def rank_candidates(candidates: Mapping[str, Any], first: Mapping[str, float],
                    second: Mapping[str, float], *, names: tuple[str, str] = ("first", "second"),
                    readouts: Sequence[str] | None = None, scenario: Scenario | str | None = None,
                    executor: Executor | None = None) -> Design:
    """Rank ``candidates`` (named conditions) by how far apart the variants ``first`` and
    ``second`` (parameter values over the defaults) predict ``readouts`` (None: all)."""
    chosen = load_scenario(scenario)
    wanted = list(readouts or chosen.readout_names)
    unknown = [r for r in wanted if r not in chosen.readout_names]
    if unknown:
        raise ConditionError([f"readout: unknown readout {show(r)}"
                              f"{suggest(r, chosen.readout_names)}" for r in unknown])
    if dict(first) == dict(second):
        raise ConditionError([f"between: {names[0]} and {names[1]} set the same values; the "
                              "variants must differ"])
    varied = sorted({*first, *second})
    problem = Problem(chosen, candidates, varied, wanted, executor=executor)
    defaults = dict(zip(varied, problem.defaults))
    theta = np.array([[{**defaults, **variant}[name] for name in varied]
                      for variant in (first, second)])
    run = problem.run(theta)
    rows = []
    for c, candidate in enumerate(problem.conditions):
        failed = run.errors[0][c] or run.errors[1][c]
        for r, readout in enumerate(wanted):
            a, b = (float(run.values[k, c, r]) for k in (0, 1))
            if failed or not (np.isfinite(a) and np.isfinite(b)):
                continue
            noise = (measurement_sd(readout, a) ** 2 + measurement_sd(readout, b) ** 2) ** 0.5
            rows.append({"candidate": candidate, "readout": readout, "first": a,
                         "second": b, "separation": abs(a - b) / noise})
    if not rows:
        raise ConditionError(["candidates: no candidate gives a value of the readouts asked "
                              "for under both variants"])
    separations = pd.DataFrame(rows)
    best = separations.loc[separations.groupby("candidate", sort=False).separation.idxmax()]
    ranking = best.sort_values(["separation", "candidate"], ascending=[False, True],
                               kind="stable").reset_index(drop=True)
    return Design(ranking, separations, names)
