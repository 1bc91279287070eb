"""Many conditions at once give exactly what one condition at a time gives."""

from __future__ import annotations

import numpy as np

from mscnk.engine import ScipyEngine, SolverError
from mscnk.experiment import Condition, Simulator, run_conditions

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
    strict._references.update(simulator._references)
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
