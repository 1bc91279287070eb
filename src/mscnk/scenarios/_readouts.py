"""Readout declarations: one per readout, where its function is defined.

A scenario keeps its readouts in a :class:`ReadoutSet`; ``@readouts.declare(name, unit=...,
meaning=...)`` joins a function of the scenario's wells view to its name, unit and meaning.
What a function reads (wells, species) is never written by hand: a scenario that gives its
set a ``probe`` has it recorded by calling the function on probe wells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

import numpy as np

#: Differences smaller than this (in the readout's unit) are integration round-off.
ROUND_OFF = 1e-6


class Probe(Protocol):
    """Records what a readout function reads (see ``mscnk.scenarios.coculture.probe``)."""

    labels: Mapping[str, str]  # well -> words shown to users

    def reads(self, function: Callable[[Any], float]) -> dict[str, tuple[str, ...]]: ...

    def needs(self, function: Callable[[Any], float]) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ReadoutDeclaration:
    """One readout: name, unit, meaning, whether it may be negative, its function, and what
    that function reads (derived on first use by the scenario's probe)."""

    name: str
    unit: str
    meaning: str
    signed: bool
    compute: Callable[[Any], float]
    probe: Probe | None = field(default=None, repr=False, compare=False)

    @cached_property
    def reads(self) -> Mapping[str, tuple[str, ...]]:
        """Well -> the model species the function reads there ({} without a probe)."""
        return MappingProxyType(self.probe.reads(self.compute) if self.probe else {})

    @cached_property
    def species(self) -> tuple[str, ...]:
        """Every model species the function reads, in any well, first read first."""
        return tuple(dict.fromkeys(s for names in self.reads.values() for s in names))

    @cached_property
    def needs(self) -> tuple[str, ...]:
        """Populations whose absence makes the readout missing (NaN)."""
        return self.probe.needs(self.compute) if self.probe else ()

    def reads_text(self) -> str:
        """``"nk_bright, nk_dim (main well, control without MSC); ..."``: species by wells."""
        labels = self.probe.labels if self.probe else {}
        groups: dict[tuple[str, ...], list[str]] = {}
        for name in self.species:
            wells = tuple(labels.get(w, w) for w, names in self.reads.items() if name in names)
            groups.setdefault(wells, []).append(name)
        return "; ".join(f"{', '.join(names)} ({', '.join(wells)})"
                         for wells, names in groups.items())


class ReadoutSet(Mapping[str, ReadoutDeclaration]):
    """A scenario's readouts by name, in declaration order (the order of result columns).

    ``stack``: joins many conditions' wells views into one with a batch axis first; give
    it when every readout function is written with NumPy over that axis, and
    :meth:`compute_many` computes a chunk's readouts with one call per readout.
    """

    def __init__(self, probe: Probe | None = None,
                 stack: Callable[[Sequence[Any]], Any] | None = None):
        self.probe = probe
        self.stack = stack
        self._declared: dict[str, ReadoutDeclaration] = {}

    def declare(self, name: str, *, unit: str, meaning: str, signed: bool = False
                ) -> Callable[[Callable[[Any], float]], Callable[[Any], float]]:
        """Declare the decorated function as the one that computes readout ``name``."""

        def register(function: Callable[[Any], float]) -> Callable[[Any], float]:
            if name in self._declared:
                raise ValueError(f"{name} is declared twice: by "
                                 f"{self._declared[name].compute.__qualname__} and by "
                                 f"{function.__qualname__}")
            self._declared[name] = ReadoutDeclaration(name, unit, meaning, signed, function,
                                                      self.probe)
            return function

        return register

    def __getitem__(self, name: str) -> ReadoutDeclaration:
        return self._declared[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._declared)

    def __len__(self) -> int:
        return len(self._declared)

    @property
    def units(self) -> dict[str, str]:
        return {name: r.unit for name, r in self._declared.items()}

    def compute(self, wells: Any) -> dict[str, float]:
        """Every readout of one condition's ``wells``, in declaration order (floored as
        :func:`floored` says)."""
        return {name: float(floored(np.asarray(declaration.compute(wells), dtype=float),
                                    declaration.signed))
                for name, declaration in self._declared.items()}

    def compute_many(self, views: Sequence[Any]) -> list[dict[str, float]]:
        """Every readout of many conditions: with ``stack``, one call per readout over the
        stacked views (the same values as :meth:`compute`); else one by one."""
        if not views:
            return []
        if self.stack is None:
            return [self.compute(view) for view in views]
        batch = self.stack(views)
        values = np.empty((len(views), len(self._declared)))
        for column, declaration in enumerate(self._declared.values()):
            value = np.asarray(declaration.compute(batch), dtype=float)
            values[:, column] = floored(np.broadcast_to(value, (len(views),)), declaration.signed)
        names = list(self._declared)
        return [dict(zip(names, row)) for row in values.tolist()]


def floored(values: np.ndarray, signed: bool) -> np.ndarray:
    """Readout values as reported: a readout whose unit cannot be negative (cells,
    concentrations, folds, shares, % lysis) is floored at zero, so a solved state a hair
    below zero reads 0; a signed one within :data:`ROUND_OFF` of zero reads 0; NaN (the
    readout does not apply) stays. (The tests check states unfloored.)"""
    out = np.array(values, dtype=float)  # a copy, any shape
    finite = ~np.isnan(out)
    if signed:
        out[finite & (np.abs(np.where(finite, out, 1.0)) < ROUND_OFF)] = 0.0
    else:
        out[finite] = np.maximum(out[finite], 0.0)
    return out
