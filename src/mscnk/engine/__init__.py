"""Solvers over the compiled model. ``ScipyEngine`` is the reference implicit solver."""

from mscnk.engine._scipy import Phase, PhaseSolution, ScipyEngine, SolverError

__all__ = ["Phase", "PhaseSolution", "ScipyEngine", "SolverError"]
