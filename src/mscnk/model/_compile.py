"""Compile the declaration into NumPy functions: right-hand side, Jacobian, initial state.

SymPy derives the vector field from the processes (stoichiometry x rate) and its exact
Jacobian; both become plain NumPy code, generated once per model structure and kept on disk
(keyed by a hash of the declaration), so later processes start in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import sympy as sp

from mscnk.model._build import build_model
from mscnk.model._declare import Model


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


def _cache_dir() -> Path | None:
    """Where generated code is kept between runs (``MSCNK_CACHE_DIR``, else ~/.cache/mscnk)."""
    folder = os.environ.get("MSCNK_CACHE_DIR") or Path.home() / ".cache" / "mscnk"
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return Path(folder)


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


def compile_model(model: Model) -> CompiledModel:
    """Numerical functions for ``model``; generated code is cached on disk by model hash."""
    species = tuple(s.name for s in model.species)
    parameters = tuple(p.name for p in model.parameters)
    inputs = tuple(u.name for u in model.inputs)
    folder = _cache_dir()
    path = folder / f"model-{model_hash(model)}.json" if folder else None
    sources = None
    if path is not None and path.is_file():
        try:
            sources = json.loads(path.read_text())
        except (OSError, ValueError):
            sources = None
    if sources is None:
        sources = _generate(model, species, parameters, inputs)
        if path is not None:
            try:
                temporary = path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps(sources))
                os.replace(temporary, path)
            except OSError:
                pass
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


@lru_cache(maxsize=1)
def compiled_model() -> CompiledModel:
    """The compiled mscnk model (compiled once per process)."""
    return compile_model(build_model())
