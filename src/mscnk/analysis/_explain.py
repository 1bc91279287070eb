"""Which mechanisms move a readout: the species its function reads, then the process graph."""

from __future__ import annotations

from mscnk.model import mechanisms_moving
from mscnk.scenarios import Scenario, load_scenario


def explain_readout(readout: str, *, depth: int = 2, scenario: Scenario | str | None = None
                    ) -> tuple[list[str], list[tuple[str, int]]]:
    """(species the readout reads, [(mechanism id, distance)] nearest first).

    The species are those its function reads in any well (main, controls, references, the
    K562 re-test), as recorded by the scenario's readout declarations (None: the co-culture).
    """
    chosen = load_scenario(scenario)
    species = list(chosen.readouts[readout].species)
    return species, mechanisms_moving(chosen.model, species, depth=depth)


def describe_reads(readout: str, *, scenario: Scenario | str | None = None) -> str:
    """The species a readout reads, grouped by the wells they are read in."""
    return load_scenario(scenario).readouts[readout].reads_text()
