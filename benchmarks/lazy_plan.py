"""Memory of a large plan: a run is made chunk by chunk, never as a whole job list.

    python benchmarks/lazy_plan.py [--conditions 1000000] [--chunks 3]

Each measurement runs in a fresh Python process and prints its peak resident memory:

- ``run``: ``run_sweep`` over a sweep of ``--conditions`` conditions (one thread, chunks of
  256), stopped after ``--chunks`` chunks (the finished chunks stay in the store);
- ``list``: the same plan's first 100,000 jobs made into one list, as runs did before jobs
  were made lazily (a whole 10^6 plan would need about ten times that).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap

RUN = """
import resource, time
from mscnk.runs import InProcess, run_sweep, RunInterrupted
from mscnk.experiment import load_experiment
experiment = load_experiment(PLAN, max_jobs=None)
started = time.perf_counter()
def stop(index):
    if index + 1 >= CHUNKS:
        raise KeyboardInterrupt
try:
    run_sweep(experiment, OUT, executor=InProcess(threads=1), chunk_size=256, on_chunk=stop)
except RunInterrupted as stopped:
    print(f"run   {experiment.size:>9,d} conditions planned, {stopped.done} chunks written in "
          f"{time.perf_counter() - started:.1f} s, peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
"""

LIST = """
import itertools, resource
from mscnk.experiment import load_experiment
experiment = load_experiment(PLAN, max_jobs=None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
jobs = list(itertools.islice(experiment.iter_jobs({}), 100_000))
print(f"list  {len(jobs):>9,d} jobs in one list: peak memory "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
      f"({before:.0f} MiB before the list)")
"""


def plan(conditions: int) -> dict:
    """A sweep of ``conditions`` cytotoxicity conditions (ratio x IL-2 x duration)."""
    ratios = [0.5 + i * 0.01 for i in range(1000)]
    rest = max(1, conditions // len(ratios))
    il2 = [float(i) for i in range(max(1, rest // 10))]
    return {"assay": "cytotoxicity",
            "sweep": {"ratio": ratios, "nk.activation.il2_u_ml": il2,
                      "duration_h": [4.0 + i for i in range(max(1, rest // len(il2)))]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for code in (RUN, LIST):
            script = (f"PLAN = {plan(args.conditions)!r}\nOUT = {folder + '/run'!r}\n"
                      f"CHUNKS = {args.chunks}\n" + textwrap.dedent(code))
            subprocess.run([sys.executable, "-c", script], check=True)


if __name__ == "__main__":
    main()
