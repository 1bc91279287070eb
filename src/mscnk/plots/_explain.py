"""The figure of ``mscnk explain``: what each mechanism does to a readout, and how the
leading ones interact."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Bar colours: a mechanism that raises the readout, one that lowers it.
RAISES, LOWERS = "#b2182b", "#2166ac"


def contribution_figure(contributions: pd.DataFrame, interactions: pd.DataFrame, *,
                        title: str, unit: str, count: int = 12) -> "Figure":
    """Left: the ``count`` largest contributions (``mechanism``, ``contribution``: the
    readout with everything on minus with that mechanism off), largest on top. Right: the
    pairwise interactions of the leading mechanisms (``first``, ``second``,
    ``interaction``), if any."""
    from matplotlib.figure import Figure

    shown = contributions[contributions.contribution != 0].head(count).iloc[::-1]
    panels = 2 if len(interactions) else 1
    figure = Figure(figsize=(6.4 * panels, 0.42 * max(len(shown), 4) + 1.6),
                    layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False).ravel()
    left = axes[0]
    left.barh(shown.mechanism, shown.contribution,
              color=[RAISES if value > 0 else LOWERS for value in shown.contribution])
    left.axvline(0, color="black", linewidth=0.8)
    left.set_xlabel(f"contribution ({unit}): on minus off")
    left.set_title("what each mechanism does", fontsize=10)
    if panels == 2:
        right = axes[1]
        pairs = interactions.iloc[::-1]
        labels = [f"{a} x {b}" for a, b in zip(pairs["first"], pairs["second"])]
        right.barh(labels, pairs.interaction, color="#7f7f7f")
        right.axvline(0, color="black", linewidth=0.8)
        right.set_xlabel(f"interaction ({unit}): joint minus the two single contributions")
        right.set_title("how the leading ones interact", fontsize=10)
    figure.suptitle(title, fontsize=11)
    return figure
