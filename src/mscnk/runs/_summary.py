"""What a run holds, on one screen: provenance, progress, swept inputs, readout ranges."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mscnk.experiment import field_types
from mscnk.scenarios import Scenario, load_scenario
from mscnk.runs._table import PARAMETER_PREFIX
from mscnk.store import RunStore

if TYPE_CHECKING:
    import pandas as pd

#: Values listed for a swept column before it is shortened to "first ... last".
SHOWN_VALUES = 6


@dataclass(frozen=True)
class RunDescription:
    """A run's metadata with counts and what varies in its finished rows."""

    path: Path
    metadata: dict[str, Any]
    finished_chunks: int
    rows: int
    ok: int
    failed: int
    varied: dict[str, list[Any]]            # input column -> its distinct values, sorted
    readouts: pd.DataFrame                  # index readout: unit, min, median, max, missing
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.rows == self.metadata.get("jobs")


def varied_columns(frame: pd.DataFrame,
                   scenario: Scenario | str | None = None) -> dict[str, list[Any]]:
    """Condition fields (of ``scenario``; None: the co-culture), parameters and parameter
    sets that take more than one value."""
    inputs = ["named_condition", *field_types(load_scenario(scenario).condition),
              "parameter_set",
              *[c for c in frame.columns if c.startswith(PARAMETER_PREFIX)]]
    varied = {}
    for column in inputs:
        if column in frame.columns:
            values = frame[column].dropna().unique()
            if len(values) > 1:
                varied[column] = sorted(values.tolist(), key=lambda v: (str(type(v)), v))
    return varied


def readout_ranges(frame: pd.DataFrame, scenario: Scenario | str | None = None) -> pd.DataFrame:
    """Min, median and max of every readout over the ok rows (readouts never defined dropped)."""
    import pandas as pd

    ok = frame[frame["status"] == "ok"] if "status" in frame.columns else frame
    rows = []
    units = load_scenario(scenario).readouts.units
    for name in units:
        if name not in ok.columns:
            continue
        values = ok[name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if not len(finite):
            continue
        rows.append({"readout": name, "unit": units[name], "min": finite.min(),
                     "median": float(np.median(finite)), "max": finite.max(),
                     "missing": int(len(values) - len(finite))})
    return pd.DataFrame(rows).set_index("readout") if rows else pd.DataFrame()


def describe(path: str | Path) -> RunDescription:
    """Summarise the run folder at ``path`` (finished chunks only; works mid-run)."""
    import pandas as pd

    store = RunStore.open(path)
    frame = store.read()
    status = frame["status"] if "status" in frame.columns else pd.Series(dtype=str)
    failed = frame[status != "ok"] if len(frame) else frame
    errors = (failed["error"].value_counts().head(5).to_dict() if len(failed) else {})
    metadata = store.metadata()
    scenario = load_scenario(metadata.get("scenario"))
    return RunDescription(store.path, metadata, len(store.finished()), len(frame),
                          int((status == "ok").sum()), len(failed),
                          varied_columns(frame, scenario), readout_ranges(frame, scenario),
                          {str(k): int(v) for k, v in errors.items()})


def shorten(values: list[Any]) -> str:
    """``"a, b, c"`` or ``"a, b, ... z (n values)"`` for long lists."""
    text = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    if len(text) <= SHOWN_VALUES:
        return ", ".join(text)
    return f"{', '.join(text[:3])}, ..., {text[-1]} ({len(text)} values)"
