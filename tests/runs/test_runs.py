"""Runs into a results store: every job once, resume after an interruption, failures kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli
from mscnk.scenarios import load_scenario
from mscnk.vocabulary import READOUT_NAMES
from mscnk.engine import BatchEngine
from mscnk.experiment import load_conditions, run_conditions
from mscnk.runs import InProcess, RunInterrupted, run_sweep
from mscnk.store import RunStore, StoreError

#: Runs of these tests: this process, rows one after another.
ONE_THREAD = InProcess(threads=1)

SWEEP = {"base": {"assay": "cytotoxicity"},
         "conditions": {"il2": {}, "resting": {"nk": {"activation": {"il2_u_ml": 0},
                                                      "preactivation_h": 0}}},
         "sweep": {"ratio": [1, 3, 10], "culture": ["contact", "transwell"]}}


def _rows(path):
    return RunStore.open(path).read()


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "complete"
    summary = run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=5)
    return summary, out


def test_every_job_is_written_exactly_once(complete):
    summary, out = complete
    frame = _rows(out)
    assert summary.jobs == summary.ok == 12 and summary.failed == 0 and summary.chunks == 3
    assert frame["job"].tolist() == list(range(12))
    assert frame["condition"].is_unique
    assert set(READOUT_NAMES) <= set(frame.columns)
    assert (out / "results.csv").is_file()
    csv = pd.read_csv(out / "results.csv")
    assert csv["condition"].tolist() == frame["condition"].tolist()


def test_store_rows_equal_run_conditions(complete):
    _, out = complete
    frame = _rows(out).set_index("condition")
    table = run_conditions(load_conditions(SWEEP))
    pd.testing.assert_frame_equal(frame.loc[table.index, list(READOUT_NAMES)],
                                  table[list(READOUT_NAMES)], check_exact=True)
    assert frame.loc["resting[ratio=10,culture=transwell]", "culture"] == "transwell"
    assert frame.loc["resting[ratio=10,culture=transwell]", "nk.cells"] == 200000


def test_metadata_keeps_provenance(complete):
    _, out = complete
    meta = json.loads((out / "run.json").read_text())
    for key in ("mscnk_version", "model_hash", "parameter_set_hash", "plan_hash", "seed",
                "started", "ended", "command", "experiment", "chunk_size"):
        assert key in meta, key
    assert meta["status"] == "complete" and meta["jobs"] == 12
    assert meta["experiment"]["sweep"] == SWEEP["sweep"]
    assert meta["sessions"][-1]["chunks_after"] == 3


def test_interrupted_run_resumes_to_the_same_rows(complete, tmp_path):
    _, reference = complete
    out = tmp_path / "run"

    def stop_after_two(index):
        if len(RunStore.open(out).finished()) == 2:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as caught:
        run_sweep(SWEEP, out, executor=ONE_THREAD, chunk_size=5, on_chunk=stop_after_two)
    assert caught.value.done == 2 and caught.value.total == 3
    assert RunStore.open(out).metadata()["status"] == "interrupted"
    assert len(_rows(out)) == 10
    with pytest.raises(StoreError, match="unfinished run .2 of 3 chunks.*--resume"):
        run_sweep(SWEEP, out, executor=ONE_THREAD)
    summary = run_sweep(SWEEP, out, executor=ONE_THREAD, resume=True)
    assert summary.chunks_run == 1 and summary.chunks_skipped == 2 and summary.jobs_run == 2
    pd.testing.assert_frame_equal(_rows(out), _rows(reference), check_exact=True)
    again = run_sweep(SWEEP, out, executor=ONE_THREAD, resume=True)
    assert again.chunks_run == 0 and again.ok == 12


def test_resume_refuses_a_changed_experiment(complete, tmp_path):
    _, out = complete
    changed = {**SWEEP, "sweep": {"ratio": [1, 3]}}
    with pytest.raises(StoreError, match="experiment or parameters changed"):
        run_sweep(changed, out, executor=ONE_THREAD, resume=True)
    with pytest.raises(StoreError, match="no run to resume"):
        run_sweep(SWEEP, tmp_path / "empty", executor=ONE_THREAD, resume=True)


def test_failed_conditions_are_recorded_and_the_rest_go_on(tmp_path):
    sweep = {"nk": {"preactivation_h": 0}, "sweep": {"duration_h": [4, 720]}}
    # a 720 h co-culture needs more than 70 steps, a 4 h one far fewer
    summary = run_sweep(sweep, tmp_path / "run", executor=ONE_THREAD, engine=BatchEngine(max_steps=70))
    frame = _rows(tmp_path / "run").set_index("condition")
    assert summary.failed == 1 and summary.ok == 1
    assert frame.loc["duration_h=4", "status"] == "ok"
    assert frame.loc["duration_h=720", "status"] == "failed"
    assert "too many steps" in frame.loc["duration_h=720", "error"]
    assert np.isnan(frame.loc["duration_h=720", "msc_lysis_pct"])
    assert list(summary.errors.values()) == [1]


def test_parameter_sweep_rows_carry_their_parameter_values(tmp_path):
    k = "k_nkg2d_engagement"
    document = {"assay": "cytotoxicity", "ratio": 10,
                "parameter_sweep": {"sample": {"n": 4, "seed": 1,
                                               "parameters": {"p_granule_kill": "uniform"}}}}
    summary = run_sweep(document, tmp_path / "run", executor=ONE_THREAD, params={"k_decay_ifng": 0.02})
    frame = _rows(tmp_path / "run")
    assert summary.ok == 4 and k not in frame.columns
    assert frame["parameter_set"].tolist() == [f"sample_{i}" for i in range(4)]
    assert (frame["param.k_decay_ifng"] == 0.02).all()
    assert frame["param.p_granule_kill"].nunique() == 4
    # more granule killing, more MSC lysis: the sampled value reaches the engine
    ordered = frame.sort_values("param.p_granule_kill")
    assert ordered["msc_lysis_pct"].is_monotonic_increasing
    assert RunStore.open(tmp_path / "run").metadata()["seed"] == 1


def test_cli_run_prints_a_summary_and_resumes(tmp_path):
    source = tmp_path / "sweep.yaml"
    source.write_text("assay: cytotoxicity\nsweep: {ratio: [1, 2, 4, 8]}\n")
    out = tmp_path / "out"
    result = run_cli(["run", source, "--out", out, "--workers", "1", "--chunk-size", "2"])
    assert result.exit_code == 0, result.output
    assert "4 condition(s), 4 ok, 0 failed; 2 chunk(s)" in result.flat
    assert "conditions/s" in result.flat
    resumed = run_cli(["run", source, "--out", out, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "2 from an earlier session" in resumed.flat


@pytest.mark.parametrize("args, needles", [
    (["--resume"], ["no run to resume"]),
    (["--workers", "0"], ["--workers", "greater than or equal to 1"]),
    (["--chunk-size", "0"], ["--chunk-size"]),
    (["--scheduler", "notanaddress"], ["--scheduler", "cannot reach a dask scheduler"]),
])
def test_cli_run_rejects_bad_options(tmp_path, args, needles):
    source = tmp_path / "c.yaml"
    source.write_text("ratio: 2\n")
    result = run_cli(["run", source, "--out", tmp_path / "out", *args])
    assert result.exit_code == 2, result.output
    assert all(n in result.flat for n in needles), result.output
    assert not (tmp_path / "out" / "results.csv").exists()
    assert not (tmp_path / "out" / "run.json").exists()


def test_a_worker_with_another_model_refuses_its_chunk():
    from mscnk.experiment import load_experiment
    from mscnk.runs._table import run_schema
    from mscnk.runs._work import ChunkTask, ModelMismatch, run_chunk

    jobs = tuple(load_experiment({"ratio": 2}).jobs())
    with pytest.raises(ModelMismatch, match="install the same mscnk"):
        run_chunk(ChunkTask(0, jobs, run_schema(load_scenario(), []), BatchEngine(), "not-this-model"))


# -- lazy plans: jobs are made chunk by chunk, and dask holds a bounded number of chunks ----
def test_a_run_makes_jobs_chunk_by_chunk_never_the_whole_list(tmp_path, monkeypatch):
    from mscnk.experiment import Experiment, load_experiment

    experiment = load_experiment({"assay": "cytotoxicity",
                                  "sweep": {"ratio": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}})
    made, leads = [], []
    original = Experiment.iter_jobs

    def counted(self, base_params=None):
        for job in original(self, base_params):
            made.append(job.index)
            yield job

    def whole_list(self, base_params=None):
        raise AssertionError("the whole job list was built")

    monkeypatch.setattr(Experiment, "iter_jobs", counted)
    monkeypatch.setattr(Experiment, "jobs", whole_list)
    out = tmp_path / "run"
    summary = run_sweep(experiment, out, executor=ONE_THREAD, chunk_size=2,
                        on_chunk=lambda index: leads.append(len(made) - 2 * (index + 1)))
    assert summary.ok == 10 and made == list(range(10))
    assert max(leads) <= 2  # at most the next chunk is made ahead of the one written
    rows = _rows(out)
    assert rows["ratio"].tolist() == [float(r) for r in range(1, 11)]


def test_dask_keeps_a_bounded_number_of_chunks_in_flight():
    distributed = pytest.importorskip("distributed")
    from mscnk.experiment import load_experiment
    from mscnk.runs import Dask
    from mscnk.runs._table import run_schema
    from mscnk.runs._work import ChunkTask

    jobs = load_experiment({"assay": "cytotoxicity",
                            "sweep": {"ratio": list(range(1, 41))}}).jobs()
    pulled: list[int] = []

    def tasks():
        for job in jobs:
            pulled.append(job.index)
            yield ChunkTask(job.index, (job,), run_schema(load_scenario(), []), BatchEngine())

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        executor = Dask(address=cluster.scheduler_address)
        results = executor.run(tasks())
        first, _ = next(results)
        assert len(pulled) <= executor.in_flight(1) + 1 < len(jobs), len(pulled)
        rest = [index for index, _ in results]
    assert sorted([first, *rest]) == list(range(len(jobs)))


# -- executors: one protocol, injected -------------------------------------------------------
class Reversed:
    """An executor of this test's own: the chunks in reverse order, one after another here."""

    parallelism = 1

    def __init__(self) -> None:
        self.checked = False

    def describe(self) -> str:
        return "reversed chunks, this process"

    def check(self) -> None:
        self.checked = True

    def run(self, tasks):
        from mscnk.runs import InProcess

        for task in reversed(list(tasks)):
            yield from InProcess(threads=1).run([task])


def test_an_injected_executor_gives_the_rows_of_the_in_process_one(complete, tmp_path):
    from mscnk.runs import Executor

    _, reference = complete
    executor, written = Reversed(), []
    assert isinstance(executor, Executor)
    out = tmp_path / "run"
    summary = run_sweep(SWEEP, out, executor=executor, chunk_size=5, on_chunk=written.append)
    assert executor.checked and written == [2, 1, 0]
    assert summary.ok == 12 and summary.executor == "reversed chunks, this process"
    assert RunStore.open(out).metadata()["sessions"][-1]["executor"] == summary.executor
    pd.testing.assert_frame_equal(_rows(out), _rows(reference), check_exact=True)


def test_run_sweep_takes_one_executor_argument():
    import inspect

    parameters = inspect.signature(run_sweep).parameters
    assert "executor" in parameters
    assert "workers" not in parameters and "scheduler" not in parameters


def test_the_in_process_and_dask_executors_satisfy_the_protocol():
    from mscnk.engine import cores
    from mscnk.runs import Dask, Executor, InProcess

    for executor in (InProcess(), InProcess(threads=3), Dask(workers=2),
                     Dask(address="tcp://127.0.0.1:8786")):
        assert isinstance(executor, Executor), executor
    assert InProcess().parallelism == cores() and InProcess(threads=3).parallelism == 3
    assert Dask(workers=2).parallelism == 2
    # a named scheduler's size is unknown before connecting: chunks are sized as here
    assert Dask(address="tcp://127.0.0.1:8786").parallelism == cores()


def test_executor_for_keeps_the_choice_of_workers_and_scheduler():
    from mscnk.engine import cores
    from mscnk.runs import (Dask, InProcess, LOCAL_CLUSTER_MIN_JOBS, THREADS_SUFFICE,
                            executor_for)

    many, few = LOCAL_CLUSTER_MIN_JOBS, LOCAL_CLUSTER_MIN_JOBS - 1
    assert executor_for(1, None, 10 * many) == InProcess(threads=1)
    assert executor_for(2, None, 10 * many) == InProcess(threads=2)
    assert executor_for(4, None, few) == InProcess(threads=4)
    assert executor_for(4, None, many) == Dask(workers=4)
    assert executor_for(None, None, few) == InProcess(threads=cores())
    assert executor_for(None, None, many) == (InProcess(threads=cores())
                                              if cores() <= THREADS_SUFFICE
                                              else Dask(workers=cores()))
    assert executor_for(3, "tcp://10.0.0.1:8786", 5) == Dask(address="tcp://10.0.0.1:8786")


@pytest.mark.parametrize("make, needles", [
    (lambda: __import__("mscnk.runs").runs.executor_for(0, None, 10), ["workers", "0", "at least 1"]),
    (lambda: __import__("mscnk.runs").runs.InProcess(threads=0), ["threads", "0", "at least 1"]),
    (lambda: __import__("mscnk.runs").runs.Dask(workers=-1), ["workers", "-1", "at least 1"]),
])
def test_executors_refuse_fewer_than_one_worker(make, needles):
    with pytest.raises(ValueError) as caught:
        make()
    assert all(n in str(caught.value) for n in needles), caught.value


class _Refusing(Reversed):
    def check(self) -> None:
        from mscnk.runs import ExecutorError

        raise ExecutorError("this executor cannot start")


def test_an_executor_that_cannot_start_leaves_nothing_written(tmp_path):
    from mscnk.runs import ExecutorError

    with pytest.raises(ExecutorError, match="cannot start"):
        run_sweep(SWEEP, tmp_path / "out", executor=_Refusing())
    assert not (tmp_path / "out").exists()


class _Stop(Reversed):
    def __init__(self, parallelism: int) -> None:
        super().__init__()
        self.parallelism = parallelism

    def run(self, tasks):
        raise KeyboardInterrupt
        yield  # a generator, like every executor's run


@pytest.mark.parametrize("parallelism, expected", [(1, 40), (4, 10)])
def test_chunks_are_sized_for_the_executors_parallelism(tmp_path, parallelism, expected):
    from mscnk.runs import default_chunk_size

    sweep = {"assay": "cytotoxicity", "sweep": {"ratio": [1 + i / 10 for i in range(160)]}}
    assert default_chunk_size(160, parallelism) == expected
    with pytest.raises(RunInterrupted):
        run_sweep(sweep, tmp_path / "run", executor=_Stop(parallelism))
    assert RunStore.open(tmp_path / "run").metadata()["chunk_size"] == expected


def test_pending_jobs_counts_what_a_resumed_run_has_left(complete, tmp_path):
    from mscnk.runs import pending_jobs

    _, out = complete
    assert pending_jobs(out, 12, resume=False) == 12
    assert pending_jobs(out, 12, resume=True) == 0
    assert pending_jobs(tmp_path / "nothing", 12, resume=True) == 12
    partial = tmp_path / "partial"

    def stop_after_one(index):
        raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        run_sweep(SWEEP, partial, executor=Reversed(), chunk_size=5, on_chunk=stop_after_one)
    assert pending_jobs(partial, 12, resume=True) == 10  # chunk 2 (2 conditions) is done


def test_simulators_kept_by_a_process_stay_within_its_budget_of_kept_phases(monkeypatch):
    """Kept phases of all the process's simulators together beyond the budget: the least
    recently used simulators go (never the one just asked for)."""
    import numpy as np

    from mscnk.engine import BatchEngine, PhaseSolution
    from mscnk.runs import _work
    from mscnk.scenarios import load_scenario

    scenario, engine = load_scenario(), BatchEngine(threads=1)
    big = PhaseSolution("x", np.zeros(2), np.zeros((2, 500)))  # 8,016 bytes
    monkeypatch.setattr(_work, "KEPT_BYTES_PER_PROCESS", 20_000)
    _work.clear_simulators()
    try:
        first = _work._simulator(scenario, {}, engine)
        first.kept.keep(("a",), big)
        second = _work._simulator(scenario, {"p_granule_kill": 0.5}, engine)
        second.kept.keep(("b",), big)
        assert _work._simulator(scenario, {}, engine) is first  # 16 kB: both stay
        first.kept.keep(("c",), big)  # 24 kB now; the next new simulator trims
        third = _work._simulator(scenario, {"p_granule_kill": 0.6}, engine)
        assert third is _work._simulator(scenario, {"p_granule_kill": 0.6}, engine)
        assert _work._simulator(scenario, {}, engine) is first  # used more recently: stays
        assert _work._simulator(scenario, {"p_granule_kill": 0.5}, engine) is not second
    finally:
        _work.clear_simulators()
