"""Tumor: a solid lesion with tumor-associated MSCs, treated with (CAR-)NK cells, MSCs,
exosomes, drugs and antibodies (review 000; review 002, last part).

The site is the lesion: its tumor cells (a tumor line's traits, an in vivo doubling time),
resident tumor-associated MSCs kept up by recruitment, and the lesion's low IL-15.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mscnk.scenarios._therapy import therapy_scenario
from mscnk.scenarios._therapy.protocol import TherapyProtocol
from mscnk.scenarios._therapy.schema import TumorCondition


class TumorProtocol(TherapyProtocol):
    """Places the lesion's tumor cells (traits of the line, in vivo doubling time)."""

    def culture_fields(self, c: TumorCondition) -> dict[str, Any]:
        return {"tumor": {"line": c.site.tumor.line}}

    def place_targets(self, u: np.ndarray, x: np.ndarray | None, c: TumorCondition) -> None:
        if x is None:
            self._set(u, tumor_doubling_time_h=24.0 * c.site.tumor.doubling_days)
        else:
            x[self.species["tumor"]] = c.site.tumor.cells


SCENARIO = therapy_scenario(
    "tumor", "a solid tumor with tumor-associated MSCs under (CAR-)NK, MSC and drug therapy",
    condition=TumorCondition, protocol=TumorProtocol,
    measures=("tumor_burden_fold", "tumor_control_pct", "time_to_progression_days",
              "nk_site_peak_cells", "nk_exhaustion_pct", "msc_site_peak_cells",
              "msc_site_cell_days", "msc_killed_by_nk_pct", "ifng_site_pg_ml"),
    headline=("tumor_control_pct", "time_to_progression_days", "nk_exhaustion_pct"))
