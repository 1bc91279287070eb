"""Runs on a dask.distributed cluster (LocalCluster on loopback), including a lost worker."""

from __future__ import annotations

import logging
import os
import signal

import pandas as pd
import pytest

from mscnk.runs import Dask, InProcess, run_sweep
from mscnk.store import RunStore

#: Runs of these tests: this process, rows one after another.
ONE_THREAD = InProcess(threads=1)

distributed = pytest.importorskip("distributed")

SWEEP = {"sweep": {"ratio": [1, 2, 5, 10, 20], "culture": ["contact", "transwell"],
                   "msc.source": ["bone_marrow", "adipose", "umbilical_cord", "placenta"],
                   "nk.activation.il2_u_ml": [0, 100]}}
JOBS, CHUNK = 80, 4


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=logging.CRITICAL) as cluster, \
            distributed.Client(cluster) as client:
        yield cluster, client


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("dask") / "reference"
    run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=CHUNK)
    return RunStore.open(out).read()


def test_a_cluster_run_equals_the_local_run(cluster, reference, tmp_path):
    scheduler, _ = cluster
    summary = run_sweep(SWEEP, tmp_path / "run", executor=Dask(address=scheduler.scheduler_address),
                        chunk_size=CHUNK)
    assert summary.ok == JOBS and "dask scheduler" in summary.executor
    pd.testing.assert_frame_equal(RunStore.open(tmp_path / "run").read(), reference,
                                  check_exact=True)


def test_a_worker_killed_mid_run_loses_and_repeats_nothing(cluster, reference, tmp_path):
    scheduler, client = cluster
    before = client.run(os.getpid)
    killed: list[int] = []

    def kill_a_worker(index):
        if not killed:  # both workers are busy: more chunks are queued than workers
            pid = next(iter(before.values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    summary = run_sweep(SWEEP, tmp_path / "run", executor=Dask(address=scheduler.scheduler_address),
                        chunk_size=CHUNK, on_chunk=kill_a_worker)
    assert killed and summary.chunks_run == JOBS // CHUNK
    rows = RunStore.open(tmp_path / "run").read()
    assert rows["job"].tolist() == list(range(JOBS))  # every condition exactly once
    pd.testing.assert_frame_equal(rows, reference, check_exact=True)
    client.wait_for_workers(2, timeout=60)
    after = client.run(os.getpid)
    assert killed[0] not in after.values()  # the worker really died (its nanny restarted it)


def test_the_analysis_commands_run_unchanged_on_a_scheduler(cluster, tmp_path):
    """explain, design, sensitivity and calibrate with --scheduler give what they give here."""
    from helpers import ROOT_EXAMPLES, run_cli

    scheduler, _ = cluster
    address = ["--scheduler", scheduler.scheduler_address]
    licensing = str(ROOT_EXAMPLES / "licensing.yaml")
    explain = ["explain", licensing, "--condition", "licensed", "--versus", "naive",
               "--readout", "msc_lysis_pct", "--top", "2", "--format", "csv"]
    design = ["design", str(ROOT_EXAMPLES / "design.yaml"), "--between", "default",
              "without:pge2_ep2_ep4", "--readout", "nk_cytotoxicity_k562_pct", "--format", "csv"]
    sampled = tmp_path / "sobol.yaml"
    sampled.write_text("assay: cytotoxicity\nratio: 10\nparameter_sweep:\n  sample:\n"
                       "    n: 4\n    method: saltelli\n"
                       "    parameters: [p_granule_kill, k_trail]\n")
    for command in (explain, design):
        here, there = run_cli([*command, "--workers", "1"]), run_cli([*command, *address])
        assert here.exit_code == 0 and there.exit_code == 0, there.output
        assert here.stdout == there.stdout
    outputs = []
    for where, options in (("here", ["--workers", "1"]), ("there", address)):
        result = run_cli(["sensitivity", str(sampled), "--out", str(tmp_path / where),
                          "--readout", "msc_lysis_pct", "--format", "csv", *options])
        assert result.exit_code == 0, result.output
        fit = run_cli(["calibrate", str(ROOT_EXAMPLES / "calibration" / "problem.yaml"),
                       "--params-out", str(tmp_path / f"{where}.yaml"), "--starts", "1",
                       "--no-profiles", *options])
        assert fit.exit_code == 0, fit.output
        outputs.append((result.stdout, (tmp_path / f"{where}.yaml").read_text()))
    assert outputs[0] == outputs[1]
