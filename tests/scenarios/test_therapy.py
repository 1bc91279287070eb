"""Therapy scenarios (tumor, gvhd, transplant, infection): the behaviours issue 14 asks of
them, what their in vivo processes do in isolation, and their files and commands.

Each scenario's strategies run as one batch (``simulate_many``); the numbers compared are
model outcomes, never clipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mscnk.analysis import compare_strategies
from mscnk.experiment import Simulator, load_experiment
from mscnk.scenarios import ConditionError, load_scenario

from helpers import run_cli

EXAMPLES = Path(__file__).parents[2] / "examples"
CAR_NK = {"nk": {"dose_per_kg": 1e7, "car": True}}
DRUGS = {"drugs": [{"name": "ns398_uM", "level": 10}], "antibodies": [{"name": "anti_tgfb"}]}
MSC = {"dose_per_kg": 2e6}


def outcomes(scenario: str, strategies: dict) -> dict[str, dict[str, float]]:
    results = Simulator(load_scenario(scenario)).simulate_many(list(strategies.values()))
    return {name: result.readouts for name, result in zip(strategies, results)}


@pytest.fixture(scope="module")
def tumor():
    return outcomes("tumor", {
        "car": CAR_NK,
        "car_without_ta_msc": {**CAR_NK, "site": {"msc": {"cells": 0}}},
        "car_with_drugs": {**CAR_NK, **DRUGS},
    })


@pytest.fixture(scope="module")
def gvhd():
    low = {"milieu": {"il12_ng_ml": 0, "il18_ng_ml": 0, "il15_ng_ml": 0.05}, "nk": {"cells": 1e6}}
    high = {"milieu": {"il12_ng_ml": 5, "il15_ng_ml": 5, "il18_ng_ml": 50}, "nk": {"cells": 2e7}}
    return outcomes("gvhd", {
        "untreated": {},
        "naive": {"msc": MSC},
        "licensed": {"msc": {**MSC, "licensing_ifng_ng_ml": 100}},
        "exosomes": {"exosomes": {"dose_per_kg": 1000}},
        "naive_quiet_milieu": {"msc": MSC, "site": low},
        "naive_activated_milieu": {"msc": MSC, "site": high},
        "msc_before_nk": {"msc": {**MSC, "first_day": 0}, "nk": {"dose_per_kg": 1e7, "first_day": 3}},
        "msc_after_nk": {"msc": {**MSC, "first_day": 3}, "nk": {"dose_per_kg": 1e7, "first_day": 0}},
    })


def test_tumor_associated_mscs_lower_car_nk_control_and_drugs_restore_part_of_it(tumor):
    without, with_ta = (tumor["car_without_ta_msc"]["tumor_control_pct"],
                        tumor["car"]["tumor_control_pct"])
    restored = tumor["car_with_drugs"]["tumor_control_pct"]
    assert with_ta < without - 10  # TA-MSCs take a clear part of the control away
    assert with_ta < restored < without  # anti-TGF-beta + COX-2 inhibitor: part of it back


def test_licensed_mscs_lower_gvhd_damage_more_than_naive_mscs(gvhd):
    damage = {name: gvhd[name]["damage_index_pct"] for name in ("untreated", "naive", "licensed")}
    assert damage["licensed"] < damage["naive"] < damage["untreated"]
    # licensed MSCs carry HLA-I up: NK cells kill fewer of them
    assert gvhd["licensed"]["msc_killed_by_nk_pct"] < gvhd["naive"]["msc_killed_by_nk_pct"]


def test_naive_mscs_are_cleared_faster_in_an_activated_nk_milieu(gvhd):
    quiet, activated = gvhd["naive_quiet_milieu"], gvhd["naive_activated_milieu"]
    assert activated["msc_killed_by_nk_pct"] > 10 * quiet["msc_killed_by_nk_pct"]
    assert activated["msc_site_cell_days"] < quiet["msc_site_cell_days"]


def test_mscs_given_after_an_nk_infusion_meet_more_nk_cells_and_more_of_them_are_killed(gvhd):
    # ratio logic: MSCs that arrive after the NK infusion face a higher NK:MSC ratio
    before, after = gvhd["msc_before_nk"], gvhd["msc_after_nk"]
    assert after["msc_killed_by_nk_pct"] > 1.3 * before["msc_killed_by_nk_pct"]
    assert after["msc_site_cell_days"] < before["msc_site_cell_days"]


def test_exosomes_act_without_being_killed_but_more_weakly_and_briefly_than_cells(gvhd):
    exosomes, cells = gvhd["exosomes"], gvhd["naive"]
    assert 0 < exosomes["damage_prevented_pct"] < cells["damage_prevented_pct"]
    assert np.isnan(exosomes["msc_killed_by_nk_pct"])  # no cells to kill
    comparison = compare_strategies({"scenario": "gvhd", "strategies": {
        "untreated": {}, "exosomes": {"exosomes": {"dose_per_kg": 1000}}, "cells": {"msc": MSC}}})
    lines = comparison.timelines
    effect = {name: lines["untreated"]["ifng"] - lines[name]["ifng"] for name in ("exosomes", "cells")}
    days = lines["untreated"]["day"]
    # how long the IFN-gamma the product holds back stays above half its largest
    lasting = {name: float(np.ptp(days[e >= 0.5 * e.max()])) for name, e in effect.items()}
    assert lasting["exosomes"] < lasting["cells"]


def test_an_msc_dose_is_mostly_trapped_in_the_lung_and_about_a_percent_reaches_the_site():
    scenario = load_scenario("gvhd")
    result = Simulator(scenario).simulate({"msc": MSC, "horizon_days": 3})
    index = {name: i for i, name in enumerate(scenario.compiled.species)}
    first = result.trajectory.phases[1]  # day 0 to 12 h
    dose = 2e6 * 70
    arrived = first.final[index["msc_arrived"]]
    assert 0.002 < arrived / dose < 0.05  # Kean 2013: under a few percent reach the tissue
    lung_at_12h = first.final[index["msc_lung"]]
    lung_at_3d = result.trajectory.phases[-1].final[index["msc_lung"]]
    assert lung_at_12h > 0.1 * dose and lung_at_3d < 0.01 * dose  # Eggenhofer 2012


def test_each_example_runs_through_compare_to_a_table_and_a_figure(tmp_path):
    for name in ("tumor", "gvhd", "transplant", "infection"):
        file = EXAMPLES / f"{name}.yaml"
        assert file.read_text().splitlines()[0] == f"scenario: {name}"
        out = tmp_path / name
        result = run_cli(["compare", str(file), "--out", str(out), "--format", "csv"])
        code, text = result.exit_code, result.output
        assert code == 0, text
        table = pd.read_csv(out / "outcomes.csv", index_col="strategy")
        strategies = load_experiment(file).conditions
        assert list(table.index) == list(strategies)
        assert set(load_scenario(name).readout_names) == set(table.columns)
        assert (out / "compare.png").stat().st_size > 10_000


def test_the_dose_timing_grid_runs_through_the_sweep_machinery(tmp_path):
    plan = load_experiment(EXAMPLES / "tumor_grid.yaml")
    assert plan.scenario.name == "tumor" and plan.size == 1000
    result = run_cli(["run", str(EXAMPLES / "tumor_grid.yaml"), "--out", str(tmp_path / "g")])
    code, text = result.exit_code, result.output
    assert code == 0, text
    rows = pd.read_csv(tmp_path / "g" / "results.csv")
    assert len(rows) == 1000 and rows["tumor_control_pct"].notna().all()
    # more CAR-NK cells control more of the tumor (same first day and interval)
    one = rows[(rows["nk.first_day"] == 0) & (rows["nk.every_days"] == 7)]
    control = one.sort_values("nk.dose_per_kg")["tumor_control_pct"].to_numpy()
    assert control[-1] > control[0]


@pytest.mark.parametrize("strategy, words", [
    ({"nk": {"dose_per_kg": -1}}, ["nk.dose_per_kg", "-1"]),
    ({"drugs": [{"name": "aspirin", "level": 1}]}, ["drugs", "aspirin"]),
    ({"msc": {"dose_per_kg": 1e6, "source": "adipose"}}, ["msc.source", "tumor_associated"]),
    ({"antibodies": [{"name": "anti_tgfb", "start_day": 5, "end_day": 2}]}, ["end_day"]),
])
def test_a_bad_strategy_is_named_with_its_field_and_value(strategy, words):
    with pytest.raises(ConditionError) as error:
        load_experiment({"scenario": "tumor", "strategies": {"bad": strategy}})
    text = " ".join(error.value.problems)
    assert all(word in text for word in words), text


def test_compare_refuses_a_file_for_another_scenario_and_writes_nothing(tmp_path):
    file = tmp_path / "wrong.yaml"
    file.write_text("scenario: gvhd\nstrategies: {a: {}}\n")
    result = run_cli(["compare", str(file), "--scenario", "tumor", "--out", str(tmp_path / "o")])
    code, text = result.exit_code, result.output
    assert code == 2 and "names 'gvhd'" in text and not (tmp_path / "o").exists()
    result = run_cli(["compare", str(EXAMPLES / "ratio_sweep.yaml")])
    code, text = result.exit_code, result.output
    assert code == 2 and "not a therapy scenario" in text
    result = run_cli(["compare", str(EXAMPLES / "tumor_grid.yaml")])
    assert result.exit_code == 2 and "mscnk run" in result.output
    result = run_cli(["scenario", str(EXAMPLES / "gvhd.yaml")])
    code, text = result.exit_code, result.output
    assert code == 2 and "--strategy" in text


def test_strategies_with_drug_courses_run_into_the_store_with_readable_columns(tmp_path):
    result = run_cli(["run", str(EXAMPLES / "tumor.yaml"), "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(tmp_path / "t" / "results.csv").set_index("condition")
    courses = rows.loc["car_nk_anti_tgfb_cox2i"]
    assert courses["drugs"] == "name=ns398_uM;level=10;start_day=0;end_day=365"
    assert courses["antibodies"] == "name=anti_tgfb;start_day=0;end_day=365"
    table = compare_strategies(EXAMPLES / "tumor.yaml").outcomes
    assert np.allclose(rows.loc[table.index, "tumor_control_pct"], table["tumor_control_pct"])


def test_fields_lists_a_therapy_scenarios_fields_and_readouts():
    result = run_cli(["fields", "--scenario", "infection"])
    assert result.exit_code == 0, result.output
    for text in ("site.infection.doubling_h", "nk.dose_per_kg", "pathogen_clearance_day"):
        assert text in result.stdout
    result = run_cli(["fields", "--scenario", "gvhd", "--format", "markdown"])
    assert result.exit_code == 2 and "co-culture" in result.output


def test_time_to_progression_counts_from_the_first_dose():
    late = outcomes("tumor", {
        "day0": {"nk": {"dose_per_kg": 5e7, "car": True}},
        "day7": {"nk": {"dose_per_kg": 5e7, "car": True, "first_day": 7}},
        "untreated": {}})
    # the lesion grows for a week before the late dose: not a progression under therapy
    assert late["day7"]["time_to_progression_days"] > 7
    assert late["untreated"]["time_to_progression_days"] < 7


def test_a_strategys_time_course_runs_from_day_0_to_the_horizon():
    from mscnk.experiment import simulate

    result = simulate({"msc": MSC, "horizon_days": 5}, scenario="gvhd")
    frame = result.timecourse
    assert frame["day"].iloc[0] == 0 and frame["day"].iloc[-1] == 5
    assert (np.diff(frame["time_h"]) > 0).all()  # one line, no repeated joins
    assert frame["msc"].iloc[0] == 0 and frame["msc"].max() > 0


@pytest.mark.parametrize("name, strategy", [
    ("gvhd", {"msc": {"dose_per_kg": 2e6, "licensing_ifng_ng_ml": 100}}),
    ("tumor", {"nk": {"dose_per_kg": 1e7, "car": True}, **DRUGS}),
    ("infection", {"msc": {"dose_per_kg": 2e6}, "exosomes": {"dose_per_kg": 1000}}),
])
def test_libroadrunner_on_the_sbml_export_reproduces_a_strategy(name, strategy):
    """The independent cross-check: every piece of the time line solved by libRoadRunner
    (CVODE) on the scenario's SBML export gives the batched engine's outcome measures."""
    pytest.importorskip("roadrunner")
    from mscnk.engine._roadrunner import RoadRunnerEngine

    scenario = load_scenario(name)
    strategy = {**strategy, "horizon_days": 7}
    reference = Simulator(scenario, engine=RoadRunnerEngine(scenario.compiled, rtol=1e-8,
                                                            atol=1e-10)).simulate(strategy)
    batched = Simulator(scenario).simulate(strategy)
    for readout, value in reference.readouts.items():
        assert batched.readouts[readout] == pytest.approx(value, rel=1e-4, abs=1e-6, nan_ok=True), \
            readout


def test_compare_reports_how_far_each_outcome_moves_over_the_assumed_values(tmp_path):
    out = tmp_path / "spread"
    result = run_cli(["compare", str(EXAMPLES / "transplant.yaml"), "--assumptions", "8",
                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "median [5 %, 95 %]" in result.output
    spread = pd.read_csv(out / "assumptions.csv")
    scenario = load_scenario("transplant")
    strategies = list(load_experiment(EXAMPLES / "transplant.yaml").conditions)
    assert len(spread) == len(strategies) * len(scenario.readout_names)
    solved = spread.dropna(subset=["median"])
    assert (solved["low"] <= solved["median"]).all() and (solved["median"] <= solved["high"]).all()
    assert (spread["draws"] <= 8).all()
    # the uncertain parameters are the body's and the site's, never the co-culture's fitted ones
    assert "k_msc_homing" in scenario.uncertain and "k_conjugation" not in scenario.uncertain
    # the draws are seeded: the same call gives the same spread
    again = compare_strategies(EXAMPLES / "transplant.yaml", draws=8).spread
    assert np.allclose(again["median"], spread["median"], equal_nan=True)


@pytest.mark.parametrize("name", ["tumor", "gvhd", "transplant", "infection"])
def test_every_mechanism_a_therapy_model_uses_is_cited_and_has_a_switch_or_a_reason(name):
    from mscnk.catalog import all_mechanisms

    scenario = load_scenario(name)
    model = scenario.model
    used = {m for p in model.processes for m in p.mechanisms}
    catalog = all_mechanisms()
    assert used <= set(catalog) and all(catalog[m].citations for m in used)
    assert not used - set(model.switches) - set(scenario.fixed_mechanisms)
    assert not set(model.switches) & set(scenario.fixed_mechanisms)
    # every parameter the therapy layer adds says where its value comes from
    for parameter in scenario.uncertain:
        provenance = scenario.parameters_by_name[parameter].provenance
        assert provenance.split(":")[0] in ("cited", "prior", "assumed"), parameter
