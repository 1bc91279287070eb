"""What a report panel is: its conditions, figure, key-number table and text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple

import pandas as pd

from mscnk.report._html import Table, fmt, num

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


class PanelData(NamedTuple):
    """Rows of the panel's conditions (index: condition name; ``group`` column added) and,
    for a time-course panel, the time course of its single condition."""

    rows: pd.DataFrame
    timecourse: pd.DataFrame | None = None


@dataclass(frozen=True)
class Panel:
    """One panel of the demo report.

    ``conditions`` maps condition name to ``(group label, contract condition mapping)``;
    ``mechanisms`` are catalog ids the text names; ``species`` are the model species its
    main readouts come from (to list the mechanisms whose processes change them).
    """

    key: str
    title: str
    conditions: Mapping[str, tuple[str, Mapping[str, Any]]]
    draw: Callable[[PanelData, "Figure"], None]
    table: Callable[[PanelData], Table]
    text: Callable[[PanelData], str]
    mechanisms: tuple[str, ...]
    species: tuple[str, ...]
    figsize: tuple[float, float] = (6.4, 4.2)
    timecourse: bool = False

    @property
    def figure_name(self) -> str:
        return f"panel_{self.key}.png"


def value(rows: pd.DataFrame, name: str, column: str) -> float:
    """One number of one condition (NaN if missing)."""
    result = rows.at[name, column]
    return float(result) if result is not None else math.nan


def pct(number: float) -> str:
    return f"{fmt(number)} %"


def change(first: float, last: float, unit: str = "", *, tolerance: float = 0.05) -> str:
    """'rises from a to b' / 'falls from a to b' / 'stays near a' (within ``tolerance``)."""
    suffix = f" {unit}" if unit else ""
    if math.isnan(first) or math.isnan(last):
        return "is missing (a condition failed)"
    if abs(last - first) <= tolerance * max(abs(first), abs(last), 1e-12):
        return f"stays near {fmt(first)}{suffix}"
    verb = "rises" if last > first else "falls"
    return f"{verb} from {fmt(first)} to {fmt(last)}{suffix}"


def compare(name: str, first: tuple[str, float], second: tuple[str, float], unit: str = "",
            *, tolerance: float = 0.05) -> str:
    """'X is 2.1-fold higher in a than in b (v vs w unit)' from the two values themselves:
    the higher one is named first; 'about the same' within ``tolerance`` (relative); no fold
    when the lower value is not positive."""
    suffix = f" {unit}" if unit else ""
    (a_label, a), (b_label, b) = first, second
    if math.isnan(a) or math.isnan(b):
        return f"{name} is missing (a condition failed)"
    if abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-12):
        return (f"{name} is about the same in {a_label} and {b_label} "
                f"({fmt(a)} and {fmt(b)}{suffix})")
    (high_label, high), (low_label, low) = ((a_label, a), (b_label, b)) if a > b else \
        ((b_label, b), (a_label, a))
    how = f"{fmt(high / low, 2)}-fold higher" if low > 0 else "higher"
    return (f"{name} is {how} in {high_label} than in {low_label} "
            f"({fmt(high)} vs {fmt(low)}{suffix})")


def extreme(series: pd.Series, labels: pd.Series, *, largest: bool) -> tuple[float, str]:
    """(value, label) of the largest or smallest finite entry."""
    finite = series.dropna()
    if finite.empty:
        return math.nan, "none"
    name = finite.idxmax() if largest else finite.idxmin()
    return float(finite[name]), str(labels[name])


def grouped_table(rows: pd.DataFrame, x: str, x_header: str, column: str,
                  groups: list[str], suffix: str = "") -> Table:
    """Rows: values of ``x``; columns: ``column`` for each group (header: group + suffix)."""
    header = [x_header, *(f"{g}{suffix}" for g in groups)]
    body = []
    for x_value in sorted(rows[x].unique()):
        at = rows[rows[x] == x_value]
        cells = [num(x_value)]
        for group in groups:
            hit = at[at["group"] == group]
            cells.append(fmt(float(hit[column].iloc[0])) if len(hit) else "–")
        body.append(cells)
    return header, body
