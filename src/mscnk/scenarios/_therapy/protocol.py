"""From a strategy to the phases of its time line at the site.

The site first settles for :data:`SETTLE_H` with its resident cells held fixed (its fluid and
per-cell states reach the disease's steady state; shared by every strategy at that site).
Day 0 then starts from the settled states with the stated cell numbers. The time line is cut
at every :data:`STEP_H`, every dose and every drug or antibody edge; each piece is one phase
with constant inputs. A dose is added to the blood at the start of its piece; drugs,
antibodies and cytokines are on for the pieces inside their window. Products are made first
by the co-culture's own pre-phases (NK activation, MSC licensing), so a product arrives with
the per-cell state its culture gave it. An untreated time line of the same site (no
products, drugs or antibodies) runs beside it, shared by every strategy at that site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from mscnk.engine import Phase, PhaseSolution
from mscnk.model import CompiledModel
from mscnk.scenarios import Outcome, Reference, Run, Trajectory
from mscnk.scenarios.coculture import Condition as Culture
from mscnk.scenarios.coculture.protocol import CocultureProtocol
from mscnk.scenarios._therapy.schema import TherapyCondition

#: Longest phase of a time line (h): cytokines the site's state drives are set per piece.
STEP_H = 12.0
#: How long the site settles before day 0 (h).
SETTLE_H = 7 * 24.0
#: NK and MSC numbers in the cultures that make the products (their state is per cell).
PRODUCT_CELLS = 1e5


@dataclass(frozen=True)
class Timeline:
    """One time line at the site: times (h from day 0) and states, batch-free."""

    time_h: np.ndarray  # (points,)
    states: np.ndarray  # (points, species)


@dataclass(frozen=True)
class SiteWells:
    """What a therapy readout reads: the strategy's time line, the untreated one, and the
    cells the strategy infused."""

    species: dict[str, int]
    treated: Timeline
    untreated: Timeline
    condition: Any
    msc_infused: float
    nk_infused: float

    def of(self, line: Timeline, name: str) -> np.ndarray:
        return line.states[:, self.species[name]]


class TherapyProtocol:
    """Maps a strategy onto the site's phases (one parameter set); scenarios subclass it to
    place their targets (:meth:`place_targets`) and set what the site's state drives
    (:meth:`driven_inputs`)."""

    def __init__(self, model: CompiledModel, params: np.ndarray):
        self.model, self.params = model, params
        self.culture = CocultureProtocol(model, params)
        self.species = {name: i for i, name in enumerate(model.species)}
        self.inputs = {name: i for i, name in enumerate(model.inputs)}
        kinds = [(s.compartment, s.kind) for s in model.model.species]
        self._msc_states = [i for i, k in enumerate(kinds) if k == ("msc", "per_cell")]
        self._nk_states = [i for i, k in enumerate(kinds) if k == ("nk", "per_cell")]
        self._arriving = {
            group: np.array([self.inputs[f"arriving_{model.species[i]}"] for i in states])
            for group, states in (("msc", self._msc_states), ("nk", self._nk_states))}
        self._counters = np.array([k[1] == "counter" for k in kinds])
        self._parameter = {name: float(params[i]) for i, name in enumerate(model.parameters)}

    # -- inputs -----------------------------------------------------------------------
    def _set(self, u: np.ndarray, **values: float) -> None:
        for name, value in values.items():
            u[self.inputs[name]] = value

    def site_inputs(self, c: TherapyCondition) -> np.ndarray:
        """Inputs every piece shares: the MSC source, the milieu, the site's targets."""
        source = c.msc.source if c.msc.dose_per_kg > 0 else c.site.msc.source
        u = self.culture.main_inputs(Culture(
            msc={"source": source}, nk={"car": c.nk.car, "cells": 1.0},
            exosomes={"source": c.exosomes.source}, **self.culture_fields(c)).resolved())
        self._set(u, in_vivo=1.0, contact=1.0, cell_dynamics=1.0,
                  msc_doubling_time_h=24.0 * c.site.msc.doubling_days,
                  resident_msc_cells=c.site.msc.cells,
                  **c.site.milieu.model_dump())
        self.place_targets(u, None, c)
        return u

    def culture_fields(self, c: TherapyCondition) -> dict[str, Any]:
        """Co-culture fields that set shared inputs (the tumor line, in the tumor scenario)."""
        return {}

    def place_targets(self, u: np.ndarray, x: np.ndarray | None, c: TherapyCondition) -> None:
        """Set the targets' inputs (``x`` None) or cell numbers at day 0 (into ``x``)."""

    def tissue_traits(self, u: np.ndarray, hla_i: float, ligands: float, **more: float) -> None:
        """Set the tissue cells' HLA class I and stress ligands (NKG2D, NCR, DNAM-1 alike),
        and ``more`` inputs of the site."""
        self._set(u, tissue_hla_i=hla_i, tissue_nkg2d_ligand=ligands, tissue_ncr_ligand=ligands,
                  tissue_dnam1_ligand=ligands, **more)

    def driven_inputs(self, u: np.ndarray, x: np.ndarray) -> None:
        """Inputs the site's state drives, set at the start of each piece (none here)."""

    def piece_inputs(self, base: np.ndarray, c: TherapyCondition, start_h: float,
                     end_h: float) -> np.ndarray:
        """The inputs of the piece [start_h, end_h): drugs, cytokines and antibodies on."""
        u = base.copy()
        for course in c.drugs:
            if course.start_day * 24 <= start_h and end_h <= course.end_day * 24:
                u[self.inputs[course.name]] += course.level
        for course in c.antibodies:
            if course.start_day * 24 <= start_h and end_h <= course.end_day * 24:
                self._set(u, **{f"ab_{course.name.removeprefix('anti_')}": 1.0})
        return u

    # -- products -----------------------------------------------------------------------
    def product_phases(self, c: TherapyCondition) -> dict[str, Phase | None]:
        """The cultures that make the products (None: a product used as it is, or none)."""
        phases: dict[str, Phase | None] = {}
        if c.nk.dose_per_kg > 0:
            phases["nk"] = self.culture.preactivation_phase(Culture(
                msc={"cells": 0}, nk={"cells": PRODUCT_CELLS, "car": c.nk.car,
                                      "activation": c.nk.activation.model_dump(),
                                      "preactivation_h": c.nk.activation_h}).resolved())
        if c.msc.dose_per_kg > 0:
            phases["msc"] = self.culture.pretreatment_phase(Culture(
                msc={"source": c.msc.source, "cells": PRODUCT_CELLS,
                     "ifng_pretreatment_ng_ml": c.msc.licensing_ifng_ng_ml,
                     "pretreatment_h": c.msc.licensing_h}).resolved())
        return phases

    def arriving(self, u: np.ndarray, c: TherapyCondition,
                 made: dict[str, np.ndarray]) -> None:
        """Set the per-cell states arriving cells bring (each product's, as made)."""
        if c.nk.dose_per_kg > 0:
            state = made.get("nk")
            if state is None:
                state = self.model.initial(self.params, u)
            u[self._arriving["nk"]] = state[self._nk_states]
            bright, dim = state[self.species["nk_bright"]], state[self.species["nk_dim"]]
            share = bright / (bright + dim) if bright + dim > 0 else self._parameter[
                "cd56bright_fraction_resting"]
            self._set(u, arriving_bright_share=share)
        if c.msc.dose_per_kg > 0:
            state = made.get("msc")
            if state is None:
                state = self.culture.untreated(c.msc.source)
            u[self._arriving["msc"]] = state[self._msc_states]

    # -- the site -----------------------------------------------------------------------
    def day0_cells(self, x: np.ndarray, c: TherapyCondition, u: np.ndarray) -> np.ndarray:
        """``x`` with the stated cell numbers of day 0 and every counter at 0."""
        x = x.copy()
        x[self._counters] = 0.0
        bright = self._parameter["cd56bright_fraction_resting"]
        x[self.species["msc"]] = c.site.msc.cells
        x[self.species["nk_bright"]] = bright * c.site.nk.cells
        x[self.species["nk_dim"]] = (1 - bright) * c.site.nk.cells
        self.place_targets(u, x, c)
        return x

    def settle_phase(self, c: TherapyCondition, u: np.ndarray) -> Phase:
        """The site before therapy, its cells held fixed (unsolved)."""
        plasma = Culture(medium={"tryptophan_uM": self._parameter["plasma_tryptophan_uM"]})
        x = self.day0_cells(self.culture.fresh_state(u, plasma), c, u)
        held = u.copy()
        self._set(held, cell_dynamics=0.0)
        return Phase("settle", SETTLE_H, x, held, times=np.array([0.0, SETTLE_H]))

    def cuts(self, c: TherapyCondition, treated: bool) -> np.ndarray:
        """Where the time line is cut (h), 0 and the horizon included."""
        horizon = 24.0 * c.horizon_days
        cuts = set(np.arange(0.0, horizon, STEP_H).tolist()) | {horizon}
        if treated:
            for product in (c.msc, c.nk, c.exosomes):
                cuts |= {24.0 * day for day in product.days()}
            for course in (*c.drugs, *c.antibodies):
                cuts |= {24.0 * course.start_day, 24.0 * course.end_day}
        return np.array(sorted(t for t in cuts if 0.0 <= t <= horizon))

    def run(self, condition: TherapyCondition, *, samples: int = 49) -> Run:
        """The products and the settled site, then both time lines in lockstep."""
        c = condition
        base = self.site_inputs(c)
        products = {k: v for k, v in self.product_phases(c).items() if v is not None}
        settle = self.settle_phase(c, base)
        solved = yield [Reference(settle), *(Reference(p) for p in products.values())]
        made = {name: s.final for name, s in zip(products, solved[1:])}
        start = self.day0_cells(solved[0].final, c, base)
        treated_base = base.copy()
        self.arriving(treated_base, c, made)
        lines = {"treated": self._line(c, treated_base, start, True),
                 "untreated": self._line(c, base, start, False)}
        phases: dict[str, list[PhaseSolution]] = {"treated": [], "untreated": []}
        points: dict[str, list[tuple[float, np.ndarray]]] = {
            name: [(0.0, start)] for name in lines}
        request = {name: next(line) for name, line in lines.items()}
        last = request["treated"]
        while request:
            names = list(request)
            answers = yield [request[n] if n == "treated" else Reference(request[n])
                             for n in names]
            for name, solution in zip(names, answers):
                phases[name].append(solution)
                points[name].append((points[name][-1][0] + float(solution.time_h[-1]),
                                     solution.final))
                try:
                    request[name] = lines[name].send(solution.final)
                except StopIteration:
                    del request[name]
                else:
                    last = request[name] if name == "treated" else last
        timelines = {name: Timeline(np.array([t for t, _ in pts]), np.stack([x for _, x in pts]))
                     for name, pts in points.items()}
        weight = c.patient.body_weight_kg
        view = SiteWells(self.species, timelines["treated"], timelines["untreated"], c,
                         msc_infused=weight * c.msc.dose_per_kg * len(c.msc.days()),
                         nk_infused=weight * c.nk.dose_per_kg * len(c.nk.days()))
        return Outcome(None, Trajectory((solved[0], *phases["treated"]), last), {}, wells=view)

    def _line(self, c: TherapyCondition, base: np.ndarray, start: np.ndarray,
              treated: bool) -> Iterator[Phase]:
        """The pieces of one time line; each next piece is made from the state sent in."""
        cuts = self.cuts(c, treated)
        weight = c.patient.body_weight_kg
        doses = {"msc_blood": c.msc, "nk_blood": c.nk, "exosomes_blood": c.exosomes}
        x = start
        for begin, end in zip(cuts[:-1], cuts[1:]):
            x = x.copy()
            if treated:
                for species, product in doses.items():
                    given = sum(1 for day in product.days() if abs(24.0 * day - begin) < 1e-9)
                    x[self.species[species]] += given * product.dose_per_kg * weight
            u = self.piece_inputs(base, c, begin, end) if treated else base.copy()
            self.driven_inputs(u, x)
            x = yield Phase(f"{'' if treated else 'untreated '}day {begin / 24:g}",
                            float(end - begin), x, u, times=np.array([0.0, end - begin]))
