"""A real ``mscnk run`` killed mid-sweep (SIGKILL, Ctrl-C) loses nothing and resumes exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from mscnk.runs import InProcess, run_sweep
from mscnk.store import RunStore

#: Runs of these tests: this process, rows one after another.
ONE_THREAD = InProcess(threads=1)

#: 240 co-culture conditions: a few seconds of work in one thread, in chunks of 8.
SWEEP_YAML = """\
sweep:
  ratio: [0.5, 1, 2, 3, 5, 8, 10, 15, 20, 30]
  culture: [contact, transwell]
  msc.source: [bone_marrow, adipose, umbilical_cord, wharton_jelly]
  nk.activation.il2_u_ml: [0, 10, 100]
"""
JOBS, CHUNK = 240, 8


def _start(source, out):
    command = [sys.executable, "-m", "mscnk.cli", "run", str(source), "--out", str(out),
               "--workers", "1", "--chunk-size", str(CHUNK), "--format", "csv"]
    # a shell that starts jobs in the background (CI) makes them ignore SIGINT, and Python
    # keeps an inherited "ignore"; give the child the default, as a terminal would
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_chunks(process, out, count, timeout_s=240):
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if RunStore.exists(out) and len(RunStore.open(out).finished()) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"run ended before it could be interrupted: {process.communicate()[1]}")
        time.sleep(0.02)
    process.kill()
    process.communicate()
    pytest.fail("no chunk appeared in time")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupt") / "sweep.yaml"
    path.write_text(SWEEP_YAML)
    return path


@pytest.fixture(scope="module")
def uninterrupted(source, tmp_path_factory):
    out = tmp_path_factory.mktemp("interrupt") / "reference"
    summary = run_sweep(source, out, executor=InProcess(threads=2), chunk_size=CHUNK)
    assert summary.jobs == JOBS and summary.ok == JOBS
    return RunStore.open(out).read()


def test_kill_9_then_resume_gives_the_uninterrupted_rows(source, uninterrupted, tmp_path):
    out = tmp_path / "run"
    process = _start(source, out)
    _wait_for_chunks(process, out, 2)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    store = RunStore.open(out)
    finished = store.finished()
    assert 2 <= len(finished) < JOBS // CHUNK, "the kill came too late to test anything"
    partial = store.read()
    assert len(partial) == len(finished) * CHUNK  # only whole chunks, every one readable
    assert store.metadata()["status"] == "running"  # nobody got to say otherwise
    summary = run_sweep(source, out, executor=ONE_THREAD, resume=True)
    assert summary.chunks_skipped == len(finished)
    assert summary.chunks_run == JOBS // CHUNK - len(finished)
    resumed = RunStore.open(out).read()
    assert resumed["job"].tolist() == list(range(JOBS))
    pd.testing.assert_frame_equal(resumed, uninterrupted, check_exact=True)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(source, tmp_path):
    out = tmp_path / "run"
    process = _start(source, out)
    _wait_for_chunks(process, out, 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr
    store = RunStore.open(out)
    assert store.metadata()["status"] == "interrupted"
    assert store.metadata()["sessions"][-1]["chunks_after"] == len(store.finished())
    assert len(store.read()) == len(store.finished()) * CHUNK
    assert os.path.exists(out / "run.json") and not (out / "results.csv").exists()
