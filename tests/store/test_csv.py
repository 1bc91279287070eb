"""The one CSV writer: exact floats, empty cells for missing values, CSV-safe strings."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mscnk.store import write_csv


def _table(rng: np.random.Generator, rows: int) -> pa.Table:
    values = rng.random(rows) * 10.0 ** rng.integers(-300, 300, rows)
    values[::7] = np.nan
    values[1::11] = 0.0
    names = [f"c{i}" if i % 3 else f'x, "{i}"\nnext' for i in range(rows)]
    return pa.table({"condition": names, "value": values,
                     "flag": [bool(i % 2) for i in range(rows)],
                     "error": [None if i % 5 else "" for i in range(rows)],
                     "job": np.arange(rows, dtype=np.int64)})


def test_every_value_reads_back_exactly():
    rng = np.random.default_rng(7)
    tables = [_table(rng, 500), _table(rng, 300)]
    sink = io.BytesIO()
    write_csv(tables, sink)
    text = sink.getvalue().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["condition", "value", "flag", "error", "job"]
    assert len(rows) == 1 + 800
    expected = pa.concat_tables(tables)
    assert [r[0] for r in rows[1:]] == expected.column("condition").to_pylist()
    written = [float(r[1]) if r[1] else np.nan for r in rows[1:]]
    np.testing.assert_array_equal(written, expected.column("value").to_numpy())  # bit for bit
    assert [r[2] for r in rows[1:]] == ["true" if f else "false" for f in
                                        expected.column("flag").to_pylist()]
    assert [int(r[4]) for r in rows[1:]] == list(range(500)) + list(range(300))
    frame = pd.read_csv(io.StringIO(text), float_precision="round_trip")
    np.testing.assert_array_equal(frame["value"].to_numpy(), expected.column("value").to_numpy())


def test_missing_values_are_empty_cells():
    sink = io.BytesIO()
    write_csv([pa.table({"a": [1.5, np.nan], "b": ["x", None]})], sink)
    assert sink.getvalue().decode().splitlines() == ["a,b", '1.5,"x"', ","]


def test_a_header_name_is_quoted_only_where_needed():
    sink = io.BytesIO()
    write_csv([pa.table({"plain": [1.0], "with,comma": [2.0]})], sink)
    assert sink.getvalue().decode().splitlines()[0] == 'plain,"with,comma"'


def test_tables_with_other_columns_are_refused():
    with pytest.raises(ValueError, match="differ in columns"):
        write_csv([pa.table({"a": [1.0]}), pa.table({"b": [1.0]})], io.BytesIO())
