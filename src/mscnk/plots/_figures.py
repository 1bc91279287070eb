"""Whole figures from run tables: faceted curves, heatmaps, time courses; saved as PNG + SVG."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from mscnk.plots._plots import NAMES, time_course
from mscnk.plots._sweeps import _shown, heatmap, sweep_curve

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Panels per row of a faceted figure.
FACET_COLUMNS = 4
#: Time courses drawn in one figure at most.
MOST_TIME_COURSES = 12


def _grid(panels: int, width: float = 4.2, height: float = 3.4):
    from matplotlib.figure import Figure

    columns = min(panels, FACET_COLUMNS)
    rows = math.ceil(panels / columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for extra in axes[panels:]:
        extra.set_visible(False)
    return figure, axes[:panels]


def _title(field: str, value) -> str:
    return f"{NAMES.get(field, field)} = {_shown(value)}"


def sweep_figure(df: pd.DataFrame, x: str, y: str, *, hue: str | None = None,
                 facet: str | None = None, z: str | None = None,
                 band: str = "range") -> "Figure":
    """Curves of readout ``y`` against ``x`` (``hue`` lines, ``facet`` panels), or with
    ``z`` given, a heatmap of readout ``z`` over inputs ``x`` and ``y`` (one per facet)."""
    groups = [(None, df)] if facet is None else list(df.groupby(facet, sort=True))
    figure, axes = _grid(len(groups), width=5.0 if z else 4.2)
    for ax, (value, group) in zip(axes, groups):
        if z is None:
            sweep_curve(group, x, y, hue=hue, band=band, ax=ax)
        else:
            heatmap(group, x, y, z, ax=ax)
        if facet is not None:
            ax.set_title(_title(facet, value), fontsize=10)
    if z is None and facet is not None:  # one y scale for all panels, so heights compare
        top = max(ax.get_ylim()[1] for ax in axes)
        bottom = min(ax.get_ylim()[0] for ax in axes)
        for ax in axes:
            ax.set_ylim(bottom, top)
    return figure


def time_course_figure(courses: Sequence[tuple[str, pd.DataFrame]],
                       species: Sequence[str]) -> "Figure":
    """One panel per species, one line per condition (``(label, Result.timecourse)``)."""
    if not 0 < len(courses) <= MOST_TIME_COURSES:
        raise ValueError(f"time courses: between 1 and {MOST_TIME_COURSES} conditions, "
                         f"got {len(courses)}")
    figure, axes = _grid(len(species))
    for ax, name in zip(axes, species):
        for label_text, frame in courses:
            time_course(frame, name, units={"nk": "cells"}, ax=ax)
            ax.lines[-1].set_label(label_text)
        ax.set_title(NAMES.get(name, name), fontsize=10)
        if len(courses) > 1:
            ax.legend(frameon=False, fontsize=7)
    return figure


def save_figure(figure: "Figure", stem: Path) -> list[Path]:
    """``stem.png`` (150 dpi) and ``stem.svg``, each written whole or not at all."""
    from mscnk.store import write_atomically

    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, options in ((".png", {"dpi": 150}), (".svg", {})):
        path = stem.with_suffix(suffix)
        write_atomically(path, lambda p, s=suffix, o=options: figure.savefig(
            p, format=s[1:], **o))
        paths.append(path)
    return paths
