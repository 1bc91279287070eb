"""Mechanism switches and ``mscnk explain``: each mechanism switched off in turn."""

from __future__ import annotations

import math

import pytest

import mscnk
from mscnk.analysis import explain_condition
from mscnk.catalog import mechanisms
from mscnk.experiment import ConditionError
from mscnk.scenarios import load_scenario

from helpers import run_cli

LICENSING = {"naive": {"assay": "cytotoxicity", "ratio": 10},
             "licensed": {"assay": "cytotoxicity", "ratio": 10,
                          "msc": {"ifng_pretreatment_ng_ml": 100, "pretreatment_h": 48}}}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(None)


@pytest.fixture(scope="module")
def licensed_versus_naive():
    return explain_condition(LICENSING, "msc_lysis_pct", condition="licensed", versus="naive")


@pytest.fixture(scope="module")
def licensed():
    return explain_condition(LICENSING, "msc_lysis_pct", condition="licensed")


def test_every_modelled_mechanism_has_a_switch_or_a_reason(scenario):
    switchable = set(scenario.model.switches)
    fixed = set(scenario.fixed_mechanisms)
    modelled = {m for m, known in mechanisms().items() if known.status == "modelled"}
    assert not switchable & fixed
    assert switchable | fixed == modelled
    assert all(why.strip() for why in scenario.fixed_mechanisms.values())
    for mechanism, name in scenario.model.switches.items():
        assert name == f"on_{mechanism}"
        parameter = scenario.model.parameter(name)
        assert (parameter.value, parameter.lower, parameter.upper) == (1.0, 0.0, 1.0), name
        assert parameter.kind == "switch" and parameter not in scenario.model.constants


def test_pge2_switched_off_makes_recombinant_pge2_inert():
    alone = {"msc": {"cells": 0}, "nk": {"cells": 100000}, "duration_h": 72}
    dosed = {**alone, "mediators": {"pge2_ng_ml": 100}}
    plain = mscnk.simulate(alone).readouts
    on = mscnk.simulate(dosed).readouts
    off = mscnk.simulate(dosed, params={"on_pge2_ep2_ep4": 0}).readouts
    assert on["nkg2d_rel"] < 0.95 * plain["nkg2d_rel"]  # PGE2 acts when on ...
    for readout in ("nkg2d_rel", "nk_fold_expansion", "ifng_pg_ml"):
        assert off[readout] == pytest.approx(plain[readout], rel=1e-6), readout  # ... not off


def test_ido_switched_off_converts_no_tryptophan():
    licensed = {"ratio": 1, "duration_h": 96,
                "msc": {"ifng_pretreatment_ng_ml": 100, "pretreatment_h": 48}}
    on = mscnk.simulate(licensed).readouts
    off = mscnk.simulate(licensed, params={"on_ido_kynurenine": 0}).readouts
    assert on["kynurenine_uM"] > 5
    assert off["kynurenine_uM"] == pytest.approx(0, abs=1e-9)
    assert off["tryptophan_uM"] == pytest.approx(24.5, rel=1e-9)


def test_licensing_explains_why_licensed_mscs_are_lysed_less(licensed_versus_naive):
    found = licensed_versus_naive
    assert found.value < 0  # licensed MSCs are lysed less than naive ones
    first = found.contributions.iloc[0]
    assert first.mechanism == "ifng_licensing"
    assert first.contribution == pytest.approx(found.value, rel=0.02)  # it is all of it
    assert first.off == pytest.approx(0, abs=0.1)


def test_in_the_licensed_well_hla_acts_through_missing_self(licensed):
    by_name = licensed.contributions.set_index("mechanism").contribution
    assert by_name["missing_self"] < 0 and by_name["ifng_licensing"] < 0
    pair = licensed.interactions.set_index(["first", "second"])
    key = next(k for k in pair.index if set(k) == {"missing_self", "ifng_licensing"})
    # licensing acts through the HLA-I that missing-self reads: with missing-self off,
    # licensing no longer lowers lysis, so the pair's joint effect is missing-self's alone
    assert pair.loc[key, "joint"] == pytest.approx(by_name["missing_self"], abs=0.5)


def test_the_reported_knockouts_are_what_switching_them_off_gives(licensed):
    condition = LICENSING["licensed"]
    switches = load_scenario(None).model.switches
    joint = mscnk.simulate(condition, params={switches[m]: 0 for m in licensed.top})
    assert joint.readouts["msc_lysis_pct"] == pytest.approx(licensed.joint_off, abs=1e-6)
    for row in licensed.interactions.itertuples():
        both = mscnk.simulate(condition, params={switches[row.first]: 0, switches[row.second]: 0})
        assert both.readouts["msc_lysis_pct"] == pytest.approx(row.off, abs=1e-6)
    singles = licensed.contributions.set_index("mechanism").contribution
    added = (sum(singles[m] for m in licensed.top) + licensed.interactions.interaction.sum()
             + licensed.higher_order)
    assert added == pytest.approx(licensed.joint, abs=1e-9)
    assert math.isfinite(licensed.higher_order)


@pytest.mark.parametrize("arguments, needle", [
    ({"readout": "msc_lysis"}, "readout: unknown readout 'msc_lysis'"),
    ({"condition": "licenced"}, "did you mean 'licensed'"),
    ({"condition": "licensed", "versus": "licensed"}, "versus: 'licensed' is the condition"),
    ({"condition": None}, "name one of naive, licensed"),
    ({"top": 0}, "top: 0 is not a whole number from 1 to 8"),
    ({"params": {"on_missing_self": 2}}, "on_missing_self"),
])
def test_bad_arguments_are_refused_by_name(arguments, needle):
    options = {"readout": "msc_lysis_pct", "condition": "licensed", **arguments}
    with pytest.raises(ConditionError, match=needle.replace("(", r"\(")):
        explain_condition(LICENSING, options.pop("readout"), **options)


def test_mscnk_explain_prints_tables_and_writes_the_figure(tmp_path):
    file = tmp_path / "licensing.yaml"
    file.write_text("base: {assay: cytotoxicity, ratio: 10}\nconditions:\n  naive: {}\n"
                    "  licensed: {msc: {ifng_pretreatment_ng_ml: 100, pretreatment_h: 48}}\n")
    out = tmp_path / "why"
    result = run_cli(["explain", str(file), "--condition", "licensed", "--versus", "naive",
                      "--readout", "msc_lysis_pct", "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.index("ifng_licensing") < result.stdout.index("perforin_granzyme")
    stem = "explain_msc_lysis_pct_in_licensed_minus_naive"
    assert {p.name for p in out.iterdir()} == {f"{stem}.csv", f"{stem}_interactions.csv",
                                               f"{stem}.png", f"{stem}.svg"}


def test_mscnk_explain_with_a_readout_name_points_to_graph(tmp_path):
    result = run_cli(["explain", "msc_lysis_pct"])
    assert result.exit_code == 2 and result.exception is None
    assert "mscnk explain --graph msc_lysis_pct" in result.flat


def test_mscnk_explain_without_readout_lists_the_readouts(tmp_path):
    file = tmp_path / "one.yaml"
    file.write_text("assay: cytotoxicity\n")
    result = run_cli(["explain", str(file)])
    assert result.exit_code == 2 and result.exception is None
    assert "--readout: required" in result.flat and "tumor_kill_pct" in result.flat
