"""Inputs: the values an experiment sets (condition fields and phase switches).

Inputs are constant within a phase. The experiment layer maps a condition onto them;
MSC source and tumor line profiles come from the catalog (sources.yaml, tumor_lines.yaml).
"""

from __future__ import annotations

from mscnk.vocabulary import ACTIVATION_CYTOKINES, BLOCKADES, DRUGS, KNOCKDOWNS
from mscnk.model import ModelBuilder

#: MSC traits taken from the source profile; fold vs bone marrow unless noted.
MSC_TRAITS = (
    "hla_i", "hla_e", "hla_g5", "mica", "ulbp", "pvr", "nectin2", "b7h6", "nkp46_ligand",
    "nkp44_ligand", "cd69_ligand", "serpinb9", "cox2", "pge2", "ido", "tgfb", "hgf", "il10",
    "activin_a", "il6", "collagen",
)
#: Tumor-line traits (tumor_lines.yaml).
TUMOR_TRAITS = ("hla_i", "nkg2d_ligand", "ncr_ligand", "dnam1_ligand", "cd48", "antigen")

_CYTOKINE_UNITS = {"il2_u_ml": "U/ml"}
_DRUG_UNITS = {
    "one_mt_uM": "uM", "ns398_uM": "uM", "indomethacin_uM": "uM", "ag490_uM": "uM",
    "tacrolimus_ng_ml": "ng/ml", "rapamycin_ng_ml": "ng/ml", "sotrastaurin_nM": "nM",
}


def declare(b: ModelBuilder) -> None:
    """Declare every input with its unit and neutral default."""
    b.input("contact", unit="1", default=1.0,
            description="1 when MSC and NK cells share a compartment, 0 in a transwell")
    b.input("cell_dynamics", unit="1", default=1.0,
            description="1 in the main phase; 0 in pre-phases, where cell numbers stay fixed")
    for name in ACTIVATION_CYTOKINES:
        b.input(name, unit=_CYTOKINE_UNITS.get(name, "ng/ml"),
                description=f"activating cytokine {name.split('_')[0].upper()} in the medium")
    for name in BLOCKADES:
        b.input(f"ab_{name.removeprefix('anti_')}", unit="1",
                description=f"1 when blocking antibody {name} is present")
    for name in DRUGS:
        b.input(name, unit=_DRUG_UNITS[name], description=f"drug concentration {name}")
    for name in KNOCKDOWNS:
        b.input(f"kd_{name}", unit="1", description=f"1 when MSCs carry a knockdown of {name}")
    b.input("tlr3_ligand", unit="1", description="1 while poly(I:C) primes the MSCs")
    b.input("tlr4_ligand", unit="1", description="1 while LPS primes the MSCs")
    b.input("msc_doubling_time_h", unit="h", default=61.0,
            description="MSC population doubling time of the source")
    for trait in MSC_TRAITS:
        default = 0.0 if trait in ("nkp44_ligand", "cd69_ligand") else 1.0
        b.input(f"msc_{trait}", unit="fold vs bone marrow", default=default,
                description=f"MSC source trait {trait}")
    b.input("exo_tgfb", unit="fold vs bone marrow", default=1.0,
            description="TGF-beta carried per exosome, by exosome source")
    for trait in TUMOR_TRAITS:
        b.input(f"tumor_{trait}", unit="1", description=f"tumor line trait {trait}")
    for trait in TUMOR_TRAITS:
        b.input(f"tissue_{trait}", unit="1",
                description=f"trait {trait} of the tissue cells at an in vivo site")
    b.input("tumor_doubling_time_h", unit="h", default=24.0,
            description="tumor line doubling time")
    b.input("car", unit="1", description="1 when NK cells carry a CAR against the tumor antigen")
