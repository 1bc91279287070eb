"""The co-culture readouts (contract section 2): one declaration each, where its function
is defined.

Each function reads a :class:`~mscnk.scenarios.coculture.wells.Wells` view: the main well
(at the start, at the start of its final 4 h, at the end), its matched controls, the K562
re-test and the reference levels for relative readouts; written with NumPy, one function
computes one condition or a stacked chunk. A readout that does not apply (no MSCs, no NK
cells, no tumor) is NaN. Name, unit and meaning come from the contract's vocabulary
(:data:`mscnk.vocabulary.READOUTS`, light, which also sets the column order); the wells and
species a readout reads are recorded by the probe (:mod:`mscnk.scenarios.coculture.probe`).
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from mscnk.vocabulary import READOUT_NAMES, READOUTS
from mscnk.scenarios import ReadoutSet
from mscnk.scenarios.coculture.probe import PROBE
from mscnk.scenarios.coculture.wells import Wells, stack

NAN = float("nan")


def _quiet(function: Callable[[Wells], float]) -> Callable[[Wells], float]:
    """``function`` without NumPy's warnings: both branches of a ``where`` are computed, so
    a branch that does not apply may divide by zero; its value is never used."""

    @functools.wraps(function)
    def quiet(w: Wells) -> float:
        with np.errstate(all="ignore"):
            return function(w)

    return quiet


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
        _DECLARED[name] = _quiet(function)
        return function

    return register


def _where(condition, value, otherwise):
    """``value`` where ``condition`` holds, else ``otherwise`` (both are computed)."""
    return np.where(condition, value, otherwise)


def _percent_loss(control, treated):
    return _where(control > 0, 100.0 * (control - treated) / control, NAN)


def _exp(x):
    """``math.exp`` elementwise (NumPy's exp differs from it in the last bit)."""
    x = np.asarray(x, dtype=float)
    return np.fromiter((math.exp(v) for v in x.ravel()), float, x.size).reshape(x.shape)


@readout("msc_lysis_pct")
def _msc_lysis(w: Wells):
    lysis = _where(w.has_nk, _percent_loss(w.of(w.without_nk, "msc"), w.at_end("msc")), 0.0)
    return _where(w.has_msc, lysis, NAN)


@readout("msc_killed_pct")
def _msc_killed(w: Wells):
    killed = 100.0 * w.at_end("msc_killed") / (w.of(w.start, "msc") + w.at_end("msc_divisions"))
    return _where(w.has_msc, killed, NAN)


@readout("msc_viable")
def _msc_viable(w: Wells):
    return _where(w.has_msc, w.at_end("msc"), NAN)


@readout("nk_viable")
def _nk_viable(w: Wells):
    return _where(w.has_nk, w.nk(w.end), NAN)


def _nk_fold_of(w: Wells):
    return w.nk(w.end) / w.nk(w.start)


@readout("nk_fold_expansion")
def _nk_fold(w: Wells):
    return _where(w.has_nk, _nk_fold_of(w), NAN)


@readout("nk_proliferation_inhibition_pct")
def _nk_inhibition(w: Wells):
    alone = w.nk(w.without_msc) / w.nk(w.start)
    inhibition = _where(w.has_msc, 100.0 * (1.0 - _nk_fold_of(w) / alone), 0.0)
    return _where(w.has_nk, inhibition, NAN)


@readout("nk_apoptosis_pct")
def _nk_apoptosis(w: Wells):
    viable, apoptotic = w.nk(w.end), w.at_end("nk_apoptotic")
    share = _where(viable + apoptotic > 0, 100.0 * apoptotic / (viable + apoptotic), NAN)
    return _where(w.has_nk, share, NAN)


@readout("nk_cytotoxicity_k562_pct")
def _k562(w: Wells):
    return _where(w.has_nk, w.k562_pct, NAN)


@readout("cd107a_pct")
def _cd107a(w: Wells):
    events = w.at_end("nk_degranulations") - w.of(w.window, "nk_degranulations")
    cells = 0.5 * (w.nk(w.window) + w.nk(w.end))
    share = _where(cells > 0, 100.0 * (1.0 - _exp(-events / cells)), NAN)
    return _where(w.has_nk, share, NAN)


def _medium(name: str, species: str, scale: float) -> None:
    @readout(name)
    def _read(w: Wells):
        return scale * w.at_end(species)


for _name, _species in (("ifng_pg_ml", "ifng"), ("tnfa_pg_ml", "tnfa"), ("il10_pg_ml", "il10"),
                        ("hgf_pg_ml", "hgf"), ("activin_a_pg_ml", "activin_a"),
                        ("pge2_pg_ml", "pge2")):
    _medium(_name, _species, 1000.0)
_medium("kynurenine_uM", "kynurenine", 1.0)
_medium("tryptophan_uM", "tryptophan", 1.0)


@readout("tgfb_pg_ml")
def _tgfb(w: Wells):
    return 1000.0 * (w.at_end("tgfb_latent") + w.at_end("tgfb_active"))


def _relative(name: str, species: str, population: str, reference: str | None) -> None:
    @readout(name)
    def _read(w: Wells):
        base = 1.0 if reference is None else w.of(getattr(w, reference), species)
        return _where(getattr(w, f"has_{population}"), w.at_end(species) / base, NAN)


for _receptor in ("nkg2d", "nkp30", "nkp46", "dnam1", "nkg2a", "kir", "cd16"):
    _relative(f"{_receptor}_rel", _receptor, "nk", None)
for _receptor in ("nkp44", "cd69"):
    _relative(f"{_receptor}_rel", _receptor, "nk", "il2_nk")
for _molecule in ("hla_i", "hla_e", "mica", "ulbp", "pvr", "nectin2", "serpinb9", "cox2"):
    _relative(f"{_molecule}_rel", _molecule, "msc", "untreated_msc")
for _molecule in ("ido", "hla_ii", "pdl1"):
    _relative(f"{_molecule}_rel", _molecule, "msc", "licensed_msc")


@readout("cd56bright_pct")
def _cd56bright(w: Wells):
    return _where(w.has_nk, 100.0 * w.at_end("nk_bright") / w.nk(w.end), NAN)


@readout("cd73_nk_pct")
def _cd73(w: Wells):
    return _where(w.has_nk, 100.0 * w.at_end("cd73_fraction"), NAN)


@readout("tumor_viable")
def _tumor_viable(w: Wells):
    return _where(w.has_tumor, w.at_end("tumor"), NAN)


@readout("tumor_kill_pct")
def _tumor_kill(w: Wells):
    kill = _where(w.has_nk, _percent_loss(w.of(w.without_nk, "tumor"), w.at_end("tumor")), 0.0)
    return _where(w.has_tumor, kill, NAN)


if set(_DECLARED) != set(READOUT_NAMES):
    raise RuntimeError(f"readouts without a function: {sorted(set(READOUT_NAMES) - set(_DECLARED))}")

#: Every contract readout's declaration, in contract order (functions of stacked wells).
READOUT_DECLARATIONS = ReadoutSet(PROBE, stack=stack)
for _contract in READOUTS:
    READOUT_DECLARATIONS.declare(_contract.name, unit=_contract.unit, meaning=_contract.meaning,
                                 signed=_contract.signed)(_DECLARED[_contract.name])
