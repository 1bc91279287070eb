"""A newcomer's first run, timed: ``import mscnk``, a first ``mscnk.simulate({})`` and
``mscnk demo``, each in a fresh process on an EMPTY cache (``MSCNK_CACHE_DIR`` set to a new
temporary folder), then the same after the background compile has filled the cache.

Run:  python benchmarks/first_run.py [--skip-demo]

Prints wall-clock seconds of each step (interpreter start included) and the engine that
answered. Targets of issue 10 on a 2-core machine: a first simulate within 10 s and the demo
within 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT = """
import json, time
started = time.perf_counter()
import mscnk
print(json.dumps({"import_s": time.perf_counter() - started}))
"""

SIMULATE = """
import json, time
started = time.perf_counter()
import mscnk
imported = time.perf_counter()
result = mscnk.simulate({})
print(json.dumps({"import_s": imported - started, "simulate_s": time.perf_counter() - imported,
                  "engine": result.engine.split("(")[0]}))
"""

WAIT = """
from mscnk.engine._warm import wait_for_background_compile
wait_for_background_compile()
"""


def run(arguments: list[str], cache: Path) -> tuple[float, str]:
    """Wall-clock seconds and stdout of a fresh process using ``cache``."""
    started = time.perf_counter()
    done = subprocess.run(arguments, capture_output=True, text=True, check=True,
                          env={**os.environ, "MSCNK_CACHE_DIR": str(cache)})
    return time.perf_counter() - started, done.stdout


def python(code: str, cache: Path) -> tuple[float, dict]:
    seconds, out = run([sys.executable, "-c", code], cache)
    return seconds, json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


def simulate_pair(cache: Path) -> None:
    seconds, figures = python(IMPORT, cache)
    print(f"import mscnk: {figures['import_s']:.2f} s in the process, {seconds:.2f} s with "
          "the interpreter's start")
    seconds, figures = python(SIMULATE, cache)
    print(f"first mscnk.simulate({{}}) on an empty cache: {seconds:.1f} s wall "
          f"(import {figures['import_s']:.2f} s, simulate {figures['simulate_s']:.1f} s), "
          f"engine {figures['engine']}")
    started = time.perf_counter()
    python(WAIT, cache)
    print(f"background compile finished {time.perf_counter() - started:.0f} s later")
    seconds, figures = python(SIMULATE, cache)
    print(f"mscnk.simulate({{}}) in a later process: {seconds:.1f} s wall "
          f"(simulate {figures['simulate_s']:.2f} s), engine {figures['engine']}")


def demo(cache: Path, folder: Path) -> None:
    command = shutil.which("mscnk", path=str(Path(sys.executable).parent)) or "mscnk"
    seconds, _ = run([command, "demo", "--out", str(folder / "cold")], cache)
    page = (folder / "cold" / "report.html").read_text(encoding="utf-8")
    engine = "reference (SciPy)" if "the reference engine" in page else "batched"
    print(f"mscnk demo on an empty cache: {seconds:.1f} s wall, {engine} engine")
    started = time.perf_counter()
    python(WAIT, cache)
    print(f"background compile finished {time.perf_counter() - started:.0f} s later")
    seconds, _ = run([command, "demo", "--out", str(folder / "warm")], cache)
    page = (folder / "warm" / "report.html").read_text(encoding="utf-8")
    match = re.search(r"(\d+) conditions simulated in ([\d.]+) s", page)
    print(f"mscnk demo in a later process: {seconds:.1f} s wall"
          + (f" ({match.group(1)} conditions in {match.group(2)} s)" if match else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-demo", action="store_true", help="time import and simulate only")
    options = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s); python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        simulate_pair(scratch_path / "cache-simulate")
        if not options.skip_demo:
            demo(scratch_path / "cache-demo", scratch_path)


if __name__ == "__main__":
    main()
