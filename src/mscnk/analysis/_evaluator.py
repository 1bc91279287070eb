"""Findings checked under many parameter sets at once: one batch of their conditions.

A :class:`FindingsEvaluator` simulates every distinct condition of a list of findings for
each parameter set through a :class:`~mscnk.analysis.Problem` (one batch, on the executor
given: this process by default, or dask) and checks every finding on the readouts.
Estimation (:mod:`mscnk.analysis._estimate`) and robustness reports build on it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from mscnk.analysis._findings import (Finding, FindingResult, check_with_readouts,
                                      finding_conditions, load_findings)
from mscnk.analysis._problem import Problem
from mscnk.scenarios import Scenario, load_scenario


class FindingsEvaluator:
    """Scores values of ``parameters`` on a fixed list of findings, many sets at once
    (every other parameter at ``base``, else at its default)."""

    def __init__(self, findings: Sequence[Finding], parameters: Sequence[str], *,
                 executor: Any = None,
                 scenario: Scenario | str | None = None,
                 base: Mapping[str, float] | None = None):
        self.scenario = load_scenario(scenario)
        self.findings = load_findings(list(findings), scenario=self.scenario)
        self._conditions = finding_conditions(self.findings, self.scenario)
        self.problem = Problem(self.scenario, self._conditions, parameters, executor=executor,
                               base=base)

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
