"""``simulate``: one condition, its matched controls, its readouts and its time course."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from mscnk.engine import BatchEngine, Engine, Phase, PhaseSolution, SolverError, solve_phases
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
    """Outcome of one condition: readouts (contract names), the time course, the controls.

    The time-course tables are built on first access (a sweep that keeps only readouts
    never pays for them).
    """

    condition: Condition
    readouts: dict[str, float]
    trajectory: Trajectory = field(repr=False)
    control_trajectories: dict[str, Trajectory] = field(default_factory=dict, repr=False)
    model: CompiledModel | None = field(default=None, repr=False, compare=False)

    @cached_property
    def timecourse(self) -> pd.DataFrame:
        """States over time (columns: time_h, phase, every species); pre-phases at t < 0."""
        return timecourse_frame(self._model, self.trajectory)

    @cached_property
    def controls(self) -> dict[str, pd.DataFrame]:
        """Time courses of the matched control wells, by label."""
        return {label: timecourse_frame(self._model, trajectory)
                for label, trajectory in self.control_trajectories.items()}

    @property
    def _model(self) -> CompiledModel:
        return self.model if self.model is not None else compiled_model()

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

    def wells(self, condition: Condition, *,
              timecourse_samples: int = 49) -> dict[str, tuple[Condition, int]]:
        """The wells one condition needs: label -> (well condition, time-course samples).

        ``main`` is the condition itself; ``without_nk`` and ``without_msc`` are its matched
        controls (only where the readouts need them).
        """
        has_msc, has_nk = condition.msc.cells > 0, (condition.nk.cells or 0) > 0
        has_tumor = condition.tumor.cells > 0
        wells = {"main": (condition, timecourse_samples)}
        if has_nk and (has_msc or has_tumor):
            wells["without_nk"] = (condition.with_cells(nk=0.0), 2)
        if has_nk and has_msc:
            wells["without_msc"] = (condition.with_cells(msc=0.0), 2)
        return wells

    def assemble(self, condition: Condition, trajectories: Mapping[str, Trajectory]) -> Result:
        """Readouts and time courses of a condition from its solved wells (see ``wells``)."""
        main = trajectories["main"]
        controls = {label: t for label, t in trajectories.items() if label != "main"}
        has_nk = (condition.nk.cells or 0) > 0
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
        return Result(condition=condition, readouts=compute_readouts(wells), trajectory=main,
                      control_trajectories=dict(controls), model=self.model)

    def simulate(self, condition: Condition | Mapping[str, Any], *,
                 timecourse_samples: int = 49) -> Result:
        if not isinstance(condition, Condition):
            condition = Condition.model_validate(condition)
        condition = condition.resolved()
        trajectories = {label: self.protocol.run(well, samples=samples) for label, (well, samples)
                        in self.wells(condition, timecourse_samples=timecourse_samples).items()}
        return self.assemble(condition, trajectories)

    def simulate_many(self, conditions: Sequence[Condition | Mapping[str, Any]], *,
                      timecourse_samples: int = 49) -> list[Result | SolverError]:
        """One :class:`Result` (or the ``SolverError`` that stopped it) per condition, in order.

        The main phases of every well go to the engine together (:func:`simulate_pairs`);
        results are identical to :meth:`simulate` one condition at a time.
        """
        return simulate_pairs([(self, c) for c in conditions],
                              timecourse_samples=timecourse_samples)


def simulate_pairs(pairs: Sequence[tuple[Simulator, Condition | Mapping[str, Any]]], *,
                   timecourse_samples: int = 49) -> list[Result | SolverError]:
    """Conditions, each with its own :class:`Simulator` (parameter set), batched together.

    Each condition runs its own pre-phases, but the main phases of every well of every
    condition (the well and its matched controls, whatever their parameter sets) go to the
    engine together (:func:`mscnk.engine.solve_phases`: a few parallel kernel calls with the
    batched engine). A failing condition gets its ``SolverError`` in place of a result.
    """
    if not pairs:
        return []
    engine, model = pairs[0][0].protocol.engine, pairs[0][0].model
    plans: list[tuple[Simulator, Condition,
                      dict[str, tuple[list[PhaseSolution], int]] | SolverError]] = []
    phases: list[Phase] = []
    rows: list[np.ndarray] = []
    for simulator, item in pairs:
        if simulator.protocol.engine != engine or simulator.model is not model:
            raise ValueError("simulate_pairs: every simulator must share one engine and model")
        condition = (item if isinstance(item, Condition)
                     else Condition.model_validate(item)).resolved()
        try:
            wells = {}
            for label, (well, samples) in simulator.wells(
                    condition, timecourse_samples=timecourse_samples).items():
                pre, main = simulator.protocol.main_phase(well, samples=samples)
                wells[label] = (pre, len(phases))
                phases.append(main)
                rows.append(simulator.params)
        except SolverError as error:
            plans.append((simulator, condition, error))
            continue
        plans.append((simulator, condition, wells))
    solved = solve_phases(engine, model, phases, np.array(rows)) if phases else []
    results: list[Result | SolverError] = []
    for simulator, condition, plan in plans:
        failures = [] if isinstance(plan, SolverError) else [
            solved[i] for _, i in plan.values() if isinstance(solved[i], SolverError)]
        if isinstance(plan, SolverError) or failures:
            results.append(plan if isinstance(plan, SolverError) else failures[0])
            continue
        trajectories = {label: Trajectory((*pre, solved[i])) for label, (pre, i) in plan.items()}
        try:
            results.append(simulator.assemble(condition, trajectories))
        except SolverError as error:  # the K562 re-test
            results.append(error)
    return results


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
