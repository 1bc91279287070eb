"""Steps, accuracy and speed of each batched-engine method across tolerances.

Accuracy: the throughput benchmark's metric (every species of every row, relative to that
species' largest reference value in the well, floor 1e-6) against SciPy LSODA at rtol 1e-10
on ``--reference-rows`` random problems; speed: one thread on ``--problems`` others. Not a
test: the table in docs/performance.md.

    python benchmarks/tolerances.py [--problems 1000] [--reference-rows 60]
"""

from __future__ import annotations

import argparse
import time

from mscnk.engine import BatchEngine, ScipyEngine
from mscnk.engine._tableaus import TABLEAUS
from mscnk.scenarios import load_scenario
from throughput import prepare, relative_error, run_loop

SETTINGS = [(1e-5, 1e-8), (3e-5, 1e-8), (1e-4, 1e-8), (1e-4, 1e-9), (3e-4, 1e-9)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=1000)
    parser.add_argument("--reference-rows", type=int, default=60)
    args = parser.parse_args()
    model = load_scenario('coculture').compiled
    checked = prepare(model, args.reference_rows, 11)
    timed = prepare(model, args.problems, 7)
    reference = run_loop(ScipyEngine(rtol=1e-10, atol=1e-12), model, checked)[0]
    print("| method | rtol | atol | accepted steps per well | max relative error "
          "| one-thread sims/s | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for method in sorted(TABLEAUS):
        for rtol, atol in SETTINGS:
            engine = BatchEngine(rtol=rtol, atol=atol, method=method, threads=1)
            accuracy = engine.solve_batch(model, checked.states, checked.inputs, checked.params,
                                          checked.times)
            start = time.perf_counter()
            speed = engine.solve_batch(model, timed.states, timed.inputs, timed.params,
                                       timed.times)
            seconds = time.perf_counter() - start
            print(f"| {method} | {rtol:g} | {atol:g} | {speed.counters[:, 0].mean():.1f} "
                  f"| {relative_error(accuracy.states, reference):.1e} "
                  f"| {len(timed) / seconds:,.0f} | {int((~speed.ok).sum())} |")


if __name__ == "__main__":
    main()
