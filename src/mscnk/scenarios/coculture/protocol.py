"""From a resolved co-culture condition to the phases the engine integrates.

Phases (contract section 1): MSC pre-treatment, NK pre-activation, then the main phase in
fresh medium. Pre-phases hold cell numbers fixed (``cell_dynamics`` = 0) and change only
per-cell state; the main phase starts from the pre-phase states. A condition needs its main
well and, where readouts compare against them, matched controls without NK or without MSC;
then the K562 re-test of its NK cells and reference wells for relative readouts.
:meth:`CocultureProtocol.run` yields these in three stages (pre-phases with the reference
wells, main phases, the K562 re-test), as :mod:`mscnk.scenarios` describes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np
from pydantic import BaseModel

from mscnk.catalog import msc_sources, tumor_lines
from mscnk.engine import Phase, PhaseSolution, sample_times
from mscnk.model import CompiledModel
from mscnk.scenarios import Outcome, Reference, Run, Trajectory
from mscnk.scenarios.coculture.inputs import MSC_TRAITS, TUMOR_TRAITS
from mscnk.scenarios.coculture.schema import Condition, Msc
from mscnk.scenarios.coculture.wells import Wells

#: Initial states kept per protocol (by input vector) before the store is emptied.
KEPT_INITIAL_STATES = 4096
K562_ASSAY_NK = 1e5
K562_ASSAY_TARGETS = 1e4
K562_ASSAY_H = 4.0
#: Species the main phase sets from the condition: cells, then mediators added at its start.
MAIN_START = ("msc", "tumor", "nk_bright", "nk_dim", "pge2", "kynurenine", "tgfb_active", "ifng",
              "tnfa", "il1b", "il10", "hgf", "hla_g5", "activin_a", "adenosine", "exosomes")
#: Reference wells for *_rel readouts measured against activated or licensed cells.
IL2_REFERENCE = Condition(msc={"cells": 0}, nk={"cells": 1e5})
LICENSED_REFERENCE_NG_ML = 100.0
LICENSED_REFERENCE_H = 48.0


#: What each matched control leaves out: a population's cells and what belongs to those cells
#: (the NK pre-activation and CAR; the MSC source, pre-treatment, priming and knock-downs),
#: inert without them; the medium keeps its cytokines, drugs, mediators and exosomes.
LEFT_OUT: dict[str, tuple[str, dict[str, Any]]] = {
    "without_nk": ("nk", {"cells": 0.0, "preactivation_h": 0.0, "car": False}),
    "without_msc": ("msc", {**{name: field.default for name, field in Msc.model_fields.items()},
                            "cells": 0.0}),
}


class Control:
    """A matched control well: its condition, its pre-phases, and its main phase (shared,
    :class:`Reference`) once it is made; kept by the protocol, see ``control``."""

    __slots__ = ("well", "pre", "main")

    def __init__(self, well: Condition, pre: tuple[Phase, ...]):
        self.well, self.pre = well, pre
        self.main: Reference | None = None

    def made(self, phase: Phase) -> Reference:
        """Keep the main phase (made from the solved pre-phases); the one kept first wins."""
        if self.main is None:
            self.main = Reference(phase)
        return self.main


class CocultureProtocol:
    """Maps co-culture conditions onto model inputs, states and phases (one parameter set)."""

    def __init__(self, model: CompiledModel, params: np.ndarray):
        self.model, self.params = model, params
        self._species = {name: i for i, name in enumerate(model.species)}
        self._inputs = {name: i for i, name in enumerate(model.inputs)}
        self._compartment = np.array([s.compartment for s in model.model.species])
        self._per_cell = np.array([s.kind == "per_cell" for s in model.model.species])
        self._medium = np.array([s.kind == "medium" for s in model.model.species])
        #: Per-cell states a pre-phase hands to the main phase, by the cells it treats.
        self._carried = {owner: self._per_cell & (self._compartment == owner)
                         for owner in ("msc", "nk")}
        #: What the main phase starts with, in the order main_phase_from fills it.
        self._main_slots = np.array([self._species[name] for name in MAIN_START])
        self._untreated: dict[str, np.ndarray] = {}  # see untreated
        self._missing = np.full(len(model.species), np.nan)  # a control well not run
        self._main_inputs: dict[tuple, np.ndarray] = {}  # see main_inputs
        self._reference_phases: dict[str, tuple[Reference, Reference]] = {}  # see _references
        self._k562_references: dict[tuple, Reference] = {}  # see _k562_alone
        self._k562_wells: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # see _k562_well
        self._pre_phases: dict[tuple, Phase | None] = {}  # see pretreatment_phase
        self._blanks: dict[tuple, np.ndarray] = {}  # see _blank_inputs
        self._initials: dict[tuple, np.ndarray] = {}  # see fresh_state
        self._controls: dict[tuple, Control] = {}  # see control

    # -- inputs ----------------------------------------------------------------------
    def _blank_inputs(self, condition: Condition) -> np.ndarray:
        """Inputs every phase shares: the MSC source, knockdowns, exosome and tumor traits.

        Kept by the fields they come from (every well builds several phases; the catalogs
        are fixed), and returned as a copy to fill in.
        """
        key = _blank_key(condition)
        if key not in self._blanks:
            self._blanks[key] = self._make_blank_inputs(condition)
        return self._blanks[key].copy()

    def _make_blank_inputs(self, condition: Condition) -> np.ndarray:
        u = self.model.default_inputs().copy()
        source = msc_sources()[condition.msc.source]["values"]
        self._set(u, msc_doubling_time_h=source["doubling_time_h"])
        self._set(u, **{f"msc_{trait}": source[trait] for trait in MSC_TRAITS})
        self._set(u, exo_tgfb=msc_sources()[condition.exosomes.source]["values"]["exosome_tgfb"])
        line = tumor_lines()[condition.tumor.line]["values"]
        self._set(u, tumor_doubling_time_h=line["doubling_time_h"])
        self._set(u, **{f"tumor_{trait}": line[trait] for trait in TUMOR_TRAITS})
        self._set(u, **{f"kd_{gene}": 1.0 for gene in condition.msc.knockdown})
        self._set(u, car=float(condition.nk.car), cell_dynamics=0.0, contact=0.0)
        return u

    def _set(self, u: np.ndarray, **values: float) -> None:
        for name, value in values.items():
            u[self._inputs[name]] = value

    def _cytokines(self, u: np.ndarray, condition: Condition) -> None:
        self._set(u, **condition.nk.activation.model_dump())

    # -- states ----------------------------------------------------------------------
    def fresh_state(self, u: np.ndarray, condition: Condition) -> np.ndarray:
        """Initial per-cell states, no cells, fresh medium of the condition.

        The model's initial state depends only on the parameters (fixed here) and the
        inputs, so it is kept by the inputs' bytes: a sweep builds thousands of phases
        from a few dozen distinct input vectors.
        """
        x = _made_once(self._initials, (u.tobytes(),),
                       lambda: self.model.initial(self.params, u)).copy()
        x[self._medium] = 0.0
        x[self._species["tryptophan"]] = condition.medium.tryptophan_uM
        x[self._species["il2_left"]] = x[self._species["il15_left"]] = 1.0  # as supplied
        return x

    def _place(self, x: np.ndarray, **values: float) -> np.ndarray:
        x = x.copy()
        for name, value in values.items():
            x[self._species[name]] = value
        return x

    def _nk_cells(self, count: float) -> dict[str, float]:
        bright = self.params[self.model.parameters.index("cd56bright_fraction_resting")]
        return {"nk_bright": bright * count, "nk_dim": (1 - bright) * count}

    # -- pre-phases ------------------------------------------------------------------
    # Builders return unsolved phases, so that many wells go to the engine together.
    def pretreatment_phase(self, condition: Condition) -> Phase | None:
        """The MSC pre-treatment of a resolved condition, unsolved; None if it has none.

        Made once per protocol for the fields it comes from (a sweep's wells share a few
        dozen pre-phases): the same object comes back, to be found kept by its content."""
        key = ("pretreatment", *_values(condition.msc), *_values(condition.medium),
               *_blank_key(condition))
        return _made_once(self._pre_phases, key,
                          lambda: self._make_pretreatment_phase(condition))

    def preactivation_phase(self, condition: Condition) -> Phase | None:
        """The NK pre-activation of a resolved condition, unsolved; None if it has none
        (made once per protocol for the fields it comes from, as the pre-treatment)."""
        nk = condition.nk
        key = ("preactivation", nk.cells, nk.preactivation_h, *_values(nk.activation),
               *_values(condition.medium), *_blank_key(condition))
        return _made_once(self._pre_phases, key,
                          lambda: self._make_preactivation_phase(condition))

    def _make_pretreatment_phase(self, condition: Condition) -> Phase | None:
        msc = condition.msc
        if not (msc.ifng_pretreatment_ng_ml > 0 or msc.tlr3_priming or msc.tlr4_priming):
            return None
        u = self._blank_inputs(condition)
        self._set(u, tlr3_ligand=float(msc.tlr3_priming), tlr4_ligand=float(msc.tlr4_priming))
        x = self._place(self.fresh_state(u, condition), msc=msc.cells,
                        ifng=msc.ifng_pretreatment_ng_ml)
        return _sampled(Phase("pretreatment", msc.pretreatment_h, x, u))

    def _make_preactivation_phase(self, condition: Condition) -> Phase | None:
        nk = condition.nk
        if nk.preactivation_h <= 0:
            return None
        u = self._blank_inputs(condition)
        self._cytokines(u, condition)
        x = self._place(self.fresh_state(u, condition), **self._nk_cells(nk.cells or 0.0))
        return _sampled(Phase("preactivation", nk.preactivation_h, x, u))

    def pre_phases(self, condition: Condition) -> list[Phase]:
        """The pre-phases of a resolved condition in the order they run, unsolved."""
        phases = (self.pretreatment_phase(condition), self.preactivation_phase(condition))
        return [phase for phase in phases if phase is not None]

    # -- main phase ------------------------------------------------------------------
    def main_inputs(self, condition: Condition) -> np.ndarray:
        """Inputs of the main phase (kept by the fields they come from; a copy)."""
        key = (*_blank_key(condition), *_values(condition.nk.activation), condition.culture,
               *_values(condition.drugs), condition.blockade)
        return _made_once(self._main_inputs, key,
                          lambda: self._make_main_inputs(condition)).copy()

    def _make_main_inputs(self, condition: Condition) -> np.ndarray:
        u = self._blank_inputs(condition)
        self._cytokines(u, condition)
        self._set(u, cell_dynamics=1.0, contact=float(condition.culture == "contact"))
        self._set(u, **condition.drugs.model_dump())
        self._set(u, **{f"ab_{b.removeprefix('anti_')}": 1.0 for b in condition.blockade})
        return u

    def main_phase_from(self, condition: Condition, pre: Sequence[PhaseSolution], *,
                        samples: int = 49) -> Phase:
        """The main phase of a resolved condition after its solved pre-phases, unsolved.

        The main phase starts in fresh medium with the per-cell states the pre-phases left;
        its sample times include the start of the final 4 h (release-assay window).
        """
        u = self.main_inputs(condition)
        x = self.fresh_state(u, condition)
        for phase in pre:
            carried = self._carried["msc" if phase.name == "pretreatment" else "nk"]
            x[carried] = phase.final[carried]
        m, nk = condition.mediators, self._nk_cells(condition.nk.cells or 0.0)
        x[self._main_slots] = (
            condition.msc.cells, condition.tumor.cells, nk["nk_bright"], nk["nk_dim"],
            m.pge2_ng_ml, m.kynurenine_uM, m.tgfb_ng_ml, m.ifng_ng_ml, m.tnfa_ng_ml,
            m.il1b_ng_ml, m.il10_ng_ml, m.hgf_ng_ml, m.hla_g5_ng_ml, m.activin_a_ng_ml,
            m.adenosine_uM, condition.exosomes.ug_ml)
        return Phase("main", condition.duration_h, x, u,
                     times=main_sample_times(condition.duration_h, samples))

    # -- K562 re-test ----------------------------------------------------------------
    def _k562_well(self, condition: Condition) -> tuple[np.ndarray, np.ndarray]:
        """State and inputs of the re-test well before NK cells go in: 10^4 K562 alone
        (copies; made once per medium and CAR, as the well depends on nothing else)."""
        key = (*_values(condition.medium), condition.nk.car)
        x, u = _made_once(self._k562_wells, key, lambda: self._make_k562_well(condition))
        return x.copy(), u.copy()

    def _make_k562_well(self, condition: Condition) -> tuple[np.ndarray, np.ndarray]:
        bare = Condition(medium=condition.medium, nk={"car": condition.nk.car, "cells": 1.0},
                         msc={"cells": 0})
        u = self._blank_inputs(bare)
        self._set(u, cell_dynamics=1.0, contact=1.0)
        return self._place(self.fresh_state(u, bare), tumor=K562_ASSAY_TARGETS), u

    def k562_alone_phase(self, condition: Condition) -> Phase:
        """K562 grown alone for the re-test of a resolved condition, unsolved."""
        x, u = self._k562_well(condition)
        return Phase("k562_alone", K562_ASSAY_H, x, u, times=np.array([0, K562_ASSAY_H]))

    def k562_phase(self, condition: Condition, nk_state: np.ndarray) -> Phase | None:
        """The re-test of 10^5 NK cells carrying ``nk_state``, unsolved; None without NK."""
        total = nk_state[self._species["nk_bright"]] + nk_state[self._species["nk_dim"]]
        if total <= 0:
            return None
        x, u = self._k562_well(condition)
        carried = self._carried["nk"]
        x[carried] = nk_state[carried]
        share = nk_state[self._species["nk_bright"]] / total
        x = self._place(x, nk_bright=share * K562_ASSAY_NK, nk_dim=(1 - share) * K562_ASSAY_NK)
        return Phase("k562_assay", K562_ASSAY_H, x, u, times=np.array([0, K562_ASSAY_H]))

    def k562_lysis(self, t_alone: float, with_nk: PhaseSolution | None) -> float:
        """% specific lysis from K562 grown alone and the solved ``k562_phase`` (NaN: none)."""
        if with_nk is None:
            return float("nan")
        t_nk = with_nk.final[self._species["tumor"]]
        return 100.0 * (t_alone - t_nk) / t_alone

    # -- a condition's wells, in stages ------------------------------------------------
    def control_labels(self, condition: Condition) -> tuple[str, ...]:
        """The matched controls a resolved condition's readouts need: ``without_nk`` and
        ``without_msc`` (each the condition without that population, see ``control``)."""
        has_msc, has_nk = condition.msc.cells > 0, (condition.nk.cells or 0) > 0
        labels = ()
        if has_nk and (has_msc or condition.tumor.cells > 0):
            labels += ("without_nk",)
        if has_nk and has_msc:
            labels += ("without_msc",)
        return labels

    def control(self, condition: Condition, label: str) -> Control:
        """The matched control ``label`` of a resolved condition: the condition without one
        population, its cells and what belongs to them (:data:`LEFT_OUT`); the medium keeps
        everything. Made once per protocol for the fields it comes from, so conditions that
        differ only in what the control leaves out (or in the ratio that counted the cells)
        share one."""
        key = (label, *_control_values(condition, *LEFT_OUT[label]))
        return _made_once(self._controls, key, lambda: self._make_control(condition, label))

    def _make_control(self, condition: Condition, label: str) -> Control:
        population, changes = LEFT_OUT[label]
        left_out = getattr(condition, population).model_copy(update=changes)
        well = condition.model_copy(update={population: left_out})
        return Control(well, tuple(self.pre_phases(well)))

    def _references(self, source: str) -> tuple[Reference, Reference]:
        """Reference wells of relative readouts: MSCs of ``source`` licensed with IFN-gamma,
        and NK cells activated with IL-2 (each solved once per simulator)."""
        if source not in self._reference_phases:
            licensed = Condition(msc={"source": source, "ifng_pretreatment_ng_ml":
                                      LICENSED_REFERENCE_NG_ML,
                                      "pretreatment_h": LICENSED_REFERENCE_H}).resolved()
            phases = (self.pretreatment_phase(licensed),
                      self.preactivation_phase(IL2_REFERENCE.resolved()))
            assert phases[0] is not None and phases[1] is not None
            self._reference_phases[source] = (Reference(phases[0]), Reference(phases[1]))
        return self._reference_phases[source]

    def _k562_alone(self, condition: Condition) -> Reference:
        """K562 grown alone for the re-test, in the condition's medium (one per medium)."""
        key = (*_values(condition.medium), condition.nk.car)
        if key not in self._k562_references:
            self._k562_references[key] = Reference(self.k562_alone_phase(condition))
        return self._k562_references[key]

    def untreated(self, source: str) -> np.ndarray:
        """Initial state of untreated MSCs of ``source`` (reference of relative readouts)."""
        if source not in self._untreated:
            reference = Condition(msc={"source": source}).resolved()
            self._untreated[source] = self.model.initial(self.params,
                                                         self.main_inputs(reference))
        return self._untreated[source]

    def run(self, condition: Condition, *, samples: int = 49) -> Run:
        """Every phase a resolved condition needs, in three stages (pre-phases and reference
        wells, main phases, the K562 re-test), then its readouts. Matched controls and
        pre-phases are shared (:class:`Reference`)."""
        assert condition.nk.cells is not None and condition.duration_h is not None, \
            "run takes a resolved condition"
        controls = {label: self.control(condition, label)
                    for label in self.control_labels(condition)}
        pre = self.pre_phases(condition)
        solved = yield [*self._references(condition.msc.source),
                        *(Reference(phase) for phase in pre),
                        *(Reference(phase) for control in controls.values()
                          for phase in control.pre)]
        licensed, il2 = solved[0].final, solved[1].final
        rest = iter(solved[2:])
        pre_solved = [next(rest) for _ in pre]
        control_pre = {label: [next(rest) for _ in control.pre]
                       for label, control in controls.items()}

        main_phase = self.main_phase_from(condition, pre_solved, samples=samples)
        control_mains = {label: control.main or control.made(
                             self.main_phase_from(control.well, control_pre[label], samples=2))
                         for label, control in controls.items()}
        solved = yield [main_phase, *control_mains.values()]
        main = Trajectory((*pre_solved, solved[0]), main_phase)
        trajectories = {label: Trajectory((*control_pre[label], solution), reference.phase)
                        for (label, reference), solution in zip(control_mains.items(),
                                                                solved[1:])}

        k562 = float("nan")
        if (condition.nk.cells or 0) > 0:
            with_nk = self.k562_phase(condition, main.main.final)
            stage: list[Phase | Reference] = [self._k562_alone(condition)]
            solved = yield stage + ([with_nk] if with_nk is not None else [])
            k562 = self.k562_lysis(solved[0].final[self._species["tumor"]],
                                   solved[1] if with_nk is not None else None)

        missing = self._missing
        times, states = main.main.time_h, main.main.states
        window = int(np.searchsorted(times, max(times[-1] - 4.0, 0.0) - 1e-9))
        view = Wells(
            species=self._species, end=states[-1], window=states[window], start=states[0],
            without_nk=(trajectories["without_nk"].main.final if "without_nk" in trajectories
                        else missing),
            without_msc=(trajectories["without_msc"].main.final
                         if "without_msc" in trajectories else missing),
            k562_pct=k562, untreated_msc=self.untreated(condition.msc.source),
            licensed_msc=licensed, il2_nk=il2)
        return Outcome(None, main, trajectories, wells=view)  # readouts: by the chunk


_MISSING = object()


def _made_once(store: dict, key: tuple, make: Callable[[], Any]) -> Any:
    """``store[key]``, made by ``make()`` the first time; a full store (more than
    :data:`KEPT_INITIAL_STATES`) is emptied first. The value is returned as made, not read
    back, so a chunk thread that empties the store meanwhile cannot take it away."""
    value = store.get(key, _MISSING)
    if value is _MISSING:
        if len(store) >= KEPT_INITIAL_STATES:
            store.clear()
        value = store[key] = make()
    return value


#: The condition's fields (but the ratio, which only counted ``nk.cells``) and, for each part
#: that is a model, the names of its own parts (Nk: activation).
_LAYOUT = tuple(
    (name, tuple(n for n, f in type(field.default).model_fields.items()
                 if isinstance(f.default, BaseModel))
     if isinstance(field.default, BaseModel) else None)
    for name, field in Condition.model_fields.items() if name != "ratio")


def _control_values(condition: Condition, population: str, changes: dict[str, Any]) -> tuple:
    """Every field value of a resolved condition but the ratio, with ``changes`` made to the
    part ``population``, nested parts as tuples (a key, hashed and compared in C)."""
    values = []
    for name, nested in _LAYOUT:
        value = condition.__dict__[name]
        if nested is None:
            values.append(value)
            continue
        fields = value.__dict__
        if name == population:
            fields = {**fields, **changes}
        if nested:
            fields = {**fields, **{n: tuple(fields[n].__dict__.values()) for n in nested}}
        values.append(tuple(fields.values()))
    return tuple(values)


def _values(fields: object) -> tuple:
    """The field values of a flat part of a condition (Msc, Medium, Drugs...), as a key
    (hashed and compared in C, unlike the pydantic model itself)."""
    return tuple(fields.__dict__.values())


def _blank_key(condition: Condition) -> tuple:
    """The fields the inputs every phase shares come from (see ``_blank_inputs``)."""
    return (condition.msc.source, condition.msc.knockdown, condition.exosomes.source,
            condition.tumor.line, condition.nk.car)


def main_sample_times(duration_h: float, samples: int) -> np.ndarray:
    """``samples`` even times over the main phase plus the start of its last 4 h."""
    return _main_sample_times(float(duration_h), int(samples)).copy()


@lru_cache(maxsize=256)
def _main_sample_times(duration_h: float, samples: int) -> np.ndarray:
    return np.union1d(np.linspace(0, duration_h, samples), [max(duration_h - 4.0, 0.0)])


def _sampled(phase: Phase) -> Phase:
    """The phase with the engine's default sample times made explicit (so it can be batched
    with others and still give exactly what a solve of the phase alone gives)."""
    return Phase(phase.name, phase.duration_h, phase.state, phase.inputs, sample_times(phase))
