"""The readouts, each declared where its function is defined."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mscnk.scenarios import ReadoutSet

READOUTS = ReadoutSet()
NAN = float("nan")


@dataclass(frozen=True)
class Wells:
    index: dict[str, int]
    end: np.ndarray  # main well, end of the main phase
    start: np.ndarray  # main well, start of the main phase
    without_effectors: np.ndarray | None  # control well, end
    reference_activation: float

    def at(self, state: np.ndarray, name: str) -> float:
        return float(state[self.index[name]])


@READOUTS.declare("kill_pct", unit="%", signed=True,
                  meaning="100 x (1 - targets with effectors / targets without)")
def _kill(w: Wells) -> float:
    if w.without_effectors is None or w.at(w.without_effectors, "targets") <= 0:
        return NAN
    return 100.0 * (1.0 - w.at(w.end, "targets") / w.at(w.without_effectors, "targets"))


@READOUTS.declare("targets_left", unit="cells", meaning="viable targets at the end")
def _targets(w: Wells) -> float:
    return w.at(w.end, "targets")


@READOUTS.declare("activation_rel", unit="1",
                  meaning="effector activation at the end / after reference priming")
def _activation(w: Wells) -> float:
    if w.at(w.start, "effectors") <= 0:
        return NAN
    return w.at(w.end, "activation") / w.reference_activation


@READOUTS.declare("cytokine_pg_ml", unit="pg/ml", meaning="cytokine left in the medium")
def _cytokine(w: Wells) -> float:
    return 1000.0 * w.at(w.end, "cytokine")
