"""The catalog's mechanism checks: every mechanism has checks or says why not, every
contract input is set by some check, and ``mscnk validate --mechanisms`` runs them all."""

from __future__ import annotations

import re

import pytest
import yaml

from mscnk import vocabulary
from mscnk.analysis import check_id, inputs_set, mechanism_findings
from mscnk.catalog import mechanisms
from mscnk.catalog._catalog import Mechanism
from tests.helpers import run_cli

#: Every input of the contract a check can set alone, as ``block.name``.
CONTRACT_INPUTS = ({f"mediators.{name}" for name in vocabulary.MEDIATORS}
                   | {f"drugs.{name}" for name in vocabulary.DRUGS}
                   | {f"blockade.{name}" for name in vocabulary.BLOCKADES}
                   | {f"knockdown.{name}" for name in vocabulary.KNOCKDOWNS})


@pytest.fixture(scope="module")
def checks():
    return mechanism_findings()


def test_every_mechanism_has_checks_or_says_why_not():
    for mechanism in mechanisms().values():
        assert bool(mechanism.checks) != bool(mechanism.no_check), mechanism.id
        if mechanism.no_check:
            assert len(mechanism.no_check.split()) >= 8, mechanism.id  # a reason, not a word


def test_a_mechanism_with_both_or_neither_is_refused(monkeypatch):
    from mscnk.catalog import _catalog

    row = {"id": "x", "name": "x", "actors": [], "effect": {"sign": "-"}, "mode": "soluble",
           "context": "", "summary": "", "citations": ["a"], "status": "modelled"}
    for extra in ({}, {"checks": [{"claim": "c"}], "no_check": "why not"}):
        monkeypatch.setattr(_catalog, "_load", lambda name, extra=extra: [{**row, **extra}])
        _catalog.mechanisms.cache_clear()
        with pytest.raises(ValueError, match="needs either checks or a no_check reason"):
            _catalog.mechanisms()
    _catalog.mechanisms.cache_clear()


def test_every_contract_input_is_set_by_some_check(checks):
    covered = set().union(*map(inputs_set, checks))
    assert CONTRACT_INPUTS - covered == set()
    assert covered <= CONTRACT_INPUTS  # no misspelt input slips through as covered


def test_inputs_set_reads_blocks_lists_and_the_base(checks):
    (pge2,) = [f for f in checks if f.id == check_id("pge2_ep2_ep4", 2)]
    assert inputs_set(pge2) == {"drugs.ns398_uM", "drugs.indomethacin_uM", "knockdown.cox2"}
    (missing_self,) = [f for f in checks if f.id == check_id("missing_self", 1)]
    assert inputs_set(missing_self) == {"blockade.anti_hla_i", "blockade.anti_nkg2a"}


def test_checks_are_numbered_per_mechanism_and_cite_it(checks):
    catalog = mechanisms()
    assert [f.id for f in checks] == [check_id(m.id, n) for m in catalog.values()
                                      for n in range(1, len(m.checks) + 1)]
    for finding in checks:
        mechanism: Mechanism = catalog[finding.id.split(":")[0]]
        assert finding.source == "; ".join(mechanism.citations[:3])


def test_every_check_compares_or_bounds_a_readout_of_the_contract(checks):
    names = {r.name for r in vocabulary.READOUTS}
    for finding in checks:
        assert {e.readout for e in finding.expect} <= names, finding.id


def test_an_unknown_mechanism_is_named():
    with pytest.raises(ValueError, match="'no_such_mechanism'"):
        mechanism_findings(["nkg2d_mica_ulbp", "no_such_mechanism"])


def test_validate_mechanisms_runs_every_check(checks):
    result = run_cli(["validate", "--mechanisms"])
    assert result.exception is None
    shown = re.findall(r"^(\S+:\d+) +(PASS|FAIL)", result.stdout, flags=re.MULTILINE)
    assert [ident for ident, _ in shown] == [f.id for f in checks]
    failed = sum(verdict == "FAIL" for _, verdict in shown)
    assert f"{len(checks) - failed} passed, {failed} failed" in result.stdout
    assert result.exit_code == (1 if failed else 0)


def test_validate_mechanisms_with_findings_files(tmp_path):
    finding = {"id": "T1", "claim": "c", "source": "s", "conditions": {"a": {}},
               "expect": [{"readout": "msc_lysis_pct", "in": "a", "above": 0}]}
    path = tmp_path / "findings.yaml"
    path.write_text(yaml.safe_dump([finding]))
    result = run_cli(["validate", path, "--mechanisms"])
    assert re.search(r"^T1 +PASS", result.stdout, flags=re.MULTILINE)
    assert re.search(r"^missing_self:1 +(PASS|FAIL)", result.stdout, flags=re.MULTILINE)
    clash = tmp_path / "clash.yaml"
    clash.write_text(yaml.safe_dump([{**finding, "id": "missing_self:1"}]))
    result = run_cli(["validate", clash, "--mechanisms"])
    assert result.exit_code == 2 and "finding missing_self:1: duplicate id" in result.flat


def test_validate_needs_files_or_mechanisms():
    result = run_cli(["validate"])
    assert result.exit_code == 2
    assert "give findings files, --mechanisms, or both" in result.flat
    assert result.exception is None


def test_mechanism_checks_belong_to_the_coculture_scenario():
    from pathlib import Path

    folder = Path(__file__).parents[1] / "scenarios" / "priming"
    result = run_cli(["validate", "--mechanisms", "--scenario", folder])
    assert result.exit_code == 2 and result.exception is None
    assert "the catalog's checks are conditions of the 'coculture' scenario" in result.flat


def test_mechanisms_command_names_each_check_or_why_none():
    shown = run_cli(["mechanisms", "serpin"]).flat
    assert "serpinb9_protection:1 Knocking down serpin B9" in shown
    fasl = run_cli(["mechanisms", "fasl_killing"]).flat
    assert f"none: {mechanisms()['fasl_killing'].no_check}" in fasl
