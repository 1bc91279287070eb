"""When a sweep's chunks land: start-up, steady rate and the end of a run.

    python benchmarks/sweep_timeline.py [--file examples/large_sweep.yaml] [--threads]

Runs the experiment into a temporary store through a dask LocalCluster of one worker
process per core (``--threads``: this process, ``InProcess()``) and prints when the first
and the last chunk landed, when the run ended, and the rate between the first and the
last chunk (from ``run_sweep``'s progress callback). The model is compiled and
:func:`gc.freeze` called first, as ``mscnk run`` does.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from mscnk.engine import cores
from mscnk.experiment import load_experiment
from mscnk.runs import Dask, InProcess, run_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/large_sweep.yaml")
    parser.add_argument("--threads", action="store_true", help="this process, not a cluster")
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    _ = experiment.scenario.compiled
    gc.freeze()  # as ``mscnk run`` does once its model is compiled
    executor = InProcess() if args.threads else Dask(workers=cores())
    marks: list[tuple[float, int]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        run_sweep(experiment, Path(folder) / "run", executor=executor,
                  progress=lambda done, _total: marks.append((time.perf_counter() - started,
                                                               done)))
    ended = time.perf_counter() - started
    landed = [mark for mark in marks if mark[1] > 0]
    (first, first_done), (last, last_done) = landed[0], landed[-1]
    print(f"{experiment.size} conditions on {executor.describe()}")
    print(f"first chunk at {first:.2f} s, last at {last:.2f} s, end {ended:.2f} s")
    print(f"steady rate {(last_done - first_done) / (last - first):.0f} conditions/s "
          f"(between the first and the last chunk)")


if __name__ == "__main__":
    main()
