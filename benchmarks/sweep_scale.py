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

Times include everything ``run_sweep`` does (planning, cluster start-up for ``local``,
writing chunks and results.csv), not the Python start-up of a CLI process.

Then the kernel bound, measured in the same run: a sample of the experiment's conditions
(chunks of 256, as a sweep makes them) is simulated once while every ``solve_batch`` call
is recorded; those exact calls (the states, inputs, parameters and sample times of every
phase the sweep solves for them: pre-phases, reference wells, main wells, controls, K562
re-tests) are then timed again on the batched engine alone with every core. The last lines:

    kernel_wells_per_s: phases the engine alone integrates per second (all cores)
    wells_per_condition: phases a condition needs (distinct phases, as the sweep solves them)
    conditions_per_s: the first executor's sweep (``local`` by default)
    sweep_fraction_of_kernel_bound: conditions_per_s x wells_per_condition / kernel_wells_per_s
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mscnk.engine import BatchEngine, cores
from mscnk.experiment import Simulator, load_experiment, simulate_batch
from mscnk.runs import Dask, InProcess, run_sweep
from mscnk.store import RunStore

#: Conditions whose phases measure the kernel bound, and the chunk they are simulated in.
BOUND_CONDITIONS, BOUND_CHUNK = 2048, 256


rates: dict[str, float] = {}  # executor -> conditions/s


def _timed(name: str, experiment, out: Path, **options) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    summary = run_sweep(experiment, out, **options)
    wall = time.perf_counter() - started
    assert summary.ok + summary.failed == summary.jobs
    rates[name] = summary.jobs / wall
    print(f"{name:10s} {summary.jobs:7d} conditions  {wall:7.1f} s  "
          f"{summary.jobs / wall:7.0f} conditions/s  failed {summary.failed}  "
          f"({summary.executor})", flush=True)
    return wall, RunStore.open(out).read()


def kernel_bound(experiment, conditions: int = BOUND_CONDITIONS) -> tuple[float, float]:
    """(kernel wells/s on every core, wells per condition) for a sample of the experiment."""
    import random

    jobs = experiment.jobs()
    sample = random.Random(1).sample(jobs, min(conditions, len(jobs)))
    scenario = experiment.scenario
    recorded: list[tuple[np.ndarray, ...]] = []
    original = BatchEngine.solve_batch

    def recording(self, model, states, inputs, params, times):
        recorded.append(tuple(np.array(a, dtype=float) for a in (states, inputs, params, times)))
        return original(self, model, states, inputs, params, times)

    BatchEngine.solve_batch = recording
    try:
        simulators: dict[tuple, Simulator] = {}
        for start in range(0, len(sample), BOUND_CHUNK):
            pairs = []
            for job in sample[start:start + BOUND_CHUNK]:
                key = tuple(sorted(job.params.items()))
                if key not in simulators:
                    simulators[key] = Simulator(scenario, job.params)
                pairs.append((simulators[key], job.condition))
            simulate_batch(pairs)
    finally:
        BatchEngine.solve_batch = original
    engine, model = BatchEngine(threads=None), scenario.compiled
    wells = sum(len(call[0]) for call in recorded)
    started = time.perf_counter()
    for states, inputs, params, times in recorded:
        engine.solve_batch(model, states, inputs, params, times)
    return wells / (time.perf_counter() - started), wells / len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/large_sweep.yaml")
    parser.add_argument("--only", nargs="*",
                        default=["local", "cluster", "scheduler", "threads"])
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    print(f"{args.file}: {len(experiment.jobs())} conditions, {cores()} cores", flush=True)
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
    kernel_wells_per_s, wells_per_condition = kernel_bound(experiment)
    conditions_per_s = rates[names[0]]
    print(f"kernel_wells_per_s: {kernel_wells_per_s:.0f}")
    print(f"wells_per_condition: {wells_per_condition:.2f}")
    print(f"conditions_per_s: {conditions_per_s:.0f} ({names[0]})")
    print(f"sweep_fraction_of_kernel_bound: "
          f"{conditions_per_s * wells_per_condition / kernel_wells_per_s:.2f}")


if __name__ == "__main__":
    main()
