"""A condition's main well as an SBML model other tools can run.

The pre-phases (MSC pre-treatment, NK pre-activation) are solved here with the given engine
and folded into the initial state: the document starts where mscnk's main phase starts
(cells placed, fresh medium, the per-cell states the pre-phases left) and its input
parameters hold the main phase's inputs (cytokines, drugs, antibodies, contact, the MSC
source and tumor line traits). Integrating it from 0 to the condition's ``duration_h``
gives the main well's time course, ``Result.trajectory.main``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Mapping

from mscnk import __version__
from mscnk.engine import Engine
from mscnk.experiment._jobs import load_experiment
from mscnk.experiment._parameters import parameter_values
from mscnk.experiment._simulate import Simulator
from mscnk.model import to_sbml
from mscnk.scenarios import ConditionError, Scenario, load_scenario, suggest

#: How many condition names an error message lists before it stops.
LISTED_NAMES = 5
#: Plans up to this size get a "did you mean" for an unknown --name.
SUGGESTED_AMONG = 10_000


def pick_condition(source: str | Path | Mapping[str, Any], name: str | None = None, *,
                   scenario: Scenario | str | None = None) -> tuple[str, Any]:
    """The one condition of an experiment file (or mapping) to export, with its name.

    A file with several conditions needs ``name`` (the CLI's ``--name``); a
    ``parameter_sweep`` is refused (an export holds one parameter set: give it as
    ``params``/``--params``). Raises :class:`ConditionError` naming what is wrong.
    """
    where = str(source) if not isinstance(source, Mapping) else "the experiment"
    experiment = load_experiment(source, scenario=scenario)
    if "parameter_sweep" in experiment.document:
        raise ConditionError([f"{where}: parameter_sweep: an export holds one parameter set; "
                              "give its values as a parameter file (--params FILE)"])
    conditions = experiment.conditions  # a mapping that may make its conditions lazily
    count = len(conditions)
    if name is None and count == 1:
        return next(iter(conditions.items()))
    if name is None:
        raise ConditionError([f"{where}: {count:,} conditions ({_some(conditions, count)}); an "
                              "export holds one: choose it by name (--name NAME)"])
    for key, condition in conditions.items():
        if key == name:
            return key, condition
    close = suggest(name, conditions) if count <= SUGGESTED_AMONG else ""
    raise ConditionError([f"{where}: no condition named {name!r}; the file has "
                          f"{_some(conditions, count)}{close}"])


def _some(conditions: Mapping[str, Any], count: int) -> str:
    """The first :data:`LISTED_NAMES` condition names, quoted, and how many more."""
    shown = ", ".join(repr(n) for n in itertools.islice(iter(conditions), LISTED_NAMES))
    return shown + (f" and {count - LISTED_NAMES:,} more" if count > LISTED_NAMES else "")


def export_condition_sbml(condition: Any, params: Mapping[str, float] | None = None, *,
                          name: str = "condition", engine: Engine | None = None,
                          scenario: Scenario | str | None = None) -> str:
    """SBML Level 3 text whose initial state and inputs reproduce ``condition``'s main well.

    ``params``: parameter values over the defaults (checked as ``--params`` is); ``name``:
    the condition's label in the document's notes; ``engine``: solves the pre-phases
    (default: the batched engine); ``scenario``: whose condition it is (None: the
    co-culture). Raises :class:`ConditionError` for a bad condition or parameter and
    :class:`mscnk.engine.SolverError` if a phase cannot be solved.
    """
    chosen = load_scenario(scenario)
    resolved = chosen.condition_from(condition)  # raises ConditionError with the CLI's text
    values = parameter_values(dict(params or {}), where="params", scenario=chosen)
    simulator = Simulator(chosen, values, engine=engine)
    trajectory = simulator.simulate(resolved, timecourse_samples=2).trajectory
    main, pre = trajectory.main_phase, trajectory.phases[:-1]
    model = simulator.model
    phases = ", ".join(f"{p.name} {p.time_h[-1]:g} h" for p in pre) or "none"
    about = {
        "condition": name,
        "reproduces": (f"the main well of condition {name!r}: integrate from 0 to "
                       f"{main.duration_h:g} h (time unit: hour) to get mscnk's main-phase "
                       "time course; the pre-phases are folded into the initial state"),
        "duration_h": f"{main.duration_h:g}",
        "pre_phases": phases,
        "parameters": (", ".join(f"{k} = {v:g}" for k, v in values.items())
                       or "the shipped defaults"),
        "fields": json.dumps(resolved.model_dump(mode="json"), sort_keys=True),
        "generator": f"mscnk {__version__}",
    }
    return to_sbml(model.model, initial_state=main.state,
                   parameters=dict(zip(model.parameters, simulator.params)),
                   inputs=dict(zip(model.inputs, main.inputs)), about=about)
