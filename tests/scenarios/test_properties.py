"""Properties that hold for every valid condition (hypothesis over random conditions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

import mscnk
from mscnk.engine import BatchEngine

from helpers import (
    CONTRACT_READOUTS,
    LYSIS_ROUND_OFF_PCT,
    MSC_READOUTS,
    NK_READOUTS,
    NON_NEGATIVE_READOUTS,
    REL_READOUTS,
    SHARE_READOUTS,
    TIGHT_ENGINE,
    TOL,
    TUMOR_READOUTS,
    allclose,
    conditions,
    is_missing,
    lysis_from_states,
    negative_beyond_round_off,
)

EXAMPLES = settings(max_examples=20, deadline=None)
FEW_EXAMPLES = settings(max_examples=15, deadline=None)



def _species_frame(result, model):
    return result.timecourse[list(model.species)]


@EXAMPLES
@given(conditions())
def test_no_state_is_negative_beyond_round_off(simulator, model, condition):
    """The engine returns states as solved (never clipped); none is below zero by more than
    the step control's round-off (``STATE_ROUND_OFF`` of the species' scale)."""
    result = simulator.simulate(condition)
    frames = {"main": result.timecourse, **result.controls}
    for label, frame in frames.items():
        states = frame[list(model.species)].to_numpy()
        assert np.isfinite(states).all(), label
        negative = negative_beyond_round_off(states, model.species)
        assert not negative, (label, negative)


@pytest.fixture(scope="module")
def tight_simulator():
    return mscnk.Simulator(engine=BatchEngine(**TIGHT_ENGINE))


@FEW_EXAMPLES
@given(conditions(culture="transwell"))
def test_transwell_lysis_is_zero_in_the_states(tight_simulator, condition):
    """No contact with NK cells, no lysis: the MSC count with NK equals the one without NK
    up to round-off, read from the states (``msc_lysis_pct`` floors at zero, so it cannot show
    a negative), with the integration error pushed below round-off. (Tumor cells share the
    NK cells' compartment, so their kill in transwell is real.)"""
    result = tight_simulator.simulate(condition)
    assert abs(lysis_from_states(result)) < LYSIS_ROUND_OFF_PCT


@EXAMPLES
@given(conditions())
def test_tryptophan_plus_kynurenine_is_conserved(simulator, condition):
    result = simulator.simulate(condition)
    resolved = result.condition
    start_trp = resolved.medium.tryptophan_uM
    added_kyn = resolved.mediators.kynurenine_uM
    for phase, frame in result.timecourse.groupby("phase", sort=False):
        total = (frame["tryptophan"] + frame["kynurenine"]).to_numpy()
        # pre-phases run in fresh medium without added kynurenine
        expected = start_trp + (added_kyn if phase == "main" else 0.0)
        allclose(total, np.full_like(total, expected), "conserved", what=str(phase))
    readouts = result.readouts
    assert readouts["tryptophan_uM"] + readouts["kynurenine_uM"] <= (
        (start_trp + added_kyn) * (1 + 1e-9) + 1e-12)


@EXAMPLES
@given(conditions())
def test_readouts_obey_the_contract(simulator, condition):
    result = simulator.simulate(condition)
    readouts = result.readouts
    resolved = result.condition
    assert set(CONTRACT_READOUTS) <= set(readouts)
    has = {"msc": resolved.msc.cells > 0, "nk": resolved.nk.cells > 0,
           "tumor": resolved.tumor.cells > 0}
    groups = {"msc": MSC_READOUTS, "nk": NK_READOUTS, "tumor": TUMOR_READOUTS}
    for population, names in groups.items():
        for name in names:
            assert is_missing(readouts[name]) != has[population], (name, readouts[name])
    for name in CONTRACT_READOUTS:
        value = readouts[name]
        assert is_missing(value) or math.isfinite(value), (name, value)
    for name in NON_NEGATIVE_READOUTS:
        assert is_missing(readouts[name]) or readouts[name] >= 0, (name, readouts[name])
    for name in SHARE_READOUTS:
        assert is_missing(readouts[name]) or readouts[name] <= 100 * (1 + 1e-12), name
    for name in REL_READOUTS:
        assert is_missing(readouts[name]) or math.isfinite(readouts[name]), name


@FEW_EXAMPLES
@given(conditions(msc_alone=True))
def test_msc_alone_wells_show_no_lysis(simulator, condition):
    readouts = simulator.simulate(condition).readouts
    assert readouts["msc_lysis_pct"] == 0
    assert readouts["msc_killed_pct"] == 0
    assert all(is_missing(readouts[name]) for name in NK_READOUTS)


@FEW_EXAMPLES
@given(conditions(nk_alone=True))
def test_nk_alone_wells_show_no_proliferation_inhibition(simulator, condition):
    readouts = simulator.simulate(condition).readouts
    assert readouts["nk_proliferation_inhibition_pct"] == 0
    assert all(is_missing(readouts[name]) for name in MSC_READOUTS)


def _contact_flux(simulator, model, condition):
    """(process names, |rate| max over the main phase's sampled states) for contact processes."""
    resolved = mscnk.Condition.model_validate(condition).resolved()
    result = simulator.simulate(resolved)
    inputs = simulator.protocol.main_inputs(resolved)
    assert inputs[model.inputs.index("contact")] == 0.0  # transwell: no contact
    main = result.timecourse[result.timecourse["phase"] == "main"]
    states = main[list(model.species)].to_numpy()
    contact = [j for j, p in enumerate(model.model.processes) if p.contact]
    rates = np.array([model.rates(x, simulator.params, inputs) for x in states])[:, contact]
    names = [model.model.processes[j].name for j in contact]
    return names, np.abs(rates).max(axis=0)


@FEW_EXAMPLES
@given(conditions(culture="transwell"))
def test_transwell_runs_no_contact_process(simulator, model, condition):
    names, flux = _contact_flux(simulator, model, condition)
    assert names, "the model declares no contact processes"
    leaking = {n: f for n, f in zip(names, flux) if f != 0}
    assert not leaking


def test_stoichiometry_conserves_tryptophan_plus_kynurenine(model, rng):
    S = model.stoichiometry
    trp, kyn = model.species.index("tryptophan"), model.species.index("kynurenine")
    assert np.all(S[trp] + S[kyn] == 0)
    assert np.all(S[trp] <= 0), "no process may make tryptophan"
    assert np.any(S[trp] < 0), "IDO must consume tryptophan"
    # and so the vector field conserves it at any state
    for _ in range(5):
        x = rng.uniform(0, 2, len(model.species)) * np.maximum(
            np.abs(model.initial(model.default_parameters(), model.default_inputs())), 1.0)
        f = model.rhs(x, model.default_parameters(), model.default_inputs())
        assert f[trp] < 0  # IDO is at work at these states
        assert abs(f[trp] + f[kyn]) <= TOL["conserved"].rtol * abs(f[trp])
