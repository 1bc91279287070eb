"""A scenario: what makes a system, as one object built from one folder.

A scenario folder is a Python package whose ``__init__.py`` defines ``SCENARIO``, a
:class:`Scenario` naming its model declaration modules, its parameter table, its condition
schema, its protocol (how a condition becomes wells and phases) and its readouts. The
simulator, validation, sweeps, the store, the CLI and the SBML export take a scenario as an
argument; :func:`load_scenario` finds one by name (``coculture``, shipped in
``mscnk/scenarios/``) or by folder path.

A protocol is a class built from ``(compiled model, parameter vector)`` whose ``run(condition,
samples=...)`` is a generator: it yields a list of phases to solve (one stage of every well
the condition needs), receives their solutions in the same order, yields the next stage, and
finally returns an :class:`Outcome`. The simulator drives many conditions' generators in
lockstep, so each stage of every well of every condition goes to the engine as one batch.
A phase wrapped in :class:`Reference` is solved once per simulator and kept (reference wells).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pkgutil
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Collection, Generator, Mapping, Protocol, Sequence

import numpy as np

from mscnk.engine import Phase, PhaseSolution
from mscnk.model import CompiledModel, Model, compile_model, declare_model, read_parameter_table
from mscnk.scenarios._errors import ConditionError, suggest
from mscnk.scenarios._readouts import ReadoutSet
from mscnk.scenarios._schema import ConditionModel

#: The scenario a name-less call gets.
DEFAULT_SCENARIO = "coculture"


@dataclass(frozen=True)
class Trajectory:
    """All phases of one well as solved, in order (the last is the main phase), and the main
    phase as it went to the engine (its initial state and inputs: what an export needs)."""

    phases: tuple[PhaseSolution, ...]
    main_phase: Phase

    @property
    def main(self) -> PhaseSolution:
        return self.phases[-1]


@dataclass(frozen=True)
class Reference:
    """A phase that conditions share (a reference well, a pre-phase, a matched control):
    the simulator solves it once and keeps its solution while there is room (same content
    and parameters, bitwise the same solution), so later batches that ask again reuse it."""

    phase: Phase


@dataclass(frozen=True)
class Outcome:
    """What a protocol's ``run`` returns: readouts, the main well, the control wells.

    ``readouts`` None: the simulator computes them from ``wells`` (the scenario's wells
    view) together with every other condition of the batch
    (:meth:`~mscnk.scenarios.ReadoutSet.compute_many`).
    """

    readouts: dict[str, float] | None
    trajectory: Trajectory
    controls: dict[str, Trajectory] = field(default_factory=dict)
    wells: Any = None


#: What a protocol's ``run`` is: stages of phases out, their solutions in, an Outcome at last.
Run = Generator[Sequence["Phase | Reference"], Sequence[PhaseSolution], Outcome]


class ScenarioProtocol(Protocol):
    """How a scenario turns a condition into phases (built per parameter set)."""

    def run(self, condition: Any, *, samples: int) -> Run: ...


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything that makes one system; the model and its compilation are derived once.

    ``location``: how :func:`load_scenario` finds it again (a built-in name or a folder), so a
    scenario crosses process boundaries (dask workers) by that alone. ``summary`` and
    ``headline``: a one-line description of a condition and the readouts that say most about
    it (for ``repr``); ``mechanisms``: the names its processes may cite (None: any);
    ``plausibility``: standard magnitudes (a findings file) for docs/model.md;
    ``fixed_mechanisms``: the mechanisms the model implements without a switch, each with
    why (a context a condition field sets, or the cells' own dynamics).
    """

    name: str
    title: str
    location: str
    modules: tuple[ModuleType, ...]
    parameters_file: Any  # a Path or importlib Traversable of parameters.yaml, or a tuple
    condition: type[ConditionModel]
    protocol: Callable[[CompiledModel, np.ndarray], ScenarioProtocol]
    readouts: ReadoutSet
    mechanisms: Collection[str] | None = None
    summary: Callable[[Any], str] = repr
    headline: Callable[[Any], Sequence[str]] | None = None
    samples: int = 49  # time-course samples of a main well
    #: A findings file (Path or Traversable) of standard magnitudes the model should land
    #: in, one quantity each; docs/model.md shows each with the model's value.
    plausibility: Any = None
    fixed_mechanisms: Mapping[str, str] = field(default_factory=dict)
    #: How a result's trajectory reads as one time line of every species (a frame with a
    #: ``day`` column), for scenarios whose conditions are strategies over days (the therapy
    #: scenarios); None: the wells' phases are read as they are.
    timeline: Callable[[Trajectory, Sequence[str]], Any] | None = None
    #: Parameters no data determine at this system's scale (the therapy scenarios: the
    #: body's and the site's values), which a report varies to show how much the outcomes
    #: hang on them (``mscnk compare --assumptions``).
    uncertain: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}: {self.title})"

    def __reduce__(self) -> tuple[Callable[[str], "Scenario"], tuple[str]]:
        return load_scenario, (self.location,)

    @cached_property
    def parameter_table(self) -> dict[str, dict[str, Any]]:
        """parameters.yaml: name -> {value, unit, lower, upper, provenance, ...}. A sequence
        of files is read in order, a later file's row replacing an earlier one of that name
        (a therapy scenario's site values over the co-culture's well values)."""
        files = (self.parameters_file if isinstance(self.parameters_file, (tuple, list))
                 else (self.parameters_file,))
        table: dict[str, dict[str, Any]] = {}
        for file in files:
            table.update(read_parameter_table(file.read_text()))
        return table

    @cached_property
    def model(self) -> Model:
        """The declaration (SymPy), assembled from the modules once per process."""
        return declare_model(self.modules, self.parameter_table, self.mechanisms)

    @property
    def compiled(self) -> CompiledModel:
        """The numerical functions (once per process; generated code kept on disk)."""
        return compile_model(self.model)

    @property
    def model_source(self) -> str:
        """How another process gets the compiled model (``mscnk.engine`` background compile)."""
        return f"mscnk.scenarios:compiled_model_of:{self.location}"

    @cached_property
    def parameters_by_name(self) -> Mapping[str, Any]:
        """The model's declared parameters by name (do not modify)."""
        return {p.name: p for p in self.model.parameters}

    @cached_property
    def readout_names(self) -> tuple[str, ...]:
        return tuple(self.readouts)

    def condition_from(self, raw: Any) -> Any:
        """A resolved condition from a condition or a mapping (:class:`ConditionError`)."""
        condition = raw if isinstance(raw, self.condition) else self.condition.model_validate(raw)
        return condition.resolved()


_LOADED: dict[str, Scenario] = {}


def builtin_scenarios() -> tuple[str, ...]:
    """Names of the scenarios shipped in ``mscnk/scenarios/``."""
    here = Path(__file__).parent
    return tuple(sorted(m.name for m in pkgutil.iter_modules([str(here)])
                        if m.ispkg and not m.name.startswith("_")))


def load_scenario(spec: "str | Path | Scenario | None" = None) -> Scenario:
    """A scenario by built-in name (``coculture``), by folder path, or itself (None: the
    default). Loaded once per process; :class:`ConditionError` if there is none."""
    if isinstance(spec, Scenario):
        return spec
    key = str(spec if spec is not None else DEFAULT_SCENARIO)
    if key in _LOADED:
        return _LOADED[key]
    names = builtin_scenarios()
    if key in names:
        module = importlib.import_module(f"mscnk.scenarios.{key}")
    else:
        folder = Path(key)
        if not (folder / "__init__.py").is_file():
            raise ConditionError([
                f"scenario: {key!r} is neither a built-in scenario ({', '.join(names)}) nor a "
                f"folder holding a scenario's __init__.py{suggest(key, names)}"])
        module = _import_folder(folder.resolve())
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise ConditionError([f"scenario: {key!r} defines no SCENARIO (a mscnk.scenarios."
                              "Scenario) in its __init__.py"])
    _LOADED[key] = _LOADED[scenario.location] = scenario
    return scenario


def _import_folder(folder: Path) -> ModuleType:
    """Import a scenario folder as a package under a name unique to its path."""
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    name = f"mscnk_scenario_{folder.name.replace('-', '_')}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def compiled_model_of(location: str) -> CompiledModel:
    """The compiled model of the scenario at ``location`` (see ``Scenario.model_source``)."""
    return load_scenario(location).compiled


def scenario_parameters(scenario: Scenario) -> Mapping[str, Any]:
    """The scenario's declared parameters by name (made once per scenario)."""
    return scenario.parameters_by_name
