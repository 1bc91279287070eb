"""The public contract (shared/spec/experiment.md): defaults, readouts, missing values, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml

import mscnk
from mscnk.vocabulary import READOUT_UNITS
from mscnk.experiment import deep_merge

from helpers import (
    CONTRACT_READOUT_UNITS,
    CONTRACT_READOUTS,
    FULL_CONDITION,
    FULL_CONDITION_YAML,
    MEDIUM_READOUTS,
    MSC_READOUTS,
    NK_READOUTS,
    NON_NEGATIVE_READOUTS,
    REL_READOUTS,
    RESULT_FILES,
    SHARE_READOUTS,
    TUMOR_READOUTS,
    is_missing,
    normalise_unit,
    run_cli,
)

SHORT = {"duration_h": 8}


# --------------------------------------------------------------------------------------
# Section 1: the condition and its defaults
# --------------------------------------------------------------------------------------
#: dotted field -> the contract's default (section 1 of the spec)
CONTRACT_DEFAULTS = {
    "assay": "coculture",
    "msc.source": "bone_marrow",
    "msc.cells": 20000,
    "msc.ifng_pretreatment_ng_ml": 0,
    "msc.pretreatment_h": 48,
    "msc.tlr3_priming": False,
    "msc.tlr4_priming": False,
    "msc.knockdown": (),
    "nk.cells": None,
    "nk.activation.il2_u_ml": 100,
    "nk.activation.il12_ng_ml": 0,
    "nk.activation.il15_ng_ml": 0,
    "nk.activation.il18_ng_ml": 0,
    "nk.activation.il21_ng_ml": 0,
    "nk.preactivation_h": 72,
    "nk.car": False,
    "ratio": 5,
    "culture": "contact",
    "blockade": (),
    "exosomes.ug_ml": 0,
    "exosomes.source": "bone_marrow",
    "medium.tryptophan_uM": 24.5,
    "tumor.cells": 0,
    "tumor.line": "k562",
}
DRUG_FIELDS = ("one_mt_uM", "ns398_uM", "indomethacin_uM", "ag490_uM", "tacrolimus_ng_ml",
               "rapamycin_ng_ml", "sotrastaurin_nM")
MEDIATOR_FIELDS = ("pge2_ng_ml", "kynurenine_uM", "tgfb_ng_ml", "ifng_ng_ml", "tnfa_ng_ml",
                   "il1b_ng_ml", "il10_ng_ml", "hgf_ng_ml", "hla_g5_ng_ml", "activin_a_ng_ml",
                   "adenosine_uM")


def _get(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize(("path", "default"), list(CONTRACT_DEFAULTS.items()),
                         ids=list(CONTRACT_DEFAULTS))
def test_condition_default_is_the_contracts(path, default):
    value = _get(mscnk.Condition(), path)
    if isinstance(default, tuple):
        assert tuple(value) == default
    else:
        assert value == default


@pytest.mark.parametrize("group, fields", [("drugs", DRUG_FIELDS),
                                           ("mediators", MEDIATOR_FIELDS)])
def test_drugs_and_mediators_exist_and_default_to_zero(group, fields):
    block = getattr(mscnk.Condition(), group)
    assert set(type(block).model_fields) >= set(fields)
    assert {name: getattr(block, name) for name in fields} == dict.fromkeys(fields, 0)


def test_empty_mapping_is_the_default_condition():
    assert mscnk.Condition.model_validate({}) == mscnk.Condition()


def test_resolved_defaults():
    resolved = mscnk.Condition().resolved()
    assert resolved.duration_h == 72
    assert resolved.nk.cells == 5 * 20000


def test_cytotoxicity_defaults_to_four_hours_and_explicit_duration_wins():
    assert mscnk.Condition(assay="cytotoxicity").resolved().duration_h == 4
    assert mscnk.Condition(assay="cytotoxicity", duration_h=6).resolved().duration_h == 6
    assert mscnk.Condition(duration_h=24).resolved().duration_h == 24


@pytest.mark.parametrize(("ratio", "msc_cells"), [(1, 1000), (10, 20000), (0, 20000),
                                                  (2.5, 3000)])
def test_nk_cells_default_to_ratio_times_msc_cells(ratio, msc_cells):
    condition = mscnk.Condition.model_validate({"ratio": ratio, "msc": {"cells": msc_cells}})
    assert condition.resolved().nk.cells == ratio * msc_cells


def test_explicit_nk_cells_override_the_ratio():
    condition = mscnk.Condition.model_validate({"ratio": 10, "nk": {"cells": 1234}})
    assert condition.resolved().nk.cells == 1234


def test_full_condition_validates_with_every_field_as_written():
    condition = mscnk.Condition.model_validate(FULL_CONDITION)
    assert condition.msc.source == "adipose"
    assert tuple(condition.msc.knockdown) == ("galectin1",)
    assert tuple(condition.blockade) == ("anti_nkp44",)
    assert condition.drugs.one_mt_uM == 10
    assert condition.mediators.pge2_ng_ml == 1
    assert condition.tumor.cells == 1000
    assert condition.resolved().nk.cells == 5 * 20000


# --------------------------------------------------------------------------------------
# Section 2: readouts
# --------------------------------------------------------------------------------------
def test_contract_list_is_complete():
    # guards the hard-coded list itself: 42 readouts in the spec's table
    assert len(CONTRACT_READOUTS) == 42


def test_package_declares_every_contract_readout_with_its_unit():
    missing = sorted(set(CONTRACT_READOUTS) - set(READOUT_UNITS))
    assert not missing, f"readouts dropped or renamed: {missing}"
    wrong = {name: (READOUT_UNITS[name], unit) for name, unit in CONTRACT_READOUT_UNITS.items()
             if normalise_unit(READOUT_UNITS[name]) != normalise_unit(unit)}
    assert not wrong, f"units differ from the contract (package, contract): {wrong}"
    assert {r.name for r in mscnk.READOUTS} == set(READOUT_UNITS)


@pytest.fixture(scope="module")
def full_result(simulator):
    return simulator.simulate(FULL_CONDITION)


def test_result_has_every_contract_readout(full_result):
    missing = sorted(set(CONTRACT_READOUTS) - set(full_result.readouts))
    assert not missing, f"readouts missing from Result.readouts: {missing}"


def test_full_condition_gives_a_finite_value_for_every_readout(full_result):
    # MSCs, NK cells and tumor cells are all present: every readout applies
    bad = {k: full_result.readouts[k] for k in CONTRACT_READOUTS
           if not math.isfinite(full_result.readouts[k])}
    assert not bad


def test_timecourse_has_time_phase_and_every_species(full_result, model):
    frame = full_result.timecourse
    assert list(frame.columns[:2]) == ["time_h", "phase"]
    assert set(model.species) <= set(frame.columns)
    # pre-phases run at negative times, the main phase from 0 to the duration
    main = frame[frame["phase"] == "main"]
    assert main["time_h"].iloc[0] == 0
    assert main["time_h"].iloc[-1] == pytest.approx(48)
    assert (frame.loc[frame["phase"] != "main", "time_h"] <= 0).all()
    assert np.all(np.diff(frame["time_h"].to_numpy()) >= 0)
    assert list(dict.fromkeys(frame["phase"])) == ["pretreatment", "preactivation", "main"]


def test_matched_controls_are_reported(full_result):
    assert set(full_result.controls) == {"without_nk", "without_msc"}


@pytest.fixture(scope="module")
def wells(simulator):
    """One short well per population pattern (label -> readouts)."""
    patterns = {
        "all": {"tumor": {"cells": 2000}},
        "msc_alone": {"ratio": 0},
        "nk_alone": {"msc": {"cells": 0}, "nk": {"cells": 50000}},
        "tumor_and_nk": {"msc": {"cells": 0}, "nk": {"cells": 50000}, "tumor": {"cells": 2000}},
        "tumor_and_msc": {"ratio": 0, "tumor": {"cells": 2000}},
        "no_tumor": {},
    }
    return {label: simulator.simulate({**SHORT, **c}).readouts for label, c in patterns.items()}


def _missing(readouts, names):
    return {n for n in names if is_missing(readouts[n])}


def test_msc_readouts_missing_without_msc(wells):
    for label in ("nk_alone", "tumor_and_nk"):
        assert _missing(wells[label], MSC_READOUTS) == set(MSC_READOUTS), label


def test_nk_readouts_missing_without_nk(wells):
    for label in ("msc_alone", "tumor_and_msc"):
        assert _missing(wells[label], NK_READOUTS) == set(NK_READOUTS), label


def test_tumor_readouts_missing_without_tumor(wells):
    for label in ("msc_alone", "nk_alone", "no_tumor"):
        assert _missing(wells[label], TUMOR_READOUTS) == set(TUMOR_READOUTS), label


def test_applicable_readouts_are_present(wells):
    expected_present = {
        "all": CONTRACT_READOUTS,
        "msc_alone": (*MSC_READOUTS, *MEDIUM_READOUTS),
        "nk_alone": (*NK_READOUTS, *MEDIUM_READOUTS),
        "tumor_and_nk": (*NK_READOUTS, *TUMOR_READOUTS, *MEDIUM_READOUTS),
        "tumor_and_msc": (*MSC_READOUTS, *TUMOR_READOUTS, *MEDIUM_READOUTS),
        "no_tumor": (*MSC_READOUTS, *NK_READOUTS, *MEDIUM_READOUTS),
    }
    for label, names in expected_present.items():
        assert not _missing(wells[label], names), label


def test_rel_readouts_are_finite_when_applicable(wells):
    for label, readouts in wells.items():
        for name in REL_READOUTS:
            value = readouts[name]
            assert is_missing(value) or math.isfinite(value), (label, name, value)
    assert all(math.isfinite(wells["all"][name]) for name in REL_READOUTS)


def test_non_negative_readouts_are_never_negative(wells, full_result):
    for label, readouts in {**wells, "full": full_result.readouts}.items():
        negative = {n: readouts[n] for n in NON_NEGATIVE_READOUTS
                    if not is_missing(readouts[n]) and readouts[n] < 0}
        assert not negative, label
        over = {n: readouts[n] for n in SHARE_READOUTS
                if not is_missing(readouts[n]) and readouts[n] > 100}
        assert not over, label


def test_single_population_controls_read_zero(wells):
    assert wells["msc_alone"]["msc_lysis_pct"] == 0
    assert wells["nk_alone"]["nk_proliferation_inhibition_pct"] == 0
    assert wells["tumor_and_msc"]["tumor_kill_pct"] == 0


def test_tryptophan_plus_kynurenine_never_exceeds_the_start(wells):
    # no kynurenine added: the sum is bounded by the RPMI tryptophan (24.5 uM)
    for readouts in wells.values():
        assert readouts["tryptophan_uM"] + readouts["kynurenine_uM"] <= 24.5 * (1 + 1e-9)


# --------------------------------------------------------------------------------------
# The command line writes the contract's files
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("full")
    source = folder / "full.yaml"
    source.write_text(FULL_CONDITION_YAML)
    out = folder / "out"
    result = run_cli(["run", source, "--out", out, "--format", "csv"])
    return result, out


def test_full_yaml_matches_the_full_condition():
    parsed = yaml.safe_load(FULL_CONDITION_YAML)["conditions"]["everything"]
    assert parsed == FULL_CONDITION


def test_cli_run_on_every_field_succeeds(full_run):
    result, out = full_run
    assert result.exit_code == 0, result.output
    assert result.exception is None


def test_cli_run_writes_every_readout_column(full_run):
    _, out = full_run
    table = pd.read_csv(out / "results.csv", index_col=0)
    missing = [r for r in CONTRACT_READOUTS if r not in table.columns]
    assert not missing, f"readouts missing from results.csv: {missing}"
    assert list(table.index) == ["everything"]
    row = table.loc["everything", list(CONTRACT_READOUTS)].astype(float)
    assert np.isfinite(row.to_numpy()).all(), row[~np.isfinite(row.to_numpy())]


def test_cli_run_writes_parquet_and_resolved_conditions(full_run):
    _, out = full_run
    for name in RESULT_FILES:
        assert (out / name).exists(), name
    parquet = pd.read_parquet(out / "chunks").set_index("condition")
    csv = pd.read_csv(out / "results.csv", index_col=0)
    assert set(CONTRACT_READOUTS) <= set(parquet.columns)
    np.testing.assert_allclose(parquet.loc["everything", list(CONTRACT_READOUTS)].astype(float),
                               csv.loc["everything", list(CONTRACT_READOUTS)].astype(float),
                               rtol=1e-12)
    everything = parquet.loc["everything"]
    assert everything["nk.cells"] == 100000  # null resolved to ratio * msc.cells
    assert everything["duration_h"] == 48
    assert everything["msc.source"] == "adipose"
    assert everything["msc.knockdown"] == "galectin1"


def test_cli_csv_stdout_is_the_table(full_run):
    result, out = full_run
    header = result.stdout.splitlines()[0].split(",")
    assert set(CONTRACT_READOUTS) <= set(header)


def test_cli_json_prints_null_for_missing_readouts(tmp_path):
    source = tmp_path / "c.yaml"
    source.write_text("ratio: 0\nduration_h: 6\n")  # MSC alone: no NK, no tumor
    result = run_cli(["run", source, "--out", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 1
    record = records[0]
    assert set(CONTRACT_READOUTS) <= set(record)
    for name in (*NK_READOUTS, *TUMOR_READOUTS):
        assert record[name] is None, name
    for name in MSC_READOUTS:
        assert isinstance(record[name], (int, float)), name
    assert record["msc_lysis_pct"] == 0


def test_csv_leaves_missing_readouts_empty(tmp_path):
    source = tmp_path / "c.yaml"
    source.write_text("ratio: 0\nduration_h: 6\n")
    result = run_cli(["run", source, "--out", tmp_path / "out", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "out" / "results.csv").read_text().splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    cells = dict(zip(header, row))
    assert cells["tumor_viable"] == "" and cells["nk_viable"] == ""
    assert cells["msc_viable"] != ""


# --------------------------------------------------------------------------------------
# Experiment files: sweeps, base, a single condition
# --------------------------------------------------------------------------------------
def test_sweep_is_the_cartesian_product():
    conditions = mscnk.load_conditions({
        "assay": "cytotoxicity",
        "sweep": {"ratio": [1, 3, 10], "culture": ["contact", "transwell"]},
    })
    expected = {f"ratio={r},culture={c}": (r, c)
                for r in (1, 3, 10) for c in ("contact", "transwell")}
    assert list(conditions) == list(expected)
    for name, (ratio, culture) in expected.items():
        assert conditions[name].ratio == ratio
        assert conditions[name].culture == culture
        assert conditions[name].assay == "cytotoxicity"


def test_sweep_over_named_conditions_multiplies_both():
    conditions = mscnk.load_conditions({
        "base": {"assay": "cytotoxicity"},
        "conditions": {"resting": {"nk": {"activation": {"il2_u_ml": 0}}}, "il2": {}},
        "sweep": {"ratio": [1, 10], "msc.source": ["bone_marrow", "adipose"]},
    })
    assert len(conditions) == 2 * 2 * 2
    expected = [f"{name}[ratio={r},msc.source={s}]" for name in ("resting", "il2")
                for r in (1, 10) for s in ("bone_marrow", "adipose")]
    assert list(conditions) == expected
    chosen = conditions["resting[ratio=10,msc.source=adipose]"]
    assert chosen.ratio == 10 and chosen.msc.source == "adipose"
    assert chosen.nk.activation.il2_u_ml == 0
    assert conditions["il2[ratio=1,msc.source=bone_marrow]"].nk.activation.il2_u_ml == 100


def test_sweep_over_a_list_field_labels_lists():
    conditions = mscnk.load_conditions({"sweep": {"blockade": [[], ["anti_nkg2d", "anti_dnam1"]]}})
    assert list(conditions) == ["blockade=none", "blockade=anti_nkg2d+anti_dnam1"]
    assert tuple(conditions["blockade=anti_nkg2d+anti_dnam1"].blockade) == ("anti_nkg2d",
                                                                            "anti_dnam1")


def test_base_is_deep_merged_onto_every_condition():
    conditions = mscnk.load_conditions({
        "base": {"msc": {"source": "adipose", "cells": 10000}, "nk": {"activation": {"il15_ng_ml": 5}}},
        "conditions": {
            "fewer": {"msc": {"cells": 5000}},
            "il2_off": {"nk": {"activation": {"il2_u_ml": 0}}},
            "plain": None,
        },
    })
    assert list(conditions) == ["fewer", "il2_off", "plain"]
    fewer, il2_off, plain = conditions.values()
    assert (fewer.msc.source, fewer.msc.cells) == ("adipose", 5000)
    assert fewer.nk.activation.il15_ng_ml == 5
    assert il2_off.nk.activation.il2_u_ml == 0 and il2_off.nk.activation.il15_ng_ml == 5
    assert il2_off.msc.cells == 10000
    assert (plain.msc.source, plain.msc.cells) == ("adipose", 10000)


def test_deep_merge_merges_mappings_and_replaces_the_rest():
    base = {"a": {"b": 1, "c": {"d": 2}}, "lst": [1, 2], "x": 1}
    merged = deep_merge(base, {"a": {"c": {"e": 3}}, "lst": [3]})
    assert merged == {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "lst": [3], "x": 1}
    assert base == {"a": {"b": 1, "c": {"d": 2}}, "lst": [1, 2], "x": 1}  # not mutated


def test_single_condition_file(tmp_path):
    source = tmp_path / "one.yaml"
    source.write_text("assay: cytotoxicity\nratio: 3\nmsc: {source: placenta}\n")
    conditions = mscnk.load_conditions(source)
    assert list(conditions) == ["condition"]
    only = conditions["condition"]
    assert (only.assay, only.ratio, only.msc.source) == ("cytotoxicity", 3, "placenta")


def test_empty_mapping_is_the_default_condition_and_an_empty_file_is_refused(tmp_path):
    # issue 10: an empty file (often a failed save) is refused, not run as the default well
    source = tmp_path / "empty.yaml"
    source.write_text("{}\n")
    assert mscnk.load_conditions(source) == {"condition": mscnk.Condition()}
    source.write_text("")
    with pytest.raises(mscnk.ConditionError, match="is empty"):
        mscnk.load_conditions(source)


def test_json_file_is_accepted(tmp_path):
    source = tmp_path / "c.json"
    source.write_text(json.dumps({"conditions": {"a": {"ratio": 2}, "b": {"ratio": 7}}}))
    conditions = mscnk.load_conditions(source)
    assert {name: c.ratio for name, c in conditions.items()} == {"a": 2, "b": 7}


def test_run_experiment_gives_one_row_per_condition():
    table = mscnk.run_experiment({
        "assay": "cytotoxicity",
        "sweep": {"ratio": [1, 10]},
    })
    assert list(table.index) == ["ratio=1", "ratio=10"]
    assert (table["status"] == "ok").all()
    assert set(CONTRACT_READOUTS) <= set(table.columns)
    assert table.loc["ratio=1", "nk.cells"] == 20000
    assert table.loc["ratio=10", "msc_lysis_pct"] > table.loc["ratio=1", "msc_lysis_pct"]


def test_simulate_accepts_a_mapping_or_a_condition_alike():
    a = mscnk.simulate({"assay": "cytotoxicity"}).readouts
    b = mscnk.simulate(mscnk.Condition(assay="cytotoxicity")).readouts
    np.testing.assert_array_equal([a[k] for k in CONTRACT_READOUTS],
                                  [b[k] for k in CONTRACT_READOUTS])
