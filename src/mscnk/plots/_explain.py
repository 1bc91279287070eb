"""The figures of the analysis commands: ``mscnk explain`` (what each mechanism does to a
readout, and how the leading ones interact), ``mscnk sensitivity`` (indices by parameter and
by mechanism) and ``mscnk calibrate`` (data against model, profiles)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: The 95 % quantile of chi-square with one degree of freedom (profile-likelihood threshold).
CHI2_95 = 3.841458820694124
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


def sensitivity_figure(indices: pd.DataFrame, mechanisms: pd.DataFrame, *, method: str,
                       title: str, count: int = 15) -> "Figure":
    """One readout of one condition. Left: the ``count`` parameters with the largest total
    Sobol index (``ST``, with ``S1`` beside it and their confidence half-widths) or Morris
    ``mu_star``; right: the same summed per mechanism."""
    from matplotlib.figure import Figure

    key = "ST" if method == "saltelli" else "mu_star"
    shown = indices.sort_values(key, ascending=False, kind="stable").head(count).iloc[::-1]
    groups = mechanisms.sort_values(mechanisms.columns[-1], ascending=False,
                                    kind="stable").head(count).iloc[::-1]
    figure = Figure(figsize=(12.8, 0.36 * max(len(shown), len(groups), 4) + 1.6),
                    layout="constrained")
    left, right = figure.subplots(1, 2)
    rows = range(len(shown))
    if method == "saltelli":
        left.barh([r + 0.2 for r in rows], shown.ST, height=0.4, xerr=shown.ST_conf,
                  color=RAISES, label="total (ST)")
        left.barh([r - 0.2 for r in rows], shown.S1, height=0.4, xerr=shown.S1_conf,
                  color=LOWERS, label="first order (S1)")
        left.legend(loc="lower right", fontsize=8)
        left.set_xlabel("Sobol index (share of the variance)")
    else:
        left.barh(list(rows), shown.mu_star, xerr=shown.mu_star_conf, color=RAISES)
        left.set_xlabel("Morris mu* (per unit of the sampled range)")
    left.set_yticks(list(rows), shown.parameter)
    left.set_title("parameters", fontsize=10)
    column = groups.columns[-1]
    right.barh(groups.mechanism, groups[column], color="#7f7f7f")
    right.set_xlabel(f"{column} summed per mechanism")
    right.set_title("mechanisms", fontsize=10)
    figure.suptitle(title, fontsize=11)
    return figure


def fit_figure(residuals: pd.DataFrame, profiles: dict, intervals: dict, values: dict, *,
               title: str) -> "Figure":
    """Left: each measurement (with its SD) against the model at the estimate, one marker per
    readout, the identity line dashed. Right: each parameter's profile likelihood ratio with
    its 95 % threshold and interval (if profiled)."""
    from matplotlib.figure import Figure

    panels = 2 if profiles else 1
    figure = Figure(figsize=(5.6 * panels, 4.6), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False).ravel()
    left = axes[0]
    for readout, group in residuals.groupby("readout", sort=False):
        left.errorbar(group.model, group.value, yerr=group.sigma, fmt="o", capsize=3,
                      label=readout)
    both = pd.concat([residuals.model, residuals.value])
    low, high = float(both.min()), float(both.max())
    left.plot([low, high], [low, high], "k--", linewidth=0.8)
    left.set_xlabel("model at the estimate")
    left.set_ylabel("measured (SD)")
    left.legend(fontsize=8)
    left.set_title("data against model", fontsize=10)
    if profiles:
        right = axes[1]
        for name, (xs, ratios) in profiles.items():
            order = xs.argsort()
            right.plot(xs[order] / values[name], ratios[order], label=name)
        right.axhline(math.exp(-CHI2_95 / 2), color="grey", linestyle=":", linewidth=0.8)
        right.set_xscale("log")
        right.set_xlabel("value / estimate")
        right.set_ylabel("likelihood ratio (others re-optimised)")
        right.legend(fontsize=8)
        right.set_title("profiles (dotted: 95 % threshold)", fontsize=10)
    figure.suptitle(title, fontsize=11)
    return figure
