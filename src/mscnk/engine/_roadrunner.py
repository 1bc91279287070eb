"""libRoadRunner on the exported SBML as an engine: the independent cross-check.

The SBML document (:func:`mscnk.model._sbml.to_sbml`) is loaded once; a phase is run by
writing every species amount and every global parameter (model parameters and inputs) as
whole vectors, then ``simulate`` at the phase's sample times (CVODE, BDF with Newton).
Needs the optional ``libroadrunner`` package (the ``test`` extra). States are returned as
CVODE solved them (rates at the state itself, never clipped).
"""

from __future__ import annotations

import numpy as np

from mscnk.engine._scipy import Phase, PhaseSolution, SolverError, solve_on_grid
from mscnk.model import CompiledModel


class RoadRunnerEngine:
    """Integrate phases with libRoadRunner (CVODE) on the model's SBML export."""

    def __init__(self, model: CompiledModel, *, rtol: float = 1e-6, atol: float = 1e-12):
        import roadrunner

        from mscnk.model import to_sbml

        self.runner = roadrunner.RoadRunner(to_sbml(model.model))
        self.runner.integrator.relative_tolerance = rtol
        self.runner.integrator.absolute_tolerance = atol
        executable = self.runner.model
        species = list(executable.getFloatingSpeciesIds())
        parameters = list(executable.getGlobalParameterIds())
        if sorted(species) != sorted(model.species):
            raise ValueError("the SBML species differ from the model's")
        #: positions of the model's species / (parameters + inputs) in roadrunner's order
        self._species = np.array([model.species.index(name) for name in species])
        names = list(model.parameters) + list(model.inputs)
        if not set(names) <= set(parameters):
            raise ValueError("the SBML parameters lack some of the model's")
        # roadrunner positions of the model's parameters and inputs (the export adds
        # assignment-rule parameters that are computed, never set)
        self._globals = np.array([parameters.index(name) for name in names], dtype=np.int32)
        self._order = np.argsort(self._species)
        self.runner.timeCourseSelections = ["time", *species]

    def run(self, state: np.ndarray, params: np.ndarray, inputs: np.ndarray,
            times: np.ndarray) -> np.ndarray:
        """States (samples, species; model order) from ``state`` at ``times[0]``."""
        executable = self.runner.model
        executable.setFloatingSpeciesAmounts(np.ascontiguousarray(state[self._species]))
        executable.setGlobalParameterValues(self._globals, np.concatenate([params, inputs]))
        try:
            result = np.asarray(self.runner.simulate(times=[float(t) for t in times]))
        except RuntimeError as error:
            raise SolverError(f"libRoadRunner: {error}") from error
        return result[:, 1:][:, self._order]

    def solve(self, model: CompiledModel, phase: Phase, params: np.ndarray) -> PhaseSolution:
        return solve_on_grid(phase, lambda grid: self.run(phase.state, params, phase.inputs,
                                                          grid))
