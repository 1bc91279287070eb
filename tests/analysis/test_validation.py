"""The literature guard: the default parameters reproduce every seed and quantitative finding.

Runs the same check as `mscnk validate tests/data/seed_findings.yaml
tests/data/quant_findings.yaml` (copies of the shared findings files) and fails naming every
expectation that does not hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli

from mscnk.analysis import load_findings, validate_results

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = [DATA / "seed_findings.yaml", DATA / "quant_findings.yaml"]


@pytest.fixture(scope="module")
def results():
    return validate_results([f for path in FILES for f in load_findings(path)])


def test_every_finding_holds(results):
    failing = [f"{r.id}: {r.detail}" for r in results if not r.passed]
    assert not failing, "\n".join(failing)
    assert len(results) == 37


def test_seed_findings_are_the_shared_thirty(results):
    assert sorted(r.id for r in results if r.id.startswith("S")) == [f"S{i:02d}" for i in range(1, 31)]


def test_cli_validate_exit_codes(tmp_path):
    ok = run_cli(["validate", str(FILES[1])])
    assert ok.exit_code == 0, ok.output
    assert "7 passed, 0 failed" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: X1\n  claim: c\n  source: s\n  conditions: {a: {}}\n"
                      "  expect:\n    - {readout: msc_lysis_pct, in: a, belw: 10}\n")
    bad = run_cli(["validate", str(broken)])
    assert bad.exit_code == 2
    assert "X1" in bad.output and "belw" in bad.output
    failing = tmp_path / "failing.yaml"
    failing.write_text("- id: X2\n  claim: c\n  source: s\n  base: {assay: cytotoxicity}\n"
                       "  conditions: {a: {}}\n"
                       "  expect:\n    - {readout: msc_lysis_pct, in: a, above: 100}\n")
    fails = run_cli(["validate", str(failing)])
    assert fails.exit_code == 1
    assert "0 passed, 1 failed" in fails.output
