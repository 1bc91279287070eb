"""How far an expectation holds or fails: a signed, dimensionless margin.

Positive margins hold, negative ones fail; the size is comparable across forms (a log-ratio
for ratios, a fraction of the bound for bounds), so calibration and robustness reports can
rank findings by how close to the edge they sit.
"""

from __future__ import annotations

import math

from mscnk.analysis._expectations import ExpectationResult, TREND_MIN_CHANGE, TREND_STEP_FRACTION

FAILED = -1.0  # margin of an expectation that could not be evaluated (missing readout, ...)


def _relative(difference: float, scale: float) -> float:
    return difference / max(abs(scale), 1e-12)


def margin(result: ExpectationResult) -> float:
    """Signed margin of one checked expectation (> 0 holds, < 0 fails)."""
    values = result.values
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return FAILED
    form, target = result.form, result.target
    if form == "below":
        return _relative(target - values[0], max(abs(target), abs(values[0])))
    if form == "above":
        return _relative(values[0] - target, max(abs(target), abs(values[0])))
    if form == "between":
        low, high = target
        return min(values[0] - low, high - values[0]) / max(high - low, 1e-12)
    if form == "same_within_pct":
        stat = result.statistic
        if stat is None or math.isnan(stat):
            return FAILED
        return (target - stat) / max(target, 1.0)
    if form in ("ratio_at_least", "ratio_at_most"):
        stat = result.statistic
        if stat is None or math.isnan(stat) or stat <= 0:
            return FAILED if not result.passed else 1.0
        if math.isinf(stat):
            return 1.0 if result.passed else FAILED
        gap = math.log(stat / target)
        return gap if form == "ratio_at_least" else -gap
    if form == "trend":
        sign = 1.0 if target == "increasing" else -1.0
        spread = max(values) - min(values)
        if spread == 0:
            return FAILED
        steps = [sign * (b - a) / spread + TREND_STEP_FRACTION for a, b in zip(values, values[1:])]
        ends = max(abs(values[0]), abs(values[-1]))
        end = (sign * (values[-1] - values[0]) - TREND_MIN_CHANGE * ends) / max(ends, 1e-12)
        return min(min(steps), end)
    raise ValueError(f"unknown expectation form {form!r}")
