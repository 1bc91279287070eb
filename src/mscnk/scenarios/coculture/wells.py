"""What a co-culture readout reads: the main well, its matched controls, the K562 re-test
and the reference wells for relative readouts.

One :class:`Wells` holds one condition (states of shape ``(species,)``) or, stacked, a
batch of them (``(n, species)``, batch axis first); readout functions are written with
NumPy so that the same code computes one condition or a whole chunk at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Wells:
    """Everything a readout may need, for one condition or a batch (batch axis first)."""

    species: dict[str, int]
    end: np.ndarray  # main well at the end of the main phase
    window: np.ndarray  # main well at the start of the final 4 h (release-assay window)
    start: np.ndarray  # main well at the start of the main phase
    without_nk: np.ndarray  # end of the matched well with nk.cells = 0 (NaN: none run)
    without_msc: np.ndarray  # end of the matched well with msc.cells = 0 (NaN: none run)
    k562_pct: np.ndarray | float  # % lysis in the K562 re-test (NaN: none)
    untreated_msc: np.ndarray  # initial state of untreated MSCs of the source
    licensed_msc: np.ndarray  # end state of reference licensing of MSCs of the source
    il2_nk: np.ndarray  # end state of the IL-2 100 U/ml 72 h reference activation

    def of(self, state: np.ndarray, name: str) -> np.ndarray:
        """Species ``name`` of ``state`` (one value per condition)."""
        return state[..., self.species[name]]

    def at_end(self, name: str) -> np.ndarray:
        return self.of(self.end, name)

    def nk(self, state: np.ndarray) -> np.ndarray:
        return self.of(state, "nk_bright") + self.of(state, "nk_dim")

    @property
    def has_msc(self) -> np.ndarray | bool:
        return self.of(self.start, "msc") > 0

    @property
    def has_nk(self) -> np.ndarray | bool:
        return self.nk(self.start) > 0

    @property
    def has_tumor(self) -> np.ndarray | bool:
        return self.of(self.start, "tumor") > 0


_STACKED = ("end", "window", "start", "without_nk", "without_msc", "k562_pct",
            "untreated_msc", "licensed_msc", "il2_nk")


def stack(views: Sequence[Wells]) -> Wells:
    """Conditions' wells as one batch (every view of one model)."""
    return Wells(views[0].species,
                 **{name: np.stack([getattr(v, name) for v in views]) for name in _STACKED})
