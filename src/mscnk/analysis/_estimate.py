"""Estimation with priors: a smooth posterior over findings, its maximum, its information.

The negative log-posterior is half the sum of squared residuals, so that a least-squares
optimiser (pyPESTO's ``ls_trf``, scipy's trust-region reflective method) finds its maximum
and the residuals' Jacobian gives the Fisher information at it:

* one residual per estimated parameter: its standardised coordinate ``z`` (the prior,
  :mod:`mscnk.analysis._priors`, is N(0, 1) in ``z``);
* one residual per expectation, ``sqrt(-2 log Phi(margin / tau))``: the probability that a
  finding is observed to hold when the model's margin (:func:`mscnk.analysis.margin`, a
  log-ratio or a share of a range) carries an observation error of scale ``tau`` (probit);
  smooth, near zero once a margin is a few ``tau`` to spare, large when it fails;
* one residual per ``between`` expectation (a published number with its accepted range),
  the squared error of the value from the range's middle, the range being +-1.96 SD.

All residuals of many parameter sets come from one batch of the findings' conditions
(:class:`mscnk.analysis.FindingsEvaluator`), so a forward-difference Jacobian costs one
batch of ``p + 1`` rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy.special import log_ndtr

from mscnk.analysis._evaluator import FindingsEvaluator
from mscnk.analysis._expectations import ExpectationResult
from mscnk.analysis._findings import Finding, FindingResult
from mscnk.analysis._margins import margin
from mscnk.analysis._priors import RANGE_Z, Prior, priors_of

#: Observation error of a margin (log-ratio or share of a range) in the probit likelihood.
TAU = 0.1
#: Forward-difference step of the Jacobian, in prior standard deviations.
STEP = 0.05
#: A parameter is determined by the findings when they remove at least this share of its
#: prior variance (posterior variance <= half the prior's, Laplace approximation).
CONTRACTION = 0.5


def forward_jacobian(many: Callable[[np.ndarray], np.ndarray], x: Any, base: np.ndarray,
                     step: Any, upper: Any) -> np.ndarray:
    """``(residuals, p)`` forward differences of ``many`` (``(n, p)`` points to ``(n,
    residuals)``) at ``x``, whose residuals are ``base``: all ``p`` shifted points in one
    batch, each step taken inward where it would pass ``upper``."""
    x = np.asarray(x, dtype=float)
    steps = np.where(x + step > upper, -np.asarray(step), np.asarray(step)) * np.ones_like(x)
    shifted = many(x[None, :] + np.diag(steps))
    return ((shifted - base[None, :]) / steps[:, None]).T


def _probit_residual(value: float, tau: float) -> float:
    return math.sqrt(-2.0 * float(log_ndtr(value / tau)))


def _middle_residual(row: ExpectationResult) -> float | None:
    """Squared-error residual of a ``between`` value from its range's middle (+-1.96 SD)."""
    if row.form != "between" or row.values[0] is None or not math.isfinite(row.values[0]):
        return None
    low, high = (float(v) for v in row.target)
    value = float(row.values[0])
    if low > 0 and value > 0:
        return (math.log(value) - (math.log(low) + math.log(high)) / 2) / (
            math.log(high / low) / (2 * RANGE_Z))
    return (value - (low + high) / 2) / ((high - low) / (2 * RANGE_Z))


class Posterior:
    """Residuals of the log-posterior over ``findings`` for ``z`` of ``parameters``.

    ``tau``: the margins' observation error; ``step``: the Jacobian's difference step (z);
    ``base``: values of parameters not estimated (else their defaults).
    """

    def __init__(self, findings: Sequence[Finding], parameters: Sequence[str], *,
                 scenario: Any = None, executor: Any = None, tau: float = TAU,
                 step: float = STEP, base: Mapping[str, float] | None = None):
        self.evaluator = FindingsEvaluator(findings, parameters, executor=executor,
                                           scenario=scenario, base=base)
        self.priors: list[Prior] = priors_of(self.parameters, self.evaluator.scenario)
        self.tau, self.step = tau, step
        self._last: tuple[bytes, np.ndarray] | None = None
        self.evaluations = 0  # parameter sets simulated so far

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.evaluator.parameters

    def values(self, z: np.ndarray) -> dict[str, float]:
        """Parameter values (their units) at ``z``."""
        return {p.name: float(p.from_z(np.array([zi]))[0]) for p, zi in zip(self.priors, z)}

    def z_of(self, values: dict[str, float]) -> np.ndarray:
        return np.array([float(p.to_z(np.array([values[p.name]]))[0]) for p in self.priors])

    def _data_residuals(self, results: list[FindingResult]) -> list[float]:
        out = []
        for result in results:
            for row in result.expectations:
                out.append(_probit_residual(margin(row), self.tau))
                middle = _middle_residual(row)
                if row.form == "between":
                    out.append(middle if middle is not None else _probit_residual(-1.0, self.tau))
        return out

    def residuals_many(self, z: np.ndarray) -> tuple[np.ndarray, list[list[FindingResult]]]:
        """``(n, p + m)`` residuals (prior first, then data) and the findings' results."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        results = self.evaluator.results_many([self.values(row) for row in z])
        self.evaluations += len(z)
        data = np.array([self._data_residuals(r) for r in results], dtype=float)
        return np.hstack([z, data.reshape(len(z), -1)]), results

    def residuals(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        key = z.tobytes()
        if self._last is None or self._last[0] != key:
            self._last = (key, self.residuals_many(z)[0][0])
        return self._last[1]

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """``(p + m, p)`` forward differences in ``z`` (inward at a range's edge), one batch."""
        return forward_jacobian(lambda rows: self.residuals_many(rows)[0], z,
                                self.residuals(z), self.step, RANGE_Z)

    def negative_log_posterior(self, z: np.ndarray) -> float:
        return 0.5 * float(np.sum(self.residuals(z) ** 2))


@dataclass(frozen=True)
class Information:
    """What the findings say about each parameter at a point (Laplace approximation)."""

    names: tuple[str, ...]
    z: np.ndarray                  # (p,) the point, in prior standard deviations
    covariance: np.ndarray         # (p, p) posterior covariance in z units (the prior's is I)
    fisher_eigenvalues: np.ndarray  # (p,) of the data's Fisher information, descending

    @property
    def posterior_sd(self) -> np.ndarray:
        """(p,) posterior standard deviations in z units (the prior's are 1)."""
        return np.sqrt(np.clip(np.diag(self.covariance), 0.0, None))

    @property
    def wald(self) -> np.ndarray:
        """(p,) ``z^2 / var``: how far each parameter sits from its prior median, in
        posterior variances (> 3.84: the median is outside its 95 % interval)."""
        return self.z**2 / np.diag(self.covariance)

    def reset_cost(self, indices: Sequence[int]) -> float:
        """Rise of the -log posterior (quadratic approximation) when these parameters go
        back to their prior medians and the others re-adjust: ``z_S' (C_SS)^-1 z_S / 2``."""
        chosen = np.asarray(indices, dtype=int)
        if chosen.size == 0:
            return 0.0
        return 0.5 * float(self.z[chosen] @ np.linalg.solve(
            self.covariance[np.ix_(chosen, chosen)], self.z[chosen]))

    @property
    def contraction(self) -> np.ndarray:
        """Share of each parameter's prior variance the findings remove (0 none, 1 all)."""
        return 1.0 - self.posterior_sd**2

    def determined(self, threshold: float = CONTRACTION) -> np.ndarray:
        return self.contraction >= threshold

    def interval(self, prior: Prior, index: int, level_z: float = RANGE_Z
                 ) -> tuple[float, float]:
        """Approximate 95 % interval of one parameter, in its unit (clipped to its range)."""
        centre, sd = self.z[index], self.posterior_sd[index]
        low, high = max(centre - level_z * sd, -RANGE_Z), min(centre + level_z * sd, RANGE_Z)
        return (float(prior.from_z(np.array([low]))[0]), float(prior.from_z(np.array([high]))[0]))


def information(posterior: Posterior, z: np.ndarray) -> Information:
    """Fisher information of the data residuals at ``z``, with the prior's for the posterior."""
    jacobian = posterior.jacobian(z)[len(posterior.parameters):]
    fisher = jacobian.T @ jacobian
    covariance = np.linalg.inv(fisher + np.eye(len(z)))
    return Information(posterior.parameters, np.asarray(z, dtype=float), covariance,
                       np.sort(np.linalg.eigvalsh(fisher))[::-1])


@dataclass(frozen=True)
class Estimate:
    """A maximum a posteriori estimate: the point, its objective, each finding there, cost."""

    z: np.ndarray
    values: dict[str, float]
    negative_log_posterior: float
    results: list[FindingResult]  # every finding (and check) checked at the estimate
    evaluations: int
    message: str

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)


def maximise(posterior: Posterior, start: np.ndarray | None = None, *, starts: int = 1,
             max_evaluations: int = 40, seed: int = 0,
             report: Callable[[str], None] | None = None) -> Estimate:
    """The posterior's maximum by pyPESTO multi-start ``ls_trf`` (trust-region least squares).

    The first start is ``start`` (default: the prior medians, ``z = 0``); further starts are
    drawn from the prior (seeded). ``max_evaluations``: residual evaluations per start.
    """
    import pypesto
    import pypesto.optimize as optimize

    p = len(posterior.parameters)
    say = report or (lambda _text: None)
    first = np.zeros(p) if start is None else np.asarray(start, dtype=float)
    rng = np.random.default_rng(seed)
    guesses = [first] + [np.clip(rng.standard_normal(p), -RANGE_Z, RANGE_Z)
                         for _ in range(starts - 1)]

    def residuals(z: np.ndarray) -> np.ndarray:
        value = posterior.residuals(z)
        say(f"  evaluation: -log posterior {0.5 * float(value @ value):.4g} "
            f"(prior {0.5 * float(value[:p] @ value[:p]):.4g})")
        return value

    objective = pypesto.Objective(res=residuals, sres=posterior.jacobian,
                                  x_names=list(posterior.parameters))
    problem = pypesto.Problem(objective, lb=np.full(p, -RANGE_Z), ub=np.full(p, RANGE_Z),
                              x_guesses=np.array(guesses), x_names=list(posterior.parameters))
    optimizer = optimize.ScipyOptimizer(
        method="ls_trf", tol=1e-4,
        options={"maxfun": max_evaluations, "xtol": 1e-4, "tr_solver": "exact"})
    result = optimize.minimize(problem, optimizer, n_starts=len(guesses), progress_bar=False)
    best = result.optimize_result[0]
    if best.x is None or not np.all(np.isfinite(best.x)):
        raise RuntimeError(f"every start of the estimation failed; the best says: {best.message}")
    z = np.asarray(best.x, dtype=float)
    residuals, results = posterior.residuals_many(z)  # once: the objective and the verdicts
    return Estimate(z, posterior.values(z), 0.5 * float(residuals[0] @ residuals[0]),
                    results[0], posterior.evaluations, str(best.message))


__all__ = ["CONTRACTION", "STEP", "TAU", "Estimate", "Information", "Posterior",
           "forward_jacobian", "information", "maximise"]
