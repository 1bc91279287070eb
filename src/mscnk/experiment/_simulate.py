"""``simulate``: one condition, its matched controls, its readouts and its time course."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from mscnk.engine import BatchEngine, Engine
from mscnk.experiment._protocol import (
    IL2_REFERENCE,
    LICENSED_REFERENCE_H,
    LICENSED_REFERENCE_NG_ML,
    Protocol,
    Trajectory,
)
from mscnk.experiment._errors import suggest
from mscnk.experiment._readouts import Wells, compute_readouts
from mscnk.experiment._schema import Condition
from mscnk.model._compile import CompiledModel, compiled_model


@dataclass(frozen=True)
class Result:
    """Outcome of one condition: readouts (contract names), the time course, the controls."""

    condition: Condition
    readouts: dict[str, float]
    timecourse: pd.DataFrame = field(repr=False)
    controls: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def to_series(self) -> pd.Series:
        return pd.Series(self.readouts, name="value")


def parameter_vector(model: CompiledModel, params: Mapping[str, float] | None) -> np.ndarray:
    """Default parameters with ``params`` overriding by name (unknown names are an error)."""
    vector = model.default_parameters().copy()
    for name, value in (params or {}).items():
        if name not in model.parameters:
            raise KeyError(f"unknown parameter {name!r}{suggest(name, model.parameters)}")
        vector[model.parameters.index(name)] = float(value)
    return vector


def timecourse_frame(model: CompiledModel, trajectory: Trajectory) -> pd.DataFrame:
    """States over time; pre-phases get negative times so the main phase starts at 0 h."""
    frames = []
    offset = -sum(p.time_h[-1] for p in trajectory.phases[:-1])
    for phase in trajectory.phases:
        frame = pd.DataFrame(phase.states, columns=list(model.species))
        frame.insert(0, "phase", phase.name)
        frame.insert(0, "time_h", phase.time_h + offset)
        offset += phase.time_h[-1]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


class Simulator:
    """Runs conditions with one parameter set; caches the reference wells it needs."""

    def __init__(self, params: Mapping[str, float] | None = None, *,
                 engine: Engine | None = None):
        self.model = compiled_model()
        self.params = parameter_vector(self.model, params)
        self.protocol = Protocol(self.model, self.params, engine or BatchEngine())
        self._references: dict[Any, np.ndarray] = {}
        self.key = hashlib.sha256(self.params.tobytes()).hexdigest()[:16]

    def _reference(self, key: Any, make) -> np.ndarray:
        if key not in self._references:
            self._references[key] = make()
        return self._references[key]

    def _licensed(self, source: str) -> np.ndarray:
        def make() -> np.ndarray:
            ref = Condition(msc={"source": source, "ifng_pretreatment_ng_ml":
                                 LICENSED_REFERENCE_NG_ML, "pretreatment_h": LICENSED_REFERENCE_H})
            phase = self.protocol.pretreatment(ref.resolved())
            assert phase is not None
            return phase.final
        return self._reference(("licensed", source), make)

    def _untreated(self, source: str) -> np.ndarray:
        def make() -> np.ndarray:
            ref = Condition(msc={"source": source}).resolved()
            return self.model.initial(self.params, self.protocol.main_inputs(ref))
        return self._reference(("untreated", source), make)

    def _il2(self) -> np.ndarray:
        def make() -> np.ndarray:
            phase = self.protocol.preactivation(IL2_REFERENCE.resolved())
            assert phase is not None
            return phase.final
        return self._reference("il2", make)

    def simulate(self, condition: Condition | Mapping[str, Any], *,
                 timecourse_samples: int = 49) -> Result:
        if not isinstance(condition, Condition):
            condition = Condition.model_validate(condition)
        condition = condition.resolved()
        run = self.protocol.run
        main = run(condition, samples=timecourse_samples)
        has_msc, has_nk = condition.msc.cells > 0, (condition.nk.cells or 0) > 0
        has_tumor = condition.tumor.cells > 0
        controls: dict[str, Trajectory] = {}
        if has_nk and (has_msc or has_tumor):
            controls["without_nk"] = run(condition.with_cells(nk=0.0), samples=2)
        if has_nk and has_msc:
            controls["without_msc"] = run(condition.with_cells(msc=0.0), samples=2)
        k562 = (self.protocol.k562_assay(condition, main.main.final) if has_nk
                else float("nan"))
        wells = Wells(
            species={name: i for i, name in enumerate(self.model.species)},
            main=main.main,
            without_nk=controls["without_nk"].main.final if "without_nk" in controls else None,
            without_msc=controls["without_msc"].main.final if "without_msc" in controls else None,
            start=main.main.states[0],
            k562_pct=k562,
            untreated_msc=self._untreated(condition.msc.source),
            licensed_msc=self._licensed(condition.msc.source),
            il2_nk=self._il2(),
        )
        return Result(
            condition=condition,
            readouts=compute_readouts(wells),
            timecourse=timecourse_frame(self.model, main),
            controls={k: timecourse_frame(self.model, v) for k, v in controls.items()},
        )


_default: Simulator | None = None


def simulate(condition: Condition | Mapping[str, Any] | None = None, *,
             params: Mapping[str, float] | None = None) -> Result:
    """Simulate one condition (a :class:`Condition` or a contract mapping; ``None``: ``{}``)."""
    global _default
    if params:
        return Simulator(params).simulate(condition or {})
    if _default is None:
        _default = Simulator()
    return _default.simulate(condition or {})
