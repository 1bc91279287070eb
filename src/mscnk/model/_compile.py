"""Compile the declaration into NumPy functions: right-hand side, Jacobian, initial state.

SymPy derives the vector field from the processes (stoichiometry x rate) and its exact
Jacobian; both are turned into plain NumPy code once per process (cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
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


def compile_model(model: Model) -> CompiledModel:
    species = tuple(s.name for s in model.species)
    parameters = tuple(p.name for p in model.parameters)
    inputs = tuple(u.name for u in model.inputs)
    x, p, u = (_symbols(species, model), _symbols(parameters, model), _symbols(inputs, model))
    rates = [model.expanded(proc.rate) for proc in model.processes]
    stoich = np.zeros((len(species), len(rates)))
    for j, proc in enumerate(model.processes):
        for name, coefficient in proc.change.items():
            stoich[species.index(name), j] = coefficient
    field = []
    for i in range(len(species)):
        terms = [stoich[i, j] * rates[j] for j in np.flatnonzero(stoich[i])]
        field.append(sp.Add(*terms) if terms else sp.Integer(0))
    jac = sp.Matrix(field).jacobian(x)
    args = (sp.Matrix(x), sp.Matrix(p), sp.Matrix(u))
    rhs_f = sp.lambdify(args, field, modules="numpy", cse=True)
    jac_f = sp.lambdify(args, jac, modules="numpy", cse=True)
    rates_f = sp.lambdify(args, rates, modules="numpy", cse=True)
    initial_exprs = [model.expanded(s.initial) for s in model.species]
    init_f = sp.lambdify((sp.Matrix(p), sp.Matrix(u)), initial_exprs, modules="numpy")
    signal_exprs = [model.expanded(e.expr) for e in model.expressions]
    signals_f = sp.lambdify(args, signal_exprs, modules="numpy", cse=True)
    n = len(species)

    def rhs(state, params, inp):
        return np.asarray(rhs_f(state, params, inp), dtype=float).reshape(n)

    def jacobian(state, params, inp):
        return np.asarray(jac_f(state, params, inp), dtype=float).reshape(n, n)

    def process_rates(state, params, inp):
        return np.asarray(rates_f(state, params, inp), dtype=float).reshape(len(rates))

    def initial(params, inp):
        return np.asarray(init_f(params, inp), dtype=float).reshape(n)

    def signals(state, params, inp):
        return np.asarray(signals_f(state, params, inp), dtype=float).reshape(len(signal_exprs))

    return CompiledModel(model, species, parameters, inputs, rhs, jacobian, process_rates,
                         initial, signals, stoich)


@lru_cache(maxsize=1)
def compiled_model() -> CompiledModel:
    """The compiled mscnk model (compiled once per process)."""
    return compile_model(build_model())
