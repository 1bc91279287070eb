"""Solvers over the compiled model.

``BatchEngine`` (RODAS5P or RODAS4, numba, batch axis first) is the default; ``ScipyEngine``
(SciPy's LSODA or any ``solve_ivp`` method) and ``RoadRunnerEngine`` (libRoadRunner on the
SBML export, in ``mscnk.engine._roadrunner``) are independent references. All implement
``solve`` for one phase, so the experiment layer takes any of them as an injected object.
"""

from typing import Protocol

import numpy as np

from mscnk.engine._batch import STATUS_MESSAGES, BatchEngine, BatchSolution, cores, solve_phases
from mscnk.engine._scipy import Phase, PhaseSolution, ScipyEngine, SolverError, sample_times
from mscnk.engine._warm import quick_engine
from mscnk.model import CompiledModel


class Engine(Protocol):
    """What the experiment layer needs of a solver: integrate one phase."""

    def solve(self, model: CompiledModel, phase: Phase, params: np.ndarray) -> PhaseSolution:
        ...


__all__ = ["STATUS_MESSAGES", "BatchEngine", "BatchSolution", "Engine", "Phase", "PhaseSolution",
           "ScipyEngine", "SolverError", "cores", "quick_engine", "sample_times", "solve_phases"]
