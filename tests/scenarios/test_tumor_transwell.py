"""Where tumor cells sit in a transwell (issue 10, item 8): with the NK cells.

The decision (field reference of ``tumor.cells`` and ``culture``, :mod:`mscnk.model.tumor`):
tumor targets share the NK cells' compartment in every culture; in a transwell that is the
lower well, with the MSCs in the insert. So NK cells touch and kill tumor cells alike in
both cultures, and MSCs act on that killing only through soluble factors in a transwell,
through soluble factors plus contact (decoy targets, contact signals) in a contact well.
"""

from __future__ import annotations

import math

import pytest

import mscnk
from mscnk.engine import BatchEngine

from helpers import LYSIS_ROUND_OFF_PCT, TIGHT_ENGINE


def _kill(culture: str, msc: float, nk: float, hours: float, **extra) -> dict[str, float]:
    condition = {"assay": "coculture", "duration_h": hours, "culture": culture,
                 "msc": {"cells": msc}, "nk": {"cells": nk}, "tumor": {"cells": 1e4}, **extra}
    return mscnk.simulate(condition).readouts


@pytest.mark.parametrize("hours", [4.0, 72.0])
def test_without_mscs_the_membrane_changes_nothing_for_nk_and_tumor(hours):
    contact = _kill("contact", 0, 1e4, hours)
    transwell = _kill("transwell", 0, 1e4, hours)
    # the same model equations (contact-gated terms are 0 without MSCs); only the solver's
    # rounding can differ
    assert transwell["tumor_kill_pct"] == pytest.approx(contact["tumor_kill_pct"], rel=1e-9)
    assert transwell["tumor_viable"] == pytest.approx(contact["tumor_viable"], rel=1e-9)


def test_mscs_in_the_insert_act_on_tumor_killing_only_through_the_medium():
    alone = _kill("contact", 0, 1e4, 72.0)["tumor_kill_pct"]
    transwell = _kill("transwell", 2e4, 1e4, 72.0)
    contact = _kill("contact", 2e4, 1e4, 72.0)
    # soluble MSC factors (PGE2, TGF-beta, kynurenine...) reach the lower well: less killing
    assert transwell["tumor_kill_pct"] < alone
    # contact adds decoy MSC targets and contact signals on top: less still
    assert contact["tumor_kill_pct"] < transwell["tumor_kill_pct"]
    # the MSCs in the insert are never touched by the NK cells: their lysis is round-off
    # (checked with the integration error pushed below it), against real lysis in contact
    tight = mscnk.Simulator(engine=BatchEngine(**TIGHT_ENGINE))
    insert = tight.simulate({"duration_h": 72.0, "culture": "transwell", "msc": {"cells": 2e4},
                             "nk": {"cells": 1e4}, "tumor": {"cells": 1e4}})
    assert abs(insert.readouts["msc_lysis_pct"]) < LYSIS_ROUND_OFF_PCT
    assert contact["msc_lysis_pct"] > 1.0


def test_four_hour_release_assay_gives_tens_of_percent():
    # E:T 10:1 against K562 for 4 h: specific lysis of tens of %, in either culture
    for culture in ("contact", "transwell"):
        readouts = _kill(culture, 0, 1e5, 4.0)
        assert 20.0 < readouts["tumor_kill_pct"] < 95.0, readouts["tumor_kill_pct"]
    slow = _kill("transwell", 0, 1e4, 4.0)["tumor_kill_pct"]  # E:T 1:1 kills less
    assert 0.0 < slow < _kill("transwell", 0, 1e5, 4.0)["tumor_kill_pct"]


def test_tumor_readouts_are_missing_without_tumor_cells():
    readouts = mscnk.simulate({"culture": "transwell", "duration_h": 4.0}).readouts
    assert math.isnan(readouts["tumor_kill_pct"])
