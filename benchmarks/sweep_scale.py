"""Wall time of a large sweep into a results store, by executor, on this machine.

    python benchmarks/sweep_scale.py [--file examples/large_sweep.yaml] [--only NAME ...]

Runs the same experiment (default: the README's 20,000-condition sweep) through
``mscnk.runs.run_sweep`` with each executor, into a fresh store each time, and checks that
every store holds the same rows:

- ``local``: what ``mscnk run FILE`` does on this machine (``--workers`` = all cores: this
  process with a chunk thread per core on up to two cores, else a LocalCluster);
- ``cluster``: a dask LocalCluster of one single-threaded worker process per core, started
  and stopped by the run;
- ``scheduler``: a 2-worker dask LocalCluster started beforehand, reached by its address
  (what ``mscnk run FILE --scheduler ADDRESS`` does with a cluster);
- ``threads``: this process, the batched engine's numba threads on all cores.

The model is compiled and :func:`gc.freeze` called first, as ``mscnk run`` does. Times
include everything ``run_sweep`` does (planning, cluster start-up for ``local``,
writing chunks and results.csv), not the Python start-up of a CLI process. Each run starts
cold: the simulators (and the shared phases they keep) of the run before are cleared.

Then the kernel bound, measured in the same run: the experiment's chunks (the first
``--bound-conditions`` of them in plan order, all of the default sweep) are simulated in this
process exactly as the sweep makes them, in order with one simulator per parameter set,
while every ``solve_batch`` call is recorded; those exact calls (the states, inputs,
parameters and sample times of every phase the sweep solves: pre-phases, reference wells,
main wells, matched controls, K562 re-tests; a shared phase only where it is not kept yet)
are then timed again on the batched engine alone with every core. The last lines:

    kernel_wells_per_s: phases the engine alone integrates per second (all cores)
    wells_per_condition: phases a condition needs (distinct phases, as the sweep solves them)
    conditions_per_s: the first executor's sweep (``local`` by default)
    sweep_fraction_of_kernel_bound: conditions_per_s x wells_per_condition / kernel_wells_per_s
"""

from __future__ import annotations

import argparse
import gc
import itertools
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mscnk.engine import BatchEngine, cores
from mscnk.experiment import load_experiment
from mscnk.runs import (ChunkTask, Dask, InProcess, clear_simulators, default_chunk_size,
                        run_chunk, run_schema, run_sweep)
from mscnk.store import RunStore

#: The most conditions whose phases measure the kernel bound (the plan's first ones).
BOUND_CONDITIONS = 100_000


rates: dict[str, float] = {}  # executor -> conditions/s


def _timed(name: str, experiment, out: Path, **options) -> tuple[float, pd.DataFrame]:
    clear_simulators()  # every run starts cold
    started = time.perf_counter()
    summary = run_sweep(experiment, out, **options)
    wall = time.perf_counter() - started
    assert summary.ok + summary.failed == summary.jobs
    rates[name] = summary.jobs / wall
    print(f"{name:10s} {summary.jobs:7d} conditions  {wall:7.1f} s  "
          f"{summary.jobs / wall:7.0f} conditions/s  failed {summary.failed}  "
          f"({summary.executor})", flush=True)
    return wall, RunStore.open(out).read()


def kernel_bound(experiment, conditions: int = BOUND_CONDITIONS) -> tuple[float, float, int]:
    """(kernel wells/s on every core, wells per condition, conditions measured) for the
    experiment's first ``conditions`` conditions, chunked and kept as the sweep does."""
    size = default_chunk_size(experiment.size, cores())
    jobs = list(itertools.islice(experiment.iter_jobs({}), conditions))
    schema = run_schema(experiment.scenario, [])
    recorded: list[tuple[np.ndarray, ...]] = []
    original = BatchEngine.solve_batch

    def recording(self, model, states, inputs, params, times):
        recorded.append(tuple(np.array(a, dtype=float) for a in (states, inputs, params, times)))
        return original(self, model, states, inputs, params, times)

    clear_simulators()
    BatchEngine.solve_batch = recording
    try:
        for index, start in enumerate(range(0, len(jobs), size)):
            run_chunk(ChunkTask(index, tuple(jobs[start:start + size]), schema,
                                scenario=experiment.scenario))
    finally:
        BatchEngine.solve_batch = original
        clear_simulators()
    engine, model = BatchEngine(threads=None), experiment.scenario.compiled
    wells = sum(len(call[0]) for call in recorded)
    started = time.perf_counter()
    for states, inputs, params, times in recorded:
        engine.solve_batch(model, states, inputs, params, times)
    return wells / (time.perf_counter() - started), wells / len(jobs), len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/large_sweep.yaml")
    parser.add_argument("--only", nargs="*",
                        default=["local", "cluster", "scheduler", "threads"])
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    print(f"{args.file}: {experiment.size} conditions, {cores()} cores", flush=True)
    _ = experiment.scenario.compiled
    gc.freeze()  # as ``mscnk run`` does once its model is compiled
    tables = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if "local" in args.only:
            tables["local"] = _timed("local", experiment, root / "local")[1]
        if "cluster" in args.only:
            tables["cluster"] = _timed("cluster", experiment, root / "cluster",
                                       executor=Dask(workers=cores()))[1]
        if "scheduler" in args.only:
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              host="127.0.0.1", dashboard_address=None,
                              silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
                client.run(lambda: __import__("mscnk.runs._work"))  # workers import mscnk
                tables["scheduler"] = _timed("scheduler", experiment, root / "scheduler",
                                             executor=Dask(address=cluster.scheduler_address))[1]
        if "threads" in args.only:
            tables["threads"] = _timed("threads", experiment, root / "threads",
                                       executor=InProcess(threads=None))[1]
    names = list(tables)
    same = all(tables[n].equals(tables[names[0]]) for n in names[1:])
    print(f"identical rows across executors: {same}")
    kernel_wells_per_s, wells_per_condition, measured = kernel_bound(experiment)
    conditions_per_s = rates[names[0]]
    print(f"kernel bound from the plan's first {measured} conditions")
    print(f"kernel_wells_per_s: {kernel_wells_per_s:.0f}")
    print(f"wells_per_condition: {wells_per_condition:.2f}")
    print(f"conditions_per_s: {conditions_per_s:.0f} ({names[0]})")
    print(f"sweep_fraction_of_kernel_bound: "
          f"{conditions_per_s * wells_per_condition / kernel_wells_per_s:.2f}")


if __name__ == "__main__":
    main()
