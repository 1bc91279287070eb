"""Where chunks run: one :class:`Executor` protocol, and its two implementations, in this
process (:class:`InProcess`) or on a dask.distributed cluster (:class:`Dask`, local or remote).

An executor takes :class:`~mscnk.runs._work.ChunkTask` objects and yields ``(index, table)``
as chunks finish, in any order; the runner writes each as it arrives. It is injected into
:func:`~mscnk.runs.run_sweep` as one object (like pyPESTO's engines); :func:`executor_for`
holds the choice that ``--workers`` and ``--scheduler`` make. A dask worker lost mid-chunk is
the scheduler's business: it reruns that chunk elsewhere, and the runner still sees each
chunk exactly once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol, runtime_checkable

import pyarrow as pa

from mscnk.engine import BatchEngine, cores
from mscnk.runs._work import ChunkTask, run_chunk


#: How long to wait for a named scheduler.
CONNECT_TIMEOUT = "10s"
#: Chunks kept in flight per worker thread on dask (and at least this many in all).
IN_FLIGHT_PER_THREAD = 3
MIN_IN_FLIGHT = 4
#: Below this many pending conditions a local run stays in this process (engine threads on
#: the cores asked for): starting worker processes costs more than it saves.
LOCAL_CLUSTER_MIN_JOBS = 1000
#: Up to this many workers, threads of this process keep up with worker processes: a
#: chunk's Python holds the GIL for about two fifths of its time (0.31 of 0.74 ms a
#: condition on one thread; ``docs/runs.md``), so threads saturate between two and three
#: cores, and on two they beat a LocalCluster, which spends seconds starting its processes.
THREADS_SUFFICE = 2


class ExecutorError(Exception):
    """An executor that cannot start (an unreachable scheduler)."""


@runtime_checkable
class Executor(Protocol):
    """Where a run's chunks go. ``run`` yields ``(index, table)`` for every task, each once,
    in any order (lazily: tasks are made as it asks for them); ``check`` raises
    :class:`ExecutorError` if it cannot start, before the run writes anything; ``describe``
    is the line that ``run.json`` and the summary record; ``parallelism`` (chunks it works on
    at once) sizes the chunks."""

    @property
    def parallelism(self) -> int: ...

    def describe(self) -> str: ...

    def check(self) -> None: ...

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[tuple[int, pa.Table]]: ...


def _at_least_one(field: str, value: int | None, *, none: str = "") -> None:
    """A clear error for a count of workers or threads below one (``none``: what None is)."""
    if value is not None and value < 1:
        raise ValueError(f"{field} must be at least 1{none}, got {value}")


@dataclass(frozen=True)
class InProcess:
    """Chunks here, ``threads`` at once (None: one per core), each on one engine thread.

    The kernel releases the GIL while it integrates, so one chunk's Python (phases,
    readouts, rows) runs while other chunks integrate: no worker processes to start, and
    on a few cores as fast as a cluster of them (``docs/runs.md``). The Python parts share
    one interpreter, so on many cores a dask cluster (separate processes) goes further.
    """

    threads: int | None = None

    def __post_init__(self) -> None:
        _at_least_one("threads", self.threads, none=" (or None: all cores)")

    @property
    def parallelism(self) -> int:
        """Chunks at once: ``threads``, or every core."""
        return self.threads or cores()

    def describe(self) -> str:
        return "this process" + (f", {self.threads} thread(s)" if self.threads else "")

    def check(self) -> None:
        """Nothing to check: this process is here."""

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[tuple[int, pa.Table]]:
        threads = self.parallelism
        if threads == 1:
            for task in tasks:
                yield run_chunk(task.on(1))
            return
        tasks = iter(tasks)
        with ThreadPoolExecutor(threads, thread_name_prefix="mscnk-chunk") as pool:
            live = {pool.submit(run_chunk, task.on(1))
                    for task in itertools.islice(tasks, IN_FLIGHT_PER_THREAD * threads)}
            try:
                while live:
                    done, live = wait(live, return_when=FIRST_COMPLETED)
                    for future in done:
                        following = next(tasks, None)
                        if following is not None:
                            live.add(pool.submit(run_chunk, following.on(1)))
                        yield future.result()
            finally:  # stopped (Ctrl-C, a failure): drop the queued, finish the running
                for future in live:
                    future.cancel()


@dataclass(frozen=True)
class Dask:
    """Chunks on a dask.distributed cluster: ``address`` of a scheduler, or a LocalCluster
    of ``workers`` single-threaded processes on this machine (loopback only)."""

    workers: int = 1
    address: str | None = None

    def __post_init__(self) -> None:
        _at_least_one("workers", self.workers)

    @property
    def parallelism(self) -> int:
        """Worker processes of the LocalCluster; for a named scheduler (its size unknown
        before connecting) this machine's cores."""
        return cores() if self.address else self.workers

    def describe(self) -> str:
        return (f"dask scheduler {self.address}" if self.address
                else f"dask LocalCluster, {self.workers} worker process(es)")

    def check(self) -> None:
        """Reach the scheduler (if one is named) before anything is written; a clear
        :class:`ExecutorError` if it cannot be reached."""
        if not self.address:
            return
        from distributed import Client

        try:
            with Client(self.address, timeout=CONNECT_TIMEOUT):
                pass
        except (OSError, ValueError, TypeError) as error:
            raise ExecutorError(f"--scheduler {self.address!r}: cannot reach a dask scheduler "
                                f"there within {CONNECT_TIMEOUT} ({error}); expected an "
                                f"address like tcp://host:8786") from error

    @contextlib.contextmanager
    def client(self):
        """A client of the named scheduler, or of a LocalCluster that only this process can
        use: TLS with temporary credentials (no other local user can connect and run code
        there) and no dashboard or other HTTP pages."""
        import dask
        from distributed import Client, LocalCluster
        from distributed.security import Security

        if self.address:
            with Client(self.address, timeout=CONNECT_TIMEOUT) as client:
                yield client
            return
        no_pages = {"distributed.scheduler.http.routes": [],
                    "distributed.worker.http.routes": []}
        with dask.config.set(no_pages), LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", protocol="tls://", security=Security.temporary(),
                dashboard_address=None,
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client

    @staticmethod
    def in_flight(threads: int) -> int:
        """Chunks submitted and not yet returned, for a cluster with ``threads`` worker
        threads: enough to keep every thread busy, few enough that a huge plan is never
        held by the scheduler (or made by the driver) all at once."""
        return max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads)

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[tuple[int, pa.Table]]:
        from distributed import as_completed

        tasks = iter(tasks)
        first = next(tasks, None)
        if first is None:
            return
        if not self.address:  # compile (or load) once here, so local workers only load it
            BatchEngine().kernel(first.scenario.compiled)
        tasks = itertools.chain([first], tasks)
        with self.client() as client:
            def submit(task: ChunkTask):
                # one engine thread per task: workers run as many tasks as they have threads
                future = client.submit(run_chunk, task.on(1), pure=False)
                live.add(future)
                return future

            def limit() -> int:  # workers may join or leave while the run goes on
                return self.in_flight(sum(client.nthreads().values()))

            live: set = set()
            running = as_completed([submit(t) for t in itertools.islice(tasks, limit())])
            try:
                for future in running:
                    result = future.result()
                    live.discard(future)
                    future.release()
                    for task in itertools.islice(tasks, max(0, limit() - len(live))):
                        running.add(submit(task))
                    yield result
            finally:
                client.cancel([f for f in live if not f.done()])


def executor_for(workers: int | None, scheduler: str | None, jobs: int) -> Executor:
    """The executor that ``--workers`` and ``--scheduler`` choose for ``jobs`` pending
    conditions: the dask scheduler at ``scheduler`` (``workers`` is then ignored); this
    process with ``workers`` chunk threads (None: all cores) for up to
    :data:`THREADS_SUFFICE` workers or fewer than :data:`LOCAL_CLUSTER_MIN_JOBS`
    conditions; else a dask LocalCluster of ``workers`` processes."""
    _at_least_one("workers", workers, none=" (or None: all cores)")
    if scheduler:
        return Dask(address=scheduler)
    workers = cores() if workers is None else workers
    if workers <= THREADS_SUFFICE or jobs < LOCAL_CLUSTER_MIN_JOBS:
        return InProcess(threads=workers)
    return Dask(workers=workers)
