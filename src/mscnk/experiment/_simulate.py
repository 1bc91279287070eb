"""``simulate``: one condition, its matched controls, its readouts and its time course."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from mscnk.engine import BatchEngine, Engine, Phase, PhaseSolution, SolverError, quick_engine
from mscnk.experiment._batching import PhaseBatch, Solved
from mscnk.experiment._protocol import (
    IL2_REFERENCE,
    LICENSED_REFERENCE_H,
    LICENSED_REFERENCE_NG_ML,
    Protocol,
    Trajectory,
)
from mscnk.experiment._errors import ConditionError, show
from mscnk.experiment._parameters import check_value
from mscnk.experiment._readouts import Wells, compute_readouts
from mscnk.experiment._schema import Condition
from mscnk.model._compile import CompiledModel, compiled_model


@dataclass(frozen=True)
class Result:
    """Outcome of one condition: readouts (contract names), the time course, the controls.

    The time-course tables are built on first access (a sweep that keeps only readouts
    never pays for them). ``engine``: the engine that solved it (its ``repr``).
    """

    condition: Condition
    readouts: dict[str, float]
    trajectory: Trajectory = field(repr=False)
    control_trajectories: dict[str, Trajectory] = field(default_factory=dict, repr=False)
    model: CompiledModel | None = field(default=None, repr=False, compare=False)
    engine: str = field(default="", repr=False, compare=False)

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

    def __repr__(self) -> str:
        """One line: the condition in brief, its main readouts, where the rest is."""
        shown = ", ".join(f"{name}={self.readouts[name]:.3g}" for name in _main_readouts(self))
        return (f"Result({_summary(self.condition)}; {shown}; {len(self.readouts)} readouts in "
                ".readouts, time course in .timecourse)")

    def _repr_html_(self) -> str:
        """A notebook's view: the condition in brief and a table of every readout."""
        from html import escape

        from mscnk._keys import READOUT_UNITS

        rows = "".join(
            f"<tr><td>{escape(name)}</td><td style='text-align:right'>{value:.4g}</td>"
            f"<td>{escape(READOUT_UNITS.get(name, ''))}</td></tr>"
            for name, value in self.readouts.items())
        return (f"<div><b>mscnk Result</b>: {escape(_summary(self.condition))}<table>"
                "<thead><tr><th>readout</th><th>value</th><th>unit</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><small>.readouts (dict), .to_series(), "
                ".timecourse and .controls (pandas)</small></div>")


def _summary(condition: Condition) -> str:
    """'cytotoxicity 4 h, contact, 20,000 bone_marrow MSC + 200,000 NK (10:1)' and the
    groups of fields that differ from the defaults."""
    c = condition.resolved()
    nk = c.nk.cells or 0.0
    text = (f"{c.assay} {c.duration_h:g} h, {c.culture}, {c.msc.cells:,.0f} {c.msc.source} MSC "
            f"+ {nk:,.0f} NK ({nk / c.msc.cells:.3g}:1)" if c.msc.cells else
            f"{c.assay} {c.duration_h:g} h, {c.culture}, {nk:,.0f} NK, no MSC")
    default = Condition()
    changed = [name for name in ("blockade", "drugs", "mediators", "exosomes", "medium", "tumor")
               if getattr(c, name) != getattr(default, name)]
    return text + (f", with {'/'.join(changed)}" if changed else "")


def _main_readouts(result: "Result") -> list[str]:
    """Up to three readouts that say most about this kind of condition (present ones only)."""
    if result.condition.assay == "cytotoxicity":
        names = ["msc_lysis_pct", "cd107a_pct", "nk_cytotoxicity_k562_pct"]
    else:
        names = ["msc_lysis_pct", "nk_proliferation_inhibition_pct", "ifng_pg_ml"]
    if result.condition.tumor.cells > 0:
        names = ["tumor_kill_pct", *names[:2]]
    return [n for n in names if n in result.readouts and np.isfinite(result.readouts[n])]


def parameter_vector(model: CompiledModel, params: Mapping[str, float] | None) -> np.ndarray:
    """Default parameters with ``params`` overriding by name.

    Checked as ``--params`` is (one rule for the CLI and the API): every name must be a model
    parameter and every value a finite number within the parameter's declared bounds (outside
    them some targets turn negative, e.g. a knock-down efficiency above 1); all problems at
    once as :class:`ConditionError`.
    """
    vector = model.default_parameters().copy()
    problems: list[str] = []
    for name, value in (params or {}).items():
        checked = check_value("params", show(name) if not isinstance(name, str) else name,
                              value, problems)
        if checked is not None:
            vector[model.parameters.index(name)] = checked
    if problems:
        raise ConditionError(problems)
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

    def _reference_phase(self, key: Any) -> Phase:
        """The unsolved pre-phase of a reference well: ``"il2"`` or ``("licensed", source)``."""
        if key == "il2":
            phase = self.protocol.preactivation_phase(IL2_REFERENCE.resolved())
        else:
            ref = Condition(msc={"source": key[1], "ifng_pretreatment_ng_ml":
                                 LICENSED_REFERENCE_NG_ML, "pretreatment_h": LICENSED_REFERENCE_H})
            phase = self.protocol.pretreatment_phase(ref.resolved())
        assert phase is not None
        return phase

    def _solved_reference(self, key: Any) -> np.ndarray:
        return self._reference(key, lambda: self.protocol.engine.solve(
            self.model, self._reference_phase(key), self.params).final)

    def _licensed(self, source: str) -> np.ndarray:
        return self._solved_reference(("licensed", source))

    def _untreated(self, source: str) -> np.ndarray:
        def make() -> np.ndarray:
            ref = Condition(msc={"source": source}).resolved()
            return self.model.initial(self.params, self.protocol.main_inputs(ref))
        return self._reference(("untreated", source), make)

    def _il2(self) -> np.ndarray:
        return self._solved_reference("il2")

    def missing_references(self, condition: Condition) -> dict[Any, Phase]:
        """Unsolved phases of the reference wells ``assemble`` needs for a resolved condition
        and does not keep yet (so a batch can solve them; see ``keep_reference``)."""
        keys = (("licensed", condition.msc.source), "il2")
        return {key: self._reference_phase(key) for key in keys if key not in self._references}

    def keep_reference(self, key: Any, solution: PhaseSolution) -> None:
        """Keep a solved phase of ``missing_references`` (the first one kept stays)."""
        self._references.setdefault(key, solution.final)

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

    def assemble(self, condition: Condition, trajectories: Mapping[str, Trajectory], *,
                 k562_pct: float | None = None) -> Result:
        """Readouts and time courses of a condition from its solved wells (see ``wells``).

        ``k562_pct``: the K562 re-test if already solved (``simulate_pairs`` batches them);
        None runs it here.
        """
        main = trajectories["main"]
        controls = {label: t for label, t in trajectories.items() if label != "main"}
        has_nk = (condition.nk.cells or 0) > 0
        k562 = (k562_pct if k562_pct is not None
                else self.protocol.k562_assay(condition, main.main.final) if has_nk
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
                      control_trajectories=dict(controls), model=self.model,
                      engine=repr(self.protocol.engine))

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

        Each stage (pre-phases, main phases, K562 re-tests) of every well goes to the engine
        together (:func:`simulate_pairs`); results are identical to :meth:`simulate` one
        condition at a time.
        """
        return simulate_pairs([(self, c) for c in conditions],
                              timecourse_samples=timecourse_samples)


@dataclass
class _Pair:
    """One condition on its way through :func:`simulate_pairs`: its wells, where their
    phases sit in the batches, and what it has come to so far."""

    simulator: Simulator
    condition: Condition
    wells: dict[str, tuple[Condition, int]]
    pre: dict[str, list[int]] = field(default_factory=dict)  # well -> pre-phase rows
    main: dict[str, int] = field(default_factory=dict)  # well -> main-phase row
    trajectories: dict[str, Trajectory] = field(default_factory=dict)
    k562: int | None = None  # row of the K562 re-test, None if it needs none
    outcome: Result | SolverError | None = None


def simulate_pairs(pairs: Sequence[tuple[Simulator, Condition | Mapping[str, Any]]], *,
                   timecourse_samples: int = 49) -> list[Result | SolverError]:
    """Conditions, each with its own :class:`Simulator` (parameter set), batched together.

    Three batches go to the engine (:func:`mscnk.engine.solve_phases`: a few parallel
    kernel calls with the batched engine), each holding one stage of every well of every
    condition, whatever their parameter sets: the pre-phases (with any reference wells not
    kept yet), the main phases, the K562 re-tests. Identical phases are solved once. A
    failing condition gets its ``SolverError`` in place of a result; results are identical
    to :meth:`Simulator.simulate` one condition at a time.
    """
    if not pairs:
        return []
    engine, model = pairs[0][0].protocol.engine, pairs[0][0].model
    todo: list[_Pair] = []
    for simulator, item in pairs:
        if simulator.protocol.engine != engine or simulator.model is not model:
            raise ValueError("simulate_pairs: every simulator must share one engine and model")
        condition = (item if isinstance(item, Condition)
                     else Condition.model_validate(item)).resolved()
        todo.append(_Pair(simulator, condition, simulator.wells(
            condition, timecourse_samples=timecourse_samples)))
    pre = _pre_phases(todo, engine, model)
    _main_phases(todo, pre, engine, model)
    assays = _k562_phases(todo, engine, model)
    for pair in todo:
        if pair.outcome is None:
            pair.outcome = _readouts(pair, assays)
    return [pair.outcome for pair in todo]  # type: ignore[misc]


def _pre_phases(todo: list[_Pair], engine: Engine, model: CompiledModel) -> Solved:
    """Solve the pre-phases of every well and the reference wells not kept yet; the first
    are returned by row, the others kept by their simulator (a failing reference is left
    for ``assemble`` to run again and report, as one condition at a time would)."""
    batch = PhaseBatch()
    references: dict[tuple[int, Any], tuple[Simulator, Any, int]] = {}
    for pair in todo:
        simulator = pair.simulator
        pair.pre = {label: [batch.add(phase, simulator.params)
                            for phase in simulator.protocol.pre_phases(well)]
                    for label, (well, _) in pair.wells.items()}
        for key, phase in simulator.missing_references(pair.condition).items():
            references.setdefault((id(simulator), key),
                                  (simulator, key, batch.add(phase, simulator.params)))
    solved = batch.solve(engine, model)
    for simulator, key, row in references.values():
        if not isinstance(solved[row], SolverError):
            simulator.keep_reference(key, solved[row])
    return solved


def _main_phases(todo: list[_Pair], pre: Solved, engine: Engine,
                 model: CompiledModel) -> None:
    """Solve the main phase of every well whose pre-phases succeeded; fill trajectories."""
    batch = PhaseBatch()
    for pair in todo:
        pair.outcome = _first_error(pre[row] for rows in pair.pre.values() for row in rows)
        if pair.outcome is not None:
            continue
        protocol = pair.simulator.protocol
        pair.main = {label: batch.add(protocol.main_phase_from(
                         well, [pre[row] for row in pair.pre[label]], samples=samples),
                         pair.simulator.params)
                     for label, (well, samples) in pair.wells.items()}
    solved = batch.solve(engine, model)
    for pair in todo:
        if pair.outcome is not None:
            continue
        pair.outcome = _first_error(solved[row] for row in pair.main.values())
        pair.trajectories = {label: Trajectory((*[pre[row] for row in pair.pre[label]],
                                                solved[pair.main[label]]))
                             for label in pair.wells}


def _k562_phases(todo: list[_Pair], engine: Engine, model: CompiledModel) -> Solved:
    """Solve the K562 re-test of every condition with NK cells whose wells succeeded, with
    K562 grown alone for each medium not kept yet (kept by the protocol; the first
    condition of a medium gives it, as one condition at a time would)."""
    batch = PhaseBatch()
    alone: dict[tuple[int, float], tuple[Protocol, Condition, int]] = {}
    for pair in todo:
        condition, protocol = pair.condition, pair.simulator.protocol
        if pair.outcome is not None or not (condition.nk.cells or 0) > 0:
            continue
        medium = (id(protocol), condition.medium.tryptophan_uM)
        if protocol.k562_alone(condition) is None and medium not in alone:
            alone[medium] = (protocol, condition, batch.add(
                protocol.k562_alone_phase(condition), pair.simulator.params))
        phase = protocol.k562_phase(condition, pair.trajectories["main"].main.final)
        if phase is not None:
            pair.k562 = batch.add(phase, pair.simulator.params)
    solved = batch.solve(engine, model)
    for protocol, condition, row in alone.values():
        if not isinstance(solved[row], SolverError):
            protocol.keep_k562_alone(condition, solved[row])
    return solved


def _readouts(pair: _Pair, assays: Solved) -> Result | SolverError:
    """The result of a condition whose wells are solved, from its batched K562 re-test."""
    condition, protocol = pair.condition, pair.simulator.protocol
    k562: float | None = None
    try:
        if (condition.nk.cells or 0) > 0 and protocol.k562_alone(condition) is not None:
            with_nk = assays[pair.k562] if pair.k562 is not None else None
            if isinstance(with_nk, SolverError):
                return with_nk
            k562 = protocol.k562_lysis(protocol.k562_alone(condition), with_nk)
        # k562 None: no NK cells, or K562 alone failed and ``assemble`` runs it all again
        return pair.simulator.assemble(condition, pair.trajectories, k562_pct=k562)
    except SolverError as error:  # the K562 re-test or a reference well
        return error


def _first_error(outcomes: Iterable[Any]) -> SolverError | None:
    return next((o for o in outcomes if isinstance(o, SolverError)), None)


_default: Simulator | None = None


def simulate(condition: Condition | Mapping[str, Any] | None = None, *,
             params: Mapping[str, float] | None = None) -> Result:
    """Simulate one condition (a :class:`Condition` or a contract mapping; ``None``: ``{}``).

    The batched engine answers, except on a machine whose batch kernel is not compiled yet:
    there the first call of a process picks the reference engine (SciPy LSODA, readouts
    within 1e-4 of the batched engine's) and the kernel compiles in the background; the
    process keeps the engine it picked, and ``Result.engine`` names it. (``Simulator()``
    always uses the batched engine.)
    """
    global _default
    if condition is not None and not isinstance(condition, Condition):
        condition = Condition.model_validate(condition)  # bad input fails before a compile
    if _default is None:
        _default = Simulator(engine=quick_engine(compiled_model()))
    if params:
        return Simulator(params, engine=_default.protocol.engine).simulate(condition or {})
    return _default.simulate(condition or {})
