"""The model declaration, its compiled form and the engine: integrity and known answers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import mscnk
from mscnk.analysis import prior_of
from mscnk.catalog import mechanisms, msc_sources
from mscnk.engine import ScipyEngine
from helpers import build_model, parameter_table

from helpers import CONTRACT_READOUTS, FULL_CONDITION, TOL, Tol, allclose

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------
# Declaration integrity
# --------------------------------------------------------------------------------------
PARAMETERS = build_model().parameters  # the physical constants and the mechanism switches
CONSTANTS = build_model().constants


@pytest.mark.parametrize("parameter", PARAMETERS, ids=[p.name for p in PARAMETERS])
def test_parameter_is_fully_declared(parameter):
    assert parameter.unit.strip(), "no unit"
    assert all(math.isfinite(v) for v in (parameter.value, parameter.lower, parameter.upper))
    assert parameter.lower <= parameter.value <= parameter.upper
    assert parameter.lower < parameter.upper, "bounds leave nothing to fit"
    assert parameter.provenance.strip(), "no provenance"
    # a provenance is a citation, a stated assumption, or a fit that names its procedure;
    # an unfitted estimate is not a provenance
    assert not parameter.provenance.startswith("estimate"), parameter.provenance
    if parameter.provenance.startswith("fitted"):
        assert "scripts/calibrate_default.py" in parameter.provenance
        assert "95 % interval [" in parameter.provenance, "a fitted value states its interval"
    if parameter.provenance.startswith("prior"):
        # a parameter the findings do not determine sits at its prior median
        assert parameter.value == pytest.approx(prior_of(parameter.name).centre, rel=1e-5)


def test_parameter_table_and_model_agree():
    table = parameter_table()
    names = [p.name for p in CONSTANTS]
    assert len(names) == len(set(names))
    assert set(names) == set(table)
    for p in CONSTANTS:
        assert p.value == float(table[p.name]["value"])


def test_names_are_unique_across_the_declaration():
    model = build_model()
    names = ([s.name for s in model.species] + [p.name for p in model.parameters]
             + [u.name for u in model.inputs] + [e.name for e in model.expressions])
    assert len(names) == len(set(names))
    processes = [p.name for p in model.processes]
    assert len(processes) == len(set(processes))


def test_species_have_units_and_finite_initial_values(model):
    assert all(s.unit.strip() for s in model.model.species)
    x0 = model.initial(model.default_parameters(), model.default_inputs())
    assert x0.shape == (len(model.species),)
    assert np.isfinite(x0).all() and (x0 >= 0).all()


PROCESSES = build_model().processes


@pytest.mark.parametrize("process", PROCESSES, ids=[p.name for p in PROCESSES])
def test_process_names_known_mechanisms(process):
    assert process.mechanisms, "no mechanism"
    unknown = [m for m in process.mechanisms if m not in mechanisms()]
    assert not unknown
    assert process.change and all(v != 0 for v in process.change.values())
    assert process.description.strip()


def _mechanisms_linked_to_processes() -> set[str]:
    """Mechanisms a process names, or names through an expression its rate reads."""
    model = build_model()
    expressions = {e.name: e for e in model.expressions}
    linked: set[str] = set()
    for process in model.processes:
        linked.update(process.mechanisms)
        seen: set[str] = set()
        stack = [str(s) for s in process.rate.free_symbols]
        while stack:
            name = stack.pop()
            if name in seen or name not in expressions:
                continue
            seen.add(name)
            linked.update(expressions[name].mechanisms)
            stack.extend(str(s) for s in expressions[name].expr.free_symbols)
    return linked


MECHANISMS = list(mechanisms().values())


@pytest.mark.parametrize("mechanism", MECHANISMS, ids=[m.id for m in MECHANISMS])
def test_catalog_mechanism_is_modelled_or_says_why_not(mechanism):
    assert mechanism.status in ("modelled", "documented_only")
    assert mechanism.citations, "no citation"
    linked = mechanism.id in _mechanisms_linked_to_processes()
    if mechanism.status == "documented_only":
        assert mechanism.note.strip(), "documented_only needs a note saying why"
        assert not linked, "documented_only, yet a process implements it"
    else:
        assert linked, "status modelled, but no process (or expression a process reads) names it"


def test_link_helper_finds_a_known_unlinked_mechanism():
    # the helper above must be able to say no: galectin1 is documented_only
    assert "galectin1" not in _mechanisms_linked_to_processes()
    assert "perforin_granzyme" in _mechanisms_linked_to_processes()


def test_stoichiometry_matches_the_declared_changes(model):
    S = model.stoichiometry
    assert S.shape == (len(model.species), len(model.model.processes))
    for j, process in enumerate(model.model.processes):
        expected = np.zeros(len(model.species))
        for name, coefficient in process.change.items():
            expected[model.species.index(name)] = coefficient
        np.testing.assert_array_equal(S[:, j], expected, err_msg=process.name)


def test_cell_counters_balance_the_cells(model):
    """msc = start + divisions - killed holds process by process (mass balance)."""
    S = model.stoichiometry
    i = model.species.index
    np.testing.assert_array_equal(S[i("msc")], S[i("msc_divisions")] - S[i("msc_killed")])
    killing = S[i("tumor_killed")] > 0
    np.testing.assert_array_equal(S[i("tumor"), killing], -S[i("tumor_killed"), killing])


def test_vector_field_is_quasi_positive(model, simulator, rng):
    """A species at zero is never pushed below zero (no negative states from the model).

    States are drawn around a simulated trajectory inside the state space: amounts and
    levels scattered log-normally, shares (unit "1": programmes, capacities, primed and
    remaining fractions, which their dynamics keep in [0, 1]) drawn anywhere in [0, 1]."""
    condition = mscnk.Condition.model_validate(FULL_CONDITION).resolved()
    inputs = simulator.protocol.main_inputs(condition)
    states = simulator.simulate(condition).timecourse[list(model.species)].to_numpy()
    share = np.array([s.unit == "1" for s in model.model.species])
    violations = {}
    for _ in range(20):
        x = states[rng.integers(len(states))] * np.exp(rng.normal(0, 0.5, len(model.species)))
        x[share] = rng.uniform(0, 1, share.sum())
        for i, name in enumerate(model.species):
            y = x.copy()
            y[i] = 0.0
            f = model.rhs(y, simulator.params, inputs)[i]
            if f < 0:
                violations[name] = f
    assert not violations


# --------------------------------------------------------------------------------------
# Compiled form
# --------------------------------------------------------------------------------------
def _rich_state_and_inputs(simulator, model, condition):
    resolved = mscnk.Condition.model_validate(condition).resolved()
    inputs = simulator.protocol.main_inputs(resolved)
    states = simulator.simulate(resolved).timecourse[list(model.species)].to_numpy()
    return states, inputs


@pytest.mark.parametrize("condition", [
    FULL_CONDITION,
    {"culture": "transwell", "blockade": ["anti_nkg2d", "anti_tgfb", "anti_il10"],
     "drugs": {"ns398_uM": 5, "rapamycin_ng_ml": 2}, "nk": {"car": True},
     "tumor": {"cells": 1000, "line": "solid_tumor"}, "duration_h": 24},
], ids=["full", "transwell_drugs_tumor"])
def test_jacobian_matches_finite_differences(simulator, model, rng, condition):
    states, inputs = _rich_state_and_inputs(simulator, model, condition)
    n = len(model.species)
    floor = 1e-3 * np.maximum(np.abs(states).max(axis=0), 1e-3)
    for k in rng.choice(len(states), 4, replace=False):
        x = np.maximum(states[k] * np.exp(rng.normal(0, 0.2, n)), floor)
        exact = model.jacobian(x, simulator.params, inputs)
        numeric = np.empty_like(exact)
        for j in range(n):
            step = np.zeros(n)
            step[j] = 6e-6 * x[j]  # ~ eps**(1/3), relative, keeps x - step > 0
            numeric[:, j] = (model.rhs(x + step, simulator.params, inputs)
                             - model.rhs(x - step, simulator.params, inputs)) / (2 * step[j])
        # compare d f_i / d log x_j, each row on its own scale
        exact_s, numeric_s = exact * x, numeric * x
        scale = np.abs(exact_s) + 1e-3 * np.abs(exact_s).max(axis=1, keepdims=True)
        error = np.abs(exact_s - numeric_s)
        bad = np.argwhere(error > TOL["jacobian"].rtol * scale)
        assert not len(bad), [(model.species[i], model.species[j], exact[i, j], numeric[i, j])
                              for i, j in bad[:5]]


def test_rhs_is_stoichiometry_times_rates(simulator, model, rng):
    states, inputs = _rich_state_and_inputs(simulator, model, FULL_CONDITION)
    for k in rng.choice(len(states), 3, replace=False):
        x = states[k]
        allclose(model.rhs(x, simulator.params, inputs),
                 model.stoichiometry @ model.rates(x, simulator.params, inputs),
                 TOL["conserved"], what="rhs != S @ rates")


# --------------------------------------------------------------------------------------
# Generated docs
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario, file", [
    ("coculture", "model.md"), ("tumor", "model_tumor.md"), ("gvhd", "model_gvhd.md"),
    ("transplant", "model_transplant.md"), ("infection", "model_infection.md")])
def test_model_doc_cannot_drift(scenario, file):
    model_doc = pytest.importorskip("mscnk.report._model_doc")
    path = ROOT / "docs" / file
    command = "mscnk docs" + ("" if scenario == "coculture" else
                              f" --scenario {scenario} --out docs/{file}")
    assert path.is_file(), f"docs/{file} is missing; run `{command}`"
    assert path.read_text() == model_doc.model_markdown(scenario), (
        f"docs/{file} is out of date; regenerate it with `{command}`")


# --------------------------------------------------------------------------------------
# Engine: accuracy against a tight reference, across methods, and a known answer
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference_readouts():
    reference = mscnk.Simulator(engine=ScipyEngine(rtol=1e-10, atol=1e-12))
    return {label: reference.simulate(c).readouts
            for label, c in (("default", {}), ("full", FULL_CONDITION))}


#: Engines checked against the tight BDF reference. Skip list: none; the explicit methods
#: (RK45, DOP853) are left out on purpose, the model is stiff.
ENGINES = {"default": ScipyEngine(), "radau": ScipyEngine(method="Radau"),
           "bdf": ScipyEngine(method="BDF")}


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("label", ["default", "full"])
def test_engine_matches_tight_reference(reference_readouts, engine, label):
    condition = {"default": {}, "full": FULL_CONDITION}[label]
    readouts = mscnk.Simulator(engine=ENGINES[engine]).simulate(condition).readouts
    expected = reference_readouts[label]
    allclose([readouts[k] for k in CONTRACT_READOUTS], [expected[k] for k in CONTRACT_READOUTS],
             "engine", what=f"{engine} vs tight BDF on {label}")


def test_default_engine_is_the_documented_reference():
    engine = ScipyEngine()
    assert engine.method == "LSODA" and engine.rtol <= 1e-6


def _crowded_growth(m0: float, capacity: float, rate: float, t: np.ndarray) -> np.ndarray:
    """M(t) of dM/dt = r M / (1 + (M/K)^4): separating, ln(M/M0) + (M^4 - M0^4) / (4 K^4)
    = r t, whose left side rises with M, so each M is one root (brentq)."""
    from scipy.optimize import brentq

    def left(m: float, elapsed: float) -> float:
        return math.log(m / m0) + (m**4 - m0**4) / (4 * capacity**4) - rate * elapsed

    return np.array([brentq(left, m0, m0 * math.exp(rate * elapsed) + 1.0, args=(elapsed,),
                            xtol=1e-12, rtol=1e-14) if elapsed > 0 else m0 for elapsed in t])


@pytest.mark.parametrize("source", ["bone_marrow", "adipose", "umbilical_cord"])
def test_msc_alone_grows_as_crowding_allows(simulator, model, source):
    """No NK: dM/dt = ln2/Td * M / (1 + (M/K)^4), whose solution solves
    ln(M/M0) + (M^4 - M0^4)/(4 K^4) = ln2/Td * t."""
    doubling = msc_sources()[source]["values"]["doubling_time_h"]
    capacity = build_model().parameter("msc_capacity").value
    m0 = 20000.0
    result = simulator.simulate({"ratio": 0, "msc": {"source": source, "cells": m0},
                                 "duration_h": 72})
    main = result.timecourse[result.timecourse["phase"] == "main"]
    t = main["time_h"].to_numpy()
    analytic = _crowded_growth(m0, capacity, math.log(2) / doubling, t)
    allclose(main["msc"].to_numpy(), analytic, "analytic", what=source)
    allclose(result.readouts["msc_viable"], analytic[-1], "analytic")
    assert t[-1] == 72
    # and the division counter holds exactly the cells that were added
    counts = Tol(rtol=TOL["analytic"].rtol, atol=TOL["analytic"].rtol * m0)
    allclose(main["msc_divisions"].to_numpy(), analytic - m0, counts)


def test_growth_test_can_tell_sources_apart(simulator):
    # the known answer above is sharp: bone-marrow and adipose MSCs grow differently
    fast = simulator.simulate({"ratio": 0, "msc": {"source": "adipose"}}).readouts["msc_viable"]
    slow = simulator.simulate({"ratio": 0}).readouts["msc_viable"]
    assert fast > slow * (1 + 1e-3)


def test_pre_phases_keep_cell_numbers(simulator):
    result = simulator.simulate({"msc": {"ifng_pretreatment_ng_ml": 50, "pretreatment_h": 48},
                                 "duration_h": 4})
    frame = result.timecourse
    pre = frame[frame["phase"] == "pretreatment"]
    allclose(pre["msc"].to_numpy(), np.full(len(pre), 20000.0), "exact")
    act = frame[frame["phase"] == "preactivation"]
    nk = (act["nk_bright"] + act["nk_dim"]).to_numpy()
    allclose(nk, np.full(len(act), 100000.0), TOL["conserved"])
    # but per-cell state changes: licensing raises HLA class I during pre-treatment
    assert pre["hla_i"].iloc[-1] > pre["hla_i"].iloc[0] * 1.1


def test_tiny_positive_phase_length_is_handled(simulator):
    readouts = simulator.simulate({"nk": {"preactivation_h": 5e-324}, "duration_h": 4}).readouts
    assert math.isfinite(readouts["nk_viable"])


def test_symbolic_rates_are_plain_sympy_expressions():
    # each process rate is a SymPy expression over declared names only
    model = build_model()
    declared = set(model.symbols)
    for process in model.processes:
        assert isinstance(process.rate, sp.Expr)
        undeclared = {str(s) for s in process.rate.free_symbols} - declared
        assert not undeclared, (process.name, undeclared)
