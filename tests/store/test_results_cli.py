"""mscnk results (summary, --query) and mscnk plot (curves, heatmap, time courses)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import run_cli
from mscnk.plots import heatmap, sweep_curve, sweep_figure
from mscnk.runs import InProcess, replay, run_sweep
from mscnk.store import StoreError, query

#: Runs of these tests: this process, rows one after another.
ONE_THREAD = InProcess(threads=1)

SWEEP = {"base": {"assay": "cytotoxicity"},
         "conditions": {"il2": {}, "resting": {"nk": {"activation": {"il2_u_ml": 0},
                                                      "preactivation_h": 0}}},
         "sweep": {"ratio": [1, 3, 10], "culture": ["contact", "transwell"]}}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "run"
    run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=4)
    return out


def test_summary_shows_provenance_counts_and_what_varies(run):
    result = run_cli(["results", run])
    assert result.exit_code == 0, result.output
    text = result.flat
    assert "12 rows: 12 ok, 0 failed" in text
    assert "ratio: 1, 3, 10" in text and "culture: contact, transwell" in text
    assert "named_condition: il2, resting" in text
    assert "msc_lysis_pct" in text and "pd.read_parquet" in text


def test_query_filters_rows_with_sql(run):
    frame = query(run, "ratio >= 3 AND culture = 'contact' AND named_condition = 'il2'")
    assert frame["condition"].tolist() == ["il2[ratio=3,culture=contact]",
                                           "il2[ratio=10,culture=contact]"]
    grouped = query(run, "SELECT culture, avg(msc_lysis_pct) AS lysis FROM results "
                         "GROUP BY culture ORDER BY culture")
    contact, transwell = grouped["lysis"]
    assert contact > 10 * transwell  # killing needs contact
    with pytest.raises(StoreError, match="ratoi"):
        query(run, "ratoi > 1")


def test_cli_query_prints_csv_and_json(run):
    result = run_cli(["results", run, "--query", "ratio = 10", "--format", "csv",
                      "--columns", "condition,msc_lysis_pct"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "condition,msc_lysis_pct" and len(lines) == 5
    as_json = run_cli(["results", run, "--query", "ratio = 10", "--format", "json"])
    records = json.loads(as_json.stdout)
    assert {r["condition"] for r in records} >= {"il2[ratio=10,culture=contact]"}


@pytest.mark.parametrize("args, needles", [
    (["--query", "ratoi > 1"], ["ratoi", "ratio"]),
    (["--query", "ratio = 1", "--columns", "msc_lysis"], ["msc_lysis", "msc_lysis_pct"]),
])
def test_cli_query_errors_name_the_problem(run, args, needles):
    result = run_cli(["results", run, *args])
    assert result.exit_code == 2, result.output
    assert all(n in result.flat for n in needles), result.output


def test_results_of_a_folder_without_a_run(tmp_path):
    result = run_cli(["results", tmp_path])
    assert result.exit_code == 2 and "holds no mscnk run" in result.flat


def test_curve_pools_rows_into_mean_and_band():
    frame = pd.DataFrame({"ratio": [1, 1, 10, 10], "msc_lysis_pct": [2.0, 4.0, 20.0, 40.0]})
    ax = Figure().subplots()
    sweep_curve(frame, "ratio", "msc_lysis_pct", ax=ax)
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_ydata(), [3.0, 30.0])
    assert len(ax.collections) == 1  # the min-max band
    assert ax.get_xscale() == "linear" and "MSC lysis (%)" in ax.get_ylabel()
    assert "mean of 2 rows" in ax.get_ylabel()


def test_heatmap_cells_hold_the_mean_of_their_rows():
    frame = pd.DataFrame({"ratio": [1, 10, 1, 10, 10], "culture": ["a", "a", "b", "b", "b"],
                          "msc_lysis_pct": [1.0, 2.0, 3.0, 4.0, 6.0]})
    ax = Figure().subplots()
    heatmap(frame, "ratio", "culture", "msc_lysis_pct", ax=ax)
    grid = ax.images[0].get_array()
    np.testing.assert_array_equal(np.asarray(grid), [[1.0, 2.0], [3.0, 5.0]])
    assert ax.get_xlabel().startswith("NK:MSC ratio") and ax.get_ylabel() == "culture"


def test_facets_share_one_y_scale():
    frame = pd.DataFrame({"ratio": [1, 10, 1, 10], "culture": ["a", "a", "b", "b"],
                          "msc_lysis_pct": [1.0, 2.0, 30.0, 40.0]})
    figure = sweep_figure(frame, "ratio", "msc_lysis_pct", facet="culture")
    first, second = figure.axes
    assert first.get_ylim() == second.get_ylim()
    assert first.get_title() == "culture = a"


def test_cli_plot_writes_png_and_svg_curve_and_heatmap(run, tmp_path):
    curve = run_cli(["plot", run, "--x", "ratio", "--y", "msc_lysis_pct",
                     "--hue", "named_condition", "--facet", "culture", "--out", tmp_path / "c"])
    assert curve.exit_code == 0, curve.output
    heat = run_cli(["plot", run, "--x", "ratio", "--y", "culture", "--z", "msc_lysis_pct",
                    "--where", "named_condition = 'il2'"])
    assert heat.exit_code == 0, heat.output
    for path in (tmp_path / "c.png", tmp_path / "c.svg",
                 run / "figures" / "heatmap_msc_lysis_pct_by_ratio_culture.png"):
        assert path.is_file() and path.stat().st_size > 1000, path
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert "MSC lysis (%)" in (tmp_path / "c.svg").read_text()


def test_cli_time_course_simulates_the_chosen_rows_again(run, tmp_path):
    result = run_cli(["plot", run, "--time-course", "--where", "ratio = 10 AND culture = "
                      "'contact'", "--species", "msc", "--species", "ifng",
                      "--out", tmp_path / "t"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.png").is_file() and (tmp_path / "t.svg").is_file()


def test_replay_reproduces_the_stored_readouts(run):
    stored = query(run, "job IN (2, 7)").set_index("job")
    for job, result in replay(run, [2, 7]):
        assert result.readouts["msc_lysis_pct"] == stored.loc[job.index, "msc_lysis_pct"]


@pytest.mark.parametrize("args, needles", [
    (["--x", "ratoi", "--y", "msc_lysis_pct"], ["--x", "ratoi", "did you mean 'ratio'"]),
    (["--x", "ratio", "--y", "msc_lysis"], ["--y", "msc_lysis_pct"]),
    (["--x", "msc.source", "--y", "msc_lysis_pct"], ["takes one value", "ratio"]),
    (["--x", "ratio"], ["--x and --y are required"]),
    (["--x", "ratio", "--y", "culture", "--z", "msc_lysis_pct", "--hue", "culture"],
     ["--hue does not apply"]),
    (["--time-course", "--where", "job = 1", "--species", "msk"], ["msk", "'msc'"]),
    (["--x", "ratio", "--y", "msc_lysis_pct", "--where", "ratio > 100"], ["no rows"]),
])
def test_cli_plot_rejects_bad_requests(run, tmp_path, args, needles):
    result = run_cli(["plot", run, *args, "--out", tmp_path / "f"])
    assert result.exit_code == 2, result.output
    assert all(n in result.flat for n in needles), result.output
    assert not list(tmp_path.glob("f.*"))


def test_cli_time_course_refuses_too_many_rows(run, tmp_path, monkeypatch):
    import mscnk.plots
    import mscnk.plots._figures as figures

    monkeypatch.setattr(figures, "MOST_TIME_COURSES", 4)
    monkeypatch.setattr(mscnk.plots, "MOST_TIME_COURSES", 4)
    result = run_cli(["plot", run, "--time-course", "--where", "ratio >= 3",
                      "--out", tmp_path / "f"])
    assert result.exit_code == 2, result.output
    assert "8 rows selected, at most 4" in result.flat
    assert "--where" in result.flat and not list(tmp_path.glob("f.*"))
