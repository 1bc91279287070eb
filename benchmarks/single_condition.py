"""Time one 72 h co-culture (the default condition) with the default (batched) engine.

Prints the median over repeated runs of (a) the main well alone (all phases) and (b) a full
``simulate``: main well, matched controls, K562 re-test. Not a test: a figure to report.

    python benchmarks/single_condition.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from mscnk import Condition, Simulator


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    simulator = Simulator()
    condition = Condition().resolved()
    simulator.simulate(condition)  # compiles the model and fills the reference cache
    print(f"first call (model compile + references): {time.perf_counter() - start:.2f} s")
    alone = {"msc": {"cells": condition.msc.cells}, "nk": {"cells": 0.0}}  # no controls
    well = median_seconds(lambda: simulator.simulate({**condition.model_dump(), **alone}),
                          args.repeats)
    full = median_seconds(lambda: simulator.simulate(condition), args.repeats)
    print(f"72 h MSC-alone well (no controls, no re-test): median {well * 1e3:.1f} ms "
          f"over {args.repeats} runs")
    print(f"72 h co-culture, full simulate (main + 2 controls + K562 re-test): median "
          f"{full * 1e3:.1f} ms over {args.repeats} runs")


if __name__ == "__main__":
    main()
