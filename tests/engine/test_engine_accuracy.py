"""The default (batched) engine against tight SciPy references on the seed-finding conditions.

Every condition of every shipped finding is simulated with the default engine and with
SciPy at rtol 1e-10: LSODA for all of them, Radau (the issue's reference) for every eighth
(Radau at 1e-10 takes about 2.5 s a condition). Each readout must agree to 1e-4 relative.
Relative to what: ``max(|reference|, floor)`` (``mscnk.analysis.readout_difference``), where
the floor is far below any lab's resolution (0.1 % for percentages, one cell, 0.1 pg/ml, 1e-3
for µM and fold changes), so a readout that is zero in the reference (lysis in transwell) is
held to an absolute 1e-5 %.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mscnk.analysis import READOUT_FLOORS, load_findings, readout_difference
from mscnk.engine import ScipyEngine
from mscnk.experiment import Simulator

DATA = Path(__file__).resolve().parents[1] / "data"
MAX_RELATIVE = 1e-4
CONDITIONS = {
    f"{finding.id}:{name}": condition
    for path in ("seed_findings.yaml", "quant_findings.yaml")
    for finding in load_findings(DATA / path)
    for name, condition in finding.resolved_conditions().items()
}
RADAU = sorted(CONDITIONS)[::8]


@pytest.fixture(scope="module")
def lsoda():
    return Simulator(engine=ScipyEngine(rtol=1e-10, atol=1e-12))


@pytest.fixture(scope="module")
def radau():
    return Simulator(engine=ScipyEngine(rtol=1e-10, atol=1e-12, method="Radau"))


def test_there_are_many_conditions():
    assert len(CONDITIONS) >= 100 and len(RADAU) >= 12


def test_readouts_match_lsoda_on_every_finding_condition(simulator, lsoda):
    failures = []
    for label, condition in CONDITIONS.items():
        worst, where = readout_difference(simulator.simulate(condition).readouts,
                                        lsoda.simulate(condition).readouts)
        if worst > MAX_RELATIVE:
            failures.append(f"{label}: {worst:.2e} ({where})")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("label", RADAU)
def test_readouts_match_radau(simulator, radau, label):
    condition = CONDITIONS[label]
    worst, where = readout_difference(simulator.simulate(condition).readouts,
                                    radau.simulate(condition).readouts)
    assert worst <= MAX_RELATIVE, where


def test_floors_cover_every_readout_unit():
    from mscnk.vocabulary import READOUT_UNITS

    assert set(READOUT_UNITS.values()) <= set(READOUT_FLOORS)


def test_difference_treats_nan_on_one_side_as_worst():
    nan = float("nan")
    assert readout_difference({"msc_lysis_pct": nan}, {"msc_lysis_pct": nan})[0] == 0.0
    assert readout_difference({"msc_lysis_pct": 1.0}, {"msc_lysis_pct": nan})[0] == float("inf")
    assert readout_difference({"msc_lysis_pct": 0.00001}, {"msc_lysis_pct": 0.0})[0] == (
        pytest.approx(1e-4))
