"""Run an experiment into a results store: plan, chunk, execute, write as chunks finish.

The store is the record of what is done: a chunk counts as finished when its Parquet file
exists. ``resume=True`` re-plans the same experiment, checks that the plan and the model
are the ones the store was started with, and runs only the chunks that have no file, so no
job is lost or written twice however the earlier run ended (Ctrl-C, ``kill -9``, a crash).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping


import pandas as pd

from mscnk.engine import BatchEngine, cores
from mscnk.experiment._jobs import Experiment, Job, load_experiment, plan_hash
from mscnk.runs._execute import Dask, InProcess
from mscnk.runs._table import changed_parameters, run_schema
from mscnk.runs._work import ChunkTask, local_model_hash
from mscnk.store import RunStore, StoreError, write_atomically

#: The most conditions per chunk: enough wells for the batched engine to keep every core
#: busy (3 wells each), few enough that a lost chunk costs seconds.
MAX_CHUNK = 256
MIN_CHUNK = 8
#: Below this many pending conditions a local run stays in this process (engine threads on
#: the cores asked for): starting worker processes costs more than it saves.
LOCAL_CLUSTER_MIN_JOBS = 1000


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

    @property
    def complete(self) -> bool:
        return self.ok + self.failed == self.jobs


class RunInterrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM); finished chunks are in the store."""

    def __init__(self, path: Path, done: int, total: int):
        super().__init__(f"interrupted with {done} of {total} chunks finished in {path}")
        self.path, self.done, self.total = path, done, total


def _parameter_hash(params: Mapping[str, float]) -> str:
    from mscnk.experiment._simulate import parameter_vector
    from mscnk.model._compile import compiled_model

    return hashlib.sha256(parameter_vector(compiled_model(), params).tobytes()).hexdigest()[:16]


def _metadata(experiment: Experiment, jobs: list[Job], params: Mapping[str, float],
              chunk_size: int, command: str | None) -> dict[str, Any]:
    import mscnk

    sweep = experiment.document.get("sweep") or {}
    return {
        "mscnk_version": mscnk.__version__,
        "model_hash": local_model_hash(),
        "parameter_set_hash": _parameter_hash(params),
        "plan_hash": plan_hash(jobs),
        "seed": experiment.seed,
        "command": command,
        "started": now(),
        "ended": None,
        "status": "running",
        "jobs": len(jobs),
        "conditions": len(experiment.conditions),
        "parameter_sets": len(experiment.parameter_sets),
        "chunk_size": chunk_size,
        "chunks": math.ceil(len(jobs) / chunk_size) if jobs else 0,
        "swept_fields": list(sweep),
        "changed_parameters": changed_parameters(jobs),
        "base_parameters": dict(params),
        "experiment": experiment.document,
        "sessions": [],
    }


def _open_for(out: Path, metadata: dict[str, Any], *, resume: bool,
              overwrite: bool) -> RunStore:
    """The store to write into: new, replaced, or (``resume``) the matching earlier one."""
    if resume:
        if not RunStore.exists(out):
            raise StoreError(f"--resume: {str(out)!r} holds no run to resume; run without "
                             f"--resume to start one")
        store = RunStore.open(out)
        earlier = store.metadata()
        for key, what in (("plan_hash", "the experiment or parameters"),
                          ("model_hash", "the model")):
            if earlier.get(key) != metadata[key]:
                raise StoreError(f"--resume: {what} changed since the run in {str(out)!r} began "
                                 f"({key} {earlier.get(key)} there, {metadata[key]} now); "
                                 f"start a new run with another --out")
        return store
    if RunStore.exists(out) and not overwrite:
        earlier = RunStore.open(out)
        info = earlier.metadata()
        if info.get("status") != "complete":
            raise StoreError(f"{str(out)!r} holds an unfinished run ({len(earlier.finished())} of "
                             f"{info.get('chunks')} chunks); pass --resume to finish it or "
                             f"--overwrite to start again")
    return RunStore.create(out, metadata)


def run_sweep(source: str | Path | Mapping[str, Any] | Experiment, out: str | Path, *,
              params: Mapping[str, float] | None = None, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, overwrite: bool = False,
              chunk_size: int | None = None, command: str | None = None,
              engine: BatchEngine | None = None, executor: Dask | InProcess | None = None,
              progress: Callable[[int, int], None] | None = None,
              on_chunk: Callable[[int], None] | None = None) -> RunSummary:
    """Run every job of an experiment into the store at ``out``; see the module docstring.

    ``workers``: local worker processes (None: all cores; 1, or fewer than
    :data:`LOCAL_CLUSTER_MIN_JOBS` pending conditions: this process with that many engine
    threads). ``scheduler``:
    a dask.distributed scheduler address (then ``workers`` is ignored). ``progress(done,
    total)`` is called in conditions as chunks land; ``on_chunk(index)`` after each write.
    ``engine``: tolerances and step limit for every chunk (its ``threads`` is set per
    executor). ``executor``: where chunks run, overriding the choice ``workers`` and
    ``scheduler`` make (:class:`~mscnk.runs.InProcess` or :class:`~mscnk.runs.Dask`).
    """
    started = time.perf_counter()
    experiment = source if isinstance(source, Experiment) else load_experiment(source)
    params = dict(params or {})
    jobs = experiment.jobs(params)
    workers = cores() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    out = Path(out)
    size = chunk_size or default_chunk_size(len(jobs), workers)
    if executor is None and scheduler:
        executor = Dask(address=scheduler)
    if executor is not None:
        executor.check()  # an unreachable scheduler fails before anything is written
    metadata = _metadata(experiment, jobs, params, size, command)
    store = _open_for(out, metadata, resume=resume, overwrite=overwrite)
    size = store.metadata()["chunk_size"]  # a resumed run keeps its chunks
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    done = store.finished()
    pending = [i for i in range(len(chunks)) if i not in done]
    schema = run_schema(metadata["changed_parameters"])
    if executor is not None:
        pass
    elif workers == 1 or sum(len(chunks[i]) for i in pending) < LOCAL_CLUSTER_MIN_JOBS:
        executor = InProcess(threads=workers)
    else:
        executor = Dask(workers=workers)
    if isinstance(executor, Dask) and not executor.address:
        _warm_kernel()  # compile (or load) once here, so local workers only load it
    session = {"started": now(), "command": command, "executor": executor.describe(),
               "engine": repr(replace(engine or BatchEngine(), threads=None)),
               "chunks_before": len(done)}
    info = store.metadata()
    store.update(status="running", sessions=[*info.get("sessions", []), session])
    finished_jobs = sum(len(chunks[i]) for i in done)
    if progress:
        progress(finished_jobs, len(jobs))
    ran = ran_jobs = 0
    engine = engine or BatchEngine()
    tasks = (ChunkTask(i, tuple(chunks[i]), schema, engine, metadata["model_hash"])
             for i in pending)
    try:
        for index, table in executor.run(tasks):
            if index in done:  # never written twice
                continue
            store.write_chunk(index, table)
            done.add(index)
            ran += 1
            ran_jobs += len(chunks[index])
            finished_jobs += len(chunks[index])
            if progress:
                progress(finished_jobs, len(jobs))
            if on_chunk:
                on_chunk(index)
    except KeyboardInterrupt:
        _close_session(store, "interrupted", len(done))
        raise RunInterrupted(out, len(done), len(chunks)) from None
    except BaseException:
        _close_session(store, "failed", len(done))
        raise
    status = "complete" if len(done) == len(chunks) else "incomplete"
    _close_session(store, status, len(done))
    frame = store.read()  # once: for the counts and for results.csv
    failed = frame[frame["status"] != "ok"] if len(frame) else frame
    errors = failed["error"].value_counts().head(5).to_dict() if len(failed) else {}
    if status == "complete":
        write_results_csv(store, frame)
    return RunSummary(out, len(jobs), int((frame["status"] == "ok").sum()), len(failed),
                      len(chunks), ran, len(chunks) - len(pending), time.perf_counter() - started,
                      executor.describe(), ran_jobs, {str(k): int(v) for k, v in errors.items()})


def _close_session(store: RunStore, status: str, chunks_done: int) -> None:
    info = store.metadata()
    sessions = info.get("sessions", [])
    if sessions:
        sessions[-1].update(ended=now(), status=status, chunks_after=chunks_done)
    store.update(status=status, sessions=sessions,
                 ended=now() if status == "complete" else info.get("ended"))


def _warm_kernel() -> None:
    from mscnk.engine import BatchEngine
    from mscnk.model._compile import compiled_model

    BatchEngine().kernel(compiled_model())


def write_results_csv(store: RunStore, frame: pd.DataFrame | None = None) -> Path:
    """Every row of a complete run as ``results.csv`` (condition first, job order);
    ``frame``: the rows, if already read."""
    frame = store.read() if frame is None else frame
    columns = ["condition", *[c for c in frame.columns if c != "condition"]]
    path = store.path / "results.csv"
    write_atomically(path, lambda p: frame[columns].to_csv(p, index=False))
    return path


__all__ = ["RunInterrupted", "RunSummary", "default_chunk_size", "run_sweep"]
