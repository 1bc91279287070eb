"""Outcome measures of a strategy, read from its time line at the site (and the untreated
one). Each scenario declares the ones that apply to it (:func:`readout_set`).

Times are in days from day 0, read at the cuts of the time line (every 12 h at most, see
:mod:`.protocol`); a time that is not reached within the horizon reads as the horizon
(censored), and the meaning says so.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy.integrate import trapezoid

from mscnk.scenarios import ReadoutSet
from mscnk.scenarios._therapy.protocol import SiteWells, Timeline

NAN = float("nan")
#: Growth from its lowest level that counts as progression (RECIST: +20 %).
PROGRESSION = 1.2
#: Regrowth counts once the tumor is back above this share of its day-0 size.
DETECTABLE = 0.1


def _mean_over_time(line: Timeline, values: np.ndarray) -> float:
    """Time average over the horizon (trapezoids)."""
    span = line.time_h[-1] - line.time_h[0]
    return float(trapezoid(values, line.time_h) / span)


def _tissue_loss_pct(w: SiteWells, line: Timeline) -> float:
    size = w.condition.site.tissue.cells
    if size <= 0:
        return NAN
    return 100.0 * (1.0 - _mean_over_time(line, w.of(line, "tissue")) / size)


def _msc_site(w: SiteWells) -> np.ndarray:
    return w.of(w.treated, "msc")


def _nk_site(w: SiteWells, line: Timeline) -> np.ndarray:
    return w.of(line, "nk_bright") + w.of(line, "nk_dim")


def tumor_burden_fold(w: SiteWells) -> float:
    start = w.of(w.treated, "tumor")[0]
    return float(w.of(w.treated, "tumor")[-1] / start) if start > 0 else NAN


def tumor_control_pct(w: SiteWells) -> float:
    untreated = w.of(w.untreated, "tumor")[-1]
    if untreated <= 0:
        return NAN
    return 100.0 * (1.0 - w.of(w.treated, "tumor")[-1] / untreated)


def time_to_progression_days(w: SiteWells) -> float:
    tumor = w.of(w.treated, "tumor")
    if tumor[0] <= 0:
        return NAN
    days = w.treated.time_h / 24.0
    start = int(np.searchsorted(days, _therapy_start_day(w.condition) - 1e-9))
    after = tumor[start:]
    grown = ((after >= PROGRESSION * np.minimum.accumulate(after))
             & (after >= DETECTABLE * tumor[0]))
    return float(days[start:][np.argmax(grown)] if grown.any() else days[-1])


def _therapy_start_day(condition) -> float:
    """The first day anything is given (day 0 when nothing is)."""
    days = [day for product in (condition.msc, condition.nk, condition.exosomes)
            for day in product.days()]
    days += [course.start_day for course in (*condition.drugs, *condition.antibodies)]
    return min(days, default=0.0)


def damage_index_pct(w: SiteWells) -> float:
    return _tissue_loss_pct(w, w.treated)


def damage_prevented_pct(w: SiteWells) -> float:
    untreated = _tissue_loss_pct(w, w.untreated)
    if not np.isfinite(untreated) or untreated <= 0:
        return NAN
    return 100.0 * (1.0 - _tissue_loss_pct(w, w.treated) / untreated)


def pathogen_peak_cells(w: SiteWells) -> float:
    return float(w.of(w.treated, "tissue").max())


def pathogen_end_cells(w: SiteWells) -> float:
    return float(w.of(w.treated, "tissue")[-1])


def pathogen_clearance_day(w: SiteWells) -> float:
    load = w.of(w.treated, "tissue")
    peak = int(np.argmax(load))
    cleared = load[peak:] < 0.01 * load[peak]
    days = w.treated.time_h[peak:] / 24.0
    return float(days[np.argmax(cleared)] if cleared.any() else w.treated.time_h[-1] / 24.0)


def msc_site_peak_cells(w: SiteWells) -> float:
    return float(_msc_site(w).max())


def msc_site_cell_days(w: SiteWells) -> float:
    return float(trapezoid(_msc_site(w), w.treated.time_h) / 24.0)


def msc_half_life_days(w: SiteWells) -> float:
    msc = _msc_site(w)
    if w.msc_infused <= 0 or msc.max() <= 0:
        return NAN
    peak = int(np.argmax(msc))
    below = msc[peak:] <= 0.5 * msc[peak]
    days = w.treated.time_h / 24.0
    return float((days[peak:][np.argmax(below)] if below.any() else days[-1]) - days[peak])


def msc_killed_by_nk_pct(w: SiteWells) -> float:
    arrived = w.of(w.treated, "msc_arrived")[-1] + w.condition.site.msc.cells
    if arrived <= 0:
        return NAN
    return 100.0 * w.of(w.treated, "msc_killed")[-1] / arrived


def nk_site_peak_cells(w: SiteWells) -> float:
    return float(_nk_site(w, w.treated).max())


def nk_exhaustion_pct(w: SiteWells) -> float:
    nk = _nk_site(w, w.treated)
    if nk.max() <= 0:
        return NAN
    spent = 1.0 - w.of(w.treated, "arming") * w.of(w.treated, "granules")
    return 100.0 * float(trapezoid(nk * spent, w.treated.time_h)
                         / trapezoid(nk, w.treated.time_h))


def ifng_site_pg_ml(w: SiteWells) -> float:
    return 1000.0 * _mean_over_time(w.treated, w.of(w.treated, "ifng"))


#: name -> (function, unit, meaning, signed)
MEASURES: dict[str, tuple[Callable[[SiteWells], float], str, str, bool]] = {
    "tumor_burden_fold": (tumor_burden_fold, "fold", "tumor cells at the horizon / at day 0",
                          False),
    "tumor_control_pct": (tumor_control_pct, "%", "100 x (1 - tumor at the horizon / tumor at "
                          "the horizon untreated)", True),
    "time_to_progression_days": (time_to_progression_days, "d", "first day from the start of "
                                 "therapy the tumor is 20 % above its lowest level since and at "
                                 "least 10 % of its day-0 size (the horizon if never)", False),
    "damage_index_pct": (damage_index_pct, "%", "tissue lost, averaged over the horizon "
                         "(100 x (1 - mean tissue / intact tissue))", False),
    "damage_prevented_pct": (damage_prevented_pct, "%", "100 x (1 - damage index / damage index "
                             "untreated)", True),
    "graft_injury_pct": (damage_index_pct, "%", "graft tissue lost, averaged over the horizon "
                         "(100 x (1 - mean graft cells / intact graft))", False),
    "graft_injury_prevented_pct": (damage_prevented_pct, "%", "100 x (1 - graft injury / graft "
                                   "injury untreated)", True),
    "pathogen_peak_cells": (pathogen_peak_cells, "cells", "most infected cells at the site",
                            False),
    "pathogen_end_cells": (pathogen_end_cells, "cells", "infected cells at the horizon", False),
    "pathogen_clearance_day": (pathogen_clearance_day, "d", "first day after the peak the "
                               "infected cells are under 1 % of it (the horizon if never)",
                               False),
    "msc_site_peak_cells": (msc_site_peak_cells, "cells", "most MSCs at the site", False),
    "msc_site_cell_days": (msc_site_cell_days, "cell-days", "MSCs at the site integrated over "
                           "the horizon (persistence x number)", False),
    "msc_half_life_days": (msc_half_life_days, "d", "days from the MSC peak at the site to half "
                           "of it (infused MSCs only; to the horizon if never)", False),
    "msc_killed_by_nk_pct": (msc_killed_by_nk_pct, "%", "MSCs killed by NK cells / MSCs that "
                             "were at or reached the site", False),
    "nk_site_peak_cells": (nk_site_peak_cells, "cells", "most NK cells at the site", False),
    "nk_exhaustion_pct": (nk_exhaustion_pct, "%", "100 x (1 - cytotoxic capacity x granules "
                          "left) of the site's NK cells, averaged over NK cell-days", False),
    "ifng_site_pg_ml": (ifng_site_pg_ml, "pg/ml", "IFN-gamma at the site, averaged over the "
                        "horizon", False),
}


def readout_set(names: tuple[str, ...]) -> ReadoutSet:
    """The outcome measures ``names`` (in that order) as a scenario's readouts."""
    readouts = ReadoutSet()
    for name in names:
        function, unit, meaning, signed = MEASURES[name]
        readouts.declare(name, unit=unit, meaning=meaning, signed=signed)(function)
    return readouts


def site_timecourse(trajectory, species: Sequence[str]):
    """The treated time line of a result's trajectory as a frame: ``day``, ``time_h`` (from
    day 0), then every species (the settling phase left out, the pieces joined end to end)."""
    import pandas as pd

    days, rows, offset = [], [], 0.0
    for phase in trajectory.phases[1:]:
        start = 0 if not days else 1  # each piece starts where the last ended
        days.extend((offset + phase.time_h[start:]) / 24.0)
        rows.append(phase.states[start:])
        offset += float(phase.time_h[-1])
    days = np.asarray(days)
    return pd.DataFrame(np.vstack(rows), columns=list(species)).assign(
        day=days, time_h=24.0 * days)[["day", "time_h", *species]]
