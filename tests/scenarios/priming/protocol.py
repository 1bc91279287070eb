"""How a condition becomes phases: a reference priming well, the condition's own priming
(if any), then its main well and a control well without effectors."""

from __future__ import annotations

import numpy as np

from mscnk.engine import Phase
from mscnk.model import CompiledModel
from mscnk.scenarios import Outcome, Reference, Run, Trajectory

from .conditions import Condition
from .readouts import READOUTS, Wells

#: The reference well of ``activation_rel``: effectors alone, 10 ng/ml cytokine, 24 h.
REFERENCE_NG_ML, REFERENCE_H = 10.0, 24.0


class PrimingProtocol:
    def __init__(self, model: CompiledModel, params: np.ndarray):
        self.model, self.params = model, params
        self.index = {name: i for i, name in enumerate(model.species)}
        self.inputs = {name: i for i, name in enumerate(model.inputs)}

    def _state(self, **values: float) -> np.ndarray:
        u = self._inputs(growth=1.0)
        x = self.model.initial(self.params, u)
        for name, value in values.items():
            x[self.index[name]] = value
        return x

    def _inputs(self, **values: float) -> np.ndarray:
        u = self.model.default_inputs().copy()
        for name, value in values.items():
            u[self.inputs[name]] = value
        return u

    def _priming(self, effectors: float, cytokine: float, hours: float) -> Phase:
        x = self._state(effectors=effectors, cytokine=cytokine)
        return Phase("priming", hours, x, self._inputs(growth=0.0, contact=0.0),
                     times=np.linspace(0.0, hours, 5))

    def _main(self, condition: Condition, effectors: float, activation: float,
              samples: int) -> Phase:
        x = self._state(effectors=effectors, targets=condition.targets,
                        cytokine=condition.cytokine_ng_ml, activation=activation)
        u = self._inputs(contact=float(condition.contact))
        return Phase("main", condition.duration_h, x, u,
                     times=np.linspace(0.0, condition.duration_h, samples))

    def run(self, condition: Condition, *, samples: int = 49) -> Run:
        reference = Reference(self._priming(1e5, REFERENCE_NG_ML, REFERENCE_H))
        stage: list = [reference]
        if condition.priming_h > 0:
            stage.append(self._priming(condition.effectors, condition.cytokine_ng_ml,
                                       condition.priming_h))
        solved = yield stage
        reference_activation = solved[0].final[self.index["activation"]]
        pre = solved[1:]
        activation = (pre[0].final[self.index["activation"]] if pre
                      else self.params[self.model.parameters.index("activation_resting")])
        main = self._main(condition, condition.effectors, activation, samples)
        wells = [main]
        if condition.effectors > 0:
            wells.append(self._main(condition, 0.0, activation, 2))
        solved = yield wells
        trajectory = Trajectory((*pre, solved[0]), main)
        controls = ({"without_effectors": Trajectory((solved[1],), wells[1])}
                    if len(solved) > 1 else {})
        view = Wells(self.index, solved[0].final, solved[0].states[0],
                     solved[1].final if len(solved) > 1 else None, reference_activation)
        return Outcome(READOUTS.compute(view), trajectory, controls)
