"""Links between the declaration and the catalog, derived (never hand-kept).

Which mechanisms own a parameter, which processes implement a mechanism, and which
mechanisms move a species (directly, or through the species its processes read).
"""

from __future__ import annotations

from collections import deque
from typing import Iterable

from mscnk.model._build import per_model
from mscnk.model._declare import Model


@per_model
def _dependencies(model: Model) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(process -> species its rate reads, species -> processes that change it)."""
    species = set(model.species_names())
    reads, changed_by = {}, {name: set() for name in species}
    for process in model.processes:
        names = {str(s) for s in model.expanded(process.rate).free_symbols}
        reads[process.name] = names & species
        for name in process.change:
            changed_by[name].add(process.name)
    return reads, changed_by


@per_model
def _rate_symbols(model: Model) -> dict[str, frozenset[str]]:
    """Process -> every species and input its rate reads (named expressions expanded)."""
    known = set(model.species_names()) | {u.name for u in model.inputs}
    return {p.name: frozenset(str(s) for s in model.expanded(p.rate).free_symbols) & known
            for p in model.processes}


def downstream(model: Model, symbols: Iterable[str]) -> frozenset[str]:
    """Species that ``symbols`` (species or inputs) can change: those of every process whose
    rate reads one of them, then, in turn, those of processes reading a species reached."""
    reads = _rate_symbols(model)
    reached: set[str] = set()
    frontier = set(symbols)
    while frontier:
        changed = {str(name) for process in model.processes if reads[process.name] & frontier
                   for name in process.change}
        frontier = changed - reached
        reached |= changed
    return frozenset(reached)


def _expression_mechanisms(model: Model, expr) -> set[str]:
    """Mechanisms of the named expressions ``expr`` reads, followed through nested ones."""
    by_symbol = {model.symbols[e.name]: e for e in model.expressions}
    found: set[str] = set()
    pending = [s for s in expr.free_symbols if s in by_symbol]
    seen = set(pending)
    while pending:
        expression = by_symbol[pending.pop()]
        found.update(expression.mechanisms)
        for symbol in expression.expr.free_symbols:
            if symbol in by_symbol and symbol not in seen:
                seen.add(symbol)
                pending.append(symbol)
    return found


@per_model
def _process_mechanisms(model: Model) -> dict[str, frozenset[str]]:
    """Process -> its own mechanisms plus those of the signals its rate reads."""
    return {p.name: frozenset(p.mechanisms) | _expression_mechanisms(model, p.rate)
            for p in model.processes}


def processes_of(model: Model, mechanism: str) -> list[str]:
    """Processes that implement ``mechanism`` or read a signal that it owns."""
    owners = _process_mechanisms(model)
    return [p.name for p in model.processes if mechanism in owners[p.name]]


@per_model
def parameter_owners(model: Model) -> dict[str, tuple[str, ...]]:
    """Parameter -> mechanisms of the processes and expressions that use it directly."""
    owners: dict[str, list[str]] = {p.name: [] for p in model.parameters}
    items = [(e.expr, e.mechanisms) for e in model.expressions]
    items += [(p.rate, p.mechanisms) for p in model.processes]
    for expr, mechanisms in items:
        for symbol in expr.free_symbols:
            for mechanism in mechanisms if str(symbol) in owners else ():
                if mechanism not in owners[str(symbol)]:
                    owners[str(symbol)].append(mechanism)
    return {name: tuple(found) for name, found in owners.items()}


def parameters_of(model: Model, mechanism: str) -> tuple[str, ...]:
    """Parameters the mechanism owns (used directly by its processes or expressions)."""
    return tuple(name for name, owners in parameter_owners(model).items() if mechanism in owners)


def mechanisms_moving(model: Model, species: list[str], *,
                      depth: int = 2) -> list[tuple[str, int]]:
    """Mechanisms whose processes change ``species`` (distance 0) or feed them (1, 2, ...)."""
    by_name = {p.name: p for p in model.processes}
    reads, changed_by = _dependencies(model)
    found: dict[str, int] = {}
    seen = set(species)
    queue = deque((name, 0) for name in species)
    while queue:
        name, distance = queue.popleft()
        for process in sorted(changed_by[name]):
            for mechanism in by_name[process].mechanisms:
                found.setdefault(mechanism, distance)
            if distance < depth:
                for upstream in reads[process] - seen:
                    seen.add(upstream)
                    queue.append((upstream, distance + 1))
    return sorted(found.items(), key=lambda item: (item[1], item[0]))
