"""Where a sweep chunk's time goes: the ODE kernel against the Python around it.

    python benchmarks/sweep_profile.py [--file examples/large_sweep.yaml] [--jobs 1024]

Samples jobs from the experiment (seed 1), runs them as chunks of 256 in this process with
one engine thread under cProfile, and prints the total, the kernel's share and the largest
Python costs by stage.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time

from mscnk.engine import BatchEngine
from mscnk.experiment import load_experiment
from mscnk.runs import ChunkTask, run_chunk, run_schema

#: Functions whose cumulative time is reported, by stage.
STAGES = {
    "kernel (integrate_rows)": ("mscnk_kernel_", "integrate_rows"),
    "building phases": ("protocol.py", "main_phase_from"),
    "pre-phases and K562 phases": ("protocol.py", "pre_phases"),
    "readouts (a chunk at once)": ("_readouts.py", "compute_many"),
    "rows into Arrow": ("_table.py", "chunk_table"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/large_sweep.yaml")
    parser.add_argument("--jobs", type=int, default=1024)
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    jobs = experiment.jobs()
    sample = random.Random(1).sample(jobs, min(args.jobs, len(jobs)))
    schema, engine = run_schema(experiment.scenario, []), BatchEngine(threads=1)
    run_chunk(ChunkTask(0, tuple(sample[:16]), schema, engine))  # warm: kernel, references
    chunks = [tuple(sample[i:i + 256]) for i in range(0, len(sample), 256)]
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for index, chunk in enumerate(chunks):
        run_chunk(ChunkTask(index, chunk, schema, engine))
    profile.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    print(f"{len(sample)} jobs in {len(chunks)} chunks, one thread: {wall:.2f} s "
          f"({len(sample) / wall:.0f} conditions/s; profiled, so slower than unprofiled)")
    for stage, (file_part, name) in STAGES.items():
        cumulative = sum(v[3] for (f, _, n), v in stats.items() if file_part in f and n == name)
        print(f"  {stage:28s} {cumulative:6.2f} s  {100 * cumulative / wall:5.1f} %")


if __name__ == "__main__":
    main()
