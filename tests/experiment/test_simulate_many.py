"""Many conditions at once give exactly what one condition at a time gives."""

from __future__ import annotations

import numpy as np
import pytest

from mscnk.engine import ScipyEngine, SolverError
from mscnk.experiment import Condition, Simulator, _batching, run_conditions
from mscnk.experiment import simulate_batch

CONDITIONS = [
    {},
    {"assay": "cytotoxicity", "ratio": 10},
    {"culture": "transwell", "duration_h": 24},
    {"msc": {"ifng_pretreatment_ng_ml": 100, "source": "adipose"}},
    {"nk": {"cells": 0}},
    {"msc": {"cells": 0}, "nk": {"cells": 100000}},
    {"nk": {"car": True}, "tumor": {"cells": 20000, "line": "solid_tumor"}, "ratio": 1},
    {"duration_h": 4.0},
]


def test_simulate_many_equals_one_at_a_time(simulator):
    together = simulator.simulate_many(CONDITIONS)
    assert len(together) == len(CONDITIONS)
    for condition, result in zip(CONDITIONS, together):
        alone = simulator.simulate(condition)
        assert result.readouts.keys() == alone.readouts.keys()
        np.testing.assert_array_equal(list(result.readouts.values()),
                                      list(alone.readouts.values()))
        assert result.timecourse.equals(alone.timecourse)
        assert result.condition == Condition.model_validate(condition).resolved()


def test_simulate_many_with_a_scipy_engine_loops_and_agrees(simulator):
    scipy = Simulator(engine=ScipyEngine())
    ours, theirs = simulator.simulate_many(CONDITIONS[:3]), scipy.simulate_many(CONDITIONS[:3])
    for a, b in zip(ours, theirs):
        for name, value in b.readouts.items():
            assert np.isclose(a.readouts[name], value, rtol=1e-4, atol=1e-3, equal_nan=True), name


def test_a_failing_condition_is_a_value_and_the_rest_go_on(simulator):
    """A step budget enough for 4 h (about 9 steps a well) but not for 1000 h (over 70)."""
    from mscnk.engine import BatchEngine

    short = {"nk": {"preactivation_h": 0}, "duration_h": 4.0}
    long = {"nk": {"preactivation_h": 0}, "duration_h": 1000.0}
    simulator.simulate(short)  # the reference wells (48-72 h) are not what is tested here
    strict = Simulator(engine=BatchEngine(max_steps=25))
    for content, solution in simulator.kept.items():
        strict.kept.keep(content, solution)
    outcomes = strict.simulate_many([short, long, short], timecourse_samples=2)
    assert isinstance(outcomes[1], SolverError) and "too many steps" in str(outcomes[1])
    alone = strict.simulate(short, timecourse_samples=2)
    for outcome in (outcomes[0], outcomes[2]):
        assert not isinstance(outcome, SolverError)
        np.testing.assert_array_equal(list(outcome.readouts.values()),
                                      list(alone.readouts.values()))


def test_run_conditions_rows_follow_the_input_order():
    names = [f"c{i}" for i in range(5)]
    conditions = {name: Condition(ratio=1 + i) for i, name in enumerate(reversed(names))}
    table = run_conditions(conditions)
    assert list(table.index) == list(conditions)
    assert list(table["ratio"]) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert (table["status"] == "ok").all()
    lysis = table["msc_lysis_pct"].to_numpy()
    assert (np.diff(lysis) > 0).all()  # more NK per MSC, more lysis


# -- pre-phases and K562 re-tests batched across conditions and parameter sets -----------

PRE_PHASED = [
    {"msc": {"ifng_pretreatment_ng_ml": 10, "source": "umbilical_cord"}, "ratio": 3},
    {"msc": {"ifng_pretreatment_ng_ml": 10, "source": "umbilical_cord"}, "ratio": 3},  # twice
    {"msc": {"tlr3_priming": True, "pretreatment_h": 24}, "nk": {"preactivation_h": 24}},
    {"msc": {"ifng_pretreatment_ng_ml": 50, "pretreatment_h": 0}, "culture": "transwell"},
    {"nk": {"preactivation_h": 0, "car": True}, "tumor": {"cells": 10000}, "duration_h": 24},
    {"msc": {"cells": 0}, "nk": {"cells": 50000}, "medium": {"tryptophan_uM": 5.0}},
    {"nk": {"cells": 0}, "msc": {"ifng_pretreatment_ng_ml": 100}},
]


def assert_same_result(together, alone) -> None:
    assert not isinstance(together, SolverError), together
    assert together.readouts.keys() == alone.readouts.keys()
    np.testing.assert_array_equal(list(together.readouts.values()), list(alone.readouts.values()))
    assert together.timecourse.equals(alone.timecourse)
    assert together.controls.keys() == alone.controls.keys()
    for label, frame in alone.controls.items():
        assert together.controls[label].equals(frame), label


def test_pairs_with_pre_phases_and_several_parameter_sets_equal_one_at_a_time(simulator):
    """Pre-treated MSCs, pre-activated NK cells and K562 re-tests of three parameter sets
    in one call; each equal to its simulator run one condition at a time."""
    simulators = [simulator, Simulator(params={"cd56bright_fraction_resting": 0.2}),
                  Simulator(params={"k_decay_ifng": 0.05, "ec50_il2": 20.0})]
    pairs = [(simulators[i % 3], c) for i, c in enumerate(PRE_PHASED + PRE_PHASED[:2])]
    together = simulate_batch(pairs)
    assert len(together) == len(pairs)
    for (each, condition), result in zip(pairs, together):
        assert_same_result(result, each.simulate(condition))


def test_a_failing_pre_phase_or_k562_re_test_is_that_conditions_value(simulator, monkeypatch):
    """A pre-treatment and a K562 re-test that fail in their batches fail their own
    conditions only (CAR NK: the only re-test with the ``car`` input on)."""
    model = simulator.model
    ifng, car = model.species.index("ifng"), model.inputs.index("car")
    real = _batching.solve_phases

    def failing(phase) -> bool:
        return ((phase.name == "pretreatment" and phase.state[ifng] == 77.0)
                or (phase.name == "k562_assay" and phase.inputs[car] == 1.0))

    def solve_phases(engine, model, phases, params):
        solved = real(engine, model, phases, params)
        return [SolverError(f"phase {p.name!r}: forced") if failing(p) else s
                for p, s in zip(phases, solved)]

    monkeypatch.setattr(_batching, "solve_phases", solve_phases)
    conditions = [{}, {"msc": {"ifng_pretreatment_ng_ml": 77}}, {"nk": {"car": True}}, {}]
    outcomes = simulator.simulate_many(conditions, timecourse_samples=5)
    assert "'pretreatment': forced" in str(outcomes[1])
    assert "'k562_assay': forced" in str(outcomes[2])
    alone = simulator.simulate({}, timecourse_samples=5)
    for outcome in (outcomes[0], outcomes[3]):
        assert_same_result(outcome, alone)


@pytest.mark.parametrize("failing", ["pretreatment", "preactivation", "k562_alone"])
def test_a_reference_failing_in_a_batch_fails_its_conditions_and_is_not_kept(
        simulator, monkeypatch, failing):
    """A reference phase (licensed MSCs, IL-2 NK cells, K562 grown alone) that fails fails
    every condition needing it, and nothing of it is kept: the next batch solves it again
    and gives what a fresh simulator gives. (The conditions have no pre-phases of their
    own, so every pre-treatment and pre-activation here is a reference well.)"""
    fresh = Simulator()
    real = _batching.solve_phases

    def solve_phases(engine, model, phases, params):
        solved = real(engine, model, phases, params)
        return [SolverError(f"phase {p.name!r}: forced") if p.name == failing else s
                for p, s in zip(phases, solved)]

    conditions = [{"ratio": 2}, {"msc": {"source": "adipose"}, "ratio": 2}]
    with monkeypatch.context() as patch:
        patch.setattr(_batching, "solve_phases", solve_phases)
        outcomes = fresh.simulate_many(conditions)
    assert all(f"{failing!r}: forced" in str(o) for o in outcomes), outcomes
    assert all(content[0] != failing for content, _ in fresh.kept.items())
    for condition, outcome in zip(conditions, fresh.simulate_many(conditions)):
        assert_same_result(outcome, simulator.simulate(condition))


def test_batched_pre_phases_equal_pre_phases_solved_alone_on_default_times(simulator):
    """Pre-phases carry the engine's default sample times, so solving them in a batch
    gives exactly what solving each alone without sample times gives."""
    from dataclasses import replace

    from mscnk.engine import solve_phases

    protocol = simulator.protocol
    condition = Condition.model_validate(
        {"msc": {"ifng_pretreatment_ng_ml": 10}, "nk": {"preactivation_h": 48}}).resolved()
    phases = protocol.pre_phases(condition)
    assert [p.name for p in phases] == ["pretreatment", "preactivation"]
    together = solve_phases(simulator.engine, simulator.model, phases, simulator.params)
    for phase, solution in zip(phases, together):
        alone = simulator.engine.solve(simulator.model, replace(phase, times=None),
                                       simulator.params)
        np.testing.assert_array_equal(solution.time_h, alone.time_h)
        np.testing.assert_array_equal(solution.states, alone.states)
