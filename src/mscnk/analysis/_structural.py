"""Expectations that hold structurally: no model path from what a comparison varies to what
its readout reads, so no parameter value can make them fail (or pass).

What a comparison varies is read off the phases the scenario's protocol builds for its two
conditions (every stage, driven without solving: each phase answered by its own initial
state): the species and inputs whose values differ between them. What can move is those
symbols and every species downstream of them through the process rates
(:func:`mscnk.model.downstream`). A comparison whose readout reads none of them is
structural. Conditions whose phases differ in number, names, lengths or sample times are
never called structural.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mscnk.analysis._findings import Finding
from mscnk.engine import Phase, PhaseSolution, sample_times
from mscnk.model import downstream
from mscnk.scenarios import Reference, Scenario, load_scenario


def _phases(protocol: Any, condition: Any, samples: int) -> list[Phase]:
    """Every phase the protocol builds for ``condition``, in order, each stage answered with
    its phases' initial states (no solving)."""
    run, phases = protocol.run(condition, samples=samples), []
    try:
        request = next(run)
        while True:
            stage = [item.phase if isinstance(item, Reference) else item for item in request]
            phases += stage
            answers = []
            for phase in stage:
                times = sample_times(phase)
                answers.append(PhaseSolution(phase.name, times,
                                             np.repeat(phase.state[None, :], len(times), 0)))
            request = run.send(answers)
    except StopIteration:
        return phases


def varied_symbols(scenario: Scenario, protocol: Any, first: Any, second: Any
                   ) -> frozenset[str] | None:
    """Species and inputs that differ between the phases of two resolved conditions; None
    when the phases themselves differ (number, names, lengths or sample times)."""
    model = scenario.compiled
    a, b = (_phases(protocol, c, scenario.samples) for c in (first, second))
    if [p.name for p in a] != [p.name for p in b]:
        return None
    varied: set[str] = set()
    for one, other in zip(a, b):
        if one.duration_h != other.duration_h or not np.array_equal(
                sample_times(one), sample_times(other)):
            return None
        varied |= {model.species[i] for i in np.flatnonzero(one.state != other.state)}
        varied |= {model.inputs[i] for i in np.flatnonzero(one.inputs != other.inputs)}
    return frozenset(varied)


def structural_expectations(findings: Sequence[Finding],
                            scenario: Scenario | str | None = None) -> dict[tuple[str, int], str]:
    """(finding id, expectation index) -> why, for every comparison whose readout reads no
    species its two conditions can move (default parameters)."""
    chosen = load_scenario(scenario)
    model = chosen.compiled
    protocol = chosen.protocol(model, model.default_parameters())
    found: dict[tuple[str, int], str] = {}
    for finding in findings:
        conditions = finding.resolved_conditions(chosen)
        for index, expectation in enumerate(finding.expect):
            pair = getattr(expectation, "compare", None)
            if pair is None:
                continue
            varied = varied_symbols(chosen, protocol, conditions[pair[0]], conditions[pair[1]])
            if varied is None:
                continue
            reads = set(chosen.readouts[expectation.readout].species)
            if not reads & (varied | downstream(chosen.model, varied)):
                what = ", ".join(sorted(varied)) or "nothing"
                found[(finding.id, index)] = (
                    f"{expectation.readout} reads none of what {pair[0]} and {pair[1]} change "
                    f"({what}) or anything downstream of it")
    return found


__all__ = ["structural_expectations", "varied_symbols"]
