"""Write examples/calibration/: a small PEtab problem of simulated 4 h release assays.

    python scripts/calibration_example.py

The "lab" is the model itself with two parameters changed (activation_half 3.0,
k_conjugation 0.3; the defaults are 2.14 and 0.41) and Gaussian scatter of SD 2 points on
every measurement (seed 7): MSC lysis and CD107a of IL-2 NK cells at 1:1 to 30:1 and of
resting NK cells at 3:1 and 30:1. ``mscnk calibrate examples/calibration/problem.yaml``
should find the two values again within its profile intervals (README, section 3).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import mscnk
from mscnk.analysis import FitParameter, write_petab
from mscnk.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "src" / "mscnk" / "data" / "examples" / "calibration"
LAB = {"activation_half": 3.0, "k_conjugation": 0.3}
SD, SEED = 2.0, 7
RESTING = {"activation": {"il2_u_ml": 0}, "preactivation_h": 0}
CONDITIONS = {**{f"il2_{r}to1": {"assay": "cytotoxicity", "ratio": r} for r in (1, 3, 10, 30)},
              **{f"resting_{r}to1": {"assay": "cytotoxicity", "ratio": r, "nk": RESTING}
                 for r in (3, 30)}}
READOUTS = ("msc_lysis_pct", "cd107a_pct")


def main() -> None:
    rng = np.random.default_rng(SEED)
    rows = []
    for name, condition in CONDITIONS.items():
        readouts = mscnk.simulate(condition, params=LAB).readouts
        for readout in READOUTS:
            rows.append({"condition": name, "readout": readout, "sigma": SD,
                         "value": round(float(readouts[readout] + rng.normal(0, SD)), 2)})
    known = load_scenario(None).parameters_by_name
    parameters = [FitParameter(n, known[n].lower, known[n].upper, known[n].value, "log10")
                  for n in LAB]
    problem = write_petab(FOLDER, CONDITIONS, pd.DataFrame(rows), parameters,
                          durations={name: 4.0 for name in CONDITIONS})
    print(f"wrote {problem.relative_to(ROOT)} and its tables")


if __name__ == "__main__":
    main()
