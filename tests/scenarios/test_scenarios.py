"""A scenario from a folder outside the package runs through everything.

``tests/scenarios/priming`` (four species; see its ``__init__.py``) goes through the
simulator, a problem's ``evaluate``, ``mscnk run`` with ``--resume``, ``mscnk validate``
and the SBML export, with no code for it anywhere but its folder.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mscnk.analysis import Problem, validate_results
from mscnk.experiment import Simulator, load_experiment
from mscnk.scenarios import ConditionError, builtin_scenarios, load_scenario

from helpers import run_cli

FOLDER = Path(__file__).parent / "priming"
PRIMED = {"cytokine_ng_ml": 10.0, "priming_h": 24.0}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(FOLDER)


@pytest.fixture(scope="module")
def simulator(scenario):
    return Simulator(scenario)


def test_a_folder_loads_once_and_crosses_processes_by_its_location(scenario):
    assert scenario.name == "priming" and "priming" not in builtin_scenarios()
    assert load_scenario(str(FOLDER)) is scenario
    assert pickle.loads(pickle.dumps(scenario)) is scenario  # how dask workers get it
    assert [s.name for s in scenario.model.species] == [
        "targets", "effectors", "activation", "cytokine"]
    assert all(p.provenance.startswith("assumed") for p in scenario.model.parameters)


def test_an_unknown_scenario_is_a_clear_error(tmp_path):
    with pytest.raises(ConditionError, match="'nowhere' is neither a built-in scenario"):
        load_scenario("nowhere")
    (tmp_path / "__init__.py").write_text("X = 1\n")
    with pytest.raises(ConditionError, match="defines no SCENARIO"):
        load_scenario(tmp_path)
    result = run_cli(["run", FOLDER / "findings.yaml", "--scenario", "cocultur",
                      "--out", tmp_path / "out"])
    assert result.exit_code == 2 and "coculture" in result.flat
    assert not (tmp_path / "out").exists()


def test_the_simulator_runs_its_stages(simulator):
    resting, primed = simulator.simulate_many([{}, PRIMED])
    assert [p.name for p in primed.trajectory.phases] == ["priming", "main"]
    assert [p.name for p in resting.trajectory.phases] == ["main"]
    assert primed.readouts["activation_rel"] > 5 * resting.readouts["activation_rel"]
    assert primed.readouts["kill_pct"] > resting.readouts["kill_pct"] > 0
    assert set(primed.controls) == {"without_effectors"}
    alone = simulator.simulate({"effectors": 0})
    assert math.isnan(alone.readouts["kill_pct"]) and not alone.control_trajectories
    membrane = simulator.simulate({**PRIMED, "contact": False})
    assert abs(membrane.readouts["kill_pct"]) < 1e-3  # the two wells differ by round-off
    assert "targets" in primed.timecourse.columns and primed.timecourse["time_h"].min() == -24


def test_bad_conditions_name_the_field(simulator):
    with pytest.raises(ConditionError, match="effectors"):
        simulator.simulate({"effectors": -1})
    with pytest.raises(ConditionError, match="unknown field|extra|ratio"):
        simulator.simulate({"ratio": 5})


def test_a_problem_evaluates_rows_of_parameters_through_the_batched_engine(scenario):
    conditions = {"resting": {}, "primed": PRIMED}
    problem = Problem(scenario, conditions, ["k_kill", "ec50_cytokine"], ["kill_pct",
                                                                         "activation_rel"])
    theta = np.array([[0.02, 1.0], [0.05, 1.0], [0.2, 1.0], [0.05, 20.0]])
    values = problem.evaluate(theta)
    assert values.shape == (4, 4) and problem.output_names[0] == "resting:kill_pct"
    kill_primed = values[:, problem.output_names.index("primed:kill_pct")]
    assert kill_primed[0] < kill_primed[1] < kill_primed[2]  # more killing per effector
    activation = values[:, problem.output_names.index("primed:activation_rel")]
    assert activation[3] < activation[1]  # a higher EC50: less priming
    for row in (0, 3):  # the same numbers as a simulator with those parameters
        own = Simulator(scenario, params=dict(zip(problem.parameters, theta[row])))
        for c, condition in enumerate(conditions.values()):
            result = own.simulate(condition)
            for r, name in enumerate(problem.readouts):
                assert values[row, c * 2 + r] == result.readouts[name], (row, condition, name)
    assert problem.salib_problem()["bounds"] == [[0.001, 1.0], [0.01, 100.0]]


def test_a_problem_refuses_bad_names_and_out_of_bounds_rows(scenario):
    with pytest.raises(ConditionError, match="unknown parameter 'k_kil'.*k_kill"):
        Problem(scenario, {"a": {}}, ["k_kil"])
    with pytest.raises(ConditionError, match="unknown readout 'kill'"):
        Problem(scenario, {"a": {}}, [], ["kill"])
    problem = Problem(scenario, {"a": {}}, ["k_kill"])
    with pytest.raises(ConditionError, match=r"theta\[1, 0\] \(k_kill\) = 5.0"):
        problem.evaluate([[0.1], [5.0]])
    with pytest.raises(ConditionError, match=r"expected shape \(n, 1\)"):
        problem.evaluate(np.zeros((2, 3)))


def test_validate_checks_the_scenarios_own_findings(scenario):
    results = validate_results(FOLDER / "findings.yaml", scenario=scenario)
    assert [(r.id, r.passed) for r in results] == [("P01", True), ("P02", True)], [
        r.detail for r in results]
    cli = run_cli(["validate", FOLDER / "findings.yaml", "--scenario", FOLDER])
    assert cli.exit_code == 0 and "2 passed, 0 failed" in cli.output, cli.output
    wrong = run_cli(["validate", FOLDER / "findings.yaml"])  # co-culture readouts and fields
    assert wrong.exit_code == 2 and "unknown readout 'kill_pct'" in wrong.flat


def test_a_sweep_runs_resumes_and_reads_back(scenario, tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: {priming_h: 12}\nsweep:\n  effectors: [0, 1000, 10000, 100000]\n"
                     "  cytokine_ng_ml: [0, 1, 10]\n")
    out = tmp_path / "run"
    first = run_cli(["run", sweep, "--scenario", FOLDER, "--out", out, "--chunk-size", "5",
                     "--format", "csv"])
    assert first.exit_code == 0, first.output
    rows = pd.read_parquet(out / "chunks").sort_values("job").reset_index(drop=True)
    assert len(rows) == 12 and set(rows["status"]) == {"ok"}
    assert {"kill_pct", "activation_rel", "effectors", "cytokine_ng_ml"} <= set(rows.columns)
    assert "msc_lysis_pct" not in rows.columns
    # lose a chunk as a crash would, then finish the run
    (out / "chunks" / "chunk-000001.parquet").unlink()
    import json

    meta = json.loads((out / "run.json").read_text())
    assert meta["scenario"] == str(FOLDER.resolve())
    meta["status"] = "interrupted"
    (out / "run.json").write_text(json.dumps(meta))
    again = run_cli(["run", sweep, "--scenario", FOLDER, "--out", out, "--resume"])
    assert again.exit_code == 0, again.output
    resumed = pd.read_parquet(out / "chunks").sort_values("job").reset_index(drop=True)
    pd.testing.assert_frame_equal(resumed, rows)
    summary = run_cli(["results", out])
    assert summary.exit_code == 0 and "kill_pct" in summary.output, summary.output
    query = run_cli(["results", out, "--query", "effectors > 0"])
    assert query.exit_code == 0 and "kill_pct" in query.output, query.output
    curve = run_cli(["plot", out, "--x", "effectors", "--y", "kill_pct", "--hue",
                     "cytokine_ng_ml", "--out", tmp_path / "curve"])
    assert curve.exit_code == 0 and (tmp_path / "curve.png").exists(), curve.output
    course = run_cli(["plot", out, "--time-course", "--where", "job < 2", "--species",
                      "targets", "--species", "activation", "--out", tmp_path / "course"])
    assert course.exit_code == 0 and (tmp_path / "course.png").exists(), course.output
    wrong = run_cli(["plot", out, "--x", "effectors", "--y", "msc_lysis_pct"])
    assert wrong.exit_code == 2 and "readouts: kill_pct" in wrong.flat
    experiment = load_experiment(sweep, scenario=scenario)
    assert experiment.size == 12


def test_the_export_reproduces_a_conditions_main_well(scenario, simulator, tmp_path):
    import roadrunner

    condition = tmp_path / "condition.yaml"
    condition.write_text("cytokine_ng_ml: 10\npriming_h: 24\nduration_h: 12\n")
    out = tmp_path / "primed.xml"
    result = run_cli(["export", "sbml", out, "--scenario", FOLDER, "--condition", condition])
    assert result.exit_code == 0, result.output
    runner = roadrunner.RoadRunner(out.read_text())
    species = list(scenario.compiled.species)
    runner.timeCourseSelections = ["time", *species]
    main = simulator.simulate({**PRIMED, "duration_h": 12.0}).trajectory.main
    theirs = np.asarray(runner.simulate(times=list(main.time_h)))[:, 1:]
    scale = np.maximum(np.abs(main.states).max(axis=0), 1e-6)
    assert (np.abs(theirs - main.states) / scale).max() < 1e-4


def test_a_plan_counts_the_fitted_parameters_of_its_own_scenario(scenario):
    from mscnk.experiment._parameters import _fitted, count_parameter_sets, known_parameters

    block = {"sample": {"n": 3, "method": "morris", "parameters": "fitted"}}
    fitted = sum(map(_fitted, known_parameters().values()))  # the co-culture's
    assert fitted > 0
    # the priming scenario fits nothing: 3 trajectories of 1 point, not of fitted + 1
    assert count_parameter_sets(block, scenario) == 3
    assert count_parameter_sets(block) == 3 * (fitted + 1)
