"""How closely two sets of readouts agree (engine against engine, run against run).

A relative difference needs a scale that does not vanish: readouts that are zero in the
reference (MSC lysis in transwell) would otherwise turn round-off into infinite error. Each
unit has a floor far below any assay's resolution, and the difference is taken relative to
``max(|reference|, floor)``.
"""

from __future__ import annotations

import math
from typing import Mapping

from mscnk.vocabulary import READOUT_UNITS

#: Smallest scale per readout unit (percent, cells, pg/ml, µM, fold, ratio).
READOUT_FLOORS: dict[str, float] = {"%": 0.1, "cells": 1.0, "pg/ml": 0.1, "uM": 1e-3,
                                    "fold": 1e-3, "ratio": 1e-3}


def readout_difference(ours: Mapping[str, float],
                       reference: Mapping[str, float]) -> tuple[float, str]:
    """Largest ``|ours - reference| / max(|reference|, floor)`` and the readout it is on.

    NaN on both sides (a readout the condition does not define) is agreement; NaN on one side
    only is the worst possible difference (``inf``).
    """
    worst, where = 0.0, ""
    for name, expected in reference.items():
        value = ours[name]
        if math.isnan(expected) and math.isnan(value):
            continue
        if math.isnan(expected) or math.isnan(value):
            return math.inf, f"{name}: {value!r} vs {expected!r}"
        scale = max(abs(expected), READOUT_FLOORS[READOUT_UNITS[name]])
        difference = abs(value - expected) / scale
        if difference > worst:
            worst, where = difference, f"{name}: {value!r} vs {expected!r}"
    return worst, where
