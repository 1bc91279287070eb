"""Fit parameters to findings: a bounded coordinate search on expectation margins.

The objective is the sum over every expectation of ``max(0, target_margin - margin)^2``:
zero when every expectation holds with at least ``target_margin`` to spare. Parameters move
multiplicatively (log space) within their declared bounds, one at a time, keeping any move
that lowers the objective. Each step's candidates go to a :class:`~mscnk.analysis.Problem`
over every distinct condition of the findings as one batch (``evaluate(theta)``), on the
executor given (this process by default, or dask).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from mscnk.analysis._findings import (Finding, FindingResult, check_with_readouts,
                                      finding_conditions, load_findings)
from mscnk.analysis._margins import margin
from mscnk.analysis._problem import Problem
from mscnk.scenarios import Scenario, load_scenario


@dataclass(frozen=True)
class Score:
    """Outcome of one parameter set over all findings."""

    objective: float
    passed: int
    total: int
    margins: dict[str, float]  # "finding_id#k" -> margin of its k-th expectation

    def worst(self, n: int = 5) -> list[tuple[str, float]]:
        return sorted(self.margins.items(), key=lambda item: item[1])[:n]


class FindingsEvaluator:
    """Scores values of ``parameters`` on a fixed list of findings, many sets at once."""

    def __init__(self, findings: Sequence[Finding], parameters: Sequence[str], *,
                 target_margin: float = 0.05, executor: Any = None,
                 scenario: Scenario | str | None = None):
        self.scenario = load_scenario(scenario)
        self.findings = load_findings(list(findings), scenario=self.scenario)
        self.target_margin = target_margin
        self._conditions = finding_conditions(self.findings, self.scenario)
        self.problem = Problem(self.scenario, self._conditions, parameters, executor=executor)

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.problem.parameters

    def _theta(self, values: Mapping[str, float]) -> list[float]:
        return [float(values[name]) for name in self.parameters]

    def results_many(self, sets: Sequence[Mapping[str, float]]) -> list[list[FindingResult]]:
        """Every finding checked under each set of values (one batch for all sets)."""
        run = self.problem.run(np.array([self._theta(v) for v in sets],
                                        dtype=float).reshape(len(sets), len(self.parameters)))
        names = self.problem.readouts
        out = []
        for row in range(len(sets)):
            outcomes = {key: ((None, run.errors[row][c]) if run.errors[row][c] is not None
                              else (dict(zip(names, map(float, run.values[row, c]))), None))
                        for c, key in enumerate(self._conditions)}
            out.append([check_with_readouts(f, self.scenario, outcomes) for f in self.findings])
        return out

    def results(self, values: Mapping[str, float]) -> list[FindingResult]:
        """Every finding checked under ``values`` (of :attr:`parameters`; other names are
        ignored: they keep their defaults)."""
        return self.results_many([values])[0]

    def _score(self, results: list[FindingResult]) -> Score:
        margins = {f"{r.id}#{k}": margin(e) for r in results for k, e in enumerate(r.expectations)}
        for r in results:
            if r.errors:
                margins[f"{r.id}#errors"] = -1.0
        objective = sum(max(0.0, self.target_margin - m) ** 2 for m in margins.values())
        return Score(objective, sum(r.passed for r in results), len(results), margins)

    def scores(self, sets: Sequence[Mapping[str, float]]) -> list[Score]:
        return [self._score(results) for results in self.results_many(sets)]

    def score(self, values: Mapping[str, float]) -> Score:
        return self.scores([values])[0]


def coordinate_search(evaluator: FindingsEvaluator, start: Mapping[str, float],
                      bounds: Mapping[str, tuple[float, float]], *, step: float = 1.25,
                      rounds: int = 2, report: Callable[[str], None] | None = None
                      ) -> tuple[dict[str, float], Score]:
    """Improve ``start`` one parameter at a time by factors ``step`` and ``1/step`` (both
    candidates scored in one batch; ``step`` wins a tie of improvements)."""
    current = dict(start)
    best = evaluator.score(current)
    say = report or (lambda _text: None)
    say(f"start: objective {best.objective:.4g}, {best.passed}/{best.total} findings hold")
    for round_number in range(1, rounds + 1):
        improved = False
        for name, (low, high) in bounds.items():
            values = [min(max(current[name] * factor, low), high) for factor in (step, 1 / step)]
            trials = [{**current, name: v} for v in values
                      if v != current[name] and math.isfinite(v)]
            for trial, score in zip(trials, evaluator.scores(trials) if trials else []):
                if score.objective < best.objective - 1e-12:
                    say(f"round {round_number}: {name} {current[name]:.4g} -> {trial[name]:.4g}:"
                        f" objective {best.objective:.4g} -> {score.objective:.4g}, "
                        f"{score.passed}/{score.total} hold")
                    current, best, improved = trial, score, True
                    break
        if not improved:
            break
    return current, best
