"""``Simulator``: conditions of a scenario, batched through one engine.

One path: simulating one condition is simulating a batch of one. A scenario's protocol turns
each condition into stages of phases (:mod:`mscnk.scenarios`); :func:`simulate_batch` drives
every condition's stages in lockstep, so each stage of every well of every condition goes
to the engine as one batch (a few parallel kernel calls with the batched engine), whatever
their parameter sets. Shared phases (Reference: pre-phases, reference wells, matched
controls) are solved once per simulator while it keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from mscnk.engine import BatchEngine, Engine, PhaseSolution, SolverError, quick_engine
from mscnk.experiment._batching import KeptPhases, PhaseBatch
from mscnk.experiment._parameters import check_value
from mscnk.model import CompiledModel
from mscnk.scenarios import (ConditionError, Reference, Run, Scenario, Trajectory, load_scenario,
                             show)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Result:
    """Outcome of one condition: readouts (the scenario's names), the time course, the
    controls. The time-course tables are built on first access (a sweep that keeps only
    readouts never pays for them). ``engine``: the engine that solved it (its ``repr``)."""

    condition: Any
    readouts: dict[str, float]
    trajectory: Trajectory = field(repr=False)
    control_trajectories: dict[str, Trajectory] = field(default_factory=dict, repr=False)
    scenario: Scenario | None = field(default=None, repr=False, compare=False)
    engine: str = field(default="", repr=False, compare=False)

    @cached_property
    def timecourse(self) -> pd.DataFrame:
        """States over time (columns: time_h, phase, every species); pre-phases at t < 0.
        A scenario with a ``timeline`` (the therapy scenarios) reads it its way: day,
        time_h from day 0, every species."""
        scenario = self._scenario
        if scenario.timeline is not None:
            return scenario.timeline(self.trajectory, scenario.compiled.species)
        return timecourse_frame(scenario.compiled, self.trajectory)

    @cached_property
    def controls(self) -> dict[str, pd.DataFrame]:
        """Time courses of the matched control wells, by label."""
        return {label: timecourse_frame(self._scenario.compiled, trajectory)
                for label, trajectory in self.control_trajectories.items()}

    @property
    def _scenario(self) -> Scenario:
        return self.scenario if self.scenario is not None else load_scenario()

    def to_series(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.readouts, name="value")

    def _headline(self) -> list[str]:
        """Up to three readouts that say most about this condition (present ones only)."""
        scenario = self._scenario
        names = (list(scenario.headline(self.condition)) if scenario.headline
                 else list(self.readouts)[:3])
        return [n for n in names if n in self.readouts and np.isfinite(self.readouts[n])]

    def __repr__(self) -> str:
        """One line: the condition in brief, its main readouts, where the rest is."""
        shown = ", ".join(f"{name}={self.readouts[name]:.3g}" for name in self._headline())
        return (f"Result({self._scenario.summary(self.condition)}; {shown}; "
                f"{len(self.readouts)} readouts in .readouts, time course in .timecourse)")

    def _repr_html_(self) -> str:
        """A notebook's view: the condition in brief and a table of every readout."""
        from html import escape

        scenario = self._scenario
        units = scenario.readouts.units
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td style='text-align:right'>{value:.4g}</td>"
            f"<td>{escape(units.get(name, ''))}</td></tr>"
            for name, value in self.readouts.items())
        return (f"<div><b>mscnk Result</b>: {escape(scenario.summary(self.condition))}<table>"
                "<thead><tr><th>readout</th><th>value</th><th>unit</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><small>.readouts (dict), .to_series(), "
                ".timecourse and .controls (pandas)</small></div>")


def parameter_vector(scenario: Scenario, params: Mapping[str, float] | None) -> np.ndarray:
    """The scenario's default parameters with ``params`` overriding by name.

    Checked as ``--params`` is (one rule for the CLI and the API): every name must be a model
    parameter and every value a finite number within the parameter's declared bounds (outside
    them some targets turn negative, e.g. a knock-down efficiency above 1); all problems at
    once as :class:`ConditionError`.
    """
    model = scenario.compiled
    vector = model.default_parameters().copy()
    problems: list[str] = []
    for name, value in (params or {}).items():
        checked = check_value("params", show(name) if not isinstance(name, str) else name,
                              value, problems, scenario)
        if checked is not None:
            vector[model.parameters.index(name)] = checked
    if problems:
        raise ConditionError(problems)
    return vector


def timecourse_frame(model: CompiledModel, trajectory: Trajectory) -> pd.DataFrame:
    """States over time; pre-phases get negative times so the main phase starts at 0 h."""
    import pandas as pd

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
    """Runs conditions of one scenario with one parameter set and one engine.

    ``scenario``: a :class:`~mscnk.scenarios.Scenario`, a built-in name or a scenario folder
    (None: the co-culture); ``params``: parameter values over the scenario's defaults;
    ``engine``: the solver (default: the batched engine). Shared phases (those a protocol
    yields as :class:`~mscnk.scenarios.Reference`: reference wells, pre-phases, matched
    controls) are solved once and kept (:class:`~mscnk.experiment.KeptPhases`).
    """

    def __init__(self, scenario: Scenario | str | None = None,
                 params: Mapping[str, float] | None = None, *, engine: Engine | None = None):
        if isinstance(scenario, Mapping):
            raise TypeError("Simulator(scenario, params): the first argument is the scenario; "
                            "pass parameter values as params=...")
        self.scenario = load_scenario(scenario)
        self.model = self.scenario.compiled
        self.params = parameter_vector(self.scenario, params)
        self.engine: Engine = engine if engine is not None else BatchEngine()
        self.protocol = self.scenario.protocol(self.model, self.params)
        self.kept = KeptPhases()  # shared phases (references, controls) by content

    def simulate(self, condition: Any, *, timecourse_samples: int | None = None) -> Result:
        """One condition (a condition object or a mapping); raises ``SolverError`` if a phase
        cannot be solved and :class:`ConditionError` if the condition is invalid."""
        outcome = simulate_batch([(self, condition)], timecourse_samples=timecourse_samples)[0]
        if isinstance(outcome, SolverError):
            raise outcome
        return outcome

    def simulate_many(self, conditions: Sequence[Any], *,
                      timecourse_samples: int | None = None) -> list[Result | SolverError]:
        """One :class:`Result` (or the ``SolverError`` that stopped it) per condition, in
        order, every stage of every condition batched (:func:`simulate_batch`)."""
        return simulate_batch([(self, c) for c in conditions],
                              timecourse_samples=timecourse_samples)


@dataclass
class _Condition:
    """One condition on its way through :func:`simulate_batch`."""

    simulator: Simulator
    condition: Any
    run: Run
    request: Sequence[Any] = ()
    outcome: Result | SolverError | None = None
    wells: Any = None  # the protocol's wells view, while its readouts wait for the batch


def simulate_batch(pairs: Sequence[tuple[Simulator, Any]], *,
                   timecourse_samples: int | None = None) -> list[Result | SolverError]:
    """Conditions, each with its own :class:`Simulator` (parameter set), batched together.

    Every simulator must share one scenario and one engine. Each round gathers the next
    stage of every unfinished condition into one :class:`PhaseBatch` and solves it; a
    condition whose phase fails gets the ``SolverError`` in place of its result. Results do
    not depend on what else is in the batch (the engine solves each row on its own).
    """
    if not pairs:
        return []
    scenario, engine = pairs[0][0].scenario, pairs[0][0].engine
    samples = timecourse_samples if timecourse_samples is not None else scenario.samples
    todo: list[_Condition] = []
    for simulator, item in pairs:
        if simulator.scenario is not scenario or simulator.engine != engine:
            raise ValueError("simulate_batch: every simulator must share one scenario and engine")
        condition = scenario.condition_from(item)
        todo.append(_Condition(simulator, condition,
                               simulator.protocol.run(condition, samples=samples)))
    for item in todo:
        _advance(item, None, engine)
    active = [item for item in todo if item.outcome is None]
    while active:
        _round(active, engine, scenario.compiled)
        active = [item for item in active if item.outcome is None]
    _readouts(todo, scenario)
    return [item.outcome for item in todo]  # type: ignore[misc]


def _readouts(todo: list[_Condition], scenario: Scenario) -> None:
    """Readouts of every finished condition that left them to the batch, in one call."""
    waiting = [item for item in todo
               if isinstance(item.outcome, Result) and item.outcome.readouts is None]
    computed = scenario.readouts.compute_many([item.wells for item in waiting])
    for item, readouts in zip(waiting, computed):
        item.outcome = replace(item.outcome, readouts=readouts)


def _round(active: list[_Condition], engine: Engine, model: CompiledModel) -> None:
    """Solve the requested stage of every active condition in one batch and send each its
    solutions (a reference phase kept by its simulator is not solved again)."""
    batch = PhaseBatch()
    plans: list[list[tuple[Any, ...]]] = []
    for item in active:
        plan = []
        params = item.simulator.params
        for wanted in item.request:
            if isinstance(wanted, Reference):
                content = wanted.phase.content
                kept = item.simulator.kept.get(content)
                plan.append(("kept", kept) if kept is not None
                            else ("keep", content, batch.add(wanted.phase, params, shared=True)))
            else:
                plan.append(("row", batch.add(wanted, params)))
        plans.append(plan)
    solved = batch.solve(engine, model)
    for item, plan in zip(active, plans):
        solutions = []
        for step in plan:
            solution = step[1] if step[0] == "kept" else solved[step[-1]]
            if isinstance(solution, SolverError):
                item.outcome = solution
                item.run.close()
                break
            if step[0] == "keep":
                item.simulator.kept.keep(step[1], solution)
            solutions.append(solution)
        else:
            _advance(item, solutions, engine)


def _advance(item: _Condition, solutions: list[PhaseSolution] | None, engine: Engine) -> None:
    """Send a condition its solutions; keep its next request, or its result when done."""
    try:
        item.request = next(item.run) if solutions is None else item.run.send(solutions)
    except StopIteration as done:
        outcome = done.value
        item.wells = outcome.wells
        item.outcome = Result(item.condition, outcome.readouts, outcome.trajectory,
                              dict(outcome.controls), item.simulator.scenario, repr(engine))


#: Simulators of :func:`simulate` by scenario location (each keeps its reference wells).
_SIMULATORS: dict[str, Simulator] = {}


def simulate(condition: Any = None, *, params: Mapping[str, float] | None = None,
             scenario: Scenario | str | None = None) -> Result:
    """Simulate one condition (a condition object or a mapping; ``None``: ``{}``) of a
    scenario (None: the co-culture).

    The batched engine answers, except on a machine whose batch kernel is not compiled yet:
    there the first call of a process picks the reference engine (SciPy LSODA, readouts
    within 1e-4 of the batched engine's) and the kernel compiles in the background; the
    process keeps the engine it picked, and ``Result.engine`` names it. (``Simulator()``
    always uses the batched engine.)
    """
    chosen = load_scenario(scenario)
    condition = chosen.condition_from(condition if condition is not None else {})
    default = _SIMULATORS.get(chosen.location)
    if default is None:
        default = _SIMULATORS[chosen.location] = Simulator(
            chosen, engine=quick_engine(chosen.compiled, chosen.model_source))
    if params:
        return Simulator(chosen, params, engine=default.engine).simulate(condition)
    return default.simulate(condition)
