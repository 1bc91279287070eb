"""The comparison figure of therapy strategies: one bar panel per outcome measure and the
site's time lines."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Time-line panels: column -> (label, log scale).
LINES = {"tumor": ("tumor cells", True), "tissue": ("tissue / infected cells", True),
         "msc": ("MSCs at the site", True), "nk": ("NK cells at the site", True),
         "ifng": ("IFN-gamma (ng/ml)", False)}


def strategy_figure(comparison, *, title: str = "") -> "Figure":
    """Bars of each outcome measure by strategy (NaN: not applicable, left empty; with a
    spread, a line from its 5th to its 95th percentile), then the time line of each species
    the sites hold, one line per strategy."""
    import matplotlib.pyplot as plt

    outcomes = comparison.outcomes
    lines = [c for c in LINES  # species the sites of these strategies hold at all
             if any(c in f and (f[c] != 0).any() for f in comparison.timelines.values())]
    panels = len(outcomes.columns) + len(lines)
    columns = 4
    rows = math.ceil(panels / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows),
                                squeeze=False)
    flat = axes.ravel()
    names = list(outcomes.index)
    colours = plt.get_cmap("tab10")(np.arange(len(names)) % 10)
    spread = comparison.spread
    for ax, measure in zip(flat, outcomes.columns):
        values = outcomes[measure].to_numpy(dtype=float)
        ax.bar(np.arange(len(names)), np.nan_to_num(values, nan=0.0), color=colours)
        if spread is not None:  # the 5-95 % range over the uncertain parameters' draws
            rows = spread[spread["readout"] == measure].set_index("strategy").loc[names]
            ax.vlines(np.arange(len(names)), rows["low"], rows["high"], color="black",
                      linewidth=1)
        ax.set_xticks(np.arange(len(names)), names, rotation=35, ha="right", fontsize=7)
        ax.set_title(f"{measure} ({comparison.units[measure]})", fontsize=8)
        for i, value in enumerate(values):
            if not np.isfinite(value):
                ax.text(i, 0, "n/a", ha="center", va="bottom", fontsize=7)
    for ax, column in zip(flat[len(outcomes.columns):], lines):
        label, log = LINES[column]
        for colour, name in zip(colours, names):
            frame = comparison.timelines.get(name)
            if frame is not None and column in frame:
                ax.plot(frame["day"], frame[column], color=colour, label=name)
        if log:
            ax.set_yscale("symlog", linthresh=1.0)
        ax.set_xlabel("day")
        ax.set_title(label, fontsize=8)
    if lines:
        flat[len(outcomes.columns)].legend(fontsize=6)
    for ax in flat[panels:]:
        ax.set_visible(False)
    figure.suptitle(title or f"{comparison.scenario.name}: strategies compared")
    figure.tight_layout()
    return figure
