"""Wall time of a large sweep into a results store, by executor, on this machine.

    python benchmarks/sweep_scale.py [--file examples/large_sweep.yaml] [--only NAME ...]

Runs the same experiment (default: the README's 20,000-condition sweep) through
``mscnk.runs.run_sweep`` with each executor, into a fresh store each time, and checks that
every store holds the same rows:

- ``local``: what ``mscnk run FILE`` does on this machine (``--workers`` = all cores: a dask
  LocalCluster of single-threaded worker processes, started and stopped by the run);
- ``scheduler``: a 2-worker dask LocalCluster started beforehand, reached by its address
  (what ``mscnk run FILE --scheduler ADDRESS`` does with a cluster);
- ``threads``: this process, the batched engine's numba threads on all cores.

Times include everything ``run_sweep`` does (planning, cluster start-up for ``local``,
writing chunks and results.csv), not the Python start-up of a CLI process.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import pandas as pd

from mscnk.engine import cores
from mscnk.experiment import load_experiment
from mscnk.runs import Dask, InProcess, run_sweep
from mscnk.store import RunStore


def _timed(name: str, experiment, out: Path, **options) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    summary = run_sweep(experiment, out, **options)
    wall = time.perf_counter() - started
    assert summary.ok + summary.failed == summary.jobs
    print(f"{name:10s} {summary.jobs:7d} conditions  {wall:7.1f} s  "
          f"{summary.jobs / wall:7.0f} conditions/s  failed {summary.failed}  "
          f"({summary.executor})", flush=True)
    return wall, RunStore.open(out).read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/large_sweep.yaml")
    parser.add_argument("--only", nargs="*", default=["local", "scheduler", "threads"])
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    print(f"{args.file}: {len(experiment.jobs())} conditions, {cores()} cores", flush=True)
    tables = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if "local" in args.only:
            tables["local"] = _timed("local", experiment, root / "local")[1]
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


if __name__ == "__main__":
    main()
