"""Every public string key in one place: condition vocabularies, readout names and units."""

from __future__ import annotations

from typing import NamedTuple

MSC_SOURCES = (
    "bone_marrow", "adipose", "wharton_jelly", "umbilical_cord", "foreskin",
    "placenta", "decidua", "fetal_liver", "ipsc", "tumor_associated",
)
KNOCKDOWNS = ("ido1", "cox2", "tgfb1", "hla_g", "serpinb9", "galectin1", "activin_a", "p4h")
BLOCKADES = (
    "anti_nkg2d", "anti_nkp30", "anti_nkp44", "anti_nkp46", "anti_dnam1", "anti_hla_i",
    "anti_nkg2a", "anti_ifng", "anti_tnfa", "anti_il1b", "anti_tgfb", "anti_il10",
    "anti_hla_g", "anti_cd69", "anti_lair1",
)
DRUGS = (
    "one_mt_uM", "ns398_uM", "indomethacin_uM", "ag490_uM", "tacrolimus_ng_ml",
    "rapamycin_ng_ml", "sotrastaurin_nM",
)
MEDIATORS = (
    "pge2_ng_ml", "kynurenine_uM", "tgfb_ng_ml", "ifng_ng_ml", "tnfa_ng_ml", "il1b_ng_ml",
    "il10_ng_ml", "hgf_ng_ml", "hla_g5_ng_ml", "activin_a_ng_ml", "adenosine_uM",
)
ACTIVATION_CYTOKINES = ("il2_u_ml", "il12_ng_ml", "il15_ng_ml", "il18_ng_ml", "il21_ng_ml")
TUMOR_LINES = ("k562", "solid_tumor")
ASSAYS = ("coculture", "cytotoxicity")
CULTURES = ("contact", "transwell")


class Readout(NamedTuple):
    """A readout of the contract: name, unit, meaning, and whether it may be negative.

    The function that computes it, the wells and species it reads and the populations it
    needs are in :data:`mscnk.experiment.READOUT_DECLARATIONS` (derived from the function).
    """

    name: str
    unit: str
    meaning: str
    signed: bool = False


READOUTS: tuple[Readout, ...] = (
    Readout("msc_lysis_pct", "%",
            "100 x (MSC alone - MSC with NK) / MSC alone, at the end"),
    Readout("msc_killed_pct", "%",
            "100 x MSCs killed by NK / (MSCs at start + MSC divisions)"),
    Readout("msc_viable", "cells", "viable MSCs per well"),
    Readout("nk_viable", "cells", "viable NK cells per well"),
    Readout("nk_fold_expansion", "ratio", "viable NK at end / NK at start of main phase"),
    Readout("nk_proliferation_inhibition_pct", "%",
            "100 x (1 - expansion with MSC / expansion in the NK-alone well)", signed=True),
    Readout("nk_apoptosis_pct", "%",
            "apoptotic NK as a share of viable plus apoptotic, not yet disintegrated NK"),
    Readout("nk_cytotoxicity_k562_pct", "%",
            "4 h specific lysis of 10^4 K562 by 10^5 NK cells harvested at the end"),
    Readout("cd107a_pct", "%", "NK cells present at the end that degranulated in the last 4 h"),
    Readout("ifng_pg_ml", "pg/ml", "IFN-gamma in the medium (ELISA)"),
    Readout("tnfa_pg_ml", "pg/ml", "TNF-alpha in the medium (ELISA)"),
    Readout("il10_pg_ml", "pg/ml", "IL-10 in the medium (ELISA)"),
    Readout("tgfb_pg_ml", "pg/ml", "soluble TGF-beta1, latent plus active"),
    Readout("hgf_pg_ml", "pg/ml", "HGF in the medium (ELISA)"),
    Readout("activin_a_pg_ml", "pg/ml", "activin-A in the medium (ELISA)"),
    Readout("pge2_pg_ml", "pg/ml", "PGE2 in the medium (ELISA)"),
    Readout("kynurenine_uM", "uM", "kynurenine in the medium"),
    Readout("tryptophan_uM", "uM", "tryptophan in the medium"),
    Readout("nkg2d_rel", "fold", "NKG2D vs resting NK"),
    Readout("nkp30_rel", "fold", "NKp30 vs resting NK"),
    Readout("nkp46_rel", "fold", "NKp46 vs resting NK"),
    Readout("dnam1_rel", "fold", "DNAM-1 vs resting NK"),
    Readout("nkg2a_rel", "fold", "NKG2A vs resting NK"),
    Readout("kir_rel", "fold", "KIR vs resting NK"),
    Readout("cd16_rel", "fold", "CD16 vs resting NK"),
    Readout("nkp44_rel", "fold", "NKp44 vs NK activated with IL-2 100 U/ml for 72 h"),
    Readout("cd69_rel", "fold", "CD69 vs NK activated with IL-2 100 U/ml for 72 h"),
    Readout("cd56bright_pct", "%", "CD56bright NK among viable NK"),
    Readout("cd73_nk_pct", "%", "CD73+ NK among viable NK"),
    Readout("hla_i_rel", "fold", "HLA class I vs untreated MSC of the same source"),
    Readout("hla_e_rel", "fold", "HLA-E vs untreated MSC of the same source"),
    Readout("mica_rel", "fold", "MICA/B vs untreated MSC of the same source"),
    Readout("ulbp_rel", "fold", "ULBPs vs untreated MSC of the same source"),
    Readout("pvr_rel", "fold", "PVR (CD155) vs untreated MSC of the same source"),
    Readout("nectin2_rel", "fold", "Nectin-2 (CD112) vs untreated MSC of the same source"),
    Readout("serpinb9_rel", "fold", "serpin B9 vs untreated MSC of the same source"),
    Readout("cox2_rel", "fold", "COX-2 vs untreated MSC of the same source"),
    Readout("ido_rel", "fold",
            "IDO1 vs MSC of the same source licensed with IFN-gamma 100 ng/ml for 48 h"),
    Readout("hla_ii_rel", "fold",
            "HLA class II vs MSC of the same source licensed with IFN-gamma 100 ng/ml for 48 h"),
    Readout("pdl1_rel", "fold",
            "PD-L1 vs MSC of the same source licensed with IFN-gamma 100 ng/ml for 48 h"),
    Readout("tumor_viable", "cells", "viable tumor cells per well"),
    Readout("tumor_kill_pct", "%",
            "100 x (tumor alone - tumor with NK) / tumor alone"),
)
READOUT_NAMES: tuple[str, ...] = tuple(r.name for r in READOUTS)
#: Readouts that may be negative (MSCs can help NK cells grow); all others never are.
SIGNED_READOUTS: frozenset[str] = frozenset(r.name for r in READOUTS if r.signed)
READOUT_UNITS: dict[str, str] = {r.name: r.unit for r in READOUTS}

#: Typical measurement error of a readout, by unit: (absolute SD, coefficient of variation);
#: the SD of a value v is sqrt(absolute^2 + (cv v)^2). Assumed (replicate scatter of the
#: usual assays: release and flow-cytometry percentages a few points, ELISA 10-20 % with a
#: floor near its detection limit, counts about 10 %); ``mscnk design`` weighs predicted
#: differences by it.
NOISE_BY_UNIT: dict[str, tuple[float, float]] = {
    "%": (3.0, 0.0), "pg/ml": (10.0, 0.15), "cells": (100.0, 0.10), "ratio": (0.05, 0.10),
    "fold": (0.05, 0.10), "uM": (0.1, 0.10),
}


def measurement_sd(readout: str, value: float) -> float:
    """The assumed measurement SD of ``readout`` at ``value`` (:data:`NOISE_BY_UNIT`)."""
    absolute, cv = NOISE_BY_UNIT[READOUT_UNITS[readout]]
    return (absolute**2 + (cv * value) ** 2) ** 0.5
