"""Loading a plan: count, check and hash without making every condition.

    python benchmarks/plan_loading.py [--sizes 100000 1000000 10000000]

For each size a sweep of ratio x msc.cells x IL-2 is loaded in a fresh process; printed:
the time to load and check it, to hash it, to make the first 20,000 jobs, and the peak
resident memory. Plans past ``FULL_CHECK`` (100,000) conditions are checked per axis.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = """
import resource, time
from mscnk.experiment import load_experiment, plan_hash
size = {size}
il2 = max(size // 10_000, 1)
doc = {{"sweep": {{"ratio": list(range(1, 1001)), "msc.cells": list(range(1, 11)),
                 "nk.activation.il2_u_ml": list(range(il2))}}}}
t = time.perf_counter(); experiment = load_experiment(doc, max_jobs=None)
load = time.perf_counter() - t
t = time.perf_counter(); plan_hash(experiment, {{}}); hashed = time.perf_counter() - t
t = time.perf_counter()
for job in experiment.iter_jobs():
    if job.index == 19_999:
        break
made = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{experiment.size:>12,}} conditions: load+check {{load:6.2f}} s, hash {{hashed * 1e3:5.1f}} ms, "
      f"first 20,000 jobs {{made:5.2f}} s, peak RSS {{peak:5.0f}} MB")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    args = parser.parse_args()
    for size in args.sizes:
        subprocess.run([sys.executable, "-c", CHILD.format(size=size)], check=True)


if __name__ == "__main__":
    main()
