"""Which mechanisms move a readout: the species its function reads, then the process graph."""

from __future__ import annotations

from mscnk.experiment import READOUT_DECLARATIONS
from mscnk.model._links import mechanisms_moving


def explain_readout(readout: str, *, depth: int = 2) -> tuple[list[str], list[tuple[str, int]]]:
    """(species the readout reads, [(mechanism id, distance)] nearest first).

    The species are those its function reads in any well (main, controls, references, the
    K562 re-test), as recorded in :data:`mscnk.experiment.READOUT_DECLARATIONS`.
    """
    species = list(READOUT_DECLARATIONS[readout].species)
    return species, mechanisms_moving(species, depth=depth)


def describe_reads(readout: str) -> str:
    """The species a readout reads, grouped by the wells they are read in."""
    return READOUT_DECLARATIONS[readout].reads_text()
