"""Biology the model must reproduce (the issue's required properties, from the literature)."""

from __future__ import annotations

import numpy as np
import pytest

import mscnk
from mscnk import Simulator
from mscnk.engine import BatchEngine

from helpers import LYSIS_ROUND_OFF_PCT, TIGHT_ENGINE, lysis_from_states

CYTOTOX = {"assay": "cytotoxicity"}
RESTING = {"nk": {"activation": {"il2_u_ml": 0}, "preactivation_h": 0}}
LICENSED = {"msc": {"ifng_pretreatment_ng_ml": 100, "pretreatment_h": 48}}


@pytest.fixture(scope="module")
def lysis(simulator):
    def run(condition, readout="msc_lysis_pct"):
        return simulator.simulate(condition).readouts[readout]
    return run


def test_resting_nk_spare_msc_il2_nk_lyse_them(lysis):
    """Spaggiari 2006: resting NK do not lyse MSCs; IL-2-activated NK cells do (4 h, 10:1)."""
    resting = lysis({**CYTOTOX, "ratio": 10, **RESTING})
    il2 = lysis({**CYTOTOX, "ratio": 10})
    assert 0 <= resting < 10
    assert il2 >= 3 * resting
    assert il2 > 10


def test_lysis_rises_with_ratio(lysis):
    values = [lysis({**CYTOTOX, "ratio": ratio}) for ratio in (1, 3, 10, 30)]
    assert all(later > earlier for earlier, later in zip(values, values[1:])), values
    assert values[-1] - values[0] >= 0.1 * values[-1]


def test_ifng_licensing_raises_hla_i_and_protects_msc(lysis):
    plain = {**CYTOTOX, "ratio": 10}
    licensed = {**plain, **LICENSED}
    assert lysis(licensed, "hla_i_rel") > 1.5 * lysis(plain, "hla_i_rel")
    assert lysis(plain, "hla_i_rel") == pytest.approx(1.0, rel=0.1)
    assert lysis(licensed) < 0.9 * lysis(plain)


def test_anti_hla_i_restores_lysis_of_licensed_msc(lysis):
    licensed = {**CYTOTOX, "ratio": 10, **LICENSED}
    plain = lysis({**CYTOTOX, "ratio": 10})
    blocked = lysis({**licensed, "blockade": ["anti_hla_i"]})
    assert blocked > 1.2 * lysis(licensed)
    assert blocked >= 0.9 * plain  # back to (about) the unlicensed level


@pytest.mark.parametrize("condition", [{}, {"ratio": 30}, {**CYTOTOX, "ratio": 10}],
                         ids=["coculture", "ratio30", "cytotoxicity"])
def test_transwell_kills_no_msc(lysis, condition):
    transwell = {**condition, "culture": "transwell"}
    assert lysis(transwell, "msc_killed_pct") == 0
    assert lysis(condition, "msc_killed_pct") > 0  # the same well with contact does kill


def test_transwell_lysis_is_zero_up_to_round_off():
    """From the states, unfloored (the readout floors at zero), solved tightly."""
    result = Simulator(engine=BatchEngine(**TIGHT_ENGINE)).simulate({"culture": "transwell"})
    assert abs(lysis_from_states(result)) < LYSIS_ROUND_OFF_PCT


def test_nk_cells_in_an_unfed_well_use_up_their_il2_and_never_pass_the_density_limit(simulator):
    """Physical sense: NK cells take IL-2 up, so a well never fed or split runs out of it
    (faster the more NK cells it holds); they expand, then die back once it is gone; they
    never pass a few 10^6 per ml, and division never turns negative."""
    model = simulator.model
    values = dict(zip(model.parameters, model.default_parameters()))
    limit = values["nk_density_limit_per_ml"] * values["well_volume_ml"]
    alone = {"msc": {"cells": 0}, "duration_h": 1440.0}
    courses = {}
    for cells in (1e5, 4e5):
        course = simulator.simulate({**alone, "nk": {"cells": cells, "preactivation_h": 0}}
                                    ).timecourse
        courses[cells] = course[course["phase"] == "main"]
    supplied = mscnk.Condition().nk.activation.il2_u_ml
    for course in courses.values():
        il2 = course["il2_left"].to_numpy()
        assert il2[0] == 1.0 and (np.diff(il2) <= 0).all()
        assert il2[-1] * supplied < values["ec50_il2"]  # too little left to drive STAT5
        nk = (course["nk_bright"] + course["nk_dim"]).to_numpy()
        assert nk.max() < 2 * limit
        assert nk.max() > nk[0] and nk[-1] < nk.max() / 2  # expanded, then died back
    early = {cells: np.interp(72.0, c["time_h"], c["il2_left"]) for cells, c in courses.items()}
    assert early[4e5] < early[1e5]
    crowded = simulator.simulate({**alone, "nk": {"cells": 4 * limit, "preactivation_h": 0},
                                  "duration_h": 72.0})
    assert crowded.readouts["nk_fold_expansion"] <= 1.0  # above the limit nothing divides on


@pytest.mark.parametrize("population", ["msc", "tumor"])
def test_cells_seeded_past_capacity_stop_dividing_and_never_un_divide(simulator, population):
    """Growth takes the crowding form: far past the capacity cells hardly divide, and the
    count of divisions never falls (logistic growth, 1 - N/K, would make it negative)."""
    model = simulator.model
    values = dict(zip(model.parameters, model.default_parameters()))
    capacity = values[f"{population}_capacity"]
    seeded = 4 * capacity
    condition = ({"nk": {"cells": 0}, "msc": {"cells": seeded}} if population == "msc" else
                 {"msc": {"cells": 0}, "nk": {"cells": 0}, "tumor": {"cells": seeded}})
    course = simulator.simulate({**condition, "duration_h": 72.0}).timecourse
    main = course[course["phase"] == "main"]
    cells = main[population].to_numpy()
    assert cells[-1] >= seeded and cells[-1] <= 1.05 * seeded
    if population == "msc":
        divisions = main["msc_divisions"].to_numpy()
        assert (divisions >= 0).all() and (divisions[1:] >= divisions[:-1]).all()
