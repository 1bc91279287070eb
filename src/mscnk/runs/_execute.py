"""Where chunks run: in this process, or on a dask.distributed cluster (local or remote).

Both executors take the same :class:`~mscnk.runs._work.ChunkTask` objects and yield
``(index, table)`` as chunks finish, in any order; the runner writes each as it arrives.
A dask worker lost mid-chunk is the scheduler's business: it reruns that chunk elsewhere,
and the runner still sees each chunk exactly once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from dataclasses import dataclass
from typing import Iterable, Iterator

import pyarrow as pa

from mscnk.runs._work import ChunkTask, run_chunk


#: How long to wait for a named scheduler.
CONNECT_TIMEOUT = "10s"
#: Chunks kept in flight per worker thread on dask (and at least this many in all).
IN_FLIGHT_PER_THREAD = 3
MIN_IN_FLIGHT = 4


class ExecutorError(Exception):
    """An executor that cannot start (an unreachable scheduler)."""


@dataclass(frozen=True)
class InProcess:
    """Chunks one after another here; the engine uses ``threads`` (None: all cores)."""

    threads: int | None = None

    def describe(self) -> str:
        return "this process" + (f", {self.threads} thread(s)" if self.threads else "")

    def check(self) -> None:
        """Nothing to check: this process is here."""

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[tuple[int, pa.Table]]:
        for task in tasks:
            yield run_chunk(task.on(self.threads))


@dataclass(frozen=True)
class Dask:
    """Chunks on a dask.distributed cluster: ``address`` of a scheduler, or a LocalCluster
    of ``workers`` single-threaded processes on this machine (loopback only)."""

    workers: int = 1
    address: str | None = None

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
