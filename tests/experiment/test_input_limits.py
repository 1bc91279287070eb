"""Hostile and sloppy input (issue 10, items 6-8): fast, clear refusals, never a traceback.

Every reproducer of the issue is a case here: alias bombs, huge plans, deep nesting,
binary files, duplicate keys, strings and booleans as numbers, empty blocks, caps after
ratios. The CLI must exit 2 with a message naming the problem and write nothing; the
Python API must raise :class:`mscnk.ConditionError` with the same message.
"""

from __future__ import annotations

import pytest

import mscnk
from mscnk.experiment import ConditionError, load_experiment, plan_hash

from helpers import assert_rejected, build_model, run_cli

ALIAS_BOMB = (  # 335 bytes that expand to 9**7 (4.8 million) list items
    "a: &a [1,1,1,1,1,1,1,1,1]\n"
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "sweep: {ratio: *g}\n")


def _axis(n: int, start: int = 1) -> str:
    return "[" + ", ".join(str(i) for i in range(start, start + n)) + "]"


#: id -> (condition file content (str or bytes), strings the message must contain)
BAD_FILES: dict[str, tuple[str | bytes, list[str]]] = {
    "alias_bomb": (ALIAS_BOMB, ["aliases", "not allowed", "base"]),
    "any_alias": ("base: &b {ratio: 3}\nconditions: {a: *b}\n", ["aliases", "line 2"]),
    "huge_sweep": (f"sweep: {{ratio: {_axis(1000)}, msc.cells: {_axis(1000)}, "
                   f"nk.cells: {_axis(100)}}}\n", ["100,000,000", "limit", "10,000,000",
                                                   "--max-conditions"]),
    "huge_sample": ("parameter_sweep: {sample: {n: 100000000000, parameters: [k_decay_ifng]}}\n",
                    ["100,000,000,000", "limit"]),
    "float_sample_count": ("parameter_sweep: {sample: {n: 1e11, parameters: [k_decay_ifng]}}\n",
                           ["sample.n", "positive integer", "100000000000.0"]),
    "nesting_500": ("ratio: " + "[" * 500 + "]" * 500 + "\n", ["nesting deeper than 64"]),
    "nesting_500_block": ("".join("  " * i + f"k{i}:\n" for i in range(500)) + "  " * 500 + "x: 1\n",
                          ["nesting deeper than 64"]),
    "block_is_not_a_mapping": ("msc: 5\nsweep: {msc.cells: [1, 2]}\n",
                               ["msc.cells", "'msc' is 5", "not a mapping"]),
    "list_as_key": ("[a, b]: 1\n", ["key", "not a list", "line 1"]),
    "integer_5000_digits": ("ratio: " + "9" * 5000 + "\n", ["5000 digits", "too large"]),
    "binary": (bytes(range(256)) * 2, ["binary"]),
    "latin1": ("culture: transwell # Gr\xfc\xdfe\n".encode("latin-1"), ["not UTF-8", "0xfc"]),
    "duplicate_key": ("ratio: 1\nculture: contact\nratio: 2\n",
                      ["duplicate key 'ratio'", "line 3"]),
    "duplicate_nested_key": ("msc: {cells: 1, cells: 2}\n", ["duplicate key 'cells'"]),
    "duplicate_json_key": ('{"ratio": 1, "ratio": 2}\n', ["duplicate key 'ratio'"]),
    "ratio_true": ("ratio: true\n", ["ratio", "True", "number"]),
    "ratio_string": ("ratio: '10'\n", ["ratio", "'10'", "number"]),
    "bool_field_as_number": ("msc: {tlr3_priming: 1}\n", ["msc.tlr3_priming", "1", "boolean"]),
    "bool_field_as_string": ("nk: {car: 'yes'}\n", ["nk.car", "'yes'", "boolean"]),
    "sweep_value_string": ("sweep: {ratio: [1, '10']}\n", ["ratio=10", "'10'", "number"]),
    "empty_conditions": ("conditions: []\n", ["conditions", "non-empty mapping", "[]"]),
    "empty_sweep": ("sweep: 0\n", ["sweep", "non-empty mapping", "0"]),
    "empty_base": ("base: false\n", ["base", "non-empty mapping", "False"]),
    "empty_file": ("", ["empty"]),
    "comment_only_file": ("# nothing yet\n", ["empty"]),
    "duplicate_sweep_values": ("sweep: {ratio: [1, 1, 1.0, '1']}\n",
                               ["'ratio'", "same value more than once", "1.0", "'1'"]),
    "duplicate_condition_names": ("conditions: {1: {}, '1': {ratio: 3}}\n",
                                  ["names 1 and '1'", "unique"]),
    "ratio_past_nk_cap": ("ratio: 1000\nmsc: {cells: 1e8}\n",
                          ["ratio 1000", "msc.cells 1e+08", "nk.cells 1e+11", "cap of 1e+08"]),
    "sweep_past_nk_cap": ("msc: {cells: 1e6}\nsweep: {ratio: [1, 200]}\n",
                          ["ratio=200", "nk.cells 2e+08", "cap"]),
    "infinite_number": ("ratio: .inf\n", ["ratio", "inf"]),
    # YAML 1.1 would read 90 (hours) and True; YAML 1.2 reads text, refused by the schema
    "sexagesimal": ("duration_h: 1:30\n", ["duration_h", "'1:30'", "number"]),
    "yes_is_a_word": ("msc: {tlr3_priming: yes}\n", ["msc.tlr3_priming", "'yes'", "boolean"]),
    "list_field_given_a_word": ("blockade: anti_nkg2d\n", ["blockade", "'anti_nkg2d'",
                                                          "should be a list"]),
    "explicit_binary_tag": ("ratio: !!binary aGVsbG8=\n", ["tag", "binary", "line 1"]),
    "explicit_python_tag": ("ratio: !!python/object/apply:os.getcwd []\n", ["tag", "python"]),
    "explicit_int_tag_on_text": ('duration_h: !!int "1:30"\n', ["'1:30' is not an integer"]),
    "explicit_timestamp_tag": ("ratio: !!timestamp nonsense\n", ["tag", "timestamp"]),
}


def _write(path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_cli_refuses_bad_file_cleanly(tmp_path, case):
    content, needles = BAD_FILES[case]
    source = tmp_path / "bad.yaml"
    _write(source, content)
    out = tmp_path / "out"
    result = run_cli(["run", source, "--out", out, "--format", "csv"])
    assert_rejected(result, out, needles)
    assert result.stdout == ""


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_api_raises_condition_error_with_the_cli_message(tmp_path, case):
    content, needles = BAD_FILES[case]
    source = tmp_path / "bad.yaml"
    _write(source, content)
    with pytest.raises(ConditionError) as caught:
        load_experiment(source)
    text = "\n".join(caught.value.problems)
    assert all(needle in text for needle in needles), text


#: id -> (--params content, strings the message must contain)
BAD_PARAMS: dict[str, tuple[str | bytes, list[str]]] = {
    "unknown_parameter": ("msc_capacty: 100000\n",
                          ["msc_capacty", "did you mean 'msc_capacity'"]),
    "out_of_bounds": ("msc_capacity: 1.0\n", ["msc_capacity", "1.0", "20000", "2000000"]),
    "not_a_number": ("msc_capacity: lots\n", ["msc_capacity", "lots", "not a number"]),
    "nested_style_out_of_bounds": ("msc_capacity: {value: -3}\n", ["msc_capacity", "-3"]),
    "not_a_mapping": ("- 1\n- 2\n", ["mapping"]),
    "list_as_name": ("[a, b]: 1\n", ["key", "not a list"]),
    "duplicate_name": ("k_decay_ifng: 0.01\nk_decay_ifng: 0.02\n",
                       ["duplicate key 'k_decay_ifng'", "line 2"]),
    "binary": (b"\x00\x01\x02 ratio", ["binary"]),
    "not_utf8": (b"p_granule_kill: 0.5 # \xe9\n", ["not UTF-8"]),
    "bool_value": ("p_granule_kill: true\n", ["p_granule_kill", "True", "not a number"]),
    "string_value": ("p_granule_kill: '0.5'\n", ["p_granule_kill", "'0.5'", "not a number"]),
    "huge_integer": ("msc_capacity: " + "7" * 5000 + "\n", ["5000 digits"]),
    "empty": ("", ["empty"]),
    # YAML 1.1 reads 1e9 as a string; it is a number (and out of bounds)
    "exponent_float": ("p_granule_kill: 1e9\n", ["p_granule_kill", "1000000000.0",
                                                 "outside its bounds"]),
}


@pytest.mark.parametrize("case", list(BAD_PARAMS))
def test_cli_refuses_bad_params_cleanly(tmp_path, case):
    content, needles = BAD_PARAMS[case]
    source = tmp_path / "ok.yaml"
    source.write_text("assay: cytotoxicity\n")
    params = tmp_path / "params.yaml"
    _write(params, content)
    out = tmp_path / "out"
    result = run_cli(["run", source, "--out", out, "--params", params])
    assert_rejected(result, out, needles)


def test_parameter_bounds_in_message_are_the_declared_ones():
    declared = build_model().parameter("msc_capacity")
    assert (declared.lower, declared.upper) == (20000.0, 2000000.0)  # the numbers used above


def test_files_over_the_size_limit_are_refused_unread(tmp_path, monkeypatch):
    from mscnk.experiment import _yaml

    assert _yaml.MAX_BYTES == 10 * 2**20
    source = tmp_path / "big.yaml"
    source.write_text("ratio: 3\n" + "# padding\n" * 20)  # 209 bytes
    monkeypatch.setattr(_yaml, "MAX_BYTES", 100)
    with pytest.raises(ConditionError, match="is 209 bytes; at most 100 are read"):
        load_experiment(source)


def test_simulator_parameters_are_strict_numbers():
    for bad in ("0.02", True, 10**5000):
        with pytest.raises(ConditionError, match="k_decay_ifng: value .* is not a number"):
            mscnk.Simulator(params={"k_decay_ifng": bad})


def test_exponent_floats_are_numbers(tmp_path):
    from mscnk.experiment import load_parameters

    params = tmp_path / "p.yaml"
    params.write_text("p_granule_kill: 5e-1\nk_decay_ifng: 1E-2\n")
    assert load_parameters(params) == {"p_granule_kill": 0.5, "k_decay_ifng": 0.01}
    source = tmp_path / "c.yaml"
    source.write_text("msc: {cells: 2e4}\nnk: {cells: 1e5}\n")
    (condition,) = mscnk.load_conditions(source).values()
    assert (condition.msc.cells, condition.nk.cells) == (2e4, 1e5)
    source.write_text("ratio: 017\nmsc: {cells: 0x10, tlr3_priming: True}\n")  # 1.2: decimal 17
    (condition,) = mscnk.load_conditions(source).values()
    assert (condition.ratio, condition.msc.cells, condition.msc.tlr3_priming) == (17, 16, True)


def test_findings_files_use_the_same_loader(tmp_path):
    for content, needle in ((b"\xff\xfe- id: x\n", "not UTF-8"),
                            ("- &a {id: a}\n- *a\n", "aliases"),
                            ("- id: a\n  id: b\n", "duplicate key 'id'")):
        path = tmp_path / "f.yaml"
        _write(path, content)
        result = run_cli(["validate", path])
        assert result.exception is None, repr(result.exception)
        assert result.exit_code == 2 and needle in result.flat, result.output


def test_max_conditions_flag_and_argument(tmp_path):
    source = tmp_path / "s.yaml"
    source.write_text(f"sweep: {{ratio: {_axis(30)}, nk.activation.il2_u_ml: {_axis(20, 0)}}}\n")
    with pytest.raises(ConditionError, match="600 conditions = 600 jobs, more than the limit of 500"):
        load_experiment(source, max_jobs=500)
    assert load_experiment(source, max_jobs=600).size == 600
    out = tmp_path / "out"
    result = run_cli(["run", source, "--out", out, "--max-conditions", "100"])
    assert_rejected(result, out, ["600", "limit of 100"])


def test_limit_counts_parameter_sets_too():
    document = {"sweep": {"ratio": [1, 2, 3]},
                "parameter_sweep": {"grid": {"k_decay_ifng": [0.01, 0.02]},
                                    "sample": {"n": 8, "parameters": {"p_granule_kill": "uniform"}}}}
    with pytest.raises(ConditionError, match="3 conditions x 16 parameter sets = 48 jobs"):
        load_experiment(document, max_jobs=47)
    assert load_experiment(document, max_jobs=48).size == 48


def test_huge_plan_is_counted_and_made_lazily():
    # 10^7 conditions: counted, checked per axis, the first jobs come at once
    document = {"sweep": {"ratio": list(range(1, 1001)), "msc.cells": list(range(1, 11)),
                          "nk.activation.il2_u_ml": list(range(1000))}}
    experiment = load_experiment(document)
    assert experiment.size == 10**7
    jobs = experiment.iter_jobs()
    first = [next(jobs) for _ in range(3)]
    assert [j.index for j in first] == [0, 1, 2]
    assert first[2].condition_name == "ratio=1,msc.cells=1,nk.activation.il2_u_ml=2"
    assert first[2].condition.nk.cells == 1.0
    assert len(plan_hash(experiment, {})) == 20


def test_huge_plan_still_reports_every_bad_value_at_once():
    document = {"sweep": {"ratio": [*range(1, 1000), -1], "msc.cells": list(range(1, 201)),
                          "culture": ["contact", "petri"]}}
    with pytest.raises(ConditionError) as caught:
        load_experiment(document)
    text = "\n".join(caught.value.problems)
    assert "ratio=-1" in text and "greater than or equal to 0" in text
    assert "petri" in text and "transwell" in text


def test_huge_plan_checks_the_cap_across_axes():
    # every value is fine on its own axis; only ratio 1000 with msc.cells 2e5 breaks the cap
    document = {"sweep": {"ratio": [1, 1000], "msc.cells": [1e3, 2e5],
                          "nk.activation.il2_u_ml": list(range(30_000))}}
    with pytest.raises(ConditionError) as caught:
        load_experiment(document)
    text = "\n".join(caught.value.problems)
    assert "ratio=1000,msc.cells=200000.0" in text and "cap" in text
    # 200,000 ratio x msc.cells pairs: past FULL_CHECK, so only their extremes are tried
    document["sweep"].update({"ratio": list(range(1, 1001)),
                              "msc.cells": [1e3 * i for i in range(1, 201)],
                              "nk.activation.il2_u_ml": list(range(10))})
    with pytest.raises(ConditionError) as caught:
        load_experiment(document)
    (message,) = caught.value.problems
    assert "ratio=1000,msc.cells=200000.0" in message and "nk.cells 2e+08" in message


def test_a_problem_shared_by_every_condition_is_said_once():
    sweep = {"ratio": list(range(1, 101)), "culture": ["contact", "transwell"]}
    with pytest.raises(ConditionError) as caught:
        load_experiment({"base": {"msc": {"tlr3_primming": True}}, "sweep": sweep})
    (message,) = caught.value.problems
    assert message.startswith("every condition (200): unknown field 'msc.tlr3_primming'")
    with pytest.raises(ConditionError) as caught:
        load_experiment({"conditions": {"a": {"nk": {"car": 1}}, "b": {}}, "sweep": sweep})
    (message,) = caught.value.problems
    assert message.startswith("conditions 'a[ratio=1,culture=contact]', "
                              "'a[ratio=1,culture=transwell]' and 198 more: field 'nk.car'")


def test_lazy_job_that_fails_names_its_condition():
    from mscnk.experiment._files import ConditionPlan
    from mscnk.scenarios.coculture import Condition

    plan = ConditionPlan([(None, {"msc": {"cells": 0}})], {"nk.cells": [1.0, None]},
                         single=False, condition=Condition)
    items = plan.items()
    assert next(items)[0] == "nk.cells=1.0"
    with pytest.raises(ConditionError, match=r"condition 'nk.cells=None'.*nk.cells is null"):
        next(items)


def test_iter_jobs_matches_jobs_and_plan_hash_follows_the_plan():
    document = {"conditions": {"a": {}, "b": {"culture": "transwell"}},
                "sweep": {"ratio": [1, 10]},
                "parameter_sweep": {"grid": {"k_decay_ifng": [0.01, 0.02]}}}
    experiment = load_experiment(document)
    jobs = experiment.jobs({"p_granule_kill": 0.5})
    assert jobs == list(experiment.iter_jobs({"p_granule_kill": 0.5}))
    assert experiment.size == len(jobs) == 8
    assert [j.condition_name for j in jobs[:4]] == ["a[ratio=1]", "a[ratio=10]", "b[ratio=1]",
                                                    "b[ratio=10]"]
    same = plan_hash(load_experiment(document), {"p_granule_kill": 0.5})
    assert plan_hash(experiment, {"p_granule_kill": 0.5}) == same
    assert plan_hash(experiment, {"p_granule_kill": 0.6}) != same
    changed = {**document, "sweep": {"ratio": [1, 11]}}
    assert plan_hash(load_experiment(changed), {"p_granule_kill": 0.5}) != same


def test_plan_hash_survives_the_json_a_run_records():
    import json

    document = {"conditions": {1: {"blockade": ("anti_nkg2d",)}, "x": {}}}
    experiment = load_experiment(document)
    recorded = json.loads(json.dumps(experiment.document))
    assert plan_hash(load_experiment(recorded), {}) == plan_hash(experiment, {})


# --------------------------------------------------------------------------------------
# The Python API speaks the CLI's language
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: mscnk.simulate({"ratio": "x"}),
    lambda: mscnk.Condition(ratio="x"),
    lambda: mscnk.Condition.model_validate({"ratio": "x"}),
    lambda: mscnk.Simulator().simulate({"ratio": "x"}),
    lambda: mscnk.run_experiment({"ratio": "x"}),
    lambda: mscnk.load_conditions({"ratio": "x"}),
])
def test_api_errors_equal_the_cli_messages(tmp_path, call):
    source = tmp_path / "bad.yaml"
    source.write_text("ratio: x\n")
    cli = run_cli(["run", source, "--out", tmp_path / "out"])
    assert cli.exit_code == 2
    with pytest.raises(ConditionError) as caught:
        call()
    (message,) = caught.value.problems
    assert message == "field 'ratio': value 'x' rejected: Input should be a valid number"
    assert message in cli.flat


def test_api_nested_model_errors_are_condition_errors():
    from mscnk.scenarios.coculture.schema import Msc

    with pytest.raises(ConditionError, match="field 'source': 'mars' is not allowed"):
        Msc(source="mars")
    with pytest.raises(ConditionError, match="field 'msc.source': 'mars' is not allowed"):
        mscnk.Condition(msc={"source": "mars"})


def test_bools_and_lists_stay_allowed_where_they_belong():
    condition = mscnk.Condition.model_validate(
        {"msc": {"tlr3_priming": True, "knockdown": ["ido1", "cox2"]}, "nk": {"car": False},
         "blockade": ["anti_nkg2d"], "ratio": 3, "duration_h": 24})
    assert condition.msc.knockdown == ("ido1", "cox2") and condition.msc.tlr3_priming is True
    assert condition.blockade == ("anti_nkg2d",) and condition.ratio == 3.0
