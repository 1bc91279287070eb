"""The results store: whole chunk files only, metadata, reading back."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from mscnk.store import RunStore, StoreError


def _table(jobs):
    return pa.table({"job": pa.array(jobs, pa.int64()),
                     "value": pa.array([float(j) * 2 for j in jobs])})


def test_chunks_are_written_once_and_read_in_job_order(tmp_path):
    store = RunStore.create(tmp_path / "run", {"status": "running"})
    store.write_chunk(1, _table([3, 4, 5]))
    store.write_chunk(0, _table([0, 1, 2]))
    assert store.finished() == {0, 1}
    frame = store.read()
    assert frame["job"].tolist() == list(range(6))
    assert frame["value"].tolist() == [0, 2, 4, 6, 8, 10]
    with pytest.raises(StoreError, match="already written"):
        store.write_chunk(0, _table([0]))
    # the folder is a plain Parquet dataset
    assert len(pd.read_parquet(tmp_path / "run" / "chunks")) == 6


def test_half_written_temporaries_are_not_chunks(tmp_path):
    store = RunStore.create(tmp_path / "run", {})
    store.write_chunk(0, _table([0]))
    (store.chunk_folder / ".chunk-000001.parquet.abc").write_bytes(b"PAR1 half")
    assert store.finished() == {0}
    assert len(store.read()) == 1
    assert len(pd.read_parquet(store.chunk_folder)) == 1


def test_metadata_round_trip_and_update(tmp_path):
    store = RunStore.create(tmp_path / "run", {"jobs": 3, "seed": 7})
    store.update(status="complete")
    again = RunStore.open(tmp_path / "run")
    assert again.metadata()["jobs"] == 3 and again.metadata()["status"] == "complete"
    assert again.metadata()["format"] == "mscnk-run/1"


def test_create_clears_an_earlier_run(tmp_path):
    store = RunStore.create(tmp_path / "run", {})
    store.write_chunk(0, _table([0]))
    store = RunStore.create(tmp_path / "run", {})
    assert store.finished() == set() and store.read().empty


def test_open_errors_name_the_folder(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        RunStore.open(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(StoreError, match="holds no mscnk run"):
        RunStore.open(tmp_path / "plain")


def test_written_files_follow_the_umask_not_0600(tmp_path):
    import os

    from mscnk.store import write_atomically

    previous = os.umask(0o022)
    try:
        target = tmp_path / "file.txt"
        write_atomically(target, lambda p: p.write_text("x"))
    finally:
        os.umask(previous)
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
