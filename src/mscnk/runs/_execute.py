"""Where chunks run: in this process, or on a dask.distributed cluster (local or remote).

Both executors take the same :class:`~mscnk.runs._work.ChunkTask` objects and yield
``(index, table)`` as chunks finish, in any order; the runner writes each as it arrives.
A dask worker lost mid-chunk is the scheduler's business: it reruns that chunk elsewhere,
and the runner still sees each chunk exactly once.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Iterable, Iterator

import pyarrow as pa

from mscnk.runs._work import ChunkTask, run_chunk


#: How long to wait for a named scheduler.
CONNECT_TIMEOUT = "10s"


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
        from distributed import Client, LocalCluster

        if self.address:
            with Client(self.address, timeout=CONNECT_TIMEOUT) as client:
                yield client
            return
        with LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[tuple[int, pa.Table]]:
        from distributed import as_completed

        with self.client() as client:
            # one engine thread per task: workers run as many tasks as they have threads
            futures = [client.submit(run_chunk, t.on(1), pure=False)
                       for t in tasks]
            try:
                for future in as_completed(futures):
                    yield future.result()
                    future.release()
            finally:
                client.cancel([f for f in futures if not f.done()])
