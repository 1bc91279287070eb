"""Sensitivity analysis: SALib designs as parameter sweeps, indices read back from the run."""

from __future__ import annotations

import pandas as pd
import pytest

from mscnk.analysis import analyse_run
from mscnk.experiment import ConditionError, sensitivity_design
from mscnk.experiment._parameters import count_parameter_sets, parameter_sets
from mscnk.runs import InProcess, run_sweep

from helpers import run_cli

#: Two parameters that move MSC lysis in a 4 h assay, and one that cannot (no tumor cells).
MOVING, INERT = ["p_granule_kill", "k_trail"], "tumor_capacity"


def _experiment(method: str, n: int) -> dict:
    return {"assay": "cytotoxicity", "ratio": 10,
            "parameter_sweep": {"sample": {"n": n, "seed": 5, "method": method,
                                           "parameters": [*MOVING, INERT]}}}


@pytest.fixture(scope="module")
def sobol_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sobol") / "run"
    run_sweep(_experiment("saltelli", 64), out, executor=InProcess(threads=1))
    return out


@pytest.mark.parametrize("method, n, sets", [("saltelli", 8, 8 * (3 + 2)),
                                             ("morris", 4, 4 * (3 + 1))])
def test_a_salib_design_makes_the_rows_its_analysis_reads(method, n, sets):
    block = _experiment(method, n)["parameter_sweep"]
    made, _ = parameter_sets(block)
    assert len(made) == sets == count_parameter_sets(block)
    design = sensitivity_design(block)
    assert design.unit.shape == (sets, 3) and design.parameters == (*MOVING, INERT)
    assert list(design.set_names) == list(made)
    again = sensitivity_design(block)  # seeded: the analysis can rebuild the design
    assert (again.unit == design.unit).all()


def test_fitted_samples_every_fitted_parameter():
    from mscnk.experiment._parameters import known_parameters

    fitted = [n for n, p in known_parameters().items()
              if p.kind == "constant" and p.provenance.startswith("fitted")]
    block = {"sample": {"n": 2, "method": "saltelli", "parameters": "fitted"}}
    assert sensitivity_design(block).parameters == tuple(fitted)
    assert count_parameter_sets(block) == 2 * (len(fitted) + 2)


@pytest.mark.parametrize("sample, needle", [
    ({"n": 6, "method": "saltelli", "parameters": MOVING}, "saltelli needs a power of 2"),
    ({"n": 4, "method": "morris", "parameters": MOVING[:1]}, "morris needs at least 2"),
    ({"n": 4, "method": "latin_hypercube", "parameters": MOVING}, "method saltelli or morris"),
])
def test_a_design_that_cannot_be_analysed_is_refused(sample, needle):
    with pytest.raises(ConditionError, match=needle):
        sensitivity_design({"sample": sample})


def test_sobol_indices_find_the_inert_parameter_and_the_killing_ones(sobol_run):
    found = analyse_run(sobol_run, readouts=["msc_lysis_pct"])
    assert found.method == "saltelli" and found.sets == 64 * 5
    indices = found.indices.set_index("parameter")
    assert indices.loc[INERT, "ST"] == pytest.approx(0, abs=1e-12)
    assert indices.loc[INERT, "S1"] == pytest.approx(0, abs=1e-12)
    for name in MOVING:
        assert indices.loc[name, "ST"] > 0.05, name
    assert (indices.ST_conf >= 0).all() and (indices.S1_conf >= 0).all()
    by_mechanism = found.mechanisms.set_index("mechanism")
    # shared among the live mechanisms that use them: no tumor mechanism without tumor cells
    assert not {"tumor_targets", "car_nk_killing", "cd48_2b4"} & set(by_mechanism.index)
    assert by_mechanism.ST.sum() == pytest.approx(indices.ST.sum())
    assert {"perforin_granzyme", "trail_killing"} <= set(by_mechanism.index)


def test_morris_screening_ranks_the_same_way(tmp_path):
    out = tmp_path / "morris"
    run_sweep(_experiment("morris", 8), out, executor=InProcess(threads=1))
    found = analyse_run(out, readouts=["msc_lysis_pct"])
    indices = found.indices.set_index("parameter")
    assert indices.loc[INERT, "mu_star"] == 0
    assert all(indices.loc[name, "mu_star"] > 0 for name in MOVING)
    assert indices.share.sum() == pytest.approx(1)


def test_a_readout_that_never_varies_is_named_not_analysed(sobol_run):
    found = analyse_run(sobol_run, readouts=["tumor_kill_pct", "msc_lysis_pct"])
    assert set(found.indices.readout) == {"msc_lysis_pct"}
    assert any("tumor_kill_pct" in line for line in found.skipped)


def test_mscnk_sensitivity_runs_analyses_and_rereads_a_run(tmp_path):
    experiment = tmp_path / "sobol.yaml"
    experiment.write_text("assay: cytotoxicity\nratio: 10\nparameter_sweep:\n  sample:\n"
                          "    n: 8\n    method: saltelli\n"
                          f"    parameters: [{', '.join([*MOVING, INERT])}]\n")
    out = tmp_path / "run"
    result = run_cli(["sensitivity", str(experiment), "--out", str(out), "--workers", "1",
                      "--readout", "msc_lysis_pct"])
    assert result.exit_code == 0, result.output
    indices = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert set(indices.parameter) == {*MOVING, INERT}
    assert (out / "sensitivity" / "condition_msc_lysis_pct.png").exists()
    again = run_cli(["sensitivity", str(out), "--readout", "msc_lysis_pct", "--format", "csv"])
    assert again.exit_code == 0, again.output
    assert "p_granule_kill" in again.stdout


def test_mscnk_sensitivity_refuses_an_unsampled_experiment_writing_nothing(tmp_path):
    experiment = tmp_path / "plain.yaml"
    experiment.write_text("assay: cytotoxicity\nsweep: {ratio: [1, 10]}\n")
    out = tmp_path / "run"
    result = run_cli(["sensitivity", str(experiment), "--out", str(out)])
    assert result.exit_code == 2 and result.exception is None
    assert "method saltelli or morris" in result.flat
    assert not out.exists()


def test_rank_indices_keep_the_inert_parameter_at_zero(sobol_run):
    found = analyse_run(sobol_run, readouts=["msc_lysis_pct"], rank=True)
    assert found.rank
    indices = found.indices.set_index("parameter")
    assert indices.loc[INERT, "ST"] == pytest.approx(0, abs=1e-12)
    assert all(indices.loc[name, "ST"] > 0.05 for name in MOVING)


def test_a_readout_can_be_asked_for_in_one_condition_only(tmp_path):
    out = tmp_path / "two"
    experiment = {**_experiment("saltelli", 8), "conditions": {"a": {}, "b": {"ratio": 3}}}
    run_sweep(experiment, out, executor=InProcess(threads=1))
    found = analyse_run(out, readouts=["msc_lysis_pct@b", "cd107a_pct"])
    pairs = set(zip(found.indices.condition, found.indices.readout))
    assert pairs == {("b", "msc_lysis_pct"), ("a", "cd107a_pct"), ("b", "cd107a_pct")}
    with pytest.raises(ConditionError, match="no condition 'c' in the run"):
        analyse_run(out, readouts=["msc_lysis_pct@c"])


def test_a_parameters_index_goes_to_the_mechanisms_that_carry_its_effect(sobol_run):
    found = analyse_run(sobol_run, readouts=["msc_lysis_pct"])
    by_mechanism = found.mechanisms.set_index("mechanism").ST
    # p_granule_kill is used by granule killing (perforin_granzyme) and by the serpin B9
    # block of it; TRAIL and FasL carry k_trail
    assert by_mechanism.idxmax() in {"perforin_granzyme", "trail_killing", "fasl_killing"}
    assert by_mechanism.get("tumor_targets", 0) == 0
    shares_sum = found.mechanisms.ST.sum()
    assert shares_sum == pytest.approx(found.indices.ST.sum())
