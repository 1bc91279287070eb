"""The validation report: figures, report.md and report.html from checked findings."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import pytest
from pydantic import TypeAdapter

from mscnk.analysis._expectations import Expectation, ExpectationResult
from mscnk.analysis._findings import FindingResult, validate_results
from mscnk.report._validation import (finding_figure, figure_name, safe_margin,
                                      write_validation_report)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_EXPECTATION: TypeAdapter[Any] = TypeAdapter(Expectation)


def _row(raw: Mapping[str, Any], values: Mapping[str, float | None]) -> ExpectationResult:
    """An expectation (as a findings file writes it) checked against given values."""
    return _EXPECTATION.validate_python(dict(raw)).evaluate(values)


def _result(ident: str, rows: list[ExpectationResult], readouts: dict[str, dict[str, float]],
            errors: dict[str, str] | None = None) -> FindingResult:
    passed = not errors and all(r.passed for r in rows)
    return FindingResult(ident, passed, f"Author {ident} 2020", f"Claim of {ident}.", rows,
                         readouts, errors or {})


LYSIS = "msc_lysis_pct"


@pytest.fixture(scope="module")
def results() -> list[FindingResult]:
    lysis = {"resting": 2.0, "il2": 40.0, "il15": 4.0}
    bounds = _result("B01", [
        _row({"readout": LYSIS, "in": "resting", "below": 10}, lysis),            # pass
        _row({"readout": LYSIS, "in": "il2", "above": 50}, lysis),                # fail
        _row({"readout": LYSIS, "in": "il2", "between": [20, 60]}, lysis),        # pass
        _row({"readout": LYSIS, "in": "resting", "between": [5, 8]}, lysis),      # fail
        _row({"readout": LYSIS, "in": "il2", "below": 10}, lysis),                # fail
        _row({"readout": "ifng_pg_ml", "in": "il2", "above": 20}, {"il2": 400.0}),  # pass
    ], {c: {LYSIS: v, "ifng_pg_ml": 10 * v} for c, v in lysis.items()})
    ratios = _result("R01", [
        _row({"readout": LYSIS, "compare": ["il2", "resting"], "ratio_at_least": 3}, lysis),
        _row({"readout": LYSIS, "compare": ["il15", "resting"], "ratio_at_least": 3}, lysis),
        _row({"readout": LYSIS, "compare": ["resting", "il2"], "ratio_at_most": 0.5}, lysis),
        _row({"readout": LYSIS, "compare": ["il2", "resting"], "ratio_at_most": 2}, lysis),
        _row({"readout": LYSIS, "compare": ["il15", "resting"], "same_within_pct": 150}, lysis),
        _row({"readout": LYSIS, "compare": ["il15", "resting"], "same_within_pct": 10}, lysis),
    ], {c: {LYSIS: v} for c, v in lysis.items()})
    up = {"r1": 5.0, "r3": 12.0, "r10": 30.0, "r30": 55.0}
    trends = _result("T01", [
        _row({"readout": LYSIS, "over": list(up), "trend": "increasing"}, up),
        _row({"readout": LYSIS, "over": list(up), "trend": "decreasing"}, up),
    ], {c: {LYSIS: v} for c, v in up.items()})
    missing = _result("M01", [
        _row({"readout": "nk_viable", "in": "a", "above": 1000}, {"a": math.nan}),
        _row({"readout": LYSIS, "compare": ["b", "a"], "ratio_at_least": 2},
             {"b": None, "a": 3.0}),
        _row({"readout": LYSIS, "over": ["a", "b"], "trend": "increasing"},
             {"a": 3.0, "b": None}),
    ], {"a": {LYSIS: 3.0, "nk_viable": math.nan}}, {"b": "SolverError: step size too small"})
    return [bounds, ratios, trends, missing]


def test_hand_built_rows_cover_every_form_passing_and_failing(results):
    rows = [row for result in results for row in result.expectations]
    forms = {"below", "above", "between", "ratio_at_least", "ratio_at_most",
             "same_within_pct", "trend"}
    assert {r.form for r in rows} == forms
    for form in forms:
        assert {r.passed for r in rows if r.form == form} == {True, False}, form
    assert [r.passed for r in results] == [False, False, False, False]


@pytest.fixture(scope="module")
def report(results, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("validation")
    return write_validation_report(results, folder, title="Validation of hand-made results",
                                   command="mscnk validate made-up.yaml", elapsed_s=1.25)


def test_writes_markdown_html_and_one_png_per_finding(results, report):
    assert report.name == "report.md" and report.is_file()
    assert (report.parent / "report.html").is_file()
    for result in results:
        png = report.parent / f"{result.id}.png"
        assert png.read_bytes()[:8] == PNG_MAGIC
        assert png.stat().st_size > 5000


def test_markdown_lists_ids_counts_texts_margins_and_figures(results, report):
    text = report.read_text(encoding="utf-8")
    assert "# Validation of hand-made results" in text
    assert "mscnk validate made-up.yaml" in text
    assert "0 passed, 4 failed" in text
    for result in results:
        assert f"## {result.id}: FAIL" in text
        assert f"![{result.id}]({result.id}.png)" in text
        assert result.claim in text and result.source in text
        for row in result.expectations:
            assert row.text in text
    assert "step size too small" in text  # the failed condition's error
    assert "| b | failed |" in text       # and its row in the readout table
    assert "+0.8" in text                 # margin of 2 below 10
    assert "| id | result | tightest margin | source |" in text


def test_html_is_self_contained(results, report):
    html = (report.parent / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert "0 passed, 4 failed" in html
    for result in results:
        assert f'src="{result.id}.png"' in html
        assert result.id in html


def test_counts_of_a_mixed_run(results, tmp_path):
    lysis = {"resting": 2.0, "il2": 40.0}
    good = _result("G01", [_row({"readout": LYSIS, "in": "resting", "below": 10}, lysis)],
                   {c: {LYSIS: v} for c, v in lysis.items()})
    assert good.passed
    path = write_validation_report([good, results[0]], tmp_path / "out", title="t",
                                   command="c")
    assert "1 passed, 1 failed" in path.read_text(encoding="utf-8")
    assert "1 passed, 1 failed" in (path.parent / "report.html").read_text(encoding="utf-8")


def test_figure_of_a_single_panel_and_odd_ids(tmp_path):
    row = _row({"readout": LYSIS, "compare": ["x", "y"], "same_within_pct": 0},
               {"x": 0.0, "y": 0.0})
    result = _result("odd id/1", [row], {"x": {LYSIS: 0.0}, "y": {LYSIS: 0.0}})
    assert figure_name(result) == "odd_id_1.png"
    assert safe_margin(row) == 0.0  # margin() divides by the 0 % tolerance
    path = finding_figure(result, tmp_path / figure_name(result))
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_end_to_end_with_the_model(tmp_path):
    findings = [
        {"id": "E01", "claim": "IL-2-activated NK cells lyse MSCs more than resting ones.",
         "source": "test", "base": {"assay": "cytotoxicity", "ratio": 10, "duration_h": 4},
         "conditions": {"resting": {"nk": {"activation": {"il2_u_ml": 0},
                                           "preactivation_h": 0}},
                        "il2": {}},
         "expect": [{"readout": LYSIS, "in": "resting", "below": 10},
                    {"readout": LYSIS, "compare": ["il2", "resting"], "ratio_at_least": 1}]},
        {"id": "E02", "claim": "Lysis is a percentage.", "source": "test",
         "base": {"assay": "cytotoxicity", "ratio": 10, "duration_h": 4},
         "conditions": {"il2": {}},
         "expect": [{"readout": LYSIS, "in": "il2", "between": [0, 100]}]},
    ]
    seen: list[str] = []
    results = validate_results(findings, progress=lambda done, total, ident: seen.append(ident))
    assert seen == ["E01", "E02"]
    path = write_validation_report(results, tmp_path, title="End to end", command="pytest")
    text = path.read_text(encoding="utf-8")
    assert f"{sum(r.passed for r in results)} passed" in text
    for result in results:
        assert (tmp_path / f"{result.id}.png").read_bytes()[:8] == PNG_MAGIC
        assert result.id in text
        for row in result.expectations:
            assert row.text in text
