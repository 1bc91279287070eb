"""What a readout function reads, recorded by calling it on probe wells.

A probe's states stand in for the arrays of :class:`Wells`: every species a function reads
from one is logged with the well it came from (and reads as 1). The function is called with
every combination of populations present (readouts compute both sides of every ``where``,
so every species any branch reads is seen). Presence itself (``has_msc``, ...) is a flag of
the probe, not a read: it decides whether a readout applies (``needs``), not its value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from itertools import product
from typing import Any, Callable

from mscnk.scenarios.coculture.wells import Wells

#: Wells a readout may read, as :class:`Wells` names them, with the words shown to users.
WELL_LABELS: dict[str, str] = {
    "main": "main well",
    "start": "main well at start",
    "without_nk": "control without NK",
    "without_msc": "control without MSC",
    "untreated_msc": "untreated MSC",
    "licensed_msc": "IFN-gamma-licensed MSC",
    "il2_nk": "IL-2-activated NK",
    "k562": "K562 re-test",
}
#: Numbers in :class:`Wells` that are not states: what each one is read from.
_SCALARS = {"k562_pct": ("k562", "tumor")}  # % lysis from the tumor left in the re-test
_CONTROLS = ("without_nk", "without_msc")
_REFERENCES = ("untreated_msc", "licensed_msc", "il2_nk")
POPULATIONS = ("msc", "nk", "tumor")

Read = tuple[str, str]  # (well, species)


class _Species(dict):
    """Species -> column, numbering any name on first use (the probe has no model)."""

    def __missing__(self, name: str) -> int:
        self[name] = len(self)
        return self[name]

    def name(self, column: int) -> str:
        return next(name for name, i in self.items() if i == column)


@dataclass
class _State:
    """A state (or with ``rows``, a trajectory) of one well that logs each species read."""

    well: str
    species: _Species
    log: list[Read]

    def __getitem__(self, index: Any) -> Any:
        column = index[-1] if isinstance(index, tuple) else index  # state[..., column]
        self.log.append((self.well, self.species.name(column)))
        return 1.0


@dataclass(frozen=True)
class _Probe(Wells):
    """Wells whose populations are present as told and whose every read is logged."""

    present: frozenset[str] = frozenset()
    log: list[Read] = field(default_factory=list)

    def __getattribute__(self, name: str) -> Any:
        if name in _SCALARS:
            object.__getattribute__(self, "log").append(_SCALARS[name])
        return object.__getattribute__(self, name)

    @property
    def has_msc(self) -> bool:
        return "msc" in self.present

    @property
    def has_nk(self) -> bool:
        return "nk" in self.present

    @property
    def has_tumor(self) -> bool:
        return "tumor" in self.present


def _call(function: Callable[[Wells], float],
          present: frozenset[str]) -> tuple[float, list[Read]]:
    """The function's value on a probe, and the (well, species) it read, in order."""
    species, log = _Species(), []
    state = lambda well: _State(well, species, log)  # noqa: E731
    probe = _Probe(
        species=species, end=state("main"), window=state("main"), start=state("start"),
        k562_pct=1.0, present=present, log=log,
        **{well: state(well) for well in (*_CONTROLS, *_REFERENCES)})
    return float(function(probe)), log


def probe_reads(function: Callable[[Wells], float]) -> dict[str, tuple[str, ...]]:
    """Well -> species the function reads there, over every branch it can take."""
    seen: dict[Read, None] = {}
    for flags in product(*[(True, False)] * len(POPULATIONS)):
        present = frozenset(p for p, on in zip(POPULATIONS, flags) if on)
        seen.update(dict.fromkeys(_call(function, present)[1]))
    return {well: tuple(s for w, s in seen if w == well)
            for well in WELL_LABELS if any(w == well for w, _ in seen)}


def probe_needs(function: Callable[[Wells], float]) -> tuple[str, ...]:
    """Populations without which (all else present) the function returns NaN."""
    return tuple(p for p in POPULATIONS
                 if math.isnan(_call(function, frozenset(POPULATIONS) - {p})[0]))


#: The co-culture probe, as :class:`mscnk.scenarios.ReadoutSet` takes it.
PROBE = SimpleNamespace(labels=WELL_LABELS, reads=probe_reads, needs=probe_needs)
