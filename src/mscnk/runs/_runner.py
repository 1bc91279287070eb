"""Run an experiment into a results store: plan, chunk, execute, write as chunks finish.

The store is the record of what is done: a chunk counts as finished when its Parquet file
exists and reads back as this plan's chunk. ``resume=True`` re-plans the same experiment,
checks that the plan and the model are the ones the store was started with, checks every
chunk file (readable, same plan hash, its own index and jobs), removes the ones that fail
and the temporaries of killed writes, and runs the chunks that have no good file, so no job
is lost or written twice however the earlier run ended (Ctrl-C, ``kill -9``, a crash).

A run holds the folder's lock (:class:`~mscnk.store.RunLock`) from start to end; a second
writer is refused. A folder that is not an mscnk run is never written into, and a finished
run is replaced only with ``overwrite=True`` (then only its own files are removed). A run is
marked ``complete`` only after every chunk has been read back and checked.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping


import pyarrow as pa
import pyarrow.compute as pc

from mscnk.engine import BatchEngine, cores
from mscnk.experiment import Experiment, Job, load_experiment, plan_hash
from mscnk.scenarios import Scenario
from mscnk.runs._execute import Executor, executor_for
from mscnk.runs._table import changed_parameters, run_schema
from mscnk.runs._work import ChunkTask, local_model_hash
from mscnk.runs._reuse import open_for, verify_finished
from mscnk.store import RESULTS, DamagedChunk, RunStore, write_atomically, write_csv

#: The most conditions per chunk: long kernel calls (a stage of 512 conditions holds the GIL
#: free for tens of milliseconds, so chunk threads overlap well) and few per-chunk costs,
#: yet a lost chunk costs about a second. On two cores the README sweep took 9.2-9.8 s in
#: chunks of 512 against 10.6-12.1 s in chunks of 256 and 10.0-10.1 s in chunks of 1024.
MAX_CHUNK = 512
MIN_CHUNK = 8


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_chunk_size(jobs: int, workers: int) -> int:
    """At least four chunks per worker where the run is big enough, at most MAX_CHUNK."""
    return int(min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(jobs / (4 * max(workers, 1))))))


@dataclass(frozen=True)
class RunSummary:
    """What a run (or a resumed part of one) did."""

    path: Path
    jobs: int
    ok: int
    failed: int
    chunks: int
    chunks_run: int
    chunks_skipped: int
    wall_s: float
    executor: str
    jobs_run: int = 0  # conditions simulated in this session
    errors: dict[str, int] = field(default_factory=dict)  # message -> count (first ones)
    chunks_redone: int = 0  # chunk files of an earlier session that failed their check

    @property
    def complete(self) -> bool:
        return self.ok + self.failed == self.jobs


class RunInterrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM); finished chunks are in the store."""

    def __init__(self, path: Path, done: int, total: int):
        super().__init__(f"interrupted with {done} of {total} chunks finished in {path}")
        self.path, self.done, self.total = path, done, total


def _parameter_hash(scenario: Scenario, params: Mapping[str, float]) -> str:
    from mscnk.experiment import parameter_vector

    return hashlib.sha256(parameter_vector(scenario, params).tobytes()).hexdigest()[:16]


#: Packages whose versions ``run.json`` records (None: not installed).
RECORDED_PACKAGES = ("numpy", "scipy", "numba", "pandas", "pyarrow", "pydantic", "dask",
                     "distributed", "duckdb")


def software() -> dict[str, Any]:
    """Versions of Python and the packages a run's numbers depend on, and the platform."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    versions = {"python": platform.python_version(),
                **{name: installed(name) for name in RECORDED_PACKAGES}}
    return {"versions": versions,
            "platform": {"platform": platform.platform(), "machine": platform.machine(),
                         "python_implementation": platform.python_implementation()}}


def _metadata(experiment: Experiment, params: Mapping[str, float], chunk_size: int,
              command: str | None) -> dict[str, Any]:
    import mscnk

    sweep = experiment.document.get("sweep") or {}
    return {
        "mscnk_version": mscnk.__version__,
        **software(),
        "scenario": experiment.scenario.location,
        "model_hash": local_model_hash(experiment.scenario),
        "parameter_set_hash": _parameter_hash(experiment.scenario, params),
        "plan_hash": plan_hash(experiment, params),
        "seed": experiment.seed,
        "command": command,
        "started": now(),
        "ended": None,
        "status": "running",
        "jobs": experiment.size,
        "conditions": len(experiment.conditions),
        "parameter_sets": len(experiment.parameter_sets),
        "chunk_size": chunk_size,
        "chunks": math.ceil(experiment.size / chunk_size),
        "swept_fields": list(sweep),
        "changed_parameters": changed_parameters(experiment.parameter_sets.values(), params),
        "base_parameters": dict(params),
        "experiment": experiment.document,
        "sessions": [],
    }


def run_sweep(source: str | Path | Mapping[str, Any] | Experiment, out: str | Path, *,
              executor: Executor | None = None, params: Mapping[str, float] | None = None,
              resume: bool = False, overwrite: bool = False, chunk_size: int | None = None,
              command: str | None = None, engine: BatchEngine | None = None,
              progress: Callable[[int, int], None] | None = None,
              on_chunk: Callable[[int], None] | None = None,
              scenario: Scenario | str | None = None) -> RunSummary:
    """Run every job of an experiment into the store at ``out``; see the module docstring.

    ``scenario``: whose experiment it is (None: the co-culture; an :class:`Experiment`
    carries its own).

    ``executor``: where chunks run, any :class:`~mscnk.runs.Executor`
    (:class:`~mscnk.runs.InProcess`, :class:`~mscnk.runs.Dask`, or one's own); None:
    ``executor_for(None, None, pending)``, i.e. this process for fewer than
    :data:`~mscnk.runs.LOCAL_CLUSTER_MIN_JOBS` pending conditions, else a LocalCluster on
    every core. ``chunk_size``: conditions per chunk (None: from the executor's
    ``parallelism``). ``progress(done, total)`` is called in conditions as chunks land;
    ``on_chunk(index)`` after each write. ``engine``: tolerances and step limit for every
    chunk (its ``threads`` is set per executor).
    """
    started = time.perf_counter()
    experiment = (source if isinstance(source, Experiment)
                  else load_experiment(source, scenario=scenario))
    params = dict(params or {})
    out = Path(out)
    parallelism = cores() if executor is None else executor.parallelism
    size = chunk_size or default_chunk_size(experiment.size, parallelism)
    if executor is not None:
        executor.check()  # an unreachable scheduler fails before anything is written
    metadata = _metadata(experiment, params, size, command)
    store, lock = open_for(out, metadata, resume=resume, overwrite=overwrite, command=command)
    try:
        return _run_locked(store, experiment, params, metadata, started, command=command,
                           engine=engine, executor=executor, progress=progress,
                           on_chunk=on_chunk)
    finally:
        lock.release()


def _chunk_tasks(experiment: Experiment, params: dict[str, float], size: int,
                 pending: list[int], make: Callable[[int, tuple[Job, ...]], ChunkTask]):
    """The pending chunks' tasks, made one chunk at a time from the lazy job sequence (the
    jobs of finished chunks are skipped, never kept)."""
    jobs = experiment.iter_jobs(params)
    position = 0
    for index in pending:
        skip = index * size - position
        if skip:
            next(itertools.islice(jobs, skip, skip), None)  # advance past finished chunks
        chunk = tuple(itertools.islice(jobs, size))
        position = index * size + len(chunk)
        yield make(index, chunk)


def _run_locked(store: RunStore, experiment: Experiment, params: dict[str, float],
                metadata: dict[str, Any], started: float, *, command: str | None,
                engine: BatchEngine | None, executor: Executor | None,
                progress: Callable[[int, int], None] | None,
                on_chunk: Callable[[int], None] | None) -> RunSummary:
    """The run itself, with the store's lock held: verify, execute, write, verify again."""
    out, total = store.path, experiment.size
    size = store.metadata()["chunk_size"]  # a resumed run keeps its chunks
    count = math.ceil(total / size)

    def length(index: int) -> int:  # conditions in chunk ``index``
        return min(size, total - index * size)

    done, redone = verify_finished(store)
    pending = [i for i in range(count) if i not in done]
    schema = run_schema(experiment.scenario, metadata["changed_parameters"])
    if executor is None:
        executor = executor_for(None, None, sum(length(i) for i in pending))
    session = {"started": now(), "command": command, "executor": executor.describe(),
               "engine": repr(replace(engine or BatchEngine(), threads=None)),
               "chunks_before": len(done), **({"redone": redone} if redone else {})}
    info = store.metadata()
    store.update(status="running", sessions=[*info.get("sessions", []), session])
    finished_jobs = sum(length(i) for i in done)
    if progress:
        progress(finished_jobs, total)
    ran = ran_jobs = 0
    engine = engine or BatchEngine()
    plan = metadata["plan_hash"]
    tasks = _chunk_tasks(experiment, params, size, pending,
                         lambda i, chunk: ChunkTask(i, chunk, schema, engine,
                                                    metadata["model_hash"],
                                                    experiment.scenario))
    try:
        for index, table in executor.run(tasks):
            if index in done:  # never written twice
                continue
            store.write_chunk(index, table, plan_hash=plan, first_job=index * size)
            done.add(index)
            ran += 1
            ran_jobs += length(index)
            finished_jobs += length(index)
            if progress:
                progress(finished_jobs, total)
            if on_chunk:
                on_chunk(index)
    except KeyboardInterrupt:
        _close_session(store, "interrupted", len(done))
        raise RunInterrupted(out, len(done), count) from None
    except BaseException:
        _close_session(store, "failed", len(done))
        raise
    status = "complete" if len(done) == count else "incomplete"
    try:  # every chunk read back and checked once: for the counts, results.csv and the status
        counts = read_back(store, results_csv=status == "complete")
    except DamagedChunk:
        _close_session(store, "incomplete", len(done))
        raise
    _close_session(store, status, len(done))
    return RunSummary(out, total, counts.ok, counts.failed, count, ran, count - len(pending),
                      time.perf_counter() - started, executor.describe(), ran_jobs,
                      dict(counts.errors.most_common(5)), len(redone))


def _close_session(store: RunStore, status: str, chunks_done: int) -> None:
    info = store.metadata()
    sessions = info.get("sessions", [])
    if sessions:
        sessions[-1].update(ended=now(), status=status, chunks_after=chunks_done)
    store.update(status=status, sessions=sessions,
                 ended=now() if status == "complete" else info.get("ended"))


@dataclass
class _Counts:
    ok: int = 0
    failed: int = 0
    errors: Counter = field(default_factory=Counter)


def read_back(store: RunStore, *, results_csv: bool) -> _Counts:
    """Read every chunk back (checked, :meth:`RunStore.read_chunk` strict), one at a time:
    ok and failed rows, the failures' messages, and (``results_csv``) ``results.csv``."""
    metadata = store.metadata()
    counts = _Counts()

    def tables():
        for index in sorted(store.finished()):
            table = store.read_chunk(index, metadata=metadata)
            ok = pc.equal(table.column("status"), "ok")
            counts.ok += pc.sum(ok).as_py() or 0
            failed = table.filter(pc.invert(ok))
            counts.failed += failed.num_rows
            counts.errors.update(str(e) for e in failed.column("error").to_pylist())
            yield table

    if results_csv:
        write_results_csv(store, tables())
    else:
        for _ in tables():
            pass
    return counts


def write_results_csv(store: RunStore, tables: Iterable[pa.Table] | None = None) -> Path:
    """Every row of a complete run as ``results.csv`` (condition first, job order), written
    chunk by chunk; ``tables``: the chunks' rows in order (default: read and checked)."""
    if tables is None:
        metadata = store.metadata()
        tables = (store.read_chunk(i, metadata=metadata) for i in sorted(store.finished()))
    path = store.path / RESULTS
    written = store.metadata().get("written", [])
    if RESULTS not in written:  # claimed before it is written: --overwrite may remove it
        store.update(written=[*written, RESULTS])

    def condition_first(table: pa.Table) -> pa.Table:
        return table.select(["condition", *(c for c in table.column_names if c != "condition")])

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:
            write_csv(map(condition_first, tables), handle)

    write_atomically(path, write)
    return path


__all__ = ["RunInterrupted", "RunSummary", "default_chunk_size", "run_sweep"]
