"""Parameter sets: --params files and parameter_sweep blocks (grid and seeded samples)."""

from __future__ import annotations

import numpy as np
import pytest

from mscnk.experiment import ConditionError
from mscnk.experiment import load_experiment, plan_hash
from mscnk.experiment._parameters import (
    DEFAULT_SET,
    known_parameters,
    parameter_sets,
    parameter_values,
)

K = "k_decay_ifng"       # bounds [0.001, 0.1]
P = "p_granule_kill"     # bounds [0, 1]


def test_no_block_is_one_default_set():
    assert parameter_sets(None) == ({DEFAULT_SET: {}}, None)


def test_grid_is_the_cartesian_product_in_order():
    sets, seed = parameter_sets({"grid": {K: [0.01, 0.02], P: [0.5, 0.6, 0.7]}})
    assert seed is None
    assert len(sets) == 6
    assert list(sets.values())[:3] == [{K: 0.01, P: 0.5}, {K: 0.01, P: 0.6}, {K: 0.01, P: 0.7}]
    assert list(sets)[0] == f"{K}=0.01,{P}=0.5"


@pytest.mark.parametrize("method", ["random", "latin_hypercube", "sobol"])
def test_samples_lie_in_the_bounds_and_repeat_with_the_seed(method):
    block = {"sample": {"n": 64, "seed": 3, "method": method,
                        "parameters": {K: "log_uniform", P: "uniform"}}}
    first, seed = parameter_sets(block)
    again, _ = parameter_sets(block)
    other, _ = parameter_sets({"sample": {**block["sample"], "seed": 4}})
    assert seed == 3 and first == again and first != other
    values = np.array([[s[K], s[P]] for s in first.values()])
    assert len(values) == 64
    assert (values[:, 0] >= 0.001).all() and (values[:, 0] <= 0.1).all()
    assert (values[:, 1] >= 0).all() and (values[:, 1] <= 1).all()
    # log-uniform: the log spreads over the range, so about half lie below the geometric mean
    below = np.mean(values[:, 0] < np.sqrt(0.001 * 0.1))
    assert 0.3 < below < 0.7


def test_latin_hypercube_fills_every_stratum():
    sets, _ = parameter_sets({"sample": {"n": 10, "method": "latin_hypercube",
                                         "parameters": {P: "uniform"}}})
    strata = sorted(int(s[P] * 10) for s in sets.values())
    assert strata == list(range(10))


def test_narrower_range_and_grid_times_sample():
    sets, _ = parameter_sets({"grid": {K: [0.01, 0.05]},
                              "sample": {"n": 5, "parameters": {
                                  P: {"distribution": "uniform", "low": 0.2, "high": 0.3}}}})
    assert len(sets) == 10
    assert all(0.2 <= s[P] <= 0.3 for s in sets.values())
    assert {s[K] for s in sets.values()} == {0.01, 0.05}


@pytest.mark.parametrize("block, needles", [
    ({"grid": {"k_decay_ifgn": [0.01]}}, ["unknown parameter 'k_decay_ifgn'", "k_decay_ifng"]),
    ({"grid": {K: [5.0]}}, [K, "5.0", "outside its bounds", "0.001"]),
    ({"grid": {K: 0.01}}, [K, "non-empty list"]),
    ({"sample": {"n": 0, "parameters": [K]}}, ["n", "positive integer"]),
    ({"sample": {"n": 3, "method": "halton", "parameters": [K]}}, ["halton", "latin_hypercube"]),
    ({"sample": {"n": 3, "method": "sobol", "parameters": [K]}}, ["power of 2", "4"]),
    ({"sample": {"n": 3, "parameters": {P: "log_uniform"}}}, ["log_uniform needs low > 0"]),
    ({"sample": {"n": 3, "parameters": {P: "normal"}}}, ["'normal'", "uniform"]),
    ({"sample": {"n": 3, "parameters": {P: {"distribution": "uniform", "low": 0.5,
                                             "high": 0.2}}}}, ["low 0.5 must be below high 0.2"]),
    ({"sampel": {}}, ["unknown key 'sampel'", "did you mean 'sample'"]),
    ({"grid": {K: [0.01]}, "sample": {"n": 2, "parameters": [K]}}, ["both grid and sample"]),
])
def test_bad_blocks_name_the_problem(block, needles):
    with pytest.raises(ConditionError) as caught:
        parameter_sets(block)
    text = " ".join(caught.value.problems)
    assert all(n in text for n in needles), text


def test_parameter_values_check_every_entry_at_once():
    with pytest.raises(ConditionError) as caught:
        parameter_values({K: 1.0, "nope": 1, P: "x"})
    assert len(caught.value.problems) == 3
    assert parameter_values({K: {"value": 0.02}, P: 0.5}) == {K: 0.02, P: 0.5}


def test_experiment_jobs_put_every_condition_under_every_set():
    experiment = load_experiment({"sweep": {"ratio": [1, 10]},
                                  "parameter_sweep": {"grid": {K: [0.01, 0.02, 0.04]}}})
    jobs = experiment.jobs({P: 0.5})
    assert [j.index for j in jobs] == list(range(6))
    assert [j.condition_name for j in jobs[:2]] == ["ratio=1", "ratio=10"]
    assert jobs[0].params == {P: 0.5, K: 0.01} and jobs[5].params == {P: 0.5, K: 0.04}
    assert jobs == list(experiment.iter_jobs({P: 0.5})) and experiment.size == 6
    again = load_experiment(experiment.document)
    assert plan_hash(experiment, {P: 0.5}) == plan_hash(again, {P: 0.5})
    assert plan_hash(experiment, {P: 0.5}) != plan_hash(experiment, {P: 0.6})
    # the older per-job form still works for callers holding a list
    assert plan_hash(jobs) == plan_hash(again.jobs({P: 0.5})) != plan_hash(experiment.jobs({P: 0.6}))


def test_grid_refuses_repeated_values_and_huge_samples():
    with pytest.raises(ConditionError, match="lists a value more than once: 0.01"):
        parameter_sets({"grid": {K: [0.01, 0.02, 0.01]}})
    with pytest.raises(ConditionError, match="more than the limit"):
        parameter_sets({"sample": {"n": 10**11, "parameters": [K]}})


def test_condition_and_parameter_problems_are_reported_together():
    with pytest.raises(ConditionError) as caught:
        load_experiment({"ratoi": 1, "parameter_sweep": {"grid": {"k_decay_ifgn": [0.01]}}})
    text = "\n".join(caught.value.problems)
    assert "did you mean 'ratio'" in text and "did you mean 'k_decay_ifng'" in text


def test_grid_past_the_limit_is_refused_before_it_is_built():
    axis = [0.001 + i * 1e-6 for i in range(10_000)]
    with pytest.raises(ConditionError, match="10,000,000,000 combinations is more than"):
        parameter_sets({"grid": {K: axis, P: [i / 1e6 for i in range(1_000_000)]}})


def test_known_parameters_have_bounds_around_defaults():
    for parameter in known_parameters().values():
        assert parameter.lower <= parameter.value <= parameter.upper


def test_example_files_load_with_their_stated_sizes():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "examples"
    sizes = {path.name: load_experiment(path).size for path in folder.glob("*.yaml")}
    assert sizes == {path.name: len(load_experiment(path).jobs()) for path in folder.glob("*.yaml")}
    assert sizes["large_sweep.yaml"] == 20_000
    assert sizes["parameter_samples.yaml"] == 5 * 64



def test_run_experiment_runs_every_parameter_set():
    from mscnk import run_experiment

    table = run_experiment({"assay": "cytotoxicity", "sweep": {"ratio": [3, 10]},
                            "parameter_sweep": {"grid": {P: [0.4, 0.8]}}})
    assert len(table) == 4 and table["parameter_set"].nunique() == 2
    low = table[table[f"param.{P}"] == 0.4]["msc_lysis_pct"].to_numpy()
    high = table[table[f"param.{P}"] == 0.8]["msc_lysis_pct"].to_numpy()
    assert (high > low).all()  # the parameter reaches the engine


def test_listed_sets_are_named_and_checked_like_parameter_files():
    from mscnk.experiment._parameters import count_parameter_sets

    block = {"sets": [{"p_granule_kill": 0.3}, {"p_granule_kill": 0.5, "k_trail": 0.1}]}
    sets, seed = parameter_sets(block)
    assert sets == {"set_0": {"p_granule_kill": 0.3},
                    "set_1": {"p_granule_kill": 0.5, "k_trail": 0.1}}
    assert seed is None and count_parameter_sets(block) == 2
    with pytest.raises(ConditionError, match=r"parameter_sweep.sets.set_0: p_granule_kill = 3"):
        parameter_sets({"sets": [{"p_granule_kill": 3}]})
    with pytest.raises(ConditionError, match="does not combine with 'grid' or 'sample'"):
        parameter_sets({"sets": [{"p_granule_kill": 0.3}], "grid": {"k_trail": [0.1]}})
