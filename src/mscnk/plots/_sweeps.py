"""Plots of sweep tables: a readout against one swept input (curves) or two (heatmap).

Rows that share the plotted inputs (other inputs vary, e.g. parameter samples) are pooled:
the line is their mean and a band spans their min to max, so a parameter sweep shows its
spread instead of overplotting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from mscnk.plots._plots import _DASHES, _MARKERS, _include_zero, _log_x, _pyplot_axes, label

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Numeric axes spanning more than this ratio (all values > 0, or 0 plus positives) get a
#: log scale.
LOG_SPAN = 20.0
#: Heatmaps with at most this many cells print their values.
ANNOTATED_CELLS = 64


#: What a pooled curve shows: the line's statistic and the band's lower and upper ends.
BANDS = {"range": ("mean", "min", "max", "mean of {n} rows, band: min-max"),
         "90": ("median", "q05", "q95", "median of {n} rows, band: 5-95 %")}


def _q05(values: pd.Series) -> float:
    return float(values.quantile(0.05))


def _q95(values: pd.Series) -> float:
    return float(values.quantile(0.95))


def pooled(df: pd.DataFrame, keys: list[str], y: str) -> pd.DataFrame:
    """Mean, median, min, max, 5 % and 95 % quantiles and count of ``y`` per combination of
    ``keys`` (NaN rows dropped)."""
    finite = df[np.isfinite(df[y].to_numpy(dtype=float))]
    grouped = finite.groupby(keys, sort=False, dropna=False)[y]
    table = grouped.agg(["mean", "median", "min", "max", _q05, _q95, "count"]).reset_index()
    return table.rename(columns={"_q05": "q05", "_q95": "q95"})


def pooled_inputs(df: pd.DataFrame, keys: list[str], inputs: list[str]) -> dict[str, int]:
    """Inputs (of ``inputs``) that differ between rows sharing the values of ``keys``: what a
    plot over ``keys`` averages over. Each with its number of distinct values."""
    found: dict[str, int] = {}
    if df.empty:
        return found
    groups = df.groupby(list(dict.fromkeys(keys)), sort=False, dropna=False).ngroup()
    for column in inputs:
        if column in keys or column not in df.columns:
            continue
        within = df[column].groupby(groups, sort=False).nunique(dropna=False)
        if within.max() > 1:
            found[column] = int(df[column].nunique(dropna=False))
    return found


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def wants_log(values: np.ndarray) -> bool:
    """A dose-like axis: non-negative, with positive values spanning more than LOG_SPAN."""
    positive = values[values > 0]
    return bool(len(positive) > 1 and values.min() >= 0
                and positive.max() / positive.min() > LOG_SPAN)


def _positions(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """x positions: numbers as they are, categories at 0, 1, 2... with their labels."""
    if is_numeric(values):
        return values.to_numpy(dtype=float), None
    order = list(dict.fromkeys(values.tolist()))
    return np.array([order.index(v) for v in values], dtype=float), [str(v) for v in order]


def sweep_curve(df: pd.DataFrame, x: str, y: str, *, hue: str | None = None,
                logx: bool | None = None, units: Mapping[str, str] | None = None,
                band: str = "range", ax: "Axes | None" = None) -> "Axes":
    """Readout ``y`` against input ``x``, one line per ``hue`` value; rows sharing a point
    are pooled: ``band="range"`` draws their mean and a min-max band, ``"90"`` their median
    and a 5-95 % band (an ensemble's prediction band).

    ``logx=None`` picks a log axis for dose-like numeric ``x`` (see :func:`wants_log`);
    categorical ``x`` (MSC source, culture) is spaced evenly in order of appearance.
    """
    ax = _pyplot_axes(ax)
    middle, low, high, described = BANDS[band]
    keys = [x] if hue is None else [hue, x]
    table = pooled(df, keys, y)
    if table.empty:
        raise ValueError(f"{y!r} has no finite value in the rows to plot")
    if is_numeric(table[x]):
        table = table.sort_values(x)
    positions, ticks = _positions(df[x])
    lookup = dict(zip(df[x].tolist(), positions))
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=False))
    spread = bool((table["count"] > 1).any())
    for line, (key, group) in enumerate(groups):
        xs = np.array([lookup[v] for v in group[x]])
        color = f"C{line % 10}"
        ax.plot(xs, group[middle], marker=_MARKERS[line % len(_MARKERS)],
                linestyle=_DASHES[line % len(_DASHES)], color=color,
                label=None if hue is None else _shown(key))
        if spread:
            ax.fill_between(xs, group[low], group[high], color=color, alpha=0.15,
                            linewidth=0)
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), ticks, rotation=30 if len(ticks) > 4 else 0)
    elif logx or (logx is None and wants_log(positions)):
        _log_x(ax, positions)
    _include_zero(ax, table["max"].to_numpy(dtype=float))
    ax.set_xlabel(label(x, units))
    ylabel = label(y, units)
    if spread:
        counts = table["count"]
        n = f"{counts.min()}" if counts.min() == counts.max() else f"{counts.min()}-{counts.max()}"
        ylabel = f"{ylabel}\n{described.format(n=n)}"
    ax.set_ylabel(ylabel)
    if hue is not None:
        ax.legend(title=label(hue, units), frameon=False)
    ax.grid(alpha=0.3)
    return ax


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _axis_values(values: pd.Series) -> list:
    unique = list(dict.fromkeys(values.tolist()))
    return sorted(unique) if is_numeric(values) else unique


def heatmap(df: pd.DataFrame, x: str, y: str, z: str, *, units: Mapping[str, str] | None = None,
            cmap: str = "viridis", ax: "Axes | None" = None) -> "Axes":
    """Mean of readout ``z`` over the grid of inputs ``x`` (columns) and ``y`` (rows).

    Each swept value gets one evenly sized cell (dose steps read as steps); a colour bar
    carries ``z``'s unit; small grids print their values.
    """
    ax = _pyplot_axes(ax)
    table = pooled(df, [y, x], z)
    xs, ys = _axis_values(df[x]), _axis_values(df[y])
    grid = np.full((len(ys), len(xs)), np.nan)
    for y_value, x_value, mean in zip(table[y], table[x], table["mean"]):
        grid[ys.index(y_value), xs.index(x_value)] = mean
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap)
    ax.set_xticks(range(len(xs)), [_shown(v) for v in xs], rotation=30 if len(xs) > 6 else 0)
    ax.set_yticks(range(len(ys)), [_shown(v) for v in ys])
    ax.set_xlabel(label(x, units))
    ax.set_ylabel(label(y, units))
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label(label(z, units))
    if grid.size <= ANNOTATED_CELLS:
        middle = np.nanmean(grid) if np.isfinite(grid).any() else 0.0
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                        color="white" if value < middle else "black")
    return ax
