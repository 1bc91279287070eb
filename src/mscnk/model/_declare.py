"""Declaration primitives: species, parameters, inputs, expressions and processes.

The model is declared once, symbolically (SymPy), by the modules of this package.
Everything else (right-hand side, Jacobian, docs, the catalog links, later SBML)
is derived from the :class:`Model` this builder produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Literal, Mapping

import sympy as sp

SpeciesKind = Literal["cells", "counter", "per_cell", "medium"]
#: Where a species lives: with a cell population, in the medium (the site's fluid in vivo),
#: or, in the body of a therapy scenario, in the blood or trapped in the lung.
Compartment = Literal["msc", "nk", "tumor", "tissue", "medium", "blood", "lung"]
#: A mechanism's switch parameter is this prefix plus the mechanism's catalog id.
SWITCH_PREFIX = "on_"


@dataclass(frozen=True)
class Species:
    """A state variable. ``initial`` is a SymPy expression in parameters and inputs."""

    name: str
    unit: str
    kind: SpeciesKind
    description: str
    initial: sp.Expr
    compartment: Compartment


@dataclass(frozen=True)
class Parameter:
    """A model constant with unit, default, bounds and provenance (from parameters.yaml), or
    a mechanism switch (``kind="switch"``: ``on_<mechanism>``, 1 on, 0 off; made by
    :meth:`ModelBuilder.switch`, not a physical quantity, never estimated)."""

    name: str
    value: float
    unit: str
    lower: float
    upper: float
    provenance: str
    description: str
    kind: Literal["constant", "switch"] = "constant"

    def __post_init__(self) -> None:
        if not self.lower <= self.value <= self.upper:
            raise ValueError(
                f"parameter {self.name}: default {self.value} outside bounds "
                f"[{self.lower}, {self.upper}]"
            )
        if not self.provenance.strip():
            raise ValueError(f"parameter {self.name}: provenance is empty")


@dataclass(frozen=True)
class Input:
    """A value set by the experiment (a condition field, a phase switch), constant in a phase."""

    name: str
    unit: str
    default: float
    description: str


@dataclass(frozen=True)
class Expression:
    """A named intermediate quantity (a signal, a dose), substituted when compiled."""

    name: str
    expr: sp.Expr
    unit: str
    description: str
    mechanisms: tuple[str, ...]


@dataclass(frozen=True)
class Process:
    """A flux ``rate`` that changes species by ``change`` (stoichiometry), owned by mechanisms."""

    name: str
    rate: sp.Expr
    change: Mapping[str, float]
    mechanisms: tuple[str, ...]
    description: str
    contact: bool = False


@dataclass(frozen=True)
class Model:
    """The whole declaration. Order of each tuple is the order of declaration."""

    species: tuple[Species, ...]
    parameters: tuple[Parameter, ...]
    inputs: tuple[Input, ...]
    expressions: tuple[Expression, ...]
    processes: tuple[Process, ...]
    symbols: Mapping[str, sp.Symbol] = field(repr=False)

    def species_names(self) -> list[str]:
        return [s.name for s in self.species]

    @property
    def constants(self) -> tuple[Parameter, ...]:
        """The physical parameters (those of parameters.yaml), without the switches."""
        return tuple(p for p in self.parameters if p.kind == "constant")

    @property
    def switches(self) -> dict[str, str]:
        """Mechanism id -> the name of its switch parameter, in declaration order."""
        return {p.name.removeprefix(SWITCH_PREFIX): p.name
                for p in self.parameters if p.kind == "switch"}

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def expanded(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every named expression replaced by its definition."""
        table = {self.symbols[e.name]: e.expr for e in self.expressions}
        previous = None
        while previous != expr:
            previous, expr = expr, expr.xreplace(table)
        return expr


class ModelBuilder:
    """Collects the declaration; ``sym`` gives every declared name as a SymPy symbol."""

    def __init__(self, parameter_table: Mapping[str, Mapping[str, object]]):
        self._table = dict(parameter_table)
        self._species: dict[str, Species] = {}
        self._parameters: dict[str, Parameter] = {}
        self._inputs: dict[str, Input] = {}
        self._expressions: dict[str, Expression] = {}
        self._processes: dict[str, Process] = {}
        self.sym = SimpleNamespace()

    # -- names -------------------------------------------------------------
    def _new_symbol(self, name: str) -> sp.Symbol:
        if hasattr(self.sym, name):
            raise ValueError(f"name {name!r} declared twice")
        symbol = sp.Symbol(name, real=True)
        setattr(self.sym, name, symbol)
        return symbol

    def species(
        self,
        name: str,
        *,
        unit: str,
        kind: SpeciesKind,
        compartment: Compartment,
        description: str,
        initial: sp.Expr | float = 0.0,
    ) -> sp.Symbol:
        symbol = self._new_symbol(name)
        self._species[name] = Species(
            name, unit, kind, description, sp.sympify(initial), compartment
        )
        return symbol

    def p(self, name: str) -> sp.Symbol:
        """The parameter ``name``; its value, unit and provenance come from parameters.yaml."""
        if name in self._parameters:
            return getattr(self.sym, name)
        if name not in self._table:
            raise KeyError(f"parameter {name!r} is used by the model but missing in parameters.yaml")
        row = self._table[name]
        self._parameters[name] = Parameter(
            name=name,
            value=float(row["value"]),
            unit=str(row["unit"]),
            lower=float(row["lower"]),
            upper=float(row["upper"]),
            provenance=str(row["provenance"]),
            description=str(row.get("description", "")),
        )
        return self._new_symbol(name)

    def declared_species(self, *, compartment: str, kind: str) -> tuple[str, ...]:
        """Names of the species declared so far in ``compartment`` of ``kind``, in order."""
        return tuple(name for name, s in self._species.items()
                     if s.compartment == compartment and s.kind == kind)

    def switch(self, mechanism: str) -> sp.Symbol:
        """The switch of ``mechanism`` (parameter ``on_<mechanism>``, 1 by default): multiply
        the terms through which the mechanism acts by it, so that 0 removes exactly them."""
        name = SWITCH_PREFIX + mechanism
        if name in self._parameters:
            return getattr(self.sym, name)
        self._parameters[name] = Parameter(
            name=name, value=1.0, unit="1", lower=0.0, upper=1.0, kind="switch",
            provenance="assumed: a mechanism switch (1 on, 0 off), not a physical quantity; "
                       "never estimated",
            description=f"switch of mechanism {mechanism} (1 on, 0 off)")
        return self._new_symbol(name)

    def input(self, name: str, *, unit: str, default: float = 0.0, description: str) -> sp.Symbol:
        symbol = self._new_symbol(name)
        self._inputs[name] = Input(name, unit, float(default), description)
        return symbol

    def expression(
        self,
        name: str,
        expr: sp.Expr,
        *,
        unit: str,
        description: str,
        mechanisms: tuple[str, ...] = (),
    ) -> sp.Symbol:
        symbol = self._new_symbol(name)
        self._expressions[name] = Expression(name, sp.sympify(expr), unit, description, mechanisms)
        return symbol

    def process(
        self,
        name: str,
        rate: sp.Expr,
        change: Mapping[sp.Symbol | str, float],
        *,
        mechanisms: tuple[str, ...],
        description: str,
        contact: bool = False,
    ) -> None:
        if name in self._processes:
            raise ValueError(f"process {name!r} declared twice")
        if not mechanisms:
            raise ValueError(f"process {name!r} names no mechanism")
        stoich = {str(k): float(v) for k, v in change.items()}
        for species_name in stoich:
            if species_name not in self._species:
                raise KeyError(f"process {name!r} changes undeclared species {species_name!r}")
        self._processes[name] = Process(
            name, sp.sympify(rate), stoich, tuple(mechanisms), description, contact
        )

    # -- motifs ------------------------------------------------------------
    def turnover(
        self,
        species: sp.Symbol,
        target: sp.Expr,
        rate: sp.Expr,
        *,
        mechanisms: tuple[str, ...],
        what: str,
    ) -> None:
        """Relaxation of a per-cell level to ``target``: synthesis ``rate*target``, loss ``rate*x``."""
        name = str(species)
        self.process(
            f"{name}_synthesis",
            rate * target,
            {species: 1},
            mechanisms=mechanisms,
            description=f"{what}: expression towards its target level",
        )
        self.process(
            f"{name}_turnover",
            rate * species,
            {species: -1},
            mechanisms=mechanisms,
            description=f"{what}: first-order turnover",
        )

    def build(self) -> Model:
        unused = sorted(set(self._table) - {n for n, p in self._parameters.items()
                                            if p.kind == "constant"})
        if unused:
            raise ValueError(f"parameters.yaml has entries the model does not use: {unused}")
        return Model(
            species=tuple(self._species.values()),
            parameters=tuple(self._parameters.values()),
            inputs=tuple(self._inputs.values()),
            expressions=tuple(self._expressions.values()),
            processes=tuple(self._processes.values()),
            symbols=dict(vars(self.sym)),
        )


def hill(x: sp.Expr, ec50: sp.Expr, n: sp.Expr | int = 1) -> sp.Expr:
    """Fractional activation x^n / (x^n + ec50^n), dimensionless."""
    if n == 1:
        return x / (x + ec50)
    return x**n / (x**n + ec50**n)


def crowding(count: sp.Expr, limit: sp.Expr, steepness: int = 4) -> sp.Expr:
    """Share of division left as a culture fills: 1 / (1 + (count/limit)^steepness), halved
    at ``limit``, little changed below half of it, and never negative, so cells past the
    limit stop dividing instead of "un-dividing" as logistic growth (1 - count/limit) would.
    The steepness is an assumed form."""
    return 1 / (1 + (count / limit) ** steepness)


def inhibition(x: sp.Expr, ic50: sp.Expr) -> sp.Expr:
    """Remaining activity 1 / (1 + x/ic50) under an inhibitor at level x."""
    return 1 / (1 + x / ic50)
