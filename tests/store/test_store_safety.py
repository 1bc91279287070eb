"""A run folder owns only what mscnk wrote: foreign folders, locks, damaged chunks, queries.

Each test reproduces a finding of issue 10 (items 1-5, 7, 12): a user's files are never
removed, a second writer is refused, a damaged chunk is redone on ``--resume`` and never
read as data, and ``--query``/``--where`` cannot touch the file system.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers import run_cli
from mscnk.runs import InProcess, run_sweep
from mscnk.store import RunLock, RunStore, StoreError, load, query

#: Runs of these tests: this process, rows one after another.
ONE_THREAD = InProcess(threads=1)

SOURCE = "assay: cytotoxicity\nsweep: {ratio: [1, 2, 4, 8]}\n"
OTHER = "assay: cytotoxicity\nsweep: {ratio: [3, 5, 7, 9]}\n"
SWEEP = {"assay": "cytotoxicity", "sweep": {"ratio": [1, 2, 4, 8]}}
OTHER_SWEEP = {"assay": "cytotoxicity", "sweep": {"ratio": [3, 5, 7, 9]}}


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder under ``folder``."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def _cli_run(tmp_path: Path, out: Path, *extra: str, text: str = SOURCE, chunk: int = 2):
    source = tmp_path / f"sweep-{abs(hash(text))}.yaml"
    source.write_text(text)
    return run_cli(["run", source, "--out", out, "--workers", "1", "--chunk-size", str(chunk),
                    *extra])


def _no_traceback(result) -> None:
    assert result.exception is None, repr(result.exception)
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("safety") / "reference"
    run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=1)
    return RunStore.open(out).read()


# -- 1. the store owns only what it wrote ----------------------------------------------------
@pytest.mark.parametrize("extra", [[], ["--overwrite"], ["--resume"]])
def test_a_folder_that_is_not_a_run_is_refused_and_left_alone(tmp_path, extra):
    out = tmp_path / "d"
    (out / "chunks").mkdir(parents=True)
    (out / "chunks" / "thesis.docx").write_text("four years of work")
    (out / "results.csv").write_text("a,b\n")
    before = _snapshot(out)
    result = _cli_run(tmp_path, out, *extra)
    assert result.exit_code == 2, result.output
    _no_traceback(result)
    assert "not an mscnk run" in result.flat and "thesis.docx" in result.flat
    assert _snapshot(out) == before


def test_a_folder_with_someone_elses_run_json_is_refused(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "run.json").write_text('{"tool": "another"}')
    before = _snapshot(out)
    result = _cli_run(tmp_path, out, "--overwrite")
    assert result.exit_code == 2, result.output
    assert "run.json" in result.flat and _snapshot(out) == before


def test_an_empty_folder_is_used(tmp_path):
    (tmp_path / "empty").mkdir()
    result = _cli_run(tmp_path, tmp_path / "empty")
    assert result.exit_code == 0, result.output


def test_a_finished_run_is_replaced_only_with_overwrite_and_only_its_own_files(tmp_path):
    out = tmp_path / "run"
    assert _cli_run(tmp_path, out, chunk=1).exit_code == 0  # four chunks
    (out / "notes.txt").write_text("mine")
    (out / "chunks" / "thesis.docx").write_text("mine too")
    (out / "chunks" / "chunk-backup.parquet").write_text("not a chunk name of mscnk")
    (out / "figures").mkdir()
    (out / "figures" / "by-hand.png").write_bytes(b"\x89PNG mine")
    before = _snapshot(out)

    again = _cli_run(tmp_path, out, text=OTHER)
    assert again.exit_code == 2, again.output
    _no_traceback(again)
    assert "complete run" in again.flat and "--overwrite" in again.flat
    assert _snapshot(out) == before
    with pytest.raises(StoreError, match="--overwrite"):
        run_sweep(OTHER_SWEEP, out, executor=ONE_THREAD)

    replaced = _cli_run(tmp_path, out, "--overwrite", text=OTHER, chunk=2)
    assert replaced.exit_code == 0, replaced.output
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "chunks" / "thesis.docx").read_text() == "mine too"
    assert (out / "chunks" / "chunk-backup.parquet").read_text() == "not a chunk name of mscnk"
    assert (out / "figures" / "by-hand.png").read_bytes() == b"\x89PNG mine"
    store = RunStore.open(out)
    assert store.finished() == {0, 1}  # the old run's chunks 2 and 3 are gone
    assert sorted(store.read()["ratio"]) == [3, 5, 7, 9]
    assert sorted(pd.read_csv(out / "results.csv")["ratio"]) == [3, 5, 7, 9]


# -- 2. a run is read from its own files, never from a pattern --------------------------------
def test_a_run_folder_with_glob_characters_reads_its_own_rows(tmp_path):
    group = tmp_path / "g"
    run_sweep(SWEEP, group / "run1", executor=ONE_THREAD)
    run_sweep(OTHER_SWEEP, group / "run[1]", executor=ONE_THREAD)
    target = group / "run[1]"
    assert sorted(query(target, "1=1")["ratio"]) == [3, 5, 7, 9]
    assert sorted(query(target, "SELECT ratio FROM results")["ratio"]) == [3, 5, 7, 9]
    assert sorted(load(target)["ratio"]) == [3, 5, 7, 9]
    assert sorted(load(target, "ratio > 4")["ratio"]) == [5, 7, 9]
    result = run_cli(["results", target, "--query", "1=1", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(pd.io.common.StringIO(result.stdout))["ratio"]) == [3, 5, 7, 9]


def test_a_run_under_a_key_value_folder_gains_no_partition_column(tmp_path):
    out = tmp_path / "ratio=3" / "run"
    run_sweep(SWEEP, out, executor=ONE_THREAD)
    frame = RunStore.open(out).read()
    assert sorted(frame["ratio"]) == [1, 2, 4, 8]
    assert list(frame.columns) == list(query(out, "1=1").columns)


# -- 3. one writer per run folder; chunks say which plan they belong to -----------------------
@pytest.mark.parametrize("extra", [[], ["--overwrite"], ["--resume"]])
def test_a_second_writer_is_refused_and_told_who_holds_the_folder(tmp_path, extra):
    out = tmp_path / "run"
    assert _cli_run(tmp_path, out).exit_code == 0
    before = _snapshot(out)
    with RunLock(out, command="mscnk run first.yaml --out run"):
        result = _cli_run(tmp_path, out, *extra, text=OTHER)
        assert result.exit_code == 2, result.output
        _no_traceback(result)
        for needle in ("in use", f"pid {os.getpid()}", socket.gethostname(),
                       "mscnk run first.yaml --out run"):
            assert needle in result.flat, (needle, result.output)
        with pytest.raises(StoreError, match="in use"):
            run_sweep(OTHER_SWEEP, out, executor=ONE_THREAD, overwrite=True)
    assert _snapshot(out) == before
    assert _cli_run(tmp_path, out, "--overwrite", text=OTHER).exit_code == 0  # lock released


def test_every_chunk_records_its_plan_index_and_jobs(tmp_path):
    out = tmp_path / "run"
    run_sweep({"assay": "cytotoxicity", "sweep": {"ratio": [1, 2, 4, 8, 16]}}, out, executor=ONE_THREAD,
              chunk_size=2)
    plan = RunStore.open(out).metadata()["plan_hash"]
    for index, (first, count) in enumerate([(0, 2), (2, 2), (4, 1)]):
        meta = pq.read_schema(out / "chunks" / f"chunk-{index:06d}.parquet").metadata
        assert meta[b"mscnk.plan_hash"].decode() == plan
        assert int(meta[b"mscnk.chunk"]) == index
        assert int(meta[b"mscnk.first_job"]) == first and int(meta[b"mscnk.jobs"]) == count


#: 19,200 conditions in chunks of 4 in one thread: about a minute of work at the fastest,
#: far longer than the checks below take (the run is killed after them).
LONG_SWEEP = """\
sweep:
  ratio: [0.5, 1, 2, 3, 5, 8, 10, 15, 20, 30]
  culture: [contact, transwell]
  msc.source: [bone_marrow, adipose, umbilical_cord, wharton_jelly]
  nk.activation.il2_u_ml: [0, 10, 100]
  nk.activation.il12_ng_ml: [0, 1, 10, 20]
  duration_h: [24, 48, 72, 96]
  msc.cells: [5000, 10000, 20000, 40000, 80000]
"""


def test_a_live_run_cannot_be_overwritten_or_resumed_by_another(tmp_path):
    source = tmp_path / "long.yaml"
    source.write_text(LONG_SWEEP)
    out = tmp_path / "live"
    process = subprocess.Popen([sys.executable, "-m", "mscnk.cli", "run", str(source), "--out",
                                str(out), "--workers", "1", "--chunk-size", "4"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        while not (RunStore.exists(out) and RunStore.open(out).finished()):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() - started < 240, "no chunk appeared in time"
            time.sleep(0.05)
        for extra in (["--overwrite"], ["--resume"]):
            result = _cli_run(tmp_path, out, *extra, text=OTHER)
            assert result.exit_code == 2, result.output
            assert "in use" in result.flat and f"pid {process.pid}" in result.flat, result.output
        assert process.poll() is None, "the first run ended before the checks"
    finally:
        process.kill()
        process.communicate(timeout=60)
    assert RunStore.open(out).metadata()["plan_hash"] != ""  # still the first run's store
    assert _cli_run(tmp_path, out, "--overwrite", text=OTHER).exit_code == 0  # lock died with it


# -- 4. resume verifies every chunk; damaged chunks are an error, not a traceback ------------
def _damage(out: Path, other: Path) -> None:
    """Chunk 0 truncated, 1 from another plan, 2 a copy of 3; stale temporaries."""
    chunks = out / "chunks"
    data = (chunks / "chunk-000000.parquet").read_bytes()
    (chunks / "chunk-000000.parquet").write_bytes(data[:len(data) // 2])
    shutil.copyfile(other / "chunks" / "chunk-000001.parquet", chunks / "chunk-000001.parquet")
    shutil.copyfile(chunks / "chunk-000003.parquet", chunks / "chunk-000002.parquet")
    (chunks / ".chunk-000001.parquet.k1ll3d").write_bytes(b"PAR1 half")
    (out / ".results.csv.k1ll3d").write_text("half")


def test_resume_redoes_damaged_and_foreign_chunks_and_clears_stale_temporaries(tmp_path,
                                                                              reference):
    other = tmp_path / "other"
    run_sweep(OTHER_SWEEP, other, executor=ONE_THREAD, chunk_size=1)
    out = tmp_path / "run"
    run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=1)
    (out / "chunks" / "thesis.docx").write_text("mine")
    _damage(out, other)

    for args in (["results", out], ["results", out, "--query", "1=1"],
                 ["plot", out, "--x", "ratio", "--y", "msc_lysis_pct",
                  "--out", tmp_path / "f"]):
        result = run_cli(args)
        assert result.exit_code == 2, result.output
        _no_traceback(result)
        assert "chunk-000000.parquet" in result.flat and "--resume" in result.flat
    with pytest.raises(StoreError, match="--resume"):
        RunStore.open(out).read()

    summary = run_sweep(SWEEP, out, executor=ONE_THREAD, resume=True)
    assert summary.chunks_run == 3 and summary.chunks_skipped == 1
    pd.testing.assert_frame_equal(RunStore.open(out).read(), reference, check_exact=True)
    assert not (out / "chunks" / ".chunk-000001.parquet.k1ll3d").exists()
    assert not (out / ".results.csv.k1ll3d").exists()
    assert (out / "chunks" / "thesis.docx").read_text() == "mine"
    metadata = RunStore.open(out).metadata()
    assert metadata["status"] == "complete"
    assert sorted(r["chunk"] for r in metadata["sessions"][-1]["redone"]) == [0, 1, 2]


def test_a_run_is_never_marked_complete_while_a_chunk_fails_verification(tmp_path):
    out = tmp_path / "run"

    def truncate_the_first(index: int) -> None:
        if index == 3:
            path = out / "chunks" / "chunk-000000.parquet"
            path.write_bytes(path.read_bytes()[:100])

    with pytest.raises(StoreError, match="chunk-000000.parquet.*--resume"):
        run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=1, on_chunk=truncate_the_first)
    assert RunStore.open(out).metadata()["status"] != "complete"
    assert not (out / "results.csv").exists()
    assert run_sweep(SWEEP, out, executor=ONE_THREAD, resume=True).chunks_run == 1


# -- 5. --query and --where are read-only expressions ----------------------------------------
@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("queries") / "run"
    run_sweep(SWEEP, out, executor=ONE_THREAD)
    return out


def _attacks(folder: Path, run: Path) -> list[str]:
    precious = folder / "precious.txt"
    secret = folder / "secret.csv"
    chunk = run / "chunks" / "chunk-000000.parquet"
    return [
        f"1=1; COPY (SELECT 'gone' AS x) TO '{precious}'",
        f"COPY (SELECT 'gone' AS x) TO '{precious}'",
        f"SELECT 1; COPY (SELECT 'gone' AS x) TO '{precious}'",
        f"1=1 AND (SELECT count(*) FROM read_csv('{secret}')) > 0",
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM '{chunk}'",
        f"ATTACH '{folder / 'new.db'}' AS other",
        "INSTALL httpfs", "LOAD httpfs", "PRAGMA version", "SET threads = 1",
        "CREATE TABLE t AS SELECT 1", "CALL pragma_version()",
    ]


def test_queries_cannot_touch_files_or_run_scripts(small_run, tmp_path):
    (tmp_path / "precious.txt").write_text("mine")
    (tmp_path / "secret.csv").write_text("password\nhunter2\n")
    before = _snapshot(tmp_path)
    for text in _attacks(tmp_path, small_run):
        with pytest.raises(StoreError, match="query"):
            query(small_run, text)
        result = run_cli(["results", small_run, "--query", text])
        assert result.exit_code == 2, (text, result.output)
        _no_traceback(result)
        assert "hunter2" not in result.output
        plot = run_cli(["plot", small_run, "--x", "ratio", "--y", "msc_lysis_pct", "--where", text,
                        "--out", tmp_path / "figure"])
        assert plot.exit_code == 2, (text, plot.output)
    assert _snapshot(tmp_path) == before


def test_read_only_queries_keep_working(small_run):
    assert query(small_run, "ratio >= 4 -- a comment")["ratio"].tolist() == [4, 8]
    assert query(small_run, "ratio = 1 OR ratio = 8")["ratio"].tolist() == [1, 8]
    assert query(small_run, "WITH r AS (SELECT ratio FROM results) SELECT max(ratio) AS m "
                            "FROM r")["m"].tolist() == [8]
    assert query(small_run, "SELECT count(*) AS n FROM results;")["n"].tolist() == [4]


def test_a_multi_statement_query_is_named_as_such(small_run):
    result = run_cli(["results", small_run, "--query", "SELECT 1; SELECT 2"])
    assert result.exit_code == 2 and "one statement" in result.flat, result.output


# -- 7 (item 12). provenance, CSV columns, pooled inputs, closed pipes ----------------------
def test_run_json_records_the_software_and_platform(small_run):
    meta = RunStore.open(small_run).metadata()
    versions = meta["versions"]
    for name in ("python", "numpy", "numba", "pandas", "pyarrow", "dask", "distributed", "duckdb"):
        assert versions.get(name), name
    assert meta["platform"]["platform"] and meta["platform"]["machine"]


def test_query_csv_keeps_the_input_columns(small_run):
    result = run_cli(["results", small_run, "--query", "ratio > 1", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert {"ratio", "culture", "msc.source", "nk.cells", "msc_lysis_pct"} <= set(frame.columns)
    assert frame["ratio"].tolist() == [2, 4, 8]


def test_plot_names_the_inputs_it_pools(tmp_path):
    out = tmp_path / "run"
    run_sweep({"assay": "cytotoxicity", "sweep": {"ratio": [1, 10],
                                                  "culture": ["contact", "transwell"]}},
              out, executor=ONE_THREAD)
    result = run_cli(["plot", out, "--x", "ratio", "--y", "msc_lysis_pct", "--out",
                      tmp_path / "f"])
    assert result.exit_code == 0, result.output
    assert "pooled" in result.flat and "culture" in result.flat
    assert "nk.cells" not in result.flat  # it varies with ratio, not within a point
    svg = (tmp_path / "f.svg").read_text()
    assert "pooled over" in svg and "culture" in svg
    split = run_cli(["plot", out, "--x", "ratio", "--y", "msc_lysis_pct", "--hue", "culture",
                     "--out", tmp_path / "g"])
    assert split.exit_code == 0 and "pooled" not in split.flat, split.output


def test_run_into_a_closed_pipe_exits_cleanly(tmp_path):
    source = tmp_path / "sweep.yaml"
    source.write_text(SOURCE)
    process = subprocess.Popen([sys.executable, "-m", "mscnk.cli", "run", str(source), "--out",
                                str(tmp_path / "run"), "--workers", "1", "--format", "csv"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # like `| head` that has read enough
    with process.stderr:
        stderr = process.stderr.read()
    process.wait(timeout=240)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert RunStore.open(tmp_path / "run").metadata()["status"] == "complete"


# -- 8. impossible output folders --------------------------------------------------------------
def test_out_that_is_a_file_or_under_a_file_is_refused(tmp_path):
    (tmp_path / "file.txt").write_text("mine")
    for out, needle in ((tmp_path / "file.txt", "is a file"),
                        (tmp_path / "file.txt" / "run", "file.txt")):
        result = _cli_run(tmp_path, out)
        assert result.exit_code == 2, result.output
        _no_traceback(result)
        assert needle in result.flat and "--out" in result.flat
    assert (tmp_path / "file.txt").read_text() == "mine"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_out_in_a_read_only_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = _cli_run(tmp_path, locked / "run")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2, result.output
    _no_traceback(result)
    assert "--out" in result.flat and "ermission" in result.flat


def test_out_that_cannot_be_created_is_a_clear_error(tmp_path, monkeypatch):
    """The same path as a read-only folder, for machines where tests run as root."""
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name == "run":
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    result = _cli_run(tmp_path, tmp_path / "run")
    assert result.exit_code == 2, result.output
    _no_traceback(result)
    assert "--out" in result.flat and "Permission denied" in result.flat


def test_a_flipped_byte_inside_a_chunk_is_caught_by_its_page_checksums(tmp_path):
    out = tmp_path / "run"
    run_sweep(SWEEP, out, executor=ONE_THREAD)
    path = out / "chunks" / "chunk-000000.parquet"
    column = next(c for c in (pq.ParquetFile(path).metadata.row_group(0).column(i)
                              for i in range(pq.ParquetFile(path).metadata.num_columns))
                  if c.path_in_schema == "msc_lysis_pct")
    data = bytearray(path.read_bytes())
    data[column.data_page_offset + column.total_compressed_size - 5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="chunk-000000.parquet.*--resume"):
        load(out)
    result = _cli_run(tmp_path, out, "--resume")
    assert result.exit_code == 0, result.output
    assert "1 run again" in result.flat
    assert RunStore.open(out).chunk_problem(0) is None
