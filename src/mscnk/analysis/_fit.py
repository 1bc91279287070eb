"""Calibration to a lab's own measurements: multi-start least squares and profile likelihoods
(pyPESTO) on the array interface.

Each measurement ``y`` of a readout in a condition, with its SD ``sigma``, gives the
residual ``(model - y) / sigma``; a parameter with a prior (normal on its scale) adds
``(x - mean) / sd``. The objective, the negative log-likelihood up to a constant, is half the
sum of squares. All conditions of one parameter vector, and the ``p + 1`` vectors of a
forward-difference Jacobian, run as one batch of :class:`~mscnk.analysis.Problem`. The best
of several starts (the nominal values, then uniform on each parameter's scale, seeded) is the
estimate; each parameter's profile (the others re-optimised) gives its 95 % interval where
the profile's likelihood ratio crosses ``exp(-chi2_95(1) / 2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from mscnk.analysis._estimate import forward_jacobian
from mscnk.analysis._problem import Problem
from mscnk.runs import Executor
from mscnk.scenarios import (ConditionError, Scenario, load_scenario, scenario_parameters, show,
                             suggest)
from mscnk.vocabulary import measurement_sd

SCALES = ("lin", "log10")
#: Residual of a measurement whose condition fails or gives no value (steers away from it).
FAILED_RESIDUAL = 100.0
#: Forward-difference step of the Jacobian, on the parameter's scale (a share of its range).
STEP = 1e-3


@dataclass(frozen=True)
class FitParameter:
    """A parameter to estimate: its scale (``lin`` or ``log10``), bounds and nominal value
    (in its unit) and an optional normal prior on its scale, ``(mean, sd)``."""

    name: str
    lower: float
    upper: float
    nominal: float
    scale: str = "log10"
    prior: tuple[float, float] | None = None

    def to_scale(self, value: float) -> float:
        return math.log10(value) if self.scale == "log10" else float(value)

    def from_scale(self, x: float) -> float:
        return 10.0 ** x if self.scale == "log10" else float(x)


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit_measurements` found (values in the parameters' units).

    ``intervals``: 95 % profile-likelihood intervals (None if not profiled); ``starts``: one
    row per start (its objective and message), best first; ``residuals``: one row per
    measurement at the estimate; ``profiles``: each parameter's path (values, ratios);
    ``ensemble``: the estimate and every profile point inside the 95 % threshold, one full
    parameter set per row (a profile-based ensemble for prediction bands).
    """

    parameters: tuple[FitParameter, ...]
    values: dict[str, float]
    objective: float
    starts: pd.DataFrame
    residuals: pd.DataFrame
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    profiles: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    ensemble: pd.DataFrame = field(default_factory=pd.DataFrame)


def check_parameters(parameters: Sequence[FitParameter],
                     scenario: Scenario | None = None) -> list[str]:
    """Problems with the parameters to estimate (names, scales, bounds, nominal, priors)."""
    known = scenario_parameters(load_scenario(scenario))
    problems = []
    for p in parameters:
        where = f"parameters: {p.name}"
        if p.name not in known:
            problems.append(f"parameters: unknown parameter {show(p.name)}")
            continue
        declared = known[p.name]
        if p.scale not in SCALES:
            problems.append(f"{where}: scale {show(p.scale)} is not allowed; allowed: "
                            f"{', '.join(SCALES)}")
        if not declared.lower <= p.lower < p.upper <= declared.upper:
            problems.append(f"{where}: bounds [{p.lower}, {p.upper}] must lie within its "
                            f"declared bounds [{declared.lower}, {declared.upper}] "
                            f"{declared.unit}, lower below upper")
        elif not p.lower <= p.nominal <= p.upper:
            problems.append(f"{where}: nominal value {p.nominal} is outside [{p.lower}, "
                            f"{p.upper}]")
        if p.scale == "log10" and p.lower <= 0:
            problems.append(f"{where}: a log10 scale needs a lower bound above 0, got {p.lower}")
        if p.prior is not None and not (len(p.prior) == 2 and p.prior[1] > 0):
            problems.append(f"{where}: a prior is (mean, sd) on its scale with sd > 0, got "
                            f"{p.prior}")
    names = [p.name for p in parameters]
    problems += [f"parameters: {n!r} is listed more than once"
                 for n in sorted({n for n in names if names.count(n) > 1})]
    if not parameters:
        problems.append("parameters: nothing to estimate")
    return problems


class _Objective:
    """Residuals and their Jacobian on the parameters' scales, cached by the last point."""

    def __init__(self, problem: Problem, parameters: Sequence[FitParameter],
                 measurements: pd.DataFrame):
        self.problem, self.parameters = problem, tuple(parameters)
        conditions, readouts = list(problem.conditions), list(problem.readouts)
        self.cells = np.array([[conditions.index(c), readouts.index(r)] for c, r in
                               zip(measurements.condition, measurements.readout)])
        self.y = measurements.value.to_numpy(dtype=float)
        self.sigma = measurements.sigma.to_numpy(dtype=float)
        self.priors = [(i, p.prior) for i, p in enumerate(parameters) if p.prior is not None]
        span = np.array([p.to_scale(p.upper) - p.to_scale(p.lower) for p in parameters])
        self.steps = STEP * span
        self.upper = np.array([p.to_scale(p.upper) for p in parameters])
        self._last: tuple[bytes, np.ndarray] | None = None

    def model(self, x: np.ndarray) -> np.ndarray:
        """``(n, measurements)`` model values for ``(n, p)`` points on the scales."""
        theta = np.array([[p.from_scale(v) for p, v in zip(self.parameters, row)]
                          for row in np.atleast_2d(x)])
        theta = np.clip(theta, self.problem.bounds[:, 0], self.problem.bounds[:, 1])
        values = self.problem.run(theta).values  # (n, conditions, readouts)
        return values[:, self.cells[:, 0], self.cells[:, 1]]

    def many(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        data = (self.model(x) - self.y) / self.sigma
        data = np.where(np.isfinite(data), data, FAILED_RESIDUAL)
        prior = np.array([[(row[i] - mean) / sd for i, (mean, sd) in self.priors]
                          for row in x]).reshape(len(x), len(self.priors))
        return np.hstack([data, prior])

    def residuals(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self._last is None or self._last[0] != x.tobytes():
            self._last = (x.tobytes(), self.many(x)[0])
        return self._last[1]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return forward_jacobian(self.many, x, self.residuals(x), self.steps, self.upper)

    def fval(self, x: np.ndarray) -> float:
        r = self.residuals(x)
        return 0.5 * float(r @ r)

    def grad(self, x: np.ndarray) -> np.ndarray:
        return self.jacobian(x).T @ self.residuals(x)


def fit_measurements(conditions: Mapping[str, Any], measurements: pd.DataFrame,
                     parameters: Sequence[FitParameter], *, starts: int = 8, seed: int = 0,
                     profiles: bool = True, max_evaluations: int = 100,
                     base: Mapping[str, float] | None = None,
                     scenario: Scenario | str | None = None, executor: Executor | None = None,
                     report: Callable[[str], None] | None = None) -> FitResult:
    """Estimate ``parameters`` from ``measurements`` (columns ``condition``, ``readout``,
    ``value`` and optionally ``sigma``; a missing sigma is the readout's assumed measurement
    SD) of the named ``conditions``; ``base``: values of the other parameters."""
    import pypesto
    import pypesto.optimize as optimize

    chosen = load_scenario(scenario)
    say = report or (lambda _text: None)
    problems = check_parameters(parameters, chosen)
    data = measurements.copy()
    missing = [c for c in ("condition", "readout", "value") if c not in data.columns]
    if missing:
        problems.append(f"measurements: missing column(s) {missing}")
    else:
        problems += [f"measurements: condition {show(c)} is not among the conditions "
                     f"({', '.join(conditions)})"
                     for c in sorted(set(data.condition) - set(conditions))]
        problems += [f"measurements: readout {show(r)} is not a readout"
                     f"{suggest(r, chosen.readout_names)}"
                     for r in sorted(set(data.readout) - set(chosen.readout_names))]
        if not np.isfinite(data.value.to_numpy(dtype=float)).all():
            problems.append("measurements: every value must be a finite number")
    for name, raw in conditions.items():
        try:
            chosen.condition_from(raw)
        except ConditionError as error:
            problems += [f"condition {name}: {problem}" for problem in error.problems]
    if not isinstance(starts, int) or starts < 1:
        problems.append(f"starts: {starts!r} is not a whole number of at least 1")
    if problems:
        raise ConditionError(problems)
    if "sigma" not in data.columns:
        data["sigma"] = np.nan
    assumed = data.sigma.isna()
    data.loc[assumed, "sigma"] = [measurement_sd(r, v) for r, v
                                  in zip(data.readout[assumed], data.value[assumed])]
    if not (data.sigma > 0).all():
        raise ConditionError(["measurements: every sigma must be above 0"])
    used = {name: conditions[name] for name in dict.fromkeys(data.condition)}
    problem = Problem(chosen, used, [p.name for p in parameters],
                      list(dict.fromkeys(data.readout)), base=base, executor=executor)
    objective = _Objective(problem, parameters, data)
    lower = np.array([p.to_scale(p.lower) for p in parameters])
    upper = np.array([p.to_scale(p.upper) for p in parameters])
    rng = np.random.default_rng(seed)
    guesses = np.vstack([[p.to_scale(p.nominal) for p in parameters],
                         rng.uniform(lower, upper, size=(starts - 1, len(parameters)))])
    names = [p.name for p in parameters]
    pypesto_objective = pypesto.Objective(fun=objective.fval, grad=objective.grad,
                                          res=objective.residuals, sres=objective.jacobian,
                                          x_names=names)
    pypesto_problem = pypesto.Problem(pypesto_objective, lb=lower, ub=upper,
                                      x_guesses=guesses, x_names=names)
    optimizer = optimize.ScipyOptimizer(method="ls_trf", tol=1e-8,
                                        options={"maxfun": max_evaluations})
    say(f"{starts} start(s), {len(data)} measurements, {len(parameters)} parameters")
    result = optimize.minimize(pypesto_problem, optimizer, n_starts=starts, progress_bar=False)
    best = result.optimize_result[0]
    if best.x is None or not np.all(np.isfinite(best.x)):
        raise ConditionError([f"calibration: every start failed; the best says: {best.message}"])
    x = np.asarray(best.x, dtype=float)
    values = {p.name: p.from_scale(v) for p, v in zip(parameters, x)}
    starts_frame = pd.DataFrame([{"start": r.id, "objective": r.fval, "message": r.message,
                                  **{n: p.from_scale(v) for n, p, v in zip(names, parameters,
                                                                           r.x)}}
                                 for r in result.optimize_result if r.x is not None])
    model = objective.model(x)[0]
    residuals = data.assign(model=model, residual=(model - data.value) / data.sigma)
    found = FitResult(tuple(parameters), values, objective.fval(x), starts_frame, residuals)
    if not profiles:
        return found
    say("profiles")
    return _profiled(found, pypesto_problem, result, optimizer, objective)


def _profiled(found: FitResult, problem: Any, result: Any, optimizer: Any,
              objective: _Objective) -> FitResult:
    """``found`` with each parameter's profile and its 95 % interval."""
    import pypesto.profile as profile

    ratio = profile.chi2_quantile_to_ratio(0.95)
    span = min(objective.upper - problem.lb)
    options = profile.ProfileOptions(default_step_size_absolute=0.02 * span,
                                     min_step_size_absolute=0.005 * span,
                                     max_step_size_absolute=0.1 * span, ratio_min=ratio * 0.9)
    result = profile.parameter_profile(problem=problem, result=result, optimizer=optimizer,
                                       profile_options=options, progress_bar=False)
    intervals, paths = {}, {}
    members = [[found.values[p.name] for p in found.parameters]]
    for index, p in enumerate(found.parameters):
        path = result.profile_result.list[0][index]
        xs = np.asarray(path.x_path[index], dtype=float)
        ratios = np.asarray(path.ratio_path, dtype=float)
        inside = np.asarray(path.x_path, dtype=float)[:, ratios >= ratio]
        members += [[q.from_scale(v) for q, v in zip(found.parameters, column)]
                    for column in inside.T]
        low, high = profile.calculate_approximate_ci(xs, ratios, ratio)
        intervals[p.name] = (p.from_scale(low), p.from_scale(high))
        paths[p.name] = (np.array([p.from_scale(v) for v in xs]), ratios)
    ensemble = pd.DataFrame(members, columns=[p.name for p in found.parameters])
    return FitResult(found.parameters, found.values, found.objective, found.starts,
                     found.residuals, intervals, paths, ensemble.drop_duplicates(ignore_index=True))
