"""What a worker does with one chunk: simulate its jobs batched, return its table.

Runs in the driver process or in a dask worker and keeps a few
:class:`~mscnk.experiment.Simulator` objects (one per parameter set and engine) between
chunks, so reference wells are simulated once per process.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

import pyarrow as pa

from mscnk.engine import BatchEngine
from mscnk.experiment._jobs import Job

#: Simulators kept per process (each caches its reference wells).
SIMULATORS_KEPT = 64
_simulators: OrderedDict[tuple, object] = OrderedDict()


@dataclass(frozen=True)
class ChunkTask:
    """A chunk of a run, as sent to a worker."""

    index: int
    jobs: tuple[Job, ...]
    schema: pa.Schema
    engine: BatchEngine = BatchEngine()
    model_hash: str | None = None  # the driver's; a worker with another model refuses

    def on(self, threads: int | None) -> "ChunkTask":
        """The same chunk for an engine with ``threads`` threads."""
        return replace(self, engine=replace(self.engine, threads=threads))


def _simulator(params: dict[str, float], engine: BatchEngine):
    from mscnk.experiment import Simulator

    key = (tuple(sorted(params.items())), engine)
    if key in _simulators:
        _simulators.move_to_end(key)
        return _simulators[key]
    simulator = Simulator(params, engine=engine)
    _simulators[key] = simulator
    while len(_simulators) > SIMULATORS_KEPT:
        _simulators.popitem(last=False)
    return simulator


class ModelMismatch(RuntimeError):
    """A worker whose mscnk model differs from the driver's (another version installed)."""


@lru_cache(maxsize=1)
def local_model_hash() -> str:
    from mscnk.model._build import build_model
    from mscnk.model._compile import model_hash

    return model_hash(build_model())


def run_chunk(task: ChunkTask) -> tuple[int, pa.Table]:
    """Simulate every job of ``task`` (wells of all its jobs batched); its index and table."""
    from mscnk.experiment._simulate import simulate_pairs
    from mscnk.model._compile import compiled_model
    from mscnk.runs._table import chunk_table

    if task.model_hash is not None and task.model_hash != local_model_hash():
        import mscnk

        raise ModelMismatch(f"this worker's model (hash {local_model_hash()}, mscnk "
                            f"{mscnk.__version__}) is not the run's (hash {task.model_hash}); "
                            f"install the same mscnk on every worker")

    jobs: Sequence[Job] = task.jobs
    pairs = [(_simulator(job.params, task.engine), job.condition) for job in jobs]
    outcomes = simulate_pairs(pairs)
    model = compiled_model()
    defaults = dict(zip(model.parameters, model.default_parameters()))
    return task.index, chunk_table(jobs, outcomes, task.schema, defaults)
