"""Every readout of every shipped finding condition: default engine against SciPy Radau 1e-10.

The CI test (tests/engine/test_engine_accuracy.py) checks all conditions against LSODA at rtol
1e-10 and every eighth against Radau; this runs Radau on all of them (about 2.5 s each) and
prints, per readout, the largest difference relative to ``max(|reference|, floor)``
(``mscnk.analysis.readout_difference``), then the overall worst. Not a test: the figure in
docs/performance.md.

    python benchmarks/readout_accuracy.py
"""

from __future__ import annotations

import time
from pathlib import Path

from mscnk.analysis import load_findings, readout_difference
from mscnk.engine import ScipyEngine
from mscnk.experiment import Simulator

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> None:
    conditions = {
        f"{finding.id}:{name}": condition
        for path in ("seed_findings.yaml", "quant_findings.yaml")
        for finding in load_findings(DATA / path)
        for name, condition in finding.resolved_conditions().items()
    }
    ours, radau = Simulator(), Simulator(engine=ScipyEngine(rtol=1e-10, atol=1e-12,
                                                             method="Radau"))
    worst: dict[str, tuple[float, str]] = {}
    start = time.perf_counter()
    for label, condition in conditions.items():
        mine, theirs = ours.simulate(condition).readouts, radau.simulate(condition).readouts
        for name in theirs:
            difference, _ = readout_difference({name: mine[name]}, {name: theirs[name]})
            if not difference <= worst.get(name, (0.0, ""))[0]:
                worst[name] = (difference, label)
    print(f"{len(conditions)} conditions in {time.perf_counter() - start:.0f} s")
    print("| readout | largest relative difference | condition |")
    print("|---|---:|---|")
    for name, (difference, label) in sorted(worst.items(), key=lambda item: -item[1][0]):
        print(f"| {name} | {difference:.1e} | {label} |")
    overall = max(difference for difference, _ in worst.values())
    print(f"worst relative difference over all readouts: {overall:.1e}")


if __name__ == "__main__":
    main()
