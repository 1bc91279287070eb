"""The plausibility table of docs/model.md: standard magnitudes with the model's value."""

from __future__ import annotations

from pathlib import Path

import yaml

from mscnk.analysis import load_findings
from mscnk.report import plausibility_markdown
from mscnk.scenarios import load_scenario

PRIMING = Path(__file__).parents[1] / "scenarios" / "priming"


def test_every_quantity_has_one_expectation_and_a_source():
    scenario = load_scenario()
    raw = yaml.safe_load(scenario.plausibility.read_text())
    findings = load_findings(raw, scenario=scenario)
    assert len(findings) >= 12
    for finding in findings:
        assert len(finding.expect) == 1 and len(finding.source.split()) >= 3, finding.id


def test_the_table_has_a_row_per_quantity_and_says_how_many_hold():
    scenario = load_scenario()
    count = len(yaml.safe_load(scenario.plausibility.read_text()))
    lines = plausibility_markdown(scenario)
    rows = [line for line in lines if line.startswith("| P")]
    assert len(rows) == count
    held = sum(row.split(" | ")[6] == "yes" for row in rows)
    assert f"**{held} of {count} within range**" in "\n".join(lines)


def test_a_scenario_without_standard_magnitudes_has_no_table():
    assert plausibility_markdown(load_scenario(PRIMING)) == []
