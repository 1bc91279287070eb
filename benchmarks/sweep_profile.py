"""Where a sweep chunk's time goes: the ODE kernel against the Python around it.

    python benchmarks/sweep_profile.py [--file examples/large_sweep.yaml] [--chunks 8]

Runs the experiment's chunks in plan order in this process, one engine thread, as one chunk
thread of ``mscnk run`` does (chunks of the default size; the model compiled and :func:`gc.freeze` called
first, as the CLI does). The first ``--warm`` chunks fill the simulator's kept phases; the
next ``--chunks`` are timed unprofiled (milliseconds per condition: all, and the kernel's
``integrate_rows`` alone), then the same number after them run under cProfile for the
largest Python costs by stage.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import pstats
import time

from mscnk.engine import BatchEngine, cores
from mscnk.experiment import load_experiment
from mscnk.runs import ChunkTask, clear_simulators, default_chunk_size, run_chunk, run_schema

#: Functions whose cumulative time is reported, by stage.
STAGES = {
    "kernel (integrate_rows)": ("mscnk_kernel_", "integrate_rows"),
    "protocol (phases, wells)": ("protocol.py", "run"),
    "  building main phases": ("protocol.py", "main_phase_from"),
    "  pre-phases": ("protocol.py", "pre_phases"),
    "  matched controls": ("protocol.py", "control"),
    "finding kept phases": ("_batching.py", "get"),
    "hashing phase contents": ("_scipy.py", "content"),
    "readouts (a chunk at once)": ("_readouts.py", "compute_many"),
    "rows into Arrow": ("_table.py", "chunk_table"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="examples/large_sweep.yaml")
    parser.add_argument("--warm", type=int, default=4, help="chunks run before timing")
    parser.add_argument("--chunks", type=int, default=8, help="chunks timed, then profiled")
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    schema, engine = run_schema(experiment.scenario, []), BatchEngine(threads=1)
    size = default_chunk_size(experiment.size, cores())
    jobs = experiment.iter_jobs({})
    chunks = [tuple(itertools.islice(jobs, size)) for _ in range(args.warm + 2 * args.chunks)]
    chunks = [chunk for chunk in chunks if chunk]
    _ = experiment.scenario.compiled
    gc.freeze()
    clear_simulators()
    for index, chunk in enumerate(chunks[:args.warm]):
        run_chunk(ChunkTask(index, chunk, schema, engine, scenario=experiment.scenario))

    kernel = 0.0
    module = engine.kernel(experiment.scenario.compiled).module
    integrate = module.integrate_rows

    def timed(*arguments):
        nonlocal kernel
        started = time.perf_counter()
        try:
            return integrate(*arguments)
        finally:
            kernel += time.perf_counter() - started

    module.integrate_rows = timed
    timed_chunks = chunks[args.warm:args.warm + args.chunks]
    started = time.perf_counter()
    try:
        for index, chunk in enumerate(timed_chunks, start=args.warm):
            run_chunk(ChunkTask(index, chunk, schema, engine, scenario=experiment.scenario))
    finally:
        module.integrate_rows = integrate
    wall = time.perf_counter() - started
    conditions = sum(map(len, timed_chunks))
    print(f"{conditions} conditions in {len(timed_chunks)} chunks after {args.warm} warm ones, "
          f"one thread: {1e3 * wall / conditions:.3f} ms a condition, of which the kernel "
          f"{1e3 * kernel / conditions:.3f} ms and Python {1e3 * (wall - kernel) / conditions:.3f} "
          f"ms ({conditions / wall:.0f} conditions/s)")

    profile = cProfile.Profile()
    profiled = chunks[args.warm + args.chunks:]
    started = time.perf_counter()
    profile.enable()
    for index, chunk in enumerate(profiled, start=args.warm + args.chunks):
        run_chunk(ChunkTask(index, chunk, schema, engine, scenario=experiment.scenario))
    profile.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    print(f"the next {len(profiled)} chunks under cProfile (slower): {wall:.2f} s")
    for stage, (file_part, name) in STAGES.items():
        cumulative = sum(v[3] for (f, _, n), v in stats.items() if file_part in f and n == name)
        print(f"  {stage:28s} {cumulative:6.2f} s  {100 * cumulative / wall:5.1f} %")


if __name__ == "__main__":
    main()
