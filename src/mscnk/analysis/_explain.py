"""Which mechanisms move a readout: the readout's species, then the model's process graph."""

from __future__ import annotations

from mscnk.experiment._readouts import READOUT_SPECIES
from mscnk.model._links import mechanisms_moving


def explain_readout(readout: str, *, depth: int = 2) -> tuple[list[str], list[tuple[str, int]]]:
    """(species the readout reads, [(mechanism id, distance)] nearest first)."""
    species = list(READOUT_SPECIES[readout])
    return species, mechanisms_moving(species, depth=depth)
