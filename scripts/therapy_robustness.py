"""How far the therapy behaviours (tests/scenarios/test_therapy.py) hold when the in vivo
values nobody has measured for a site vary over their prior ranges.

Every parameter the therapy layer adds or replaces (the gvhd scenario's ``uncertain``:
``_therapy/parameters.yaml`` and ``_therapy/tissue.yaml``) is drawn log-uniformly over its
bounds (:func:`mscnk.analysis.uncertain_draws`, a scrambled Latin hypercube, fixed seed);
each behaviour is checked in every draw as the test checks it at the defaults.

    python scripts/therapy_robustness.py            # 200 draws
    python scripts/therapy_robustness.py 50         # fewer
"""

from __future__ import annotations

import sys
from mscnk.analysis import uncertain_draws
from mscnk.experiment import Simulator
from mscnk.scenarios import load_scenario

SEED = 2026
CAR = {"nk": {"dose_per_kg": 1e7, "car": True}}
DRUGS = {"drugs": [{"name": "ns398_uM", "level": 10}], "antibodies": [{"name": "anti_tgfb"}]}
MSC = {"dose_per_kg": 2e6}
QUIET = {"milieu": {"il12_ng_ml": 0, "il18_ng_ml": 0, "il15_ng_ml": 0.05}, "nk": {"cells": 1e6}}
ACTIVE = {"milieu": {"il12_ng_ml": 5, "il15_ng_ml": 5, "il18_ng_ml": 50}, "nk": {"cells": 2e7}}
STRATEGIES = {
    "tumor": {"car": CAR, "car_without_ta": {**CAR, "site": {"msc": {"cells": 0}}},
              "car_drugs": {**CAR, **DRUGS}},
    "gvhd": {"untreated": {}, "naive": {"msc": MSC},
             "licensed": {"msc": {**MSC, "licensing_ifng_ng_ml": 100}},
             "exosomes": {"exosomes": {"dose_per_kg": 1000}},
             "quiet": {"msc": MSC, "site": QUIET}, "active": {"msc": MSC, "site": ACTIVE},
             "before": {"msc": {**MSC, "first_day": 0}, "nk": {"dose_per_kg": 1e7, "first_day": 3}},
             "after": {"msc": {**MSC, "first_day": 3}, "nk": {"dose_per_kg": 1e7, "first_day": 0}}},
}


def behaviours(t: dict, g: dict) -> dict[str, bool]:
    control = {k: t[k]["tumor_control_pct"] for k in t}
    damage = {k: g[k]["damage_index_pct"] for k in g}
    killed = {k: g[k]["msc_killed_by_nk_pct"] for k in g}
    return {
        "TA-MSCs lower CAR-NK control": control["car"] < control["car_without_ta"],
        "anti-TGF-beta + COX-2i restore part": control["car"] < control["car_drugs"]
        < control["car_without_ta"],
        "MSCs lower GVHD damage": damage["naive"] < damage["untreated"],
        "licensed below naive": damage["licensed"] < damage["naive"],
        "naive MSCs killed more in an activated milieu": killed["active"] > killed["quiet"],
        "MSCs after NK killed more than before": killed["after"] > killed["before"],
        "exosomes act, weaker than cells": damage["naive"] < damage["exosomes"]
        < damage["untreated"],
    }


def main(draws: int) -> None:
    scenario = load_scenario("gvhd")  # its uncertain parameters: the body's and the tissue's
    names = scenario.uncertain
    points = uncertain_draws(scenario, draws, seed=SEED)
    held: dict[str, int] = {}
    for row in points:
        values = dict(zip(names, row))
        out = {}
        for name, strategies in STRATEGIES.items():
            chosen = load_scenario(name)
            known = {k: v for k, v in values.items() if k in chosen.parameters_by_name}
            results = Simulator(chosen, known).simulate_many(list(strategies.values()))
            out[name] = {k: r.readouts for k, r in zip(strategies, results)}
        for behaviour, holds in behaviours(out["tumor"], out["gvhd"]).items():
            held[behaviour] = held.get(behaviour, 0) + int(holds)
    print(f"{draws} draws of {len(names)} in vivo parameters (log-uniform over their bounds, "
          f"Latin hypercube, seed {SEED}):")
    for behaviour, count in held.items():
        print(f"  {behaviour}: {count}/{draws} ({100 * count / draws:.0f} %)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
