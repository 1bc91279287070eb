"""The calibration procedure: estimate, return what the findings do not need, re-estimate.

1. The maximum a posteriori of every estimated parameter (:func:`maximise`).
2. The Fisher information there (:func:`information`). Parameters go back to their prior
   medians, least informed first (smallest ``z^2 / var``), as long as returning all of them
   raises the -log posterior (quadratic approximation, the others re-adjusting) by at most
   :data:`RESET_TOLERANCE`: the rise a likelihood-ratio test at 95 % ignores for one
   parameter. Those are not determined by the findings and are labelled ``prior``.
3. The maximum again over the rest, the returned ones at their medians. Should the real rise
   exceed the tolerance (the posterior is not quadratic), fewer are returned (the predicted
   rise aimed lower by the factor the prediction missed by) and step 3 runs again.
4. The information at that point gives each estimated parameter its 95 % interval.

``scripts/calibrate_default.py`` runs it on every finding for the default set and
``scripts/cross_validate.py`` on each fold's training findings: one procedure for both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from mscnk.analysis._estimate import Estimate, Information, Posterior, information, maximise
from mscnk.analysis._findings import Finding

#: Largest rise of the -log posterior allowed for returning parameters to their medians
#: (half the 95 % quantile of chi-square with one degree of freedom).
RESET_TOLERANCE = 1.92
#: Attempts at step 3; each aims its predicted rise lower by the factor the last one missed
#: by, times BACKOFF.
ATTEMPTS = 4
BACKOFF = 0.8


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` found for each estimated parameter."""

    values: dict[str, float]                    # every estimated parameter, its unit
    determined: dict[str, bool]                 # by the findings (else at its prior median)
    contraction: dict[str, float]               # at the first maximum
    intervals: dict[str, tuple[float, float]]   # 95 %, determined parameters only
    fisher_eigenvalues: np.ndarray              # of the data at the first maximum
    first: Estimate
    final: Estimate
    seconds: float

    @property
    def passed(self) -> int:
        return self.final.passed

    @property
    def total(self) -> int:
        return self.final.total


def _returnable(info: Information, tolerance: float) -> list[int]:
    """Indices of the parameters to return to their medians (step 2)."""
    order = [int(i) for i in np.argsort(info.wald, kind="stable")]
    low, high = 0, len(order)  # the largest prefix whose reset cost stays within tolerance
    while low < high:
        middle = (low + high + 1) // 2
        if info.reset_cost(order[:middle]) <= tolerance:
            low = middle
        else:
            high = middle - 1
    return order[:low]


def calibrate(findings: Sequence[Finding], parameters: Sequence[str], *, scenario: Any = None,
              executor: Any = None, start: Mapping[str, float] | None = None,
              max_evaluations: int = 30, tolerance: float = RESET_TOLERANCE,
              report: Callable[[str], None] | None = None) -> Calibration:
    """Calibrate ``parameters`` on ``findings`` from ``start`` (None: the prior medians)."""
    say = report or (lambda _text: None)
    began = time.perf_counter()
    names = list(parameters)
    everything = Posterior(findings, names, scenario=scenario, executor=executor)
    first_z = None if start is None else everything.z_of(dict(start))
    say(f"step 1: maximum a posteriori of {len(names)} parameters")
    first = maximise(everything, first_z, max_evaluations=max_evaluations, report=say)
    say(f"step 1: -log posterior {first.negative_log_posterior:.4g}, "
        f"{first.passed}/{first.total} hold")
    info = information(everything, first.z)
    medians = {prior.name: prior.centre for prior in everything.priors}
    returned = _returnable(info, tolerance)
    final, narrowed, kept = first, everything, names
    for attempt in range(1, ATTEMPTS + 1):
        back = {names[i] for i in returned}
        kept = [name for name in names if name not in back]
        say(f"step 2 (attempt {attempt}): {len(back)} of {len(names)} parameters back to their "
            f"prior medians (predicted rise {info.reset_cost(returned):.3g})")
        if not back:
            break
        narrowed = Posterior(findings, kept, scenario=scenario, executor=executor,
                             base={name: medians[name] for name in back})
        final = maximise(narrowed, np.array([first.z[names.index(n)] for n in kept]),
                         max_evaluations=max_evaluations, report=say)
        rise = final.negative_log_posterior - first.negative_log_posterior
        say(f"step 3: -log posterior {final.negative_log_posterior:.4g} (rise {rise:.3g}), "
            f"{final.passed}/{final.total} hold")
        if rise <= tolerance or attempt == ATTEMPTS:
            break
        # the posterior is not quadratic: aim lower by the factor the prediction fell short
        budget = info.reset_cost(returned) * BACKOFF * tolerance / rise
        returned = _returnable(info, budget)  # a shorter prefix of the same order
    back = set(names) - set(kept)
    final_info = information(narrowed, final.z)
    intervals = {name: final_info.interval(prior, i)
                 for i, (name, prior) in enumerate(zip(kept, narrowed.priors))}
    return Calibration({**{n: medians[n] for n in back}, **final.values},
                       {name: name not in back for name in names},
                       dict(zip(names, map(float, info.contraction))), intervals,
                       info.fisher_eigenvalues, first, final, time.perf_counter() - began)


__all__ = ["ATTEMPTS", "BACKOFF", "RESET_TOLERANCE", "Calibration", "calibrate"]
