"""The ``mscnk`` command line: catalog search, explain, parameters, docs."""

from __future__ import annotations

import re

import pytest

from mscnk.catalog import mechanisms
from helpers import build_model

from helpers import CONTRACT_READOUTS, run_cli


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_]+", text))


def test_mechanisms_lists_every_catalog_id():
    result = run_cli(["mechanisms"])
    assert result.exit_code == 0, result.output
    missing = sorted(set(mechanisms()) - _words(result.stdout))
    assert not missing
    assert len(mechanisms()) > 3  # so the listing is the table, not the detail view


def test_mechanisms_search_finds_serpin():
    result = run_cli(["mechanisms", "serpin"])
    assert result.exit_code == 0, result.output
    words = _words(result.stdout)
    assert "serpinb9_protection" in words
    assert "missing_self" not in words  # a search, not the whole catalog
    # the detail view names the processes that implement it
    assert "msc_killed_by_granule" in words


def test_mechanisms_search_with_no_match_fails():
    result = run_cli(["mechanisms", "zzzz_no_such_thing"])
    assert result.exit_code != 0
    assert "zzzz_no_such_thing" in result.flat


def test_explain_names_the_killing_mechanisms():
    result = run_cli(["explain", "--graph", "msc_lysis_pct"])
    assert result.exit_code == 0, result.output
    words = _words(result.stdout)
    assert {"perforin_granzyme", "missing_self"} <= words
    assert "msc_lysis_pct" in words
    # every id it prints is a catalog id
    ids = {w for w in words if w in mechanisms()}
    assert len(ids) >= 5
    # direct mechanisms come before upstream ones
    assert result.stdout.index("perforin_granzyme") < result.stdout.index("missing_self")


@pytest.mark.parametrize("readout", CONTRACT_READOUTS)
def test_explain_works_for_every_readout(readout):
    result = run_cli(["explain", "--graph", readout])
    assert result.exit_code == 0, result.output
    assert any(m in _words(result.stdout) for m in mechanisms()), readout


def test_explain_unknown_readout_exits_2_listing_the_readouts():
    result = run_cli(["explain", "--graph", "not_a_readout"])
    assert result.exit_code == 2
    assert result.exception is None
    assert "not_a_readout" in result.flat
    assert {"msc_lysis_pct", "tumor_kill_pct", "ifng_pg_ml"} <= _words(result.flat)


def test_explain_typo_suggests_the_readout():
    result = run_cli(["explain", "--graph", "msc_lysis_pc"])
    assert result.exit_code == 2
    assert "did you mean 'msc_lysis_pct'" in result.flat


def test_parameters_prints_every_parameter():
    result = run_cli(["parameters"])
    assert result.exit_code == 0, result.output
    missing = sorted({p.name for p in build_model().parameters} - _words(result.stdout))
    assert not missing


def test_parameters_filter_narrows_the_list():
    result = run_cli(["parameters", "msc_capacity"])
    assert result.exit_code == 0, result.output
    words = _words(result.stdout)
    assert "msc_capacity" in words
    assert "k_bright_to_dim" not in words


def test_docs_writes_the_model_description(tmp_path):
    model_doc = pytest.importorskip("mscnk.report._model_doc")
    out = tmp_path / "sub" / "model.md"
    result = run_cli(["docs", "--out", out])
    assert result.exit_code == 0, result.output
    assert out.read_text() == model_doc.model_markdown()
    assert [p.name for p in out.parent.iterdir()] == ["model.md"]  # no temporary left


def test_no_arguments_shows_help():
    result = run_cli([])
    assert "run" in _words(result.output) and "explain" in _words(result.output)


def test_run_format_csv_prints_the_runs_own_results_csv(tmp_path):
    source = tmp_path / "sweep.yaml"
    source.write_text("sweep:\n  ratio: [1, 3]\n  culture: [contact, transwell]\n")
    result = run_cli(["run", source, "--out", tmp_path / "out", "--format", "csv"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "results.csv").read_text()
    assert result.stdout == written
    assert written.splitlines()[0].startswith("condition,job,named_condition,")
    assert len(written.splitlines()) == 1 + 4
