"""``PhaseBatch``: phases gathered for one engine call, identical ones solved once.

``simulate_pairs`` gathers one stage (pre-phases, main phases, K562 re-tests) of many wells
and parameter sets before solving any of them. Wells repeat phases exactly (a well and its
``without_msc`` control share the NK pre-activation; a ratio sweep shares every
``without_nk`` control), and the batched engine integrates each row on its own, so a phase
with the same content gives bitwise the same solution whether solved once or again.
"""

from __future__ import annotations

import numpy as np

from mscnk.engine import Engine, Phase, PhaseSolution, SolverError, solve_phases
from mscnk.model import CompiledModel

#: What ``PhaseBatch.solve`` returns: one solution or failure per row.
Solved = list[PhaseSolution | SolverError]


def _content(array: np.ndarray | None) -> bytes | None:
    return None if array is None else np.ascontiguousarray(array, dtype=float).tobytes()


def _phase_content(phase: Phase) -> tuple:
    return (phase.name, float(phase.duration_h), _content(phase.state), _content(phase.inputs),
            _content(phase.times))


def phase_key(phase: Phase, params: np.ndarray) -> tuple:
    """Everything a solve of ``phase`` with ``params`` depends on, exactly (bytes)."""
    return (*_phase_content(phase), _content(params))


class PhaseBatch:
    """Phases, each with its parameter row, for one :func:`~mscnk.engine.solve_phases` call.

    ``add`` gives the row a phase's solution will have; a phase added again with identical
    content and the same parameter vector (the same object) gets the row of the first.
    """

    def __init__(self) -> None:
        self.phases: list[Phase] = []
        self.rows: list[np.ndarray] = []
        self._index: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self.phases)

    def add(self, phase: Phase, params: np.ndarray) -> int:
        # parameter rows by identity (a simulator's vector is one object; equal vectors of
        # two simulators only miss a chance to share), the phase by content
        key = (*_phase_content(phase), id(params))
        row = self._index.get(key)
        if row is None:
            row = self._index[key] = len(self.phases)
            self.phases.append(phase)
            self.rows.append(params)
        return row

    def solve(self, engine: Engine, model: CompiledModel) -> Solved:
        """Every phase by row; a failure is the row's value, not an exception."""
        if not self.phases:
            return []
        return solve_phases(engine, model, self.phases, np.array(self.rows))
