"""Fit parameters to findings: a bounded coordinate search on expectation margins.

The objective is the sum over every expectation of ``max(0, target_margin - margin)^2``:
zero when every expectation holds with at least ``target_margin`` to spare. Parameters move
multiplicatively (log space) within their declared bounds, one at a time, keeping any move
that lowers the objective. Findings are checked in parallel worker processes.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from mscnk.analysis._findings import Finding, FindingResult, validate_results
from mscnk.analysis._margins import margin


@dataclass(frozen=True)
class Score:
    """Outcome of one parameter set over all findings."""

    objective: float
    passed: int
    total: int
    margins: dict[str, float]  # "finding_id#k" -> margin of its k-th expectation

    def worst(self, n: int = 5) -> list[tuple[str, float]]:
        return sorted(self.margins.items(), key=lambda item: item[1])[:n]


def _check(findings: Sequence[Finding], params: Mapping[str, float]) -> list[FindingResult]:
    return validate_results(list(findings), params=dict(params))


class FindingsEvaluator:
    """Evaluates parameter sets on a fixed list of findings, split across worker processes."""

    def __init__(self, findings: Sequence[Finding], *, workers: int = 2, target_margin: float = 0.05):
        self.findings = list(findings)
        self.workers = max(1, workers)
        self.target_margin = target_margin
        self._pool = ProcessPoolExecutor(self.workers) if self.workers > 1 else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def results(self, params: Mapping[str, float]) -> list[FindingResult]:
        if self._pool is None:
            return _check(self.findings, params)
        parts = [self.findings[i::self.workers] for i in range(self.workers)]
        futures = [self._pool.submit(_check, part, dict(params)) for part in parts if part]
        order = {f.id: i for i, f in enumerate(self.findings)}
        out = [r for future in futures for r in future.result()]
        return sorted(out, key=lambda r: order[r.id])

    def score(self, params: Mapping[str, float]) -> Score:
        results = self.results(params)
        margins = {f"{r.id}#{k}": margin(e) for r in results for k, e in enumerate(r.expectations)}
        for r in results:
            if r.errors:
                margins[f"{r.id}#errors"] = -1.0
        objective = sum(max(0.0, self.target_margin - m) ** 2 for m in margins.values())
        return Score(objective, sum(r.passed for r in results), len(results), margins)


def coordinate_search(evaluator: FindingsEvaluator, start: Mapping[str, float],
                      bounds: Mapping[str, tuple[float, float]], *, step: float = 1.25,
                      rounds: int = 2, report: Callable[[str], None] | None = None
                      ) -> tuple[dict[str, float], Score]:
    """Improve ``start`` one parameter at a time by factors ``step`` and ``1/step``."""
    current = dict(start)
    best = evaluator.score(current)
    say = report or (lambda _text: None)
    say(f"start: objective {best.objective:.4g}, {best.passed}/{best.total} findings hold")
    for round_number in range(1, rounds + 1):
        improved = False
        for name, (low, high) in bounds.items():
            for factor in (step, 1 / step):
                value = min(max(current[name] * factor, low), high)
                if value == current[name] or not math.isfinite(value):
                    continue
                trial = {**current, name: value}
                score = evaluator.score(trial)
                if score.objective < best.objective - 1e-12:
                    say(f"round {round_number}: {name} {current[name]:.4g} -> {value:.4g}: "
                        f"objective {best.objective:.4g} -> {score.objective:.4g}, "
                        f"{score.passed}/{score.total} hold")
                    current, best, improved = trial, score, True
                    break
        if not improved:
            break
    return current, best
