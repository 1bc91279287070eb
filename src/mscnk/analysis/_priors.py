"""Priors of the scenario's parameters, from each parameter's declared prior range.

Every parameter declares a range ``[lower, upper]`` in ``parameters.yaml`` (its cited range,
or a stated wide range where no source gives one). Its prior puts 95 % of its mass in that
range: log-normal (centre the geometric middle) when ``lower > 0``, logit-normal on the
range when ``lower == 0`` (a share or probability with no positive floor). Estimation
works on the standardised coordinate ``z`` (the prior is N(0, 1) in ``z``; the range is
``|z| <= 1.96``), so that one unit of ``z`` is one prior standard deviation for every
parameter alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mscnk.scenarios import Scenario, load_scenario, scenario_parameters

#: The prior range holds 95 % of the prior: its half-width is this many standard deviations.
RANGE_Z = 1.959963984540054
#: The logit-normal prior's range in share units: 2.5 % to 97.5 % of the declared range.
_EDGE = 0.025


@dataclass(frozen=True)
class Prior:
    """One parameter's prior: ``transform`` is ``log`` or ``logit`` (on ``[lower, upper]``)."""

    name: str
    lower: float
    upper: float
    transform: str

    @property
    def _scale(self) -> tuple[float, float]:
        """Centre and standard deviation of the prior in transformed units."""
        if self.transform == "log":
            low, high = math.log(self.lower), math.log(self.upper)
            return (low + high) / 2, (high - low) / (2 * RANGE_Z)
        return 0.0, math.log((1 - _EDGE) / _EDGE) / RANGE_Z

    @property
    def centre(self) -> float:
        """The prior's median, in the parameter's unit."""
        return float(self.from_z(np.zeros(1))[0])

    def to_z(self, value: np.ndarray) -> np.ndarray:
        """Parameter values (unit of the parameter) -> standardised ``z``."""
        centre, sd = self._scale
        value = np.asarray(value, dtype=float)
        if self.transform == "log":
            return (np.log(value) - centre) / sd
        share = (value - self.lower) / (self.upper - self.lower)
        return (np.log(share) - np.log1p(-share) - centre) / sd

    def from_z(self, z: np.ndarray) -> np.ndarray:
        """Standardised ``z`` -> parameter values (unit of the parameter)."""
        centre, sd = self._scale
        t = centre + sd * np.asarray(z, dtype=float)
        if self.transform == "log":
            return np.exp(t)
        return self.lower + (self.upper - self.lower) / (1 + np.exp(-t))

    def describe(self) -> str:
        kind = "log-normal" if self.transform == "log" else "logit-normal"
        return f"{kind}, 95 % in [{self.lower:.4g}, {self.upper:.4g}], median {self.centre:.4g}"


def prior_of(name: str, scenario: Scenario | str | None = None) -> Prior:
    """The prior of one declared parameter (ValueError if its range cannot carry one)."""
    parameter = scenario_parameters(load_scenario(scenario))[name]
    lower, upper = float(parameter.lower), float(parameter.upper)
    if not (math.isfinite(lower) and math.isfinite(upper) and 0 <= lower < upper):
        raise ValueError(f"parameter {name!r}: prior range [{lower}, {upper}] must be finite "
                         "with 0 <= lower < upper")
    return Prior(name, lower, upper, "log" if lower > 0 else "logit")


def priors_of(names: Sequence[str], scenario: Scenario | str | None = None) -> list[Prior]:
    chosen = load_scenario(scenario)
    return [prior_of(name, chosen) for name in names]


__all__ = ["RANGE_Z", "Prior", "prior_of", "priors_of"]
