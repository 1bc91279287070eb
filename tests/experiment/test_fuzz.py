"""Fuzzers (fixed seeds, a few hundred cases, no simulation): bad input never traces back.

* A hypothesis fuzzer over the condition schema: random nested mappings mixing the real
  field names and vocabularies with wrong keys and every kind of value. Property: a
  :class:`mscnk.Condition` (or an experiment) comes out, or a :class:`ConditionError`
  with messages; never another exception.
* A byte-flip fuzzer over every shipped example, the parameter file and the findings
  files: bytes flipped, inserted and deleted with a seeded NumPy generator, then read
  through the CLI's loader path (``mscnk run FILE --params STOP``, where STOP is a
  parameter file that stops a mutant that loads before anything is simulated) or the
  ``--params`` / findings loaders. Property: exit 2 (or a clean ConditionError), never a
  traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mscnk
from mscnk.experiment import ConditionError, field_paths, load_experiment
from mscnk.experiment._yaml import parse_text
from mscnk.scenarios.coculture import Condition

from helpers import run_cli

FIELD_PATHS = field_paths(Condition)
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "mscnk"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FINDINGS = sorted((PACKAGE / "data" / "findings").glob("*.yaml"))
PARAMETERS = PACKAGE / "scenarios" / "coculture" / "parameters.yaml"

# --------------------------------------------------------------------------------------
# Hypothesis: random mappings over the schema
# --------------------------------------------------------------------------------------
_WORDS = sorted({part for path in FIELD_PATHS for part in path.split(".")}
                | {"bone_marrow", "adipose", "transwell", "contact", "cytotoxicity", "k562",
                   "ido1", "anti_nkg2d", "sweep", "conditions", "base", "parameter_sweep"})

_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(-10**6, 10**9), st.integers(min_value=10**300, max_value=10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(_WORDS), st.text(max_size=12),
    st.sampled_from(["10", "1e9", "true", "null", "", " ", "0x10", "\x00"]),
)
_keys = st.one_of(st.sampled_from(_WORDS), st.sampled_from(FIELD_PATHS), st.text(max_size=8),
                  st.integers(-5, 5), st.booleans())
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=12)
_blocks = st.fixed_dictionaries({}, optional={
    name: st.dictionaries(st.sampled_from(sorted(type(getattr(mscnk.Condition(), name))
                                                 .model_fields)), _values, max_size=4)
    for name in ("msc", "nk", "drugs", "mediators", "tumor", "exosomes", "medium")})
_conditions = st.one_of(
    st.dictionaries(_keys, _values, max_size=6),
    st.builds(lambda blocks, top: {**blocks, **top}, _blocks,
              st.dictionaries(st.sampled_from(sorted(mscnk.Condition.model_fields)), _values,
                              max_size=4)))
_experiments = st.one_of(
    _conditions,
    st.fixed_dictionaries({}, optional={
        "conditions": st.one_of(_values, st.dictionaries(_keys, _conditions, max_size=3)),
        "sweep": st.one_of(_values, st.dictionaries(st.sampled_from(FIELD_PATHS),
                                                    st.lists(_scalars, max_size=4), max_size=3)),
        "base": st.one_of(_values, _conditions),
        "parameter_sweep": _values,
    }))


def _is_clean_error(error: ConditionError) -> bool:
    return bool(error.problems) and all(isinstance(p, str) and p for p in error.problems)


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(_conditions)
def test_condition_schema_fuzz(raw):
    try:
        condition = mscnk.Condition.model_validate(raw)
    except ConditionError as error:
        assert _is_clean_error(error)
    else:
        assert isinstance(condition, mscnk.Condition)
        condition.resolved()


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(_experiments)
def test_experiment_fuzz(document):
    try:
        experiment = load_experiment(document, max_jobs=10_000)
    except ConditionError as error:
        assert _is_clean_error(error)
    else:
        for job in experiment.iter_jobs():
            assert isinstance(job.condition, mscnk.Condition)


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab1:-[]{}&*!|>'\",.e \n\t#%@`?")), max_size=80))
def test_yaml_text_fuzz(text):
    try:
        parse_text(text)
    except ConditionError as error:
        assert _is_clean_error(error)


# --------------------------------------------------------------------------------------
# Byte flips through the CLI's loader path
# --------------------------------------------------------------------------------------
def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with 1-4 random edits: a flipped bit, an inserted byte, a deleted run."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        where = int(rng.integers(0, max(len(out), 1)))
        kind = rng.integers(0, 3)
        if kind == 0 and out:
            out[where] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1:
            out.insert(where, int(rng.choice([0, 9, 10, 32, 34, 38, 39, 42, 44, 45, 58, 91,
                                               93, 123, 125, 255, int(rng.integers(0, 256))])))
        else:
            del out[where:where + int(rng.integers(1, 8))]
    return bytes(out)


MUTANTS = 30


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_byte_flipped_examples_never_trace_back(tmp_path, example):
    rng = np.random.default_rng(20261201 + EXAMPLES.index(example))
    original = example.read_bytes()
    stop = tmp_path / "stop.yaml"  # read after the file: a mutant that loads stops here
    stop.write_text("no_such_parameter: 1\n")
    loaded = []
    for i in range(MUTANTS):
        source = tmp_path / f"mutant_{i}.yaml"
        source.write_bytes(mutate(original, rng))
        out = tmp_path / f"out_{i}"
        # (a plan past 1,000 jobs stops at the count: large_sweep's 20,000 stay unbuilt)
        result = run_cli(["run", source, "--out", out, "--params", stop,
                          "--max-conditions", "1000"])
        assert result.exception is None, (
            f"traceback on mutant {i} of {example.name}: {result.exception!r}\n"
            f"{source.read_bytes()!r}")
        assert result.exit_code == 2, result.output
        assert not out.exists()
        loaded.append("no_such_parameter" in result.flat or "limit of 1,000" in result.flat)
    assert any(loaded) and not all(loaded)  # some mutants still load, some are refused


@pytest.mark.parametrize("path", [PARAMETERS, *FINDINGS], ids=lambda p: p.name)
def test_byte_flipped_params_and_findings_never_trace_back(tmp_path, path):
    from mscnk.analysis._findings import load_findings
    from mscnk.experiment import load_parameters

    rng = np.random.default_rng(7 + len(path.name))
    original = path.read_bytes()
    load = load_parameters if path == PARAMETERS else load_findings
    refused = 0
    for i in range(MUTANTS):
        source = tmp_path / f"mutant_{i}.yaml"
        source.write_bytes(mutate(original, rng))
        try:
            load(source)
        except ConditionError as error:
            assert _is_clean_error(error)
            refused += 1
    assert 0 < refused


def test_mutate_is_seeded():
    data = EXAMPLES[0].read_bytes()
    first = [mutate(data, np.random.default_rng(1)) for _ in range(3)]
    assert first == [mutate(data, np.random.default_rng(1)) for _ in range(3)]
    assert first[0] != data
