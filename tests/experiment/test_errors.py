"""Bad input: exit code 2, a message naming field, value and what is allowed, nothing written."""

from __future__ import annotations

import json

import pytest

import mscnk

from helpers import assert_rejected, run_cli

#: id -> (condition file text, strings the message must contain)
#: Each list names the field, the bad value, (some of) the allowed values and, where a close
#: match exists, the did-you-mean suggestion.
BAD_CONDITIONS = {
    "unknown_top_level_field": (
        "ratoi: 3\n",
        ["ratoi", "3", "ratio", "culture", "did you mean 'ratio'"]),
    "unknown_nested_field": (
        "msc: {tlr3_primming: true}\n",
        ["msc.tlr3_primming", "True", "tlr4_priming", "did you mean 'tlr3_priming'"]),
    "unknown_deep_field": (
        "nk: {activation: {il2_uml: 50}}\n",
        ["nk.activation.il2_uml", "50", "il15_ng_ml", "did you mean 'il2_u_ml'"]),
    "unknown_drug": (
        "drugs: {one_mt: 5}\n",
        ["drugs.one_mt", "5", "ns398_uM", "did you mean 'one_mt_uM'"]),
    "unknown_mediator": (
        "mediators: {pge2: 1}\n",
        ["mediators.pge2", "pge2_ng_ml", "kynurenine_uM"]),
    "unknown_source": (
        "msc: {source: bone_marow}\n",
        ["msc.source", "bone_marow", "adipose", "wharton_jelly", "did you mean 'bone_marrow'"]),
    "unknown_exosome_source": (
        "exosomes: {ug_ml: 1, source: adipos}\n",
        ["exosomes.source", "adipos", "placenta", "did you mean 'adipose'"]),
    "unknown_blockade": (
        "blockade: [anti_nkg2a, anti_nkg2dd]\n",
        ["blockade", "anti_nkg2dd", "anti_nkp30", "anti_hla_i", "did you mean 'anti_nkg2d'"]),
    "unknown_knockdown": (
        "msc: {knockdown: [ido]}\n",
        ["msc.knockdown", "'ido'", "serpinb9", "did you mean 'ido1'"]),
    "unknown_culture": (
        "culture: transwel\n",
        ["culture", "transwel", "contact", "did you mean 'transwell'"]),
    "unknown_assay": (
        "assay: coculure\n",
        ["assay", "coculure", "cytotoxicity", "did you mean 'coculture'"]),
    "unknown_tumor_line": (
        "tumor: {cells: 100, line: k56}\n",
        ["tumor.line", "k56", "solid_tumor", "did you mean 'k562'"]),
    "negative_ratio": (
        "ratio: -1\n",
        ["ratio", "-1", "greater than or equal to 0"]),
    "ratio_too_high": (
        "ratio: 5000\n",
        ["ratio", "5000", "less than or equal to 1000"]),
    "negative_msc_cells": (
        "msc: {cells: -5}\n",
        ["msc.cells", "-5", "greater than or equal to 0"]),
    "negative_nk_cells": (
        "nk: {cells: -10}\n",
        ["nk.cells", "-10", "greater than or equal to 0"]),
    "negative_drug_dose": (
        "drugs: {one_mt_uM: -1}\n",
        ["drugs.one_mt_uM", "-1", "greater than or equal to 0"]),
    "negative_mediator": (
        "mediators: {tgfb_ng_ml: -0.5}\n",
        ["mediators.tgfb_ng_ml", "-0.5", "greater than or equal to 0"]),
    "zero_duration": (
        "duration_h: 0\n",
        ["duration_h", "0", "greater than 0"]),
    "wrong_type_number": (
        "ratio: lots\n",
        ["ratio", "lots", "number"]),
    "wrong_type_boolean": (
        "msc: {tlr3_priming: maybe}\n",
        ["msc.tlr3_priming", "maybe", "boolean"]),
    "wrong_type_nested_block": (
        "msc: bone_marrow\n",
        ["msc", "bone_marrow"]),
    "nk_cells_null_with_no_msc": (
        "msc: {cells: 0}\nnk: {cells: null}\n",
        ["nk.cells", "null", "msc.cells", "0"]),
    "unknown_sweep_path": (
        "sweep: {msc.sorce: [adipose]}\n",
        ["msc.sorce", "msc.source", "msc.cells", "did you mean 'msc.source'"]),
    "sweep_values_not_a_list": (
        "sweep: {ratio: 5}\n",
        ["ratio", "5", "list"]),
    "sweep_value_out_of_range": (
        "sweep: {ratio: [1, -1]}\n",
        ["ratio=-1", "ratio", "-1", "greater than or equal to 0"]),
    "condition_not_a_mapping": (
        "conditions: {a: 5}\n",
        ["'a'", "5", "mapping"]),
    "bad_in_named_condition": (
        "base: {assay: cytotoxicity}\nconditions: {good: {}, typo: {ratoi: 3}}\n",
        ["'typo'", "ratoi", "did you mean 'ratio'"]),
    "not_yaml": (
        "ratio: [1, 2\n",
        ["YAML"]),
    "top_level_not_a_mapping": (
        "- ratio: 1\n",
        ["mapping", "list"]),
}


@pytest.mark.parametrize("case", list(BAD_CONDITIONS))
def test_cli_rejects_bad_condition(tmp_path, case):
    text, needles = BAD_CONDITIONS[case]
    source = tmp_path / "bad.yaml"
    source.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(["run", source, "--out", out, "--format", "csv"])
    assert_rejected(result, out, needles)
    assert result.stdout == ""  # no table for bad input


def test_cli_rejects_a_missing_file(tmp_path):
    out = tmp_path / "out"
    result = run_cli(["run", tmp_path / "nope.yaml", "--out", out])
    assert_rejected(result, out, ["nope.yaml", "does not exist"])


def test_cli_lists_every_problem_of_a_file(tmp_path):
    source = tmp_path / "bad.yaml"
    source.write_text("conditions:\n  a: {ratoi: 1}\n  b: {msc: {source: mars}}\n"
                      "  c: {ratio: -2}\n")
    out = tmp_path / "out"
    result = run_cli(["run", source, "--out", out])
    assert_rejected(result, out, ["3 problem(s)", "'a'", "ratoi", "'b'", "mars", "'c'", "-2"])


def test_cli_params_with_good_values_are_used(tmp_path):
    # the counterpart of the rejections: a valid parameter file changes the result
    source = tmp_path / "c.yaml"
    source.write_text("ratio: 0\nduration_h: 48\n")
    params = tmp_path / "params.yaml"
    params.write_text("msc_capacity: 25000\n")
    plain = run_cli(["run", source, "--out", tmp_path / "a", "--format", "json"])
    slow = run_cli(["run", source, "--out", tmp_path / "b", "--format", "json", "--params", params])
    assert plain.exit_code == slow.exit_code == 0, plain.output + slow.output
    assert json.loads(slow.stdout)[0]["msc_viable"] < json.loads(plain.stdout)[0]["msc_viable"]
    assert json.loads(slow.stdout)[0]["msc_viable"] >= 20000  # crowding slows, never kills


# --------------------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------------------
def test_condition_error_lists_all_problems_at_once(tmp_path):
    source = tmp_path / "bad.yaml"
    source.write_text(
        "base: {assay: cytotoxicity}\n"
        "conditions:\n"
        "  a: {ratoi: 1}\n"
        "  b: {msc: {source: mars, cells: -1}}\n"
        "  c: {blockade: [anti_everything]}\n"
        "  ok: {ratio: 3}\n")
    with pytest.raises(mscnk.ConditionError) as caught:
        mscnk.load_conditions(source)
    problems = caught.value.problems
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    for needle in ("'a'", "ratoi", "'b'", "mars", "msc.cells", "'c'", "anti_everything"):
        assert needle in text, needle
    assert "'ok'" not in text
    assert str(caught.value) == text
    assert isinstance(caught.value, ValueError)


def test_run_experiment_raises_condition_error_before_simulating():
    with pytest.raises(mscnk.ConditionError) as caught:
        mscnk.run_experiment({"conditions": {"x": {"culture": "petri"}}})
    assert any("petri" in p and "transwell" in p for p in caught.value.problems)


def test_simulate_rejects_unknown_fields():
    with pytest.raises(ValueError, match="tlr3_primming"):
        mscnk.simulate({"msc": {"tlr3_primming": True}})


def test_simulator_rejects_unknown_parameter_with_suggestion():
    with pytest.raises(mscnk.ConditionError, match="did you mean 'msc_capacity'"):
        mscnk.Simulator(params={"msc_capacty": 1e5})


def test_the_api_checks_parameter_bounds_as_params_files_are():
    """Out of its bounds a parameter can turn model targets negative (a knock-down
    efficiency above 1): the Python API refuses it with the --params message, all at once."""
    with pytest.raises(mscnk.ConditionError) as caught:
        mscnk.Simulator(params={"knockdown_efficiency": 1.2, "p_granule_kill": True})
    assert caught.value.problems == [
        "params: knockdown_efficiency = 1.2 is outside its bounds [0.5, 1.0] 1",
        "params: p_granule_kill: value True is not a number (finite)"]


def test_sweep_and_field_problems_are_reported_together():
    with pytest.raises(mscnk.ConditionError) as caught:
        mscnk.load_conditions({"ratoi": 1, "sweep": {"bogus": [1]}})
    text = "\n".join(caught.value.problems)
    assert "bogus" in text
    assert "ratoi" in text


@pytest.mark.parametrize(("typo", "meant"), [("sweeps", "sweep"), ("conditons", "conditions")])
def test_typo_in_experiment_keys_suggests_the_key(typo, meant):
    with pytest.raises(mscnk.ConditionError) as caught:
        mscnk.load_conditions({typo: {"x": [1]} if typo == "sweeps" else {"x": {}}})
    assert f"did you mean {meant!r}" in "\n".join(caught.value.problems)
