"""``PhaseBatch``: phases gathered for one engine call, identical ones solved once;
``KeptPhases``: a simulator's solved shared phases, kept between batches.

``simulate_batch`` gathers one stage (pre-phases, main phases, K562 re-tests) of many wells
and parameter sets before solving any of them. Wells repeat phases exactly (a well and its
``without_msc`` control share the NK pre-activation; a ratio sweep shares every
``without_nk`` control), and the batched engine integrates each row on its own, so a phase
with the same content gives bitwise the same solution whether solved once or again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from mscnk.engine import Engine, Phase, PhaseSolution, SolverError, solve_phases
from mscnk.model import CompiledModel

#: What ``PhaseBatch.solve`` returns: one solution or failure per row.
Solved = list[PhaseSolution | SolverError]


#: Bytes of solved shared phases one simulator keeps (the least recently used go first):
#: room for about 2,900 pre-phases of 49 samples or 60,000 two-sample control wells of the
#: co-culture's 57 species.
KEPT_BYTES = 64 * 2**20


class KeptPhases:
    """Solved phases of one parameter set by content: shared phases (pre-phases, reference
    and control wells) are solved once while they stay, whichever batch asks again.

    At most ``limit`` bytes of solutions (least recently used out first); safe to share
    between the threads that run chunks with one simulator.
    """

    def __init__(self, limit: int = KEPT_BYTES):
        self.limit = limit
        self._solutions: OrderedDict[tuple, PhaseSolution] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._solutions)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def items(self) -> list[tuple[tuple, PhaseSolution]]:
        """(content, solution) of every kept phase, least recently used first."""
        with self._lock:
            return list(self._solutions.items())

    def get(self, content: tuple) -> PhaseSolution | None:
        with self._lock:
            solution = self._solutions.get(content)
            if solution is not None:
                self._solutions.move_to_end(content)
            return solution

    def keep(self, content: tuple, solution: PhaseSolution) -> PhaseSolution:
        """Keep ``solution`` (unless one is kept already: that one is returned)."""
        with self._lock:
            kept = self._solutions.get(content)
            if kept is not None:
                return kept
            self._solutions[content] = solution
            self._bytes += _size(solution)
            while self._bytes > self.limit and len(self._solutions) > 1:
                _, dropped = self._solutions.popitem(last=False)
                self._bytes -= _size(dropped)
            return solution


def _size(solution: PhaseSolution) -> int:
    return solution.time_h.nbytes + solution.states.nbytes


class PhaseBatch:
    """Phases, each with its parameter row, for one :func:`~mscnk.engine.solve_phases` call.

    ``add`` gives the row a phase's solution will have; a shared phase added again with
    identical content and the same parameter vector (the same object) gets the row of the
    first (other phases, a condition's own, get a row each).
    """

    def __init__(self) -> None:
        self.phases: list[Phase] = []
        self.rows: list[np.ndarray] = []
        self._index: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self.phases)

    def add(self, phase: Phase, params: np.ndarray, *, shared: bool = False) -> int:
        """The row of ``phase`` (``shared``: one row for every phase of its content)."""
        if shared:
            # parameter rows by identity (a simulator's vector is one object; equal vectors
            # of two simulators only miss a chance to share), the phase by content
            key = (phase.content, id(params))
            row = self._index.get(key)
            if row is not None:
                return row
            self._index[key] = len(self.phases)
        self.phases.append(phase)
        self.rows.append(params)
        return len(self.phases) - 1

    def solve(self, engine: Engine, model: CompiledModel) -> Solved:
        """Every phase by row; a failure is the row's value, not an exception."""
        if not self.phases:
            return []
        return solve_phases(engine, model, self.phases, np.array(self.rows))
