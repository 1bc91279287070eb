"""Demo panels on NK killing of MSCs: ratio, IFN-gamma licensing, receptor blockade."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from mscnk.scenarios.coculture.protocol import LICENSED_REFERENCE_H, LICENSED_REFERENCE_NG_ML
from mscnk.plots import NAMES, bars, dose_response
from mscnk.report._html import Table, fmt, num
from mscnk.report._panel import Panel, PanelData, change, extreme, grouped_table, pct, value

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CYTOTOXICITY: dict[str, Any] = {"assay": "cytotoxicity"}
RESTING: dict[str, Any] = {"nk": {"activation": {"il2_u_ml": 0}, "preactivation_h": 0}}
IL15: dict[str, Any] = {"nk": {"activation": {"il2_u_ml": 0, "il15_ng_ml": 10}}}
NK_KINDS = {"resting": RESTING, "IL-2": {}, "IL-15": IL15}

LYSIS_RATIOS = (1, 2.5, 5, 10, 20, 40)
IFNG_DOSES = (0, 1, 10, 100)
BLOCKADES: tuple[tuple[str, ...], ...] = (
    (), ("anti_nkg2d",), ("anti_nkp30",), ("anti_dnam1",), ("anti_nkp46",), ("anti_nkp44",),
    ("anti_nkg2d", "anti_nkp30", "anti_dnam1"),
)
ASSAY_RATIO = 10


def antibody_label(blockade: tuple[str, ...]) -> str:
    """'anti-NKG2D + anti-NKp30' from contract names; 'none' when empty."""
    names = ["anti-" + NAMES.get(b.removeprefix("anti_") + "_rel", b) for b in blockade]
    return " + ".join(names) or "none"


# a. lysis versus ratio ------------------------------------------------------------------

def _a_name(kind: str, ratio: float) -> str:
    return f"a_{kind.lower().replace('-', '')}_r{ratio:g}"


def _ratio_conditions() -> dict[str, tuple[str, dict[str, Any]]]:
    out = {}
    for kind, nk in NK_KINDS.items():
        for ratio in LYSIS_RATIOS:
            out[_a_name(kind, ratio)] = (kind, {**CYTOTOXICITY, **nk, "ratio": ratio})
    return out


def _ratio_draw(data: PanelData, fig: "Figure") -> None:
    ax = fig.subplots()
    dose_response(data.rows, "ratio", "msc_lysis_pct", hue="group", logx=True, ax=ax)
    ax.legend(title="NK cells", frameon=False)
    ax.set_title(f"{num(data.rows['duration_h'].iloc[0])} h cytotoxicity assay")


def _ratio_table(data: PanelData) -> Table:
    return grouped_table(data.rows, "ratio", "NK:MSC ratio", "msc_lysis_pct",
                         list(NK_KINDS), suffix=" NK: MSC lysis (%)")


def _ratio_text(data: PanelData) -> str:
    rows = data.rows
    top = max(LYSIS_RATIOS)
    at = {kind: value(rows, _a_name(kind, top), "msc_lysis_pct") for kind in NK_KINDS}
    il2 = rows.loc[_a_name("IL-2", top)]
    return (
        f"MSC lysis after a {num(il2['duration_h'])} h assay, as the NK:MSC ratio rises from "
        f"{num(min(LYSIS_RATIOS))} to {num(top)}, for resting NK cells and for NK cells "
        f"pre-activated {num(il2['nk.preactivation_h'])} h with IL-2 "
        f"({num(il2['nk.activation.il2_u_ml'])} U/ml) or IL-15 "
        f"({num(rows.loc[_a_name('IL-15', top), 'nk.activation.il15_ng_ml'])} ng/ml). "
        f"At {num(top)}:1 resting NK cells lyse {pct(at['resting'])}, IL-2 NK cells "
        f"{pct(at['IL-2'])} and IL-15 NK cells {pct(at['IL-15'])} of the MSCs. "
        "Cytokines arm NK cells through STAT5, and activating receptors recognise stress "
        "ligands on the MSC; each kill spends granule content."
    )


RATIO = Panel(
    key="a", title="MSC lysis versus NK:MSC ratio", conditions=_ratio_conditions(),
    draw=_ratio_draw, table=_ratio_table, text=_ratio_text,
    mechanisms=("resting_nk_quiescence", "il2_il15_stat5", "nkg2d_mica_ulbp",
                "dnam1_pvr_nectin2", "nkp30_b7h6", "perforin_granzyme", "granule_exhaustion"),
    species=("msc",), figsize=(6.4, 4.2),
)


# c. IFN-gamma licensing -----------------------------------------------------------------

def _licensing_conditions() -> dict[str, tuple[str, dict[str, Any]]]:
    return {f"c_ifng{dose:g}": (f"{dose:g} ng/ml", {
        **CYTOTOXICITY, "ratio": ASSAY_RATIO,
        "msc": {"ifng_pretreatment_ng_ml": dose, "pretreatment_h": 48}}) for dose in IFNG_DOSES}


_HLA = ("hla_i_rel", "hla_e_rel")
_LICENSING_READOUTS = (*_HLA, "ido_rel")
_DOSE = "msc.ifng_pretreatment_ng_ml"
_MARKERS = ("o", "s", "^")


def dose_axis(ax: "Axes", rows: pd.DataFrame, readouts: Sequence[str], ylabel: str) -> None:
    """``readouts`` against the IFN-γ dose on a log axis; the untreated well (0 ng/ml) is an
    open marker of its own, left of a dashed break and joined to no line."""
    rows = rows.sort_values(_DOSE)
    doses = rows[_DOSE].to_numpy(float)
    positive = np.unique(doses[doses > 0])
    zero_at = positive[0] / 4.0 if len(positive) else 1.0  # not a decade: 0 is no dose step
    for i, readout in enumerate(readouts):
        values = rows[readout].to_numpy(float)
        color, marker = f"C{i}", _MARKERS[i % len(_MARKERS)]
        ax.plot(doses[doses > 0], values[doses > 0], color=color, marker=marker,
                label=NAMES.get(readout, readout))
        ax.plot(np.full(int((doses == 0).sum()), zero_at), values[doses == 0], color=color,
                marker=marker, markerfacecolor="white", linestyle="none")
    ax.set_xscale("log")
    ax.set_xticks([zero_at, *positive], ["0", *(f"{d:g}" for d in positive)])
    ax.minorticks_off()
    if len(positive):
        ax.axvline(float(np.sqrt(zero_at * positive[0])), color="0.55", linestyle="--",
                   linewidth=0.8)
        ax.set_xlim(zero_at / 1.6, positive[-1] * 1.6)
    ax.set_xlabel("IFN-γ pre-treatment (ng/ml; 0 drawn apart)")
    ax.set_ylabel(ylabel)
    top = np.nanmax(rows[list(readouts)].to_numpy(float))
    ax.set_ylim(0.0, 1.08 * top if np.isfinite(top) and top > 0 else 1.0)
    if len(readouts) > 1:
        ax.legend(frameon=False)
    ax.grid(alpha=0.3)


def _licensing_draw(data: PanelData, fig: "Figure") -> None:
    hla, ido, lysis = fig.subplots(1, 3)
    dose_axis(hla, data.rows, _HLA, "fold of untreated MSCs")
    hla.set_title("HLA-I and HLA-E", fontsize=10)
    dose_axis(ido, data.rows, ("ido_rel",), f"fold of MSCs licensed with "
              f"{num(LICENSED_REFERENCE_NG_ML)} ng/ml, {num(LICENSED_REFERENCE_H)} h")
    ido.set_title("IDO1", fontsize=10)
    dose_axis(lysis, data.rows, ("msc_lysis_pct",), "MSC lysis (%)")
    lysis.set_title(f"lysis by IL-2 NK cells at {ASSAY_RATIO}:1", fontsize=10)


def _licensing_table(data: PanelData) -> Table:
    columns = (*_LICENSING_READOUTS, "msc_lysis_pct")
    header = ["IFN-γ (ng/ml)", "HLA-I (fold of untreated)", "HLA-E (fold of untreated)",
              "IDO1 (fold of licensed)", "MSC lysis (%)"]
    rows = data.rows.sort_values(_DOSE)
    return header, [[num(r[_DOSE]), *(fmt(r[c]) for c in columns)] for _, r in rows.iterrows()]


def _licensing_text(data: PanelData) -> str:
    rows = data.rows.sort_values(_DOSE)
    first, last = rows.iloc[0], rows.iloc[-1]
    hours = num(first["msc.pretreatment_h"])
    return (
        f"MSCs were pre-treated with IFN-γ for {hours} h, washed, and then met IL-2 NK cells "
        f"at {ASSAY_RATIO}:1 for {num(first['duration_h'])} h. From {num(first[_DOSE])} to "
        f"{num(last[_DOSE])} ng/ml, HLA-I {change(first['hla_i_rel'], last['hla_i_rel'])}-fold, "
        f"HLA-E {change(first['hla_e_rel'], last['hla_e_rel'])}-fold and MSC lysis "
        f"{change(first['msc_lysis_pct'], last['msc_lysis_pct'], '%')}. "
        f"HLA levels are relative to untreated MSCs; IDO1 is relative to MSCs licensed with "
        f"{num(LICENSED_REFERENCE_NG_ML)} ng/ml for {num(LICENSED_REFERENCE_H)} h, measured "
        "here after the wash and the assay, and it "
        f"{change(first['ido_rel'], last['ido_rel'])}-fold."
    )


LICENSING = Panel(
    key="c", title="IFN-γ licensing of MSCs", conditions=_licensing_conditions(),
    draw=_licensing_draw, table=_licensing_table, text=_licensing_text,
    mechanisms=("ifng_licensing", "missing_self", "ido_kynurenine", "licensing_memory"),
    species=("hla_i", "hla_e", "ido"), figsize=(12, 4),
)


# d. receptor blockade -------------------------------------------------------------------

def _blockade_conditions() -> dict[str, tuple[str, dict[str, Any]]]:
    return {"d_" + ("+".join(b) or "none"): (antibody_label(b), {
        **CYTOTOXICITY, "ratio": ASSAY_RATIO, "blockade": list(b)}) for b in BLOCKADES}


def _blockade_draw(data: PanelData, fig: "Figure") -> None:
    ax = fig.subplots()
    reference = value(data.rows, "d_none", "msc_lysis_pct")
    bars(data.rows, "msc_lysis_pct", labels="group", horizontal=True, reference=reference,
         ax=ax)
    ax.set_title(f"IL-2 NK cells at {ASSAY_RATIO}:1, {num(data.rows['duration_h'].iloc[0])} h "
                 "(dashed: no antibody)")


def _blockade_table(data: PanelData) -> Table:
    none = value(data.rows, "d_none", "msc_lysis_pct")
    body = [[r["group"], fmt(r["msc_lysis_pct"]), fmt(r["msc_lysis_pct"] - none)]
            for _, r in data.rows.iterrows()]
    return ["antibody", "MSC lysis (%)", "change vs none (% points)"], body


def _blockade_text(data: PanelData) -> str:
    rows = data.rows
    none = value(rows, "d_none", "msc_lysis_pct")
    single = rows[rows["blockade"].fillna("").str.count(r"\+") == 0].drop("d_none")
    low, low_label = extreme(single["msc_lysis_pct"], single["group"], largest=False)
    high, high_label = extreme(single["msc_lysis_pct"], single["group"], largest=True)
    triple = rows[rows["blockade"].fillna("").str.count(r"\+") >= 2]
    triple_value = float(triple["msc_lysis_pct"].iloc[0])
    return (
        f"Blocking antibodies mask one activating receptor on IL-2 NK cells during the "
        f"assay. Without antibody MSC lysis is {pct(none)}; single antibodies leave between "
        f"{pct(low)} ({low_label}) and {pct(high)} ({high_label}), and masking NKG2D, NKp30 "
        f"and DNAM-1 together leaves {pct(triple_value)}."
    )


BLOCKADE = Panel(
    key="d", title="Activating-receptor blockade", conditions=_blockade_conditions(),
    draw=_blockade_draw, table=_blockade_table, text=_blockade_text,
    mechanisms=("antibody_blockade", "nkg2d_mica_ulbp", "nkp30_b7h6", "dnam1_pvr_nectin2",
                "nkp46_weak", "nkp44_no_role"),
    species=("msc",), figsize=(7.5, 3.8),
)
