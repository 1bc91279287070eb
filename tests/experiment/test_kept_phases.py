"""Shared phases (references, pre-phases, matched controls) solved once per simulator."""

from __future__ import annotations

from collections import Counter

import numpy as np

from mscnk.engine import PhaseSolution
from mscnk.experiment import KeptPhases, Simulator, _batching


def _solution(samples: int, species: int = 10) -> PhaseSolution:
    return PhaseSolution("x", np.linspace(0, 1, samples), np.zeros((samples, species)))


def test_kept_phases_hold_at_most_their_bytes_least_recently_used_out_first():
    one = _solution(5)
    size = one.time_h.nbytes + one.states.nbytes
    kept = KeptPhases(limit=3 * size)
    for key in "abc":
        kept.keep((key,), _solution(5))
    assert kept.get(("a",)) is not None  # "a" is now the most recently used
    kept.keep(("d",), _solution(5))
    assert [content for content, _ in kept.items()] == [("c",), ("a",), ("d",)]
    assert kept.nbytes == 3 * size <= kept.limit


def test_the_first_solution_kept_is_the_one_every_caller_gets():
    kept, first, second = KeptPhases(), _solution(2), _solution(2)
    assert kept.keep(("p",), first) is first
    assert kept.keep(("p",), second) is first
    assert len(kept) == 1


def test_a_shared_phase_is_solved_once_across_batches(monkeypatch):
    """The second batch reuses the first's pre-phases, references and controls: it solves
    only its own main wells and K562 re-tests, and gives bitwise what a fresh simulator
    gives for it alone."""
    solved: Counter = Counter()
    real = _batching.solve_phases

    def counting(engine, model, phases, params):
        solved.update(phase.name for phase in phases)
        return real(engine, model, phases, params)

    monkeypatch.setattr(_batching, "solve_phases", counting)
    base = {"msc": {"ifng_pretreatment_ng_ml": 10}, "nk": {"activation": {"il2_u_ml": 100}}}
    simulator = Simulator()
    simulator.simulate_many([{**base, "ratio": 1}, {**base, "ratio": 2}])
    first = dict(solved)
    solved.clear()
    again = simulator.simulate_many([{**base, "ratio": 4}])[0]
    assert first["pretreatment"] >= 1 and first["preactivation"] >= 1
    assert "pretreatment" not in solved  # the MSC pre-treatment does not depend on the ratio
    assert solved["main"] == 2  # its main well and its MSC-free control; the NK-free is kept
    fresh = Simulator().simulate({**base, "ratio": 4})
    np.testing.assert_array_equal(list(again.readouts.values()), list(fresh.readouts.values()))
    assert again.timecourse.equals(fresh.timecourse)
