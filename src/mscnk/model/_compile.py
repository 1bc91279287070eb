"""Compile the declaration into NumPy functions: right-hand side, Jacobian, initial state.

SymPy derives the vector field from the processes (stoichiometry x rate) and its exact
Jacobian; both become plain NumPy code, generated once per model structure and kept on disk
(keyed by a hash of the declaration), so later processes start in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from mscnk.model._build import per_model
from mscnk.model._cache import cache_folder, read_trusted, write_private
from mscnk.model._declare import Model

log = logging.getLogger("mscnk")

#: About how long SymPy takes to generate the model's code on a laptop core (s).
GENERATE_ESTIMATE_S = 10


@dataclass(frozen=True)
class CompiledModel:
    """Numerical view of a :class:`Model`; vectors follow the declaration order."""

    model: Model
    species: tuple[str, ...]
    parameters: tuple[str, ...]
    inputs: tuple[str, ...]
    rhs: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    jacobian: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    rates: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    initial: Callable[[np.ndarray, np.ndarray], np.ndarray]
    signals: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # named expressions
    stoichiometry: np.ndarray  # (species, processes)

    def index(self, name: str) -> int:
        return self.species.index(name)

    def default_parameters(self) -> np.ndarray:
        return np.array([p.value for p in self.model.parameters])

    def default_inputs(self) -> np.ndarray:
        return np.array([u.default for u in self.model.inputs])


def _symbols(names, model: Model) -> list[sp.Symbol]:
    return [model.symbols[n] for n in names]


def _generate(model: Model, species, parameters, inputs) -> dict[str, str]:
    """Python source of the numerical functions, derived symbolically from the declaration."""
    x, p, u = (_symbols(species, model), _symbols(parameters, model), _symbols(inputs, model))
    rates = [model.expanded(proc.rate) for proc in model.processes]
    field = vector_field(model)
    args = (sp.Matrix(x), sp.Matrix(p), sp.Matrix(u))
    functions = {
        "rhs": (args, field),
        "jacobian": (args, sp.Matrix(field).jacobian(x)),
        "rates": (args, rates),
        "signals": (args, [model.expanded(e.expr) for e in model.expressions]),
        "initial": ((sp.Matrix(p), sp.Matrix(u)), [model.expanded(s.initial) for s in model.species]),
    }
    return {name: inspect.getsource(sp.lambdify(a, e, modules="numpy", cse=True))
            for name, (a, e) in functions.items()}


def vector_field(model: Model) -> list[sp.Expr]:
    """dx/dt of every species (declaration order): stoichiometry times process rates."""
    species = [s.name for s in model.species]
    rates = [model.expanded(proc.rate) for proc in model.processes]
    stoich = _stoichiometry(model, species)
    field = []
    for i in range(len(species)):
        terms = [stoich[i, j] * rates[j] for j in np.flatnonzero(stoich[i])]
        field.append(sp.Add(*terms) if terms else sp.Integer(0))
    return field


def model_symbols(model: Model) -> tuple[list[sp.Symbol], list[sp.Symbol], list[sp.Symbol]]:
    """State, parameter and input symbols, each in declaration order."""
    return (_symbols([s.name for s in model.species], model),
            _symbols([p.name for p in model.parameters], model),
            _symbols([u.name for u in model.inputs], model))


def _stoichiometry(model: Model, species) -> np.ndarray:
    stoich = np.zeros((len(species), len(model.processes)))
    for j, proc in enumerate(model.processes):
        for name, coefficient in proc.change.items():
            stoich[species.index(name), j] = coefficient
    return stoich


#: Bump when the code generation itself changes, so cached code is regenerated.
CODEGEN_VERSION = "1"


@per_model  # hashing takes ~0.1 s
def model_hash(model: Model) -> str:
    """Fingerprint of the declaration's structure (names, rates, initial values, signals)."""
    parts = [CODEGEN_VERSION, sp.__version__, ",".join(s.name for s in model.species),
             ",".join(p.name for p in model.parameters), ",".join(u.name for u in model.inputs)]
    parts += [f"{p.name}:{sp.srepr(p.rate)}:{sorted(p.change.items())}" for p in model.processes]
    parts += [f"{e.name}:{sp.srepr(e.expr)}" for e in model.expressions]
    parts += [f"{s.name}:{sp.srepr(s.initial)}" for s in model.species]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def _load(sources: dict[str, str]) -> dict[str, Callable]:
    namespace: dict[str, object] = dict(vars(np))
    functions = {}
    for name, source in sources.items():
        scope = dict(namespace)
        exec(compile(source, f"<mscnk generated {name}>", "exec"), scope)  # noqa: S102
        functions[name] = scope["_lambdifygenerated"]
    return functions


def _cached_sources(data: bytes | None) -> dict[str, str] | None:
    """The generated sources kept in a trusted cache file, None if absent or malformed."""
    if data is None:
        return None
    try:
        sources = json.loads(data)
    except ValueError:
        return None
    names = {"rhs", "jacobian", "rates", "signals", "initial"}
    if not (isinstance(sources, dict) and set(sources) == names
            and all(isinstance(v, str) for v in sources.values())):
        return None
    return sources


@per_model
def compile_model(model: Model) -> CompiledModel:
    """Numerical functions for ``model`` (once per model and process); the generated code is
    cached on disk by model hash."""
    species = tuple(s.name for s in model.species)
    parameters = tuple(p.name for p in model.parameters)
    inputs = tuple(u.name for u in model.inputs)
    path = cache_folder() / f"model-{model_hash(model)}.json"
    sources = _cached_sources(read_trusted(path))
    if sources is None:
        log.info("generating the model's code with SymPy (once; about %d s)...",
                 GENERATE_ESTIMATE_S)
        started = time.perf_counter()
        sources = _generate(model, species, parameters, inputs)
        log.info("generated in %.1f s", time.perf_counter() - started)
        try:
            write_private(path, json.dumps(sources).encode())
        except OSError as error:
            log.warning("mscnk: could not keep the generated code in %s (%s)", path, error)
    f = _load(sources)
    n, n_rates, n_signals = len(species), len(model.processes), len(model.expressions)

    def rhs(state, params, inp):
        return np.asarray(f["rhs"](state, params, inp), dtype=float).reshape(n)

    def jacobian(state, params, inp):
        return np.asarray(f["jacobian"](state, params, inp), dtype=float).reshape(n, n)

    def process_rates(state, params, inp):
        return np.asarray(f["rates"](state, params, inp), dtype=float).reshape(n_rates)

    def signals(state, params, inp):
        return np.asarray(f["signals"](state, params, inp), dtype=float).reshape(n_signals)

    def initial(params, inp):
        return np.asarray(f["initial"](params, inp), dtype=float).reshape(n)

    return CompiledModel(model, species, parameters, inputs, rhs, jacobian, process_rates,
                         initial, signals, _stoichiometry(model, species))
