"""Calibration to a lab's measurements (PEtab in, pyPESTO multi-start and profiles)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import mscnk
from mscnk.analysis import FitParameter, fit_measurements, read_petab, write_petab
from mscnk.experiment import ConditionError
from mscnk.scenarios import load_scenario

from helpers import ROOT_EXAMPLES, run_cli

TRUE = {"activation_half": 3.0, "k_conjugation": 0.3}
RESTING = {"activation": {"il2_u_ml": 0}, "preactivation_h": 0}
CONDITIONS = {**{f"il2_{r}": {"assay": "cytotoxicity", "ratio": r} for r in (1, 3, 10, 30)},
              **{f"resting_{r}": {"assay": "cytotoxicity", "ratio": r, "nk": RESTING}
                 for r in (3, 30)}}
READOUTS = ("msc_lysis_pct", "cd107a_pct")


def _data(sd: float, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for name, condition in CONDITIONS.items():
        readouts = mscnk.simulate(condition, params=TRUE).readouts
        for readout in READOUTS:
            rows.append({"condition": name, "readout": readout, "sigma": max(sd, 0.5),
                         "value": float(readouts[readout] + rng.normal(0, sd))})
    return pd.DataFrame(rows)


def _parameters() -> list[FitParameter]:
    known = load_scenario(None).parameters_by_name
    return [FitParameter(n, known[n].lower, known[n].upper, known[n].value, "log10")
            for n in TRUE]


def test_calibration_recovers_known_parameters_within_profile_intervals():
    found = fit_measurements(CONDITIONS, _data(sd=1.0), _parameters(), starts=3, seed=1)
    for name, truth in TRUE.items():
        low, high = found.intervals[name]
        assert low <= truth <= high, (name, truth, low, high)
        assert low <= found.values[name] <= high
        assert high < load_scenario(None).parameters_by_name[name].upper  # bounded above
    assert found.starts.objective.iloc[0] == pytest.approx(found.objective, rel=1e-6)
    assert len(found.residuals) == 12 and found.residuals.residual.abs().max() < 4


def test_calibration_recovers_noise_free_values_closely():
    found = fit_measurements(CONDITIONS, _data(sd=0.0), _parameters(), starts=2, seed=2,
                             profiles=False)
    for name, truth in TRUE.items():
        assert found.values[name] == pytest.approx(truth, rel=0.03), name
    assert found.intervals == {}


def test_a_petab_problem_round_trips(tmp_path):
    data = _data(sd=1.0)
    problem = write_petab(tmp_path / "lab", CONDITIONS, data, _parameters(),
                          durations=dict.fromkeys(CONDITIONS, 4.0))
    conditions, measurements, estimated, fixed = read_petab(problem)
    assert conditions == CONDITIONS
    pd.testing.assert_frame_equal(measurements[["condition", "readout", "value", "sigma"]],
                                  data[["condition", "readout", "value", "sigma"]],
                                  check_dtype=False)
    assert estimated == _parameters() and fixed == {}


@pytest.mark.parametrize("parameter, needle", [
    (FitParameter("not_a_parameter", 1, 2, 1.5), "unknown parameter 'not_a_parameter'"),
    (FitParameter("k_conjugation", 0.01, 2, 0.4), "must lie within its declared bounds"),
    (FitParameter("k_conjugation", 0.1, 2, 5.0), "nominal value 5.0 is outside"),
    (FitParameter("k_conjugation", 0.1, 2, 0.4, scale="ln"), "scale 'ln' is not allowed"),
])
def test_bad_parameters_are_refused_by_name(parameter, needle):
    with pytest.raises(ConditionError, match=needle):
        fit_measurements(CONDITIONS, _data(sd=0.0), [parameter])


def test_mscnk_calibrate_writes_a_parameter_file_the_other_commands_take(tmp_path):
    params = tmp_path / "lab.yaml"
    result = run_cli(["calibrate", str(ROOT_EXAMPLES / "calibration" / "problem.yaml"),
                      "--params-out", str(params), "--out", str(tmp_path / "fit"),
                      "--starts", "2", "--no-profiles", "--workers", "1"])
    assert result.exit_code == 0, result.output
    values = yaml.safe_load(params.read_text())
    assert set(values) == set(TRUE)
    assert {p.name for p in (tmp_path / "fit").iterdir()} == {
        "estimates.csv", "residuals.csv", "starts.csv", "calibration.png", "calibration.svg"}
    again = run_cli(["run", str(ROOT_EXAMPLES / "condition.yaml"), "--params", str(params),
                     "--out", str(tmp_path / "run")])
    assert again.exit_code == 0, again.output
    before = params.read_bytes()
    refused = run_cli(["calibrate", str(ROOT_EXAMPLES / "calibration" / "problem.yaml"),
                       "--params-out", str(params)])
    assert refused.exit_code == 2 and "--overwrite" in refused.flat
    assert params.read_bytes() == before


def test_mscnk_calibrate_names_a_broken_problem(tmp_path):
    problem = tmp_path / "problem.yaml"
    problem.write_text("format_version: 1\nparameter_file: missing.tsv\nproblems: []\n")
    result = run_cli(["calibrate", str(problem), "--params-out", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2 and result.exception is None
    assert "PEtab problem" in result.flat
    assert not (tmp_path / "p.yaml").exists()


def test_the_profile_ensemble_gives_prediction_bands(tmp_path):
    found = fit_measurements(CONDITIONS, _data(sd=1.0), _parameters(), starts=2, seed=1)
    ensemble = found.ensemble
    assert list(ensemble.columns) == list(TRUE) and len(ensemble) > 5
    assert ensemble.iloc[0].to_dict() == pytest.approx(found.values)
    for name in TRUE:  # every member lies inside its parameter's profile interval
        low, high = found.intervals[name]
        assert ensemble[name].between(low * (1 - 1e-9), high * (1 + 1e-9)).all(), name
    table = tmp_path / "ensemble.csv"
    ensemble.to_csv(table, index=False)
    experiment = tmp_path / "sweep.yaml"
    experiment.write_text("assay: cytotoxicity\nsweep: {ratio: [3, 30]}\n")
    out = tmp_path / "run"
    result = run_cli(["run", str(experiment), "--ensemble", str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"median [5 %, 95 %] over {len(ensemble)} parameter sets" in result.flat
    assert "msc_lysis_pct" in result.stdout and " [" in result.stdout
    figure = run_cli(["plot", str(out), "--x", "ratio", "--y", "msc_lysis_pct", "--band", "90",
                      "--out", str(tmp_path / "band")])
    assert figure.exit_code == 0, figure.output
    swept = tmp_path / "swept.yaml"
    swept.write_text("assay: cytotoxicity\nparameter_sweep: {grid: {k_trail: [0.1, 0.2]}}\n")
    refused = run_cli(["run", str(swept), "--ensemble", str(table), "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2 and "--ensemble gives the parameter sets itself" in refused.flat


def test_export_petab_writes_the_published_numbers_of_findings(tmp_path):
    findings = ROOT_EXAMPLES.parent / "tests" / "data" / "quant_findings.yaml"
    out = tmp_path / "petab"
    result = run_cli(["export", "petab", str(findings), "--out", str(out),
                      "--estimate", "p_granule_kill"])
    assert result.exit_code == 0, result.output
    conditions, measurements, estimated, fixed = read_petab(out / "problem.yaml")
    q08 = measurements.set_index("condition").loc["Q08__resting"]
    assert (q08.readout, q08.value) == ("nk_cytotoxicity_k562_pct", 32.5)  # [15, 50]
    assert q08.sigma == pytest.approx(35 / 3.92)
    assert [p.name for p in estimated] == ["p_granule_kill"] and estimated[0].scale == "lin"
    for raw in conditions.values():  # every condition is a valid one
        load_scenario(None).condition_from(raw)
    again = run_cli(["export", "petab", str(findings), "--out", str(out)])
    assert again.exit_code == 2 and "is not empty" in again.flat


@pytest.mark.parametrize("table, old, new, needle", [
    ("measurements.tsv", "measurement\t", "value\t",
     "the measurement table has no column 'measurement'"),
    ("parameters.tsv", "0.8\t80.0", "low\t80.0",
     "activation_half: lowerBound, upperBound, nominalValue and estimate must be numbers"),
    ("conditions.tsv", "conditionId\tassay", "conditionId\tasay",
     "condition il2_1to1: unknown field 'asay'"),
    ("measurements.tsv", "msc_lysis_pct\til2_1to1", "msc_lysis\til2_1to1",
     "did you mean 'msc_lysis_pct'"),
])
def test_a_bad_petab_table_is_named_without_a_traceback(tmp_path, table, old, new, needle):
    for source in (ROOT_EXAMPLES / "calibration").iterdir():
        text = source.read_text()
        (tmp_path / source.name).write_text(text.replace(old, new, 1)
                                            if source.name == table else text)
    result = run_cli(["calibrate", str(tmp_path / "problem.yaml"),
                      "--params-out", str(tmp_path / "out.yaml")])
    assert result.exit_code == 2 and result.exception is None, result.output
    assert needle in result.flat
    assert not (tmp_path / "out.yaml").exists()
