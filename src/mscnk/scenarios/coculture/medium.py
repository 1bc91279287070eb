"""The shared medium: soluble factors, their decay, and the signals cells read from them.

Concentrations are ng/ml for proteins and PGE2, uM for tryptophan, kynurenine and
adenosine, ug/ml for exosomes; IL-2 and IL-15 are followed as the share of the supply left,
which NK cells take up. Antibodies block action, never measurement: the signals
below discount neutralised factors, the species keep the total an ELISA would report.
"""

from __future__ import annotations

from mscnk.model import ModelBuilder, hill, inhibition

#: medium factor -> (unit, description, mechanism owning its decay)
FACTORS = {
    "ifng": ("ng/ml", "IFN-gamma", "ifng_licensing"),
    "tnfa": ("ng/ml", "TNF-alpha", "tnfa_il1b_cox2_ido"),
    "il1b": ("ng/ml", "IL-1beta", "tnfa_il1b_cox2_ido"),
    "pge2": ("ng/ml", "prostaglandin E2", "pge2_ep2_ep4"),
    "tgfb_latent": ("ng/ml", "latent TGF-beta1 (LAP-bound)", "tgfb_smad"),
    "tgfb_active": ("ng/ml", "active TGF-beta1", "tgfb_smad"),
    "hgf": ("ng/ml", "hepatocyte growth factor", "hgf_cmet"),
    "hla_g5": ("ng/ml", "soluble HLA-G5", "hla_g5_ilt2"),
    "il10": ("ng/ml", "IL-10", "il10_stat3_socs3"),
    "activin_a": ("ng/ml", "activin-A", "activin_a_tbet"),
    "il6": ("ng/ml", "IL-6", "msc_il6_nk_survival"),
    "exosomes": ("ug/ml", "MSC-derived exosomes", "exosome_tgfb"),
    "adenosine": ("uM", "adenosine", "cd73_adenosine"),
}


def declare(b: ModelBuilder) -> None:
    s = b.sym
    for name, (unit, what, _mechanism) in FACTORS.items():
        b.species(name, unit=unit, kind="medium", compartment="medium",
                  description=f"{what} in the medium")
    b.species("tryptophan", unit="uM", kind="medium", compartment="medium",
              description="tryptophan in the medium", initial=24.5)
    b.species("kynurenine", unit="uM", kind="medium", compartment="medium",
              description="kynurenine in the medium")
    # IL-2 and IL-15 leave the medium by receptor-mediated endocytosis (CD25/CD122/CD132)
    # into the NK cells that use them, so a well that is never fed runs out.
    for cytokine, what in (("il2", "IL-2"), ("il15", "IL-15")):
        left = b.species(f"{cytokine}_left", unit="1", kind="medium", compartment="medium",
                         description=f"share of the {what} supplied at the phase start still "
                                     "in the medium", initial=1)
        b.process(f"{cytokine}_uptake_by_nk",
                  b.p("il2_il15_clearance_per_nk") * s.nk_total / b.p("well_volume_ml") * left,
                  {left: -1}, mechanisms=("il2_il15_stat5",),
                  description=f"NK cells take up {what} through its receptors")
    for name, (_unit, what, mechanism) in FACTORS.items():
        if name == "tgfb_latent":
            continue  # leaves by activation (below), not by decay
        b.process(f"{name}_decay", b.p(f"k_decay_{name}") * getattr(s, name), {name: -1},
                  mechanisms=(mechanism,), description=f"{what}: decay and uptake")
    b.process("tgfb_activation",
              (b.p("k_tgfb_activation") + b.p("k_tgfb_activation_contact") * s.nk_conjugate_share)
              * s.tgfb_latent,
              {"tgfb_latent": -1, "tgfb_active": 1}, mechanisms=("tgfb_smad",),
              description="latent TGF-beta activated in the medium and at cell contacts")

    occupancy = b.p("antibody_occupancy")

    def free(level, antibody):
        return level * (1 - occupancy * antibody)

    # --- signals read by MSCs -------------------------------------------------------
    jak_msc = inhibition(s.ag490_uM, b.p("ic50_ag490_jak"))
    # STAT1 -> IRF1/NLRC5 transcription lags the medium by hours: MSCs act on the IFN-gamma
    # they have sensed, which follows the free (not neutralised) IFN-gamma of the medium.
    b.species("ifng_sensed", unit="ng/ml", kind="per_cell", compartment="msc",
              description="IFN-gamma level the MSC transcription programme has caught up with")
    b.turnover(s.ifng_sensed, free(s.ifng, s.ab_ifng), b.p("k_ifng_sensing"),
               mechanisms=("ifng_licensing",), what="IFN-gamma sensed by MSCs")
    ifng_free = s.ifng_sensed
    licensing = b.switch("ifng_licensing")
    b.expression("licensing_low", licensing * hill(ifng_free, b.p("ec50_ifng_hla")) * jak_msc,
                 unit="1",
                 mechanisms=("ifng_licensing",),
                 description="IFN-gamma/STAT1 signal at the low threshold that raises HLA-I/E")
    b.expression("licensing_high", licensing * hill(ifng_free, b.p("ec50_ifng_ido")) * jak_msc,
                 unit="1",
                 mechanisms=("ifng_licensing",),
                 description="IFN-gamma/STAT1 signal at the high threshold for IDO, HLA-II, PD-L1")
    inflammatory = b.switch("tnfa_il1b_cox2_ido")
    b.expression("tnfa_signal", inflammatory * hill(free(s.tnfa, s.ab_tnfa), b.p("ec50_tnfa")),
                 unit="1",
                 mechanisms=("tnfa_il1b_cox2_ido",), description="TNF-alpha receptor signal")
    b.expression("il1b_signal", inflammatory * hill(free(s.il1b, s.ab_il1b), b.p("ec50_il1b")),
                 unit="1",
                 mechanisms=("tnfa_il1b_cox2_ido",), description="IL-1 receptor signal")

    # --- signals read by NK cells ---------------------------------------------------
    b.expression("pge2_signal", b.switch("pge2_ep2_ep4") * hill(s.pge2, b.p("ec50_pge2_ep")),
                 unit="1",
                 mechanisms=("pge2_ep2_ep4",), description="EP2/EP4 -> cAMP signal in NK cells")
    ido = b.switch("ido_kynurenine")
    b.expression("kynurenine_signal", ido * hill(s.kynurenine, b.p("ec50_kynurenine")), unit="1",
                 mechanisms=("ido_kynurenine",),
                 description="kynurenine (AhR) signal in NK cells: hundreds of uM act")
    trp_half = b.p("tryptophan_starvation_half_uM")
    b.expression("tryptophan_starvation", ido * trp_half**2 / (trp_half**2 + s.tryptophan**2),
                 unit="1", mechanisms=("ido_kynurenine",),
                 description="GCN2 amino-acid starvation as tryptophan runs out")
    tgfb_exosome = b.switch("exosome_tgfb") * b.p("tgfb_per_exosome") * s.exo_tgfb * s.exosomes
    b.expression("tgfb_signal",
                 b.switch("tgfb_smad")
                 * hill((s.tgfb_active + tgfb_exosome) * (1 - occupancy * s.ab_tgfb),
                        b.p("ec50_tgfb")),
                 unit="1", mechanisms=("tgfb_smad", "exosome_tgfb"),
                 description="TGF-beta/Smad2-3 signal from free and exosome-bound TGF-beta")
    b.expression("hgf_signal", b.switch("hgf_cmet") * hill(s.hgf, b.p("ec50_hgf")), unit="1",
                 mechanisms=("hgf_cmet",), description="HGF/c-Met signal in NK cells")
    b.expression("hla_g5_signal",
                 b.switch("hla_g5_ilt2") * hill(free(s.hla_g5, s.ab_hla_g), b.p("ec50_hla_g5")),
                 unit="1", mechanisms=("hla_g5_ilt2",), description="HLA-G5 / ILT2 signal")
    b.expression("activin_signal",
                 b.switch("activin_a_tbet") * hill(s.activin_a, b.p("ec50_activin_a")), unit="1",
                 mechanisms=("activin_a_tbet",), description="activin-A / ALK4 signal in NK cells")
    b.expression("adenosine_signal",
                 b.switch("cd73_adenosine") * hill(s.adenosine, b.p("ec50_adenosine")), unit="1",
                 mechanisms=("cd73_adenosine",), description="adenosine A2A signal in NK cells")
    b.expression("il10_free", b.switch("il10_stat3_socs3") * free(s.il10, s.ab_il10),
                 unit="ng/ml",
                 mechanisms=("il10_stat3_socs3",), description="IL-10 not neutralised")
