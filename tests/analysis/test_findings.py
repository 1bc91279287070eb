"""Findings: the expectation forms of contract section 3, the lint, and the evaluator.

The evaluator is tested against stub simulators with hand-made readout tables, so these
tests check the rules of the contract, not the model's behaviour.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from mscnk.analysis import (
    Bound,
    Compare,
    Finding,
    Trend,
    check_finding,
    load_findings,
    validate,
    validate_results,
)
from mscnk.experiment import ConditionError

DATA = Path(__file__).resolve().parents[1] / "data"
NAN = float("nan")


def bound(**spec):
    return Bound.model_validate({"readout": "msc_lysis_pct", "in": "a", **spec})


def compare(**spec):
    return Compare.model_validate({"readout": "msc_lysis_pct", "compare": ["a", "b"], **spec})


def trend(direction, values):
    names = [f"c{i}" for i in range(len(values))]
    form = Trend.model_validate({"readout": "msc_lysis_pct", "over": names, "trend": direction})
    return form.evaluate(dict(zip(names, values)))


# ----------------------------------------------------------------------------- bounds

@pytest.mark.parametrize(("spec", "value", "passed"), [
    ({"below": 10}, 3.2, True),
    ({"below": 10}, 10.5, False),
    ({"above": 30}, 31.0, True),
    ({"above": 30}, 29.0, False),
    ({"between": [2, 8]}, 2.0, True),
    ({"between": [2, 8]}, 8.0, True),
    ({"between": [2, 8]}, 8.1, False),
    ({"between": [2, 8]}, 1.9, False),
])
def test_bounds(spec, value, passed):
    assert bound(**spec).evaluate({"a": value}).passed is passed


def test_bound_text_names_readout_condition_value_and_verdict():
    result = bound(below=10).evaluate({"a": 3.2})
    assert result.text == "msc_lysis_pct(a)=3.2 below 10 -> PASS"
    assert result.values == (3.2,)


@pytest.mark.parametrize(("spec", "value", "passed"), [
    ({"below": 10}, 10 * (1 + 5e-10), True),     # within the 1e-9 relative tolerance
    ({"below": 10}, 10 * (1 + 1e-8), False),
    ({"above": 10}, 10 * (1 - 5e-10), True),
    ({"above": 10}, 10 * (1 - 1e-8), False),
    ({"between": [8, 24.5]}, 24.5 * (1 + 5e-10), True),  # a conservation limit
    ({"between": [8, 24.5]}, 24.5 * (1 + 1e-8), False),
])
def test_bound_relative_tolerance(spec, value, passed):
    assert bound(**spec).evaluate({"a": value}).passed is passed


# ----------------------------------------------------------------------------- ratios

@pytest.mark.parametrize(("form", "k", "v1", "v2", "passed"), [
    ("ratio_at_least", 3, 6.0, 2.0, True),
    ("ratio_at_least", 3, 5.9, 2.0, False),
    ("ratio_at_most", 0.7, 1.4, 2.0, True),
    ("ratio_at_most", 0.7, 1.5, 2.0, False),
    ("ratio_at_most", 0.0, -1.0, 2.0, True),      # plain division: -0.5
    ("ratio_at_least", 3, 3 * (1 - 5e-10), 1.0, True),  # 1e-9 relative tolerance
    ("ratio_at_least", 3, 3 * (1 - 1e-8), 1.0, False),
    ("ratio_at_most", 0.7, 0.7 * (1 + 5e-10), 1.0, True),
    ("ratio_at_most", 0.7, 0.7 * (1 + 1e-8), 1.0, False),
])
def test_ratios_are_plain_division(form, k, v1, v2, passed):
    result = compare(**{form: k}).evaluate({"a": v1, "b": v2})
    assert result.passed is passed
    assert result.statistic == pytest.approx(v1 / v2, rel=1e-12)


@pytest.mark.parametrize(("form", "numerator", "passed"), [
    ("ratio_at_least", 1.0, True),    # positive / 0 holds for ratio_at_least
    ("ratio_at_least", 0.0, False),
    ("ratio_at_least", -1.0, False),
    ("ratio_at_most", 0.0, True),     # 0 / 0 holds for ratio_at_most
    ("ratio_at_most", 1.0, False),
    ("ratio_at_most", -1.0, False),
])
def test_zero_denominator(form, numerator, passed):
    result = compare(**{form: 0.5}).evaluate({"a": numerator, "b": 0.0})
    assert result.passed is passed
    assert "zero denominator" in result.text


@pytest.mark.parametrize("form", ["ratio_at_least", "ratio_at_most"])
def test_negative_denominator_is_an_error_in_the_finding(form):
    # -1/-2 = 0.5 would satisfy both tests; the contract makes it an error instead
    result = compare(**{form: 0.5}).evaluate({"a": -1.0, "b": -2.0})
    assert not result.passed
    assert "negative denominator" in result.text and "error in the finding" in result.text


@pytest.mark.parametrize(("v1", "v2", "passed"), [
    (105.0, 100.0, True),
    (106.0, 100.0, False),
    (100.0, 95.2, False),   # 4.8 > 5 % of abs(R2) = 4.76, though it is < 5 % of R1
    (95.3, 100.0, True),
    (-100.0, -104.0, True),  # abs(R2)
    (0.0, 0.0, True),
    (1e-6, 0.0, False),
    (100.0 * (1 + 0.05 * (1 + 5e-10)), 100.0, True),  # 1e-9 relative tolerance
])
def test_same_within_pct_is_relative_to_the_second(v1, v2, passed):
    assert compare(same_within_pct=5).evaluate({"a": v1, "b": v2}).passed is passed


# ------------------------------------------------------------------------------ trend

@pytest.mark.parametrize(("direction", "values", "passed"), [
    ("increasing", [1.0, 2.0, 3.0], True),
    ("increasing", [1.0, 3.0, 2.97, 4.0], True),    # a 0.03 dip is within 2 % of range 3
    ("increasing", [1.0, 3.0, 2.9, 4.0], False),    # a 0.1 dip is not
    ("increasing", [1.0, 1.0, 2.0], True),          # a flat step is fine
    ("increasing", [3.0, 2.0, 1.0], False),
    ("decreasing", [4.0, 2.0, 2.03, 1.0], True),
    ("decreasing", [4.0, 2.0, 2.1, 1.0], False),
    ("decreasing", [1.0, 2.0, 3.0], False),
    ("increasing", [-10.0, -5.0], True),
])
def test_trend_steps_may_stay_within_two_percent_of_the_range(direction, values, passed):
    assert trend(direction, values).passed is passed


@pytest.mark.parametrize(("direction", "values", "passed"), [
    ("increasing", [10.0, 10.5, 10.99], False),   # 0.99 < 0.1 x 10.99
    ("increasing", [10.0, 10.6, 11.2], True),     # 1.2 >= 0.1 x 11.2
    ("decreasing", [11.2, 10.0], True),
    ("decreasing", [10.99, 10.0], False),
    ("increasing", [0.0, 0.0, 0.0], False),       # no change is no trend
    ("increasing", [0.0, 1e-3], True),
])
def test_trend_needs_ten_percent_end_to_end(direction, values, passed):
    result = trend(direction, values)
    assert result.passed is passed
    if not passed:
        assert "FAIL" in result.text


# -------------------------------------------------------------------- missing readouts

@pytest.mark.parametrize("form", [
    bound(below=10),
    compare(ratio_at_least=2),
    compare(same_within_pct=5),
    Trend.model_validate({"readout": "msc_lysis_pct", "over": ["a", "b"], "trend": "increasing"}),
])
def test_missing_readout_fails_and_names_it(form):
    result = form.evaluate({"a": NAN, "b": 1.0})
    assert not result.passed
    assert "msc_lysis_pct(a) is missing" in result.text


# ------------------------------------------------------------------ stub evaluations

class StubSimulator:
    """Readouts looked up by the condition's ratio; some ratios raise like a failed solve."""

    def __init__(self, table, fail=()):
        self.table, self.fail, self.calls = table, set(fail), []

    def simulate(self, condition):
        self.calls.append(condition)
        if condition.ratio in self.fail:
            raise RuntimeError("solver failed: step size too small")
        return SimpleNamespace(readouts=dict(self.table[condition.ratio]))


def finding(ident="T01", *, ratios=None, expect=None, base=None):
    ratios = ratios or {"low": 1, "high": 10}
    return {
        "id": ident, "claim": "a claim", "source": "a source", "base": base or {},
        "conditions": {name: {"ratio": r} for name, r in ratios.items()},
        "expect": expect or [{"readout": "msc_lysis_pct", "compare": ["high", "low"],
                              "ratio_at_least": 3}],
    }


def test_check_finding_reports_rows_readouts_and_verdict():
    sim = StubSimulator({1: {"msc_lysis_pct": 5.0}, 10: {"msc_lysis_pct": 20.0}})
    f = Finding.model_validate(finding(expect=[
        {"readout": "msc_lysis_pct", "in": "low", "below": 10},
        {"readout": "msc_lysis_pct", "compare": ["high", "low"], "ratio_at_least": 3},
        {"readout": "msc_lysis_pct", "compare": ["high", "low"], "ratio_at_least": 5},
    ]))
    result = check_finding(f, sim)
    assert [row.passed for row in result.expectations] == [True, True, False]
    assert not result.passed
    assert result.readouts == {"low": {"msc_lysis_pct": 5.0}, "high": {"msc_lysis_pct": 20.0}}
    assert result.expectations[1].statistic == 4.0
    assert "msc_lysis_pct(low)=5 below 10 -> PASS" in result.detail


def test_a_readout_absent_from_the_table_counts_as_missing():
    sim = StubSimulator({1: {"msc_lysis_pct": 5.0}, 10: {}})
    result = check_finding(Finding.model_validate(finding()), sim)
    assert not result.passed
    assert "msc_lysis_pct(high) is missing" in result.detail


def test_solver_failure_fails_the_finding_not_the_run():
    sim = StubSimulator({1: {"msc_lysis_pct": 5.0}, 10: {"msc_lysis_pct": 20.0}}, fail={10})
    good = finding("T02", ratios={"low": 1, "other": 2},
                   expect=[{"readout": "msc_lysis_pct", "in": "low", "below": 10}])
    sim.table[2] = {"msc_lysis_pct": 1.0}
    results = validate_results([finding("T01"), good], simulator=sim)
    assert [r.passed for r in results] == [False, True]
    assert "step size too small" in results[0].errors["high"]
    assert "condition high failed" in results[0].detail


def test_validate_frame_and_cache_of_identical_conditions():
    sim = StubSimulator({1: {"msc_lysis_pct": 5.0}, 10: {"msc_lysis_pct": 20.0}})
    # T02 reaches the same resolved conditions through its base: simulated once each
    twin = finding("T02", ratios={"low": 1, "high": 10}, base={"duration_h": 72})
    twin["conditions"]["low"] = {"ratio": 1, "nk": {"cells": 20000}}  # 1 x 20000 MSCs
    seen = []
    frame = validate([finding("T01"), twin], simulator=sim,
                     progress=lambda done, total, ident: seen.append((done, total, ident)))
    assert list(frame.columns) == ["id", "passed", "detail", "source", "claim"]
    assert frame["passed"].tolist() == [True, True]
    assert frame["passed"].dtype == bool
    assert len(sim.calls) == 2
    assert seen == [(1, 2, "T01"), (2, 2, "T02")]


# ----------------------------------------------------------------------------- lint

def lint_problems(items):
    with pytest.raises(ConditionError) as caught:
        load_findings(items)
    return caught.value.problems


def test_lint_reports_every_problem_at_once():
    bad = finding(expect=[
        {"readout": "msc_lysis", "in": "low", "below": 10},
        {"readout": "msc_lysis_pct", "in": "low", "belo": 10},
        {"readout": "msc_lysis_pct", "compare": ["high", "lo"], "ratio_at_least": 2},
        {"readout": "msc_lysis_pct", "over": ["low", "mid"], "trend": "increasing"},
    ])
    bad["conditions"]["high"] = {"ratio": 10, "msc": {"sorce": "adipose"}}
    bad["expects"] = []
    problems = lint_problems([bad])
    text = "\n".join(problems)
    assert all(p.startswith("finding T01") for p in problems)
    assert "unknown readout 'msc_lysis'; did you mean 'msc_lysis_pct'?" in text
    assert "unknown key 'expect[1].belo'" in text and "did you mean 'below'?" in text
    assert "unknown key 'expects'" in text and "did you mean 'expect'?" in text
    assert "expect[2].compare: condition 'lo' is not defined" in text
    assert "did you mean 'low'?" in text
    assert "expect[3].over: condition 'mid' is not defined" in text
    assert "finding T01 condition high: unknown field 'msc.sorce'" in text
    assert len(problems) == 6


def test_lint_bad_condition_value_names_field_and_allowed_values():
    bad = finding(base={"culture": "transwel"})
    problems = lint_problems([bad])
    assert len(problems) == 2  # once per condition that merges the base
    assert all("field 'culture': 'transwel' is not allowed" in p for p in problems)
    assert "finding T01 condition low" in problems[0]


@pytest.mark.parametrize(("expectation", "message"), [
    ({"readout": "msc_lysis_pct", "in": "low"}, "exactly one of below, above, between"),
    ({"readout": "msc_lysis_pct", "in": "low", "below": 1, "above": 0}, "exactly one"),
    ({"readout": "msc_lysis_pct", "in": "low", "between": [5, 1]}, "lower bound"),
    ({"readout": "msc_lysis_pct", "compare": ["low", "low"], "ratio_at_most": 1}, "same"),
    ({"readout": "msc_lysis_pct", "over": ["low", "high"], "trend": "up"}, "increasing"),
    ({"readout": "msc_lysis_pct", "low": 1}, "needs exactly one of 'in'"),
    ({"readout": "msc_lysis_pct", "in": "low", "below": "__import__('os')"}, "number"),
    ({"readout": "msc_lysis_pct", "in": "low", "below": float("nan")}, "finite number"),
])
def test_lint_rejects_malformed_expectations(expectation, message):
    problems = lint_problems([finding(expect=[expectation])])
    assert any(message in p and "expect[0]" in p for p in problems), problems


def test_lint_duplicate_ids_and_non_list_files(tmp_path):
    problems = lint_problems([finding("T01"), finding("T01")])
    assert any("finding T01: duplicate id" in p for p in problems)
    path = tmp_path / "findings.yaml"
    path.write_text("id: T01\nclaim: not in a list\n")
    problems = lint_problems(path)
    assert len(problems) == 1 and "must be a list of findings" in problems[0]


def test_finding_built_in_code_is_checked_too():
    with pytest.raises(ValidationError, match="condition 'nope' is not defined"):
        Finding.model_validate(finding(expect=[
            {"readout": "msc_lysis_pct", "in": "nope", "below": 1}]))


def test_shared_findings_files_load_without_lint_errors():
    findings = load_findings([DATA / "seed_findings.yaml", DATA / "quant_findings.yaml"])
    ids = [f.id for f in findings]
    assert len(ids) == len(set(ids)) == 38
    assert ids[0] == "S01" and ids[-1] == "Q08"
    for f in findings:  # every condition resolves and every named condition exists
        resolved = f.resolved_conditions()
        assert all(set(e.conditions) <= set(resolved) for e in f.expect)
        assert all(not math.isnan(c.duration_h) for c in resolved.values())
