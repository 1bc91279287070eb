"""What a co-culture readout reads: the main well, its matched controls, the K562 re-test
and the reference wells for relative readouts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscnk.engine import PhaseSolution


@dataclass(frozen=True)
class Wells:
    """Everything a readout may need for one condition."""

    species: dict[str, int]
    main: PhaseSolution
    without_nk: np.ndarray | None  # final state of the matched well with nk.cells = 0
    without_msc: np.ndarray | None  # final state of the matched well with msc.cells = 0
    start: np.ndarray  # state at the start of the main phase
    k562_pct: float
    untreated_msc: np.ndarray  # initial state of untreated MSCs of the source
    licensed_msc: np.ndarray  # end state of reference licensing of MSCs of the source
    il2_nk: np.ndarray  # end state of the IL-2 100 U/ml 72 h reference activation

    def end(self, name: str) -> float:
        return float(self.main.final[self.species[name]])

    def of(self, state: np.ndarray, name: str) -> float:
        return float(state[self.species[name]])

    def nk(self, state: np.ndarray) -> float:
        return self.of(state, "nk_bright") + self.of(state, "nk_dim")

    @property
    def has_msc(self) -> bool:
        return self.of(self.start, "msc") > 0

    @property
    def has_nk(self) -> bool:
        return self.nk(self.start) > 0

    @property
    def has_tumor(self) -> bool:
        return self.of(self.start, "tumor") > 0
