"""Plots of mscnk results: each takes a table and ``ax=None`` and returns the axes.

pyplot is imported only inside a function, and only when no ``ax`` is given, so
``import mscnk.plots`` stays light and never picks a backend.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from mscnk.vocabulary import READOUT_UNITS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Short display names of readouts, condition fields and model species.
NAMES: dict[str, str] = {
    "msc_lysis_pct": "MSC lysis", "msc_killed_pct": "MSCs killed", "msc_viable": "viable MSCs",
    "nk_viable": "viable NK cells", "nk_fold_expansion": "NK fold expansion",
    "nk_proliferation_inhibition_pct": "NK proliferation inhibition",
    "nk_apoptosis_pct": "NK apoptosis", "nk_cytotoxicity_k562_pct": "NK lysis of K562",
    "cd107a_pct": "CD107a+ NK", "ifng_pg_ml": "IFN-γ", "tnfa_pg_ml": "TNF-α",
    "il10_pg_ml": "IL-10", "tgfb_pg_ml": "TGF-β1", "hgf_pg_ml": "HGF",
    "activin_a_pg_ml": "activin-A", "pge2_pg_ml": "PGE2", "kynurenine_uM": "kynurenine",
    "tryptophan_uM": "tryptophan", "nkg2d_rel": "NKG2D", "nkp30_rel": "NKp30",
    "nkp46_rel": "NKp46", "dnam1_rel": "DNAM-1", "nkg2a_rel": "NKG2A", "kir_rel": "KIR",
    "cd16_rel": "CD16", "nkp44_rel": "NKp44", "cd69_rel": "CD69",
    "cd56bright_pct": "CD56bright NK", "cd73_nk_pct": "CD73+ NK", "hla_i_rel": "HLA-I",
    "hla_e_rel": "HLA-E", "mica_rel": "MICA/B", "ulbp_rel": "ULBP", "pvr_rel": "PVR",
    "nectin2_rel": "Nectin-2", "serpinb9_rel": "serpin B9", "cox2_rel": "COX-2",
    "ido_rel": "IDO1", "hla_ii_rel": "HLA-II", "pdl1_rel": "PD-L1",
    "tumor_viable": "viable tumor cells", "tumor_kill_pct": "tumor killing",
    # condition fields
    "ratio": "NK:MSC ratio", "duration_h": "duration", "msc.cells": "MSCs seeded",
    "nk.cells": "NK cells seeded", "msc.ifng_pretreatment_ng_ml": "IFN-γ pre-treatment",
    "msc.pretreatment_h": "pre-treatment", "nk.preactivation_h": "NK pre-activation",
    "nk.activation.il2_u_ml": "IL-2", "nk.activation.il15_ng_ml": "IL-15",
    "nk.activation.il12_ng_ml": "IL-12", "nk.activation.il18_ng_ml": "IL-18",
    "nk.activation.il21_ng_ml": "IL-21", "medium.tryptophan_uM": "medium tryptophan",
    # model species (time courses)
    "msc": "MSCs", "nk": "NK cells", "nk_bright": "CD56bright NK", "nk_dim": "CD56dim NK",
    "nk_apoptotic": "apoptotic NK", "ifng": "IFN-γ", "tnfa": "TNF-α", "pge2": "PGE2",
    "kynurenine": "kynurenine", "tryptophan": "tryptophan", "hla_i": "HLA-I",
    "hla_e": "HLA-E", "ido": "IDO1", "cox2": "COX-2",
}

#: Units a field name ends with (condition fields), longest first.
_SUFFIX_UNITS = (("_ng_ml", "ng/ml"), ("_pg_ml", "pg/ml"), ("_u_ml", "U/ml"), ("_uM", "µM"),
                 ("_nM", "nM"), ("_pct", "%"), ("_h", "h"))
_FIELD_UNITS = {"ratio": "NK per MSC", "msc.cells": "cells", "nk.cells": "cells"}


def unit_of(name: str, units: Mapping[str, str] | None = None) -> str | None:
    """Display unit of a readout, condition field or species (``None`` if not known)."""
    if units and name in units:
        unit = units[name]
    elif name in READOUT_UNITS:
        unit = READOUT_UNITS[name]
    elif name in _FIELD_UNITS:
        unit = _FIELD_UNITS[name]
    else:
        unit = next((u for s, u in _SUFFIX_UNITS if name.endswith(s)), None)
    if unit is None:
        return None
    return unit.replace("uM", "µM").replace("ug/ml", "µg/ml")


def label(name: str, units: Mapping[str, str] | None = None) -> str:
    """Axis label ``"display name (unit)"``, e.g. ``label("msc_lysis_pct") == "MSC lysis (%)"``."""
    unit = unit_of(name, units)
    text = NAMES.get(name, name.replace("_", " "))
    return f"{text} ({unit})" if unit else text


_MARKERS = ("o", "s", "^", "D", "v", "P")
_DASHES = ("-", "--", ":", "-.")


def _pyplot_axes(ax: "Axes | None") -> "Axes":
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def _as_list(y: str | Sequence[str]) -> list[str]:
    return [y] if isinstance(y, str) else list(y)


def _shared_label(names: list[str], units: Mapping[str, str] | None = None) -> str:
    """One label for several quantities: their names and the unit they share."""
    if len(names) == 1:
        return label(names[0], units)
    found = {unit_of(n, units) for n in names}
    if len(found) > 1:
        raise ValueError(f"{names} have different units {sorted(map(str, found))}; "
                         "plot them on separate axes")
    unit = found.pop()
    text = ", ".join(NAMES.get(n, n) for n in names)
    return f"{text} ({unit})" if unit else text


def _log_x(ax: "Axes", values: np.ndarray) -> None:
    """Log x axis; symmetric-log with a linear part below the smallest positive value if
    any value is 0 (an untreated control on a dose axis)."""
    positive = values[values > 0]
    if len(positive) == len(values):
        ax.set_xscale("log")
    else:
        ax.set_xscale("symlog", linthresh=float(positive.min()) if len(positive) else 1.0)
    ticks = np.unique(values)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{v:g}" for v in ticks])
    ax.minorticks_off()


def _include_zero(ax: "Axes", values: np.ndarray) -> None:
    """Start the y axis at 0 when every value is positive, so heights compare fairly."""
    finite = values[np.isfinite(values)]
    if len(finite) and finite.min() >= 0:
        top = float(finite.max())
        ax.set_ylim(0.0, 1.06 * top if top > 0 else 1.0)


def dose_response(df: pd.DataFrame, x: str, y: str | Sequence[str], *, hue: str | None = None,
                  logx: bool = False, units: Mapping[str, str] | None = None,
                  ax: "Axes | None" = None) -> "Axes":
    """Lines with markers of ``y`` (one readout, or several sharing a unit) against ``x``.

    ``hue`` names a column whose values each get a line (in order of appearance);
    ``logx`` uses a log x axis (symlog when a value is 0). Rows are sorted by ``x``.
    """
    ax = _pyplot_axes(ax)
    ys = _as_list(y)
    if hue is not None and len(ys) > 1:
        raise ValueError("give either several y columns or a hue column, not both")
    groups = [(None, df)] if hue is None else [(k, g) for k, g in df.groupby(hue, sort=False)]
    line = 0
    for key, group in groups:
        group = group.sort_values(x)
        for name in ys:
            line_label = str(key) if hue is not None else (NAMES.get(name, name)
                                                          if len(ys) > 1 else None)
            # marker and dash vary too, so lines that coincide stay visible
            ax.plot(group[x].to_numpy(float), group[name].to_numpy(float),
                    marker=_MARKERS[line % len(_MARKERS)],
                    linestyle=_DASHES[line % len(_DASHES)], label=line_label)
            line += 1
    if logx:
        _log_x(ax, df[x].to_numpy(float))
    _include_zero(ax, df[ys].to_numpy(float))
    ax.set_xlabel(label(x, units))
    ax.set_ylabel(_shared_label(ys, units))
    if hue is not None or len(ys) > 1:
        ax.legend(title=NAMES.get(hue, hue) if hue else None, frameon=False)
    ax.grid(alpha=0.3)
    return ax


def bars(df: pd.DataFrame, y: str, *, labels: Sequence[str] | str | None = None,
         errorbar: bool = False, horizontal: bool = False, reference: float | None = None,
         units: Mapping[str, str] | None = None, ax: "Axes | None" = None) -> "Axes":
    """One bar per condition (row) of readout ``y``.

    ``labels`` are the bar labels (a sequence, or a column name; default the index).
    ``errorbar=True`` pools rows that share a label into one bar, mean ± SD (e.g. an
    ensemble of parameter sets). ``reference`` draws a dashed line at that value
    (e.g. the untreated condition). Missing values (NaN) show as an empty slot.
    """
    ax = _pyplot_axes(ax)
    if labels is None:
        names = [str(i) for i in df.index]
    elif isinstance(labels, str):
        names = [str(v) for v in df[labels]]
    else:
        names = [str(v) for v in labels]
    if len(names) != len(df):
        raise ValueError(f"{len(names)} labels for {len(df)} rows")
    values = pd.Series(df[y].to_numpy(float), index=names)
    if errorbar:
        pooled = values.groupby(level=0, sort=False)
        heights, spread = pooled.mean(), pooled.std(ddof=1).fillna(0.0)
    else:
        heights, spread = values, None
    positions = np.arange(len(heights))
    err = None if spread is None else spread.to_numpy()
    if horizontal:
        ax.barh(positions, heights.to_numpy(), xerr=err, capsize=3, color="C0")
        ax.set_yticks(positions, list(heights.index))
        if not ax.yaxis_inverted():  # first row on top (a shared axis is inverted once)
            ax.invert_yaxis()
        ax.set_xlabel(label(y, units))
        if reference is not None and math.isfinite(reference):
            ax.axvline(reference, color="0.3", linestyle="--", linewidth=1)
        ax.grid(axis="x", alpha=0.3)
    else:
        ax.bar(positions, heights.to_numpy(), yerr=err, capsize=3, color="C0")
        ax.set_xticks(positions, list(heights.index))
        ax.set_ylabel(label(y, units))
        if reference is not None and math.isfinite(reference):
            ax.axhline(reference, color="0.3", linestyle="--", linewidth=1)
        ax.grid(axis="y", alpha=0.3)
    return ax


def time_course(timecourse_df: pd.DataFrame, species: str | Sequence[str], *,
                units: Mapping[str, str] | None = None, phases: Sequence[str] = ("main",),
                logy: bool = False, ax: "Axes | None" = None) -> "Axes":
    """Species (or derived columns, e.g. ``nk``) over time from ``Result.timecourse``.

    ``units`` maps columns to units; columns missing from it take the model species'
    units. Only the ``phases`` listed are drawn; with pre-phases, a dotted line marks
    the start of the main phase (0 h). Several species must share a unit.
    """
    ax = _pyplot_axes(ax)
    names = _as_list(species)
    known = dict(units or {})
    if any(n not in known and n not in READOUT_UNITS for n in names):
        known = {**_species_units(), **known}
    frame = timecourse_df[timecourse_df["phase"].isin(list(phases))]
    if frame.empty:
        raise ValueError(f"no rows for phases {list(phases)}; "
                         f"the time course has {sorted(timecourse_df['phase'].unique())}")
    for name in names:
        ax.plot(frame["time_h"], frame[name], label=NAMES.get(name, name))
    if frame["time_h"].min() < 0 < frame["time_h"].max():
        ax.axvline(0.0, color="0.5", linestyle=":", linewidth=1)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("time (h)")
    ax.set_ylabel(_shared_label(names, known))
    if len(names) > 1:
        ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def _species_units() -> dict[str, str]:
    """Units of the co-culture model's species (the model is built lazily, once per process)."""
    from mscnk.scenarios import load_scenario

    return {s.name: s.unit for s in load_scenario("coculture").model.species}
