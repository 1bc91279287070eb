"""Demo panels on MSC suppression of NK cells, MSC sources and one time course."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mscnk.vocabulary import MSC_SOURCES
from mscnk.plots import NAMES, bars, dose_response, time_course, unit_of
from mscnk.report._html import Table, fmt, num
from mscnk.report._panel import Panel, PanelData, change, compare, extreme, pct, value

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

NOT_PREACTIVATED: dict[str, Any] = {"nk": {"preactivation_h": 0}}
INHIBITION = "nk_proliferation_inhibition_pct"
INHIBITION_RATIOS = (0.5, 1, 2, 5, 10, 20)
CULTURE_READOUTS = (INHIBITION, "ifng_pg_ml", "pge2_pg_ml", "kynurenine_uM", "nk_apoptosis_pct")
SOURCE_LABELS = {"wharton_jelly": "Wharton's jelly", "ipsc": "iPSC-derived",
                 "tumor_associated": "tumor-associated", "bone_marrow": "bone-marrow"}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source.replace("_", " "))


# b. NK proliferation inhibition versus ratio --------------------------------------------

def _inhibition_conditions() -> dict[str, tuple[str, dict[str, Any]]]:
    return {f"b_r{r:g}": (f"{r:g}:1", {**NOT_PREACTIVATED, "duration_h": 96, "ratio": r})
            for r in INHIBITION_RATIOS}


def _inhibition_draw(data: PanelData, fig: "Figure") -> None:
    ax = fig.subplots()
    dose_response(data.rows, "ratio", INHIBITION, logx=True, ax=ax)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_title(f"{num(data.rows['duration_h'].iloc[0])} h co-culture, NK not pre-activated")


def _inhibition_table(data: PanelData) -> Table:
    header = ["NK:MSC ratio", "NK proliferation inhibition (%)", "NK fold expansion",
              "NK apoptosis (%)"]
    rows = data.rows.sort_values("ratio")
    return header, [[num(r["ratio"]), fmt(r[INHIBITION]), fmt(r["nk_fold_expansion"]),
                     fmt(r["nk_apoptosis_pct"])] for _, r in rows.iterrows()]


def _inhibition_text(data: PanelData) -> str:
    rows = data.rows.sort_values("ratio")
    first, top = rows.iloc[0], rows.iloc[-1]
    high, high_at = extreme(rows[INHIBITION], rows["group"], largest=True)
    low, low_at = extreme(rows[INHIBITION], rows["group"], largest=False)
    return (
        f"NK cells that were not pre-activated grew for {num(first['duration_h'])} h with "
        f"IL-2 ({num(first['nk.activation.il2_u_ml'])} U/ml) in the medium, with MSCs at each "
        "NK:MSC ratio; inhibition compares their expansion with the matched NK-alone well, "
        "and a low ratio means many MSCs per NK cell. "
        f"Inhibition is largest at {high_at} ({pct(high)}) and smallest at {low_at} "
        f"({pct(low)}); at {num(top['ratio'])}:1 the NK cells also lyse "
        f"{pct(top['msc_lysis_pct'])} of the MSCs. MSCs hold NK cells in G0/G1 and secrete "
        "PGE2, kynurenine and TGF-β."
    )


INHIBITION_PANEL = Panel(
    key="b", title="NK proliferation inhibition versus NK:MSC ratio",
    conditions=_inhibition_conditions(), draw=_inhibition_draw, table=_inhibition_table,
    text=_inhibition_text,
    mechanisms=("nk_apoptosis_arrest", "pge2_ep2_ep4", "ido_kynurenine", "tgfb_smad",
                "contact_priming", "nk_proliferation"),
    species=("nk_bright", "nk_dim"), figsize=(6.4, 4.2),
)


# e. contact versus transwell ------------------------------------------------------------

def _culture_conditions() -> dict[str, tuple[str, dict[str, Any]]]:
    return {f"e_{c}": (c, {**NOT_PREACTIVATED, "duration_h": 96, "ratio": 2, "culture": c})
            for c in ("contact", "transwell")}


def _culture_draw(data: PanelData, fig: "Figure") -> None:
    axes = fig.subplots(1, len(CULTURE_READOUTS))
    for ax, readout in zip(axes, CULTURE_READOUTS):
        bars(data.rows, readout, labels="group", ax=ax)
        ax.set_title("\n".join(textwrap.wrap(NAMES[readout], 16)), fontsize=10)
        ax.set_ylabel(unit_of(readout))
    first = data.rows.iloc[0]
    fig.suptitle(f"NK:MSC {num(first['ratio'])}:1, {num(first['duration_h'])} h, "
                 "NK not pre-activated", fontsize=11)


def _culture_table(data: PanelData) -> Table:
    header = ["readout", "unit", "contact", "transwell"]
    body = [[NAMES[r], unit_of(r) or "", fmt(value(data.rows, "e_contact", r)),
             fmt(value(data.rows, "e_transwell", r))] for r in CULTURE_READOUTS]
    return header, body


def _culture_text(data: PanelData) -> str:
    rows = data.rows

    def pair(readout: str) -> tuple[tuple[str, float], tuple[str, float]]:
        return (("contact", value(rows, "e_contact", readout)),
                ("transwell", value(rows, "e_transwell", readout)))

    contact, transwell = (value(rows, f"e_{c}", INHIBITION) for c in ("contact", "transwell"))
    if math.isnan(contact) or math.isnan(transwell):
        share = "so the contact effect cannot be split (a condition failed)"
    elif contact > 0 and 0 <= transwell <= contact:
        share = (f"so soluble factors alone carry {pct(100.0 * transwell / contact)} of the "
                 "contact effect in this run")
    elif transwell > contact:
        share = "so in this run inhibition is stronger without contact than with it"
    else:
        share = "so this run shows no contact effect for soluble factors to carry"
    first = rows.iloc[0]
    mediators = "; ".join(compare(NAMES[r], *pair(r), unit_of(r) or "")
                          for r in ("ifng_pg_ml", "pge2_pg_ml", "kynurenine_uM"))
    return (
        f"NK cells (not pre-activated) and MSCs at {num(first['ratio'])}:1 for "
        f"{num(first['duration_h'])} h, either touching or separated by a transwell membrane "
        "that lets only soluble factors through. Proliferation inhibition is "
        f"{pct(contact)} in contact and {pct(transwell)} in transwell, {share}. "
        "Two of the mechanisms below need contact (the MSC soluble programme it starts and "
        f"the NK IFN-γ burst); in the medium at the end, {mediators}."
    )


CULTURE = Panel(
    key="e", title="Contact versus transwell", conditions=_culture_conditions(),
    draw=_culture_draw, table=_culture_table, text=_culture_text,
    mechanisms=("contact_priming", "contact_ifng_burst", "pge2_ep2_ep4", "ido_kynurenine",
                "nk_apoptosis_arrest", "efferocytosis"),
    species=("nk_bright", "nk_dim", "pge2", "kynurenine"), figsize=(12, 3.6),
)


# f. MSC sources -------------------------------------------------------------------------

def _source_conditions() -> dict[str, tuple[str, dict[str, Any]]]:
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for s in MSC_SOURCES:
        out[f"f_lysis_{s}"] = (source_label(s), {"assay": "cytotoxicity", "ratio": 10,
                                                 "msc": {"source": s}})
        out[f"f_coculture_{s}"] = (source_label(s), {"duration_h": 72, "ratio": 5,
                                                     "msc": {"source": s}})
    return out


def _split(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rows[rows["assay"] == "cytotoxicity"], rows[rows["assay"] == "coculture"]


def _source_draw(data: PanelData, fig: "Figure") -> None:
    lysis, coculture = _split(data.rows)
    left, right = fig.subplots(1, 2, sharey=True)
    bars(lysis, "msc_lysis_pct", labels="group", horizontal=True, ax=left)
    left.set_title(f"cytotoxicity, {num(lysis['ratio'].iloc[0])}:1, "
                   f"{num(lysis['duration_h'].iloc[0])} h")
    bars(coculture, INHIBITION, labels="group", horizontal=True, ax=right)
    right.set_title(f"co-culture, {num(coculture['ratio'].iloc[0])}:1, "
                    f"{num(coculture['duration_h'].iloc[0])} h")


def _source_table(data: PanelData) -> Table:
    lysis, coculture = _split(data.rows)
    header = ["MSC source", "MSC lysis (%)", "NK proliferation inhibition (%)"]
    body = [[source_label(s), fmt(value(lysis, f"f_lysis_{s}", "msc_lysis_pct")),
             fmt(value(coculture, f"f_coculture_{s}", INHIBITION))] for s in MSC_SOURCES]
    return header, body


def _source_text(data: PanelData) -> str:
    lysis, coculture = _split(data.rows)
    lo, lo_src = extreme(lysis["msc_lysis_pct"], lysis["group"], largest=False)
    hi, hi_src = extreme(lysis["msc_lysis_pct"], lysis["group"], largest=True)
    ilo, ilo_src = extreme(coculture[INHIBITION], coculture["group"], largest=False)
    ihi, ihi_src = extreme(coculture[INHIBITION], coculture["group"], largest=True)
    return (
        "Each MSC source carries its own profile of NK ligands, HLA, secretome and growth "
        "(catalog sources.yaml); IL-2 NK cells meet them in a short cytotoxicity assay and "
        f"in a {num(coculture['duration_h'].iloc[0])} h co-culture. MSC lysis ranges from "
        f"{pct(lo)} ({lo_src}) to {pct(hi)} ({hi_src}); NK proliferation inhibition from "
        f"{pct(ilo)} ({ilo_src}) to {pct(ihi)} ({ihi_src})."
    )


SOURCES = Panel(
    key="f", title="MSC tissue sources", conditions=_source_conditions(),
    draw=_source_draw, table=_source_table, text=_source_text,
    mechanisms=("msc_sources", "tumor_associated_msc", "nkg2d_mica_ulbp", "pge2_ep2_ep4"),
    species=("msc",), figsize=(10, 4.2),
)


# g. time course of the default condition ------------------------------------------------

#: Time-course columns: model species, plus NK total and cytokines in the readouts' pg/ml.
COURSE_UNITS = {"msc": "cells", "nk": "cells", "ifng_pg_ml": "pg/ml", "pge2_pg_ml": "pg/ml",
                "kynurenine": "µM", "hla_i": "fold vs untreated MSC"}


def course_frame(timecourse: pd.DataFrame) -> pd.DataFrame:
    """The main phase of a time course with NK total and IFN-γ/PGE2 in pg/ml added."""
    frame = timecourse[timecourse["phase"] == "main"].copy()
    frame["nk"] = frame["nk_bright"] + frame["nk_dim"]
    frame["ifng_pg_ml"] = 1000.0 * frame["ifng"]  # model medium species are in ng/ml
    frame["pge2_pg_ml"] = 1000.0 * frame["pge2"]
    return frame


def _course_draw(data: PanelData, fig: "Figure") -> None:
    assert data.timecourse is not None
    frame = course_frame(data.timecourse)
    axes = fig.subplots(2, 2).ravel()
    plots = ((["msc", "nk"], True), (["ifng_pg_ml", "pge2_pg_ml"], False),
             (["kynurenine"], False), (["hla_i"], False))
    for ax, (species, logy) in zip(axes, plots):
        time_course(frame, species, units=COURSE_UNITS, logy=logy, ax=ax)
        ax.set_title(", ".join(NAMES.get(s, s) for s in species), fontsize=10)


def _course_table(data: PanelData) -> Table:
    assert data.timecourse is not None
    frame = course_frame(data.timecourse)
    times = np.linspace(0.0, float(frame["time_h"].max()), 4)
    header = ["time (h)", *(f"{NAMES[c]} ({COURSE_UNITS[c]})" for c in COURSE_UNITS)]
    body = []
    for t in times:
        row = frame.iloc[int((frame["time_h"] - t).abs().to_numpy().argmin())]
        body.append([num(round(row["time_h"], 1)), *(fmt(row[c]) for c in COURSE_UNITS)])
    return header, body


def _course_text(data: PanelData) -> str:
    assert data.timecourse is not None
    frame = course_frame(data.timecourse)
    start, end = frame.iloc[0], frame.iloc[-1]
    r = data.rows.iloc[0]
    return (
        f"The default condition (the empty condition {{}}): {fmt(r['msc.cells'])} "
        f"{source_label(r['msc.source'])} MSCs with IL-2 NK cells at {num(r['ratio'])}:1 in "
        f"{r['culture']} for {num(r['duration_h'])} h. The MSC count "
        f"{change(start['msc'], end['msc'])} and the NK count "
        f"{change(start['nk'], end['nk'])}; "
        f"{_peak(frame, 'ifng_pg_ml', 'IFN-γ')} and {_peak(frame, 'pge2_pg_ml', 'PGE2')}. "
        f"IFN-γ licenses the MSCs: HLA-I {change(start['hla_i'], end['hla_i'])}-fold and "
        f"kynurenine {change(start['kynurenine'], end['kynurenine'], 'µM')}."
    )


def _peak(frame: pd.DataFrame, column: str, name: str) -> str:
    """'X rises to v pg/ml' if the maximum is at the end, else 'X peaks at v pg/ml at t h'."""
    at = frame[column].idxmax()
    peak, end = frame.at[at, column], frame[column].iloc[-1]
    if at == frame.index[-1]:
        return f"{name} rises to {fmt(end)} pg/ml"
    return (f"{name} peaks at {fmt(peak)} pg/ml at {num(round(frame.at[at, 'time_h'], 1))} h "
            f"and ends at {fmt(end)} pg/ml")


COURSE = Panel(
    key="g", title="Time course of the default condition",
    conditions={"g_default": ("default", {})}, draw=_course_draw, table=_course_table,
    text=_course_text,
    mechanisms=("msc_proliferation", "nk_proliferation", "perforin_granzyme",
                "contact_ifng_burst", "ifng_licensing", "pge2_ep2_ep4", "ido_kynurenine"),
    species=("ifng", "pge2", "kynurenine"), figsize=(9.5, 6.5),
    timecourse=True,
)
