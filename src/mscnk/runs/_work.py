"""What a worker does with one chunk: simulate its jobs batched, return its table.

Runs in the driver process or in a dask worker and keeps a few
:class:`~mscnk.experiment.Simulator` objects (one per parameter set and engine) between
chunks, so shared phases (reference wells, pre-phases, matched controls) are simulated once
per process while they are kept (:func:`clear_simulators` lets them go).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Sequence

import pyarrow as pa

from mscnk.engine import BatchEngine
from mscnk.experiment import Job
from mscnk.scenarios import Scenario, load_scenario

#: Simulators kept per process (each keeps its shared phases, up to
#: :data:`~mscnk.experiment.KEPT_BYTES`), and the bytes of kept phases of all of them
#: together beyond which the least recently used simulators go.
SIMULATORS_KEPT = 64
KEPT_BYTES_PER_PROCESS = 256 * 2**20
_simulators: OrderedDict[tuple, object] = OrderedDict()
_simulators_lock = threading.Lock()


@dataclass(frozen=True)
class ChunkTask:
    """A chunk of a run, as sent to a worker."""

    index: int
    jobs: tuple[Job, ...]
    schema: pa.Schema
    engine: BatchEngine = BatchEngine()
    model_hash: str | None = None  # the driver's; a worker with another model refuses
    scenario: Scenario = field(default_factory=load_scenario)  # travels by its location

    def on(self, threads: int | None) -> "ChunkTask":
        """The same chunk for an engine with ``threads`` threads."""
        return replace(self, engine=replace(self.engine, threads=threads))


def _simulator(scenario: Scenario, params: dict[str, float], engine: BatchEngine):
    from mscnk.experiment import Simulator

    key = (scenario.location, tuple(sorted(params.items())), engine)
    with _simulators_lock:  # chunks run in several threads of one process
        if key in _simulators:
            _simulators.move_to_end(key)
            return _simulators[key]
        simulator = Simulator(scenario, params, engine=engine)
        _simulators[key] = simulator
        kept = sum(other.kept.nbytes for other in _simulators.values())
        while len(_simulators) > 1 and (len(_simulators) > SIMULATORS_KEPT
                                        or kept > KEPT_BYTES_PER_PROCESS):
            _, dropped = _simulators.popitem(last=False)
            kept -= dropped.kept.nbytes
        return simulator


def clear_simulators() -> int:
    """Forget the simulators this process keeps between chunks (with their kept reference
    wells, pre-phases and controls: up to :data:`SIMULATORS_KEPT` of them); the number
    forgotten. The next chunk starts afresh, bitwise the same, only slower."""
    with _simulators_lock:
        count = len(_simulators)
        _simulators.clear()
        return count


class ModelMismatch(RuntimeError):
    """A worker whose mscnk model differs from the driver's (another version installed)."""


def local_model_hash(scenario: Scenario) -> str:
    """The hash of the scenario's model as this process declares it."""
    from mscnk.model import model_hash

    return model_hash(scenario.model)


def run_chunk(task: ChunkTask) -> tuple[int, pa.Table]:
    """Simulate every job of ``task`` (wells of all its jobs batched); its index and table."""
    from mscnk.experiment import simulate_batch
    from mscnk.runs._table import chunk_table

    scenario = task.scenario
    if task.model_hash is not None and task.model_hash != local_model_hash(scenario):
        import mscnk

        raise ModelMismatch(f"this worker's model (hash {local_model_hash(scenario)}, mscnk "
                            f"{mscnk.__version__}) is not the run's (hash {task.model_hash}); "
                            f"install the same mscnk on every worker")

    jobs: Sequence[Job] = task.jobs
    pairs = [(_simulator(scenario, job.params, task.engine), job.condition) for job in jobs]
    outcomes = simulate_batch(pairs)
    model = scenario.compiled
    defaults = dict(zip(model.parameters, model.default_parameters()))
    return task.index, chunk_table(jobs, outcomes, task.schema, defaults, scenario)
