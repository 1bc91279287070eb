"""Expectations that hold structurally: found from the protocol's phases and the model graph."""

from __future__ import annotations

from mscnk.analysis import check_id, mechanism_findings, structural_expectations, varied_symbols
from mscnk.experiment import Condition
from mscnk.model import downstream
from mscnk.scenarios import load_scenario


def _pair(first: dict, second: dict):
    scenario = load_scenario()
    model = scenario.compiled
    protocol = scenario.protocol(model, model.default_parameters())
    conditions = [Condition.model_validate(c).resolved() for c in (first, second)]
    return varied_symbols(scenario, protocol, *conditions)


def test_what_two_conditions_vary_is_read_off_their_phases():
    base = {"assay": "cytotoxicity", "ratio": 10}
    assert _pair(base, {**base, "blockade": ["anti_nkg2d"]}) == {"ab_nkg2d"}
    assert _pair(base, {**base, "msc": {"knockdown": ["galectin1"]}}) == {"kd_galectin1"}
    assert _pair(base, {**base, "mediators": {"pge2_ng_ml": 5}}) == {"pge2"}
    assert _pair(base, {**base, "duration_h": 8}) is None  # phases of other lengths
    assert _pair(base, {**base, "msc": {"ifng_pretreatment_ng_ml": 10}}) is None  # a pre-phase more


def test_downstream_follows_rates_to_the_species_they_change():
    model = load_scenario().model
    assert "pge2" in downstream(model, ["kd_cox2"])  # knock-down -> COX-2 -> PGE2
    assert "msc" in downstream(model, ["ab_nkg2d"])  # masking NKG2D -> MSCs killed
    assert downstream(model, []) == frozenset()


def test_galectin1_knockdown_is_structural_and_nkg2d_masking_is_not():
    checks = {f.id: f for f in mechanism_findings()}
    found = structural_expectations([checks[check_id("galectin1", 1)],
                                     checks[check_id("nkg2d_mica_ulbp", 1)]])
    assert list(found) == [(check_id("galectin1", 1), 0)]
    assert "kd_galectin1" in found[(check_id("galectin1", 1), 0)]


def test_validate_marks_structural_expectations():
    from tests.helpers import run_cli

    shown = run_cli(["validate", "--mechanisms"]).flat
    assert ("structural (no parameter can change it): expectation 1: "
            "nk_proliferation_inhibition_pct reads none of what galectin1_kd and coculture "
            "change (kd_galectin1)") in shown
    assert shown.count("structural (no parameter can change it)") == 1
