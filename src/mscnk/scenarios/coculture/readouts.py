"""The co-culture readouts (contract section 2): one declaration each, where its function
is defined.

Each function reads a :class:`~mscnk.scenarios.coculture.wells.Wells` view: the main well's
trajectory, its matched controls, the K562 re-test and the reference levels for relative
readouts. A readout that does not apply (no MSCs, no NK cells, no tumor) is NaN. Name, unit
and meaning come from the contract's vocabulary (:data:`mscnk.vocabulary.READOUTS`, light, which
also sets the column order); the wells and species a readout reads are recorded by the
probe (:mod:`mscnk.scenarios.coculture.probe`).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from mscnk.vocabulary import READOUT_NAMES, READOUTS
from mscnk.scenarios import ReadoutSet
from mscnk.scenarios.coculture.probe import PROBE
from mscnk.scenarios.coculture.wells import Wells

NAN = float("nan")
_CONTRACT = {r.name: r for r in READOUTS}
_DECLARED: dict[str, Callable[[Wells], float]] = {}


def readout(name: str) -> Callable[[Callable[[Wells], float]], Callable[[Wells], float]]:
    """Declare the decorated function as the one that computes contract readout ``name``."""
    if name not in _CONTRACT:
        raise KeyError(f"{name} is not a contract readout")

    def register(function: Callable[[Wells], float]) -> Callable[[Wells], float]:
        if name in _DECLARED:
            raise ValueError(f"{name} is declared twice: by {_DECLARED[name].__qualname__}"
                             f" and by {function.__qualname__}")
        _DECLARED[name] = function
        return function

    return register


def _needs(w: Wells, *populations: str) -> bool:
    return all(getattr(w, f"has_{p}") for p in populations)


def _percent_loss(control: float, treated: float) -> float:
    return 100.0 * (control - treated) / control if control > 0 else NAN


@readout("msc_lysis_pct")
def _msc_lysis(w: Wells) -> float:
    if not w.has_msc:
        return NAN
    if not w.has_nk or w.without_nk is None:
        return 0.0
    return _percent_loss(w.of(w.without_nk, "msc"), w.end("msc"))


@readout("msc_killed_pct")
def _msc_killed(w: Wells) -> float:
    if not w.has_msc:
        return NAN
    return 100.0 * w.end("msc_killed") / (w.of(w.start, "msc") + w.end("msc_divisions"))


@readout("msc_viable")
def _msc_viable(w: Wells) -> float:
    return w.end("msc") if w.has_msc else NAN


@readout("nk_viable")
def _nk_viable(w: Wells) -> float:
    return w.nk(w.main.final) if w.has_nk else NAN


@readout("nk_fold_expansion")
def _nk_fold(w: Wells) -> float:
    return w.nk(w.main.final) / w.nk(w.start) if w.has_nk else NAN


@readout("nk_proliferation_inhibition_pct")
def _nk_inhibition(w: Wells) -> float:
    if not w.has_nk:
        return NAN
    if not w.has_msc or w.without_msc is None:
        return 0.0
    alone = w.nk(w.without_msc) / w.nk(w.start)
    return 100.0 * (1.0 - _nk_fold(w) / alone)


@readout("nk_apoptosis_pct")
def _nk_apoptosis(w: Wells) -> float:
    if not w.has_nk:
        return NAN
    viable, apoptotic = w.nk(w.main.final), w.end("nk_apoptotic")
    return 100.0 * apoptotic / (viable + apoptotic) if viable + apoptotic > 0 else NAN


@readout("nk_cytotoxicity_k562_pct")
def _k562(w: Wells) -> float:
    return w.k562_pct if w.has_nk else NAN


@readout("cd107a_pct")
def _cd107a(w: Wells) -> float:
    if not w.has_nk:
        return NAN
    times, states = w.main.time_h, w.main.states
    k = int(np.searchsorted(times, max(times[-1] - 4.0, 0.0) - 1e-9))
    events = states[-1, w.species["nk_degranulations"]] - states[k, w.species["nk_degranulations"]]
    cells = 0.5 * (w.nk(states[k]) + w.nk(states[-1]))
    return 100.0 * (1.0 - math.exp(-events / cells)) if cells > 0 else NAN


def _medium(name: str, species: str, scale: float) -> None:
    @readout(name)
    def _read(w: Wells) -> float:
        return scale * w.end(species)


for _name, _species in (("ifng_pg_ml", "ifng"), ("tnfa_pg_ml", "tnfa"), ("il10_pg_ml", "il10"),
                        ("hgf_pg_ml", "hgf"), ("activin_a_pg_ml", "activin_a"),
                        ("pge2_pg_ml", "pge2")):
    _medium(_name, _species, 1000.0)
_medium("kynurenine_uM", "kynurenine", 1.0)
_medium("tryptophan_uM", "tryptophan", 1.0)


@readout("tgfb_pg_ml")
def _tgfb(w: Wells) -> float:
    return 1000.0 * (w.end("tgfb_latent") + w.end("tgfb_active"))


def _relative(name: str, species: str, population: str, reference: str | None) -> None:
    @readout(name)
    def _read(w: Wells) -> float:
        if not _needs(w, population):
            return NAN
        base = 1.0 if reference is None else w.of(getattr(w, reference), species)
        return w.end(species) / base


for _receptor in ("nkg2d", "nkp30", "nkp46", "dnam1", "nkg2a", "kir", "cd16"):
    _relative(f"{_receptor}_rel", _receptor, "nk", None)
for _receptor in ("nkp44", "cd69"):
    _relative(f"{_receptor}_rel", _receptor, "nk", "il2_nk")
for _molecule in ("hla_i", "hla_e", "mica", "ulbp", "pvr", "nectin2", "serpinb9", "cox2"):
    _relative(f"{_molecule}_rel", _molecule, "msc", "untreated_msc")
for _molecule in ("ido", "hla_ii", "pdl1"):
    _relative(f"{_molecule}_rel", _molecule, "msc", "licensed_msc")


@readout("cd56bright_pct")
def _cd56bright(w: Wells) -> float:
    return 100.0 * w.end("nk_bright") / w.nk(w.main.final) if w.has_nk else NAN


@readout("cd73_nk_pct")
def _cd73(w: Wells) -> float:
    return 100.0 * w.end("cd73_fraction") if w.has_nk else NAN


@readout("tumor_viable")
def _tumor_viable(w: Wells) -> float:
    return w.end("tumor") if w.has_tumor else NAN


@readout("tumor_kill_pct")
def _tumor_kill(w: Wells) -> float:
    if not w.has_tumor:
        return NAN
    if not w.has_nk or w.without_nk is None:
        return 0.0
    return _percent_loss(w.of(w.without_nk, "tumor"), w.end("tumor"))


if set(_DECLARED) != set(READOUT_NAMES):
    raise RuntimeError(f"readouts without a function: {sorted(set(READOUT_NAMES) - set(_DECLARED))}")

#: Every contract readout's declaration, in contract order.
READOUT_DECLARATIONS = ReadoutSet(PROBE)
for _contract in READOUTS:
    READOUT_DECLARATIONS.declare(_contract.name, unit=_contract.unit, meaning=_contract.meaning,
                                 signed=_contract.signed)(_DECLARED[_contract.name])
