"""NK cells: activation programmes, receptors, cytotoxic capacity, growth and death.

Per-cell levels are population means relative to resting NK cells (= 1), except NKp44
and CD69, which resting cells barely carry (their resting levels are parameters), and the
CD73+ share, which is a fraction. Cytokines act through three programmes (modelling notes,
point 1): STAT5 (IL-2, IL-15), STAT4/NF-kB (IL-12, IL-18) and STAT3 (IL-21).
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder, crowding, hill, inhibition


def _damped(b: ModelBuilder, function: str, signals: dict[str, sp.Expr]) -> sp.Expr:
    """1 / (1 + sum_i w_<signal>_<function> * signal_i): suppression of one NK function."""
    load = sum(b.p(f"w_{name}_{function}") * level for name, level in signals.items())
    return 1 / (1 + load)


def declare(b: ModelBuilder) -> None:
    s = b.sym
    programmes = ("stat5", "stat4", "stat3")
    for name, what in zip(programmes, ("IL-2/IL-15 STAT5", "IL-12/IL-18 STAT4/NF-kB",
                                       "IL-21 STAT3")):
        b.species(name, unit="1", kind="per_cell", compartment="nk",
                  description=f"{what} activation programme (0 resting, 1 full)")
    b.species("socs3", unit="1", kind="per_cell", compartment="nk",
              description="IL-10-induced SOCS3 (0 none, 1 full)")
    b.species("arming", unit="1", kind="per_cell", compartment="nk",
              description="cytotoxic capacity (perforin, granzyme, TRAIL, FasL), 1 = fully armed",
              initial=b.p("arming_resting"))
    b.species("granules", unit="1", kind="per_cell", compartment="nk",
              description="lytic granule content, 1 = full", initial=1)
    receptors = {
        "nkg2d": 1, "nkp30": 1, "nkp44": b.p("nkp44_resting"), "nkp46": 1, "dnam1": 1,
        "nkg2a": 1, "kir": 1, "cd69": b.p("cd69_resting"), "cd16": 1,
    }
    for name, initial in receptors.items():
        b.species(name, unit="fold vs resting NK", kind="per_cell", compartment="nk",
                  description=f"{name.upper()} surface level", initial=initial)
    b.species("cd73_fraction", unit="1", kind="per_cell", compartment="nk",
              description="share of NK cells carrying CD73", initial=b.p("cd73_resting_fraction"))

    # --- activation programmes ------------------------------------------------------
    jak_nk = inhibition(s.ag490_uM, b.p("ic50_ag490_jak"))
    b.turnover(s.socs3, hill(s.il10_free, b.p("ec50_il10")) * jak_nk, b.p("k_socs3"),
               mechanisms=("il10_stat3_socs3",), what="SOCS3 induced by IL-10/JAK/STAT3")
    il2 = hill(s.il2_u_ml * s.il2_left, b.p("ec50_il2"))
    il15 = hill(s.il15_ng_ml * s.il15_left, b.p("ec50_il15"))
    stat5_drive = (1 - (1 - il2) * (1 - il15)) / (1 + b.p("w_socs3_stat5") * s.socs3)
    b.turnover(s.stat5, b.switch("il2_il15_stat5") * stat5_drive, b.p("k_stat5"),
               mechanisms=("il2_il15_stat5",), what="STAT5 programme")
    il12 = hill(s.il12_ng_ml, b.p("ec50_il12"))
    il18 = hill(s.il18_ng_ml, b.p("ec50_il18"))
    alone12, alone18 = b.p("il12_alone_stat4"), b.p("il18_alone_stat4")
    stat4_drive = il12 * il18 + alone12 * il12 * (1 - il18) + alone18 * il18 * (1 - il12)
    blunting = _damped(b, "il12r", {"contact": s.msc_conjugate_share, "pge2": s.pge2_signal})
    b.expression("il12r_il18r_signal", 1 - b.switch("il12r_il18r_blunting") * (1 - blunting),
                 unit="1", mechanisms=("il12r_il18r_blunting",),
                 description="share of IL-12R/IL-18R signalling (pSTAT4, NF-kB) left by MSCs")
    b.turnover(s.stat4, b.switch("il12_il18_stat4") * stat4_drive * s.il12r_il18r_signal,
               b.p("k_stat4"),
               mechanisms=("il12_il18_stat4", "il12r_il18r_blunting"), what="STAT4/T-bet programme")
    b.turnover(s.stat3, b.switch("il21_stat3") * hill(s.il21_ng_ml, b.p("ec50_il21")),
               b.p("k_stat3"),
               mechanisms=("il21_stat3",), what="STAT3 programme")
    b.expression(
        "activation",
        1 - (1 - b.p("arming_stat5") * s.stat5) * (1 - b.p("arming_stat4") * s.stat4)
        * (1 - b.p("arming_stat3") * s.stat3),
        unit="1", mechanisms=("il2_il15_stat5", "il12_il18_stat4", "il21_stat3"),
        description="combined cytokine activation of cytotoxic machinery",
    )

    # --- cytotoxic capacity ---------------------------------------------------------
    # LAIR-1 binds the hydroxylated collagen of the MSC it is conjugated to (P4H knock-down
    # leaves collagen that binds it poorly); SHP-1/SHP-2 then lower perforin (Fu, review 002
    # ref 75), so an NK cell's LAIR-1 load is its conjugate share with MSCs times this ligation.
    b.expression("lair1_collagen_ligation",
                 b.switch("lair1_collagen") * s.msc_collagen
                 * (1 - b.p("knockdown_efficiency") * s.kd_p4h)
                 * (1 - b.p("antibody_occupancy") * s.ab_lair1),
                 unit="1", mechanisms=("lair1_collagen",),
                 description="LAIR-1 engaged by MSC collagen in one NK-MSC conjugate")
    rest = b.p("arming_resting")
    arming_target = (rest + (1 - rest) * s.activation) * _damped(b, "arming", {
        "tgfb": s.tgfb_signal, "pge2": s.pge2_signal, "socs3": s.socs3,
        "hla_g5": s.hla_g5_signal,
        "lair1": s.msc_conjugate_share * s.lair1_collagen_ligation})
    b.turnover(s.arming, arming_target, b.p("k_arming"),
               mechanisms=("resting_nk_quiescence", "il2_il15_stat5", "tgfb_smad", "pge2_ep2_ep4",
                           "il10_stat3_socs3", "hla_g5_ilt2", "lair1_collagen"),
               what="cytotoxic capacity")
    b.process("granules_refill", b.p("k_granule_refill") * (b.p("granule_refill_resting")
              + s.activation) * (1 - s.granules), {s.granules: 1},
              mechanisms=("granule_exhaustion",),
              description="lytic granules re-synthesised, faster in activated cells")

    # --- receptors ------------------------------------------------------------------
    def receptor(name, base, ups, downs, mechanisms):
        up = sum(b.p(f"up_{u}_{name}") * level for u, level in ups.items())
        target = (base + up) * (_damped(b, name, downs) if downs else 1)
        b.turnover(getattr(s, name), target, b.p("k_receptor"), mechanisms=mechanisms,
                   what=f"{name.upper()} surface level")

    # In conjugates, NKG2D and NKp30 meet their ligands on the MSC (MICA/ULBP, B7-H6) and are
    # internalised, so their loss scales with the ligands the source carries; MSCs carry no
    # NKp44 ligand (decidual ones a little), and NKp44 is lost in conjugates all the same.
    contact = s.msc_conjugate_share
    internalised = b.switch("receptor_internalisation") * contact
    b.expression("nkg2d_ligand_engagement", internalised * (s.msc_mica + s.msc_ulbp) / 2,
                 unit="1",
                 mechanisms=("receptor_internalisation",),
                 description="NKG2D ligands (MICA/ULBP) an NK cell meets in MSC conjugates")
    b.expression("nkp30_ligand_engagement", internalised * s.msc_b7h6, unit="1",
                 mechanisms=("receptor_internalisation",),
                 description="B7-H6 an NK cell meets in MSC conjugates")
    receptor("nkg2d", 1, {"stat5": s.stat5, "stat3": s.stat3},
             {"tgfb": s.tgfb_signal, "pge2": s.pge2_signal, "contact": s.nkg2d_ligand_engagement,
              "kynurenine": s.kynurenine_signal},
             ("nkg2d_mica_ulbp", "tgfb_smad", "pge2_ep2_ep4", "receptor_internalisation",
              "ido_kynurenine"))
    receptor("nkp30", 1, {"stat5": s.stat5},
             {"pge2": s.pge2_signal, "contact": s.nkp30_ligand_engagement, "tgfb": s.tgfb_signal},
             ("nkp30_b7h6", "pge2_ep2_ep4", "receptor_internalisation"))
    receptor("nkp44", receptors["nkp44"], {"stat5": s.stat5},
             {"pge2": s.pge2_signal, "contact": internalised},
             ("nkp44_no_role", "il2_il15_stat5", "pge2_ep2_ep4", "receptor_internalisation"))
    receptor("nkp46", 1, {"stat5": s.stat5}, {}, ("nkp46_weak", "il2_il15_stat5"))
    receptor("dnam1", 1, {"stat5": s.stat5}, {"tgfb": s.tgfb_signal},
             ("dnam1_pvr_nectin2", "il2_il15_stat5", "tgfb_smad"))
    receptor("nkg2a", 1, {"stat5": s.stat5, "pge2": s.pge2_signal, "tgfb": s.tgfb_signal}, {},
             ("missing_self", "pge2_ep2_ep4", "tgfb_smad"))
    receptor("kir", 1, {}, {}, ("missing_self",))
    receptor("cd69", receptors["cd69"], {"stat5": s.stat5, "stat4": s.stat4}, {},
             ("cd69_placenta", "il2_il15_stat5"))
    receptor("cd16", 1, {}, {}, ("perforin_granzyme",))
    cd73_rest = b.p("cd73_resting_fraction")
    cd73_target = cd73_rest + (b.p("cd73_max_fraction") - cd73_rest) * hill(
        contact + b.p("w_tgfb_cd73") * s.tgfb_signal, b.p("ec50_cd73"))
    b.turnover(s.cd73_fraction, cd73_target, b.p("k_cd73"), mechanisms=("cd73_adenosine",),
               what="CD73+ NK share")

    # --- growth, subsets and death --------------------------------------------------
    b.expression(
        "nk_growth_signal",
        (s.stat5 + b.p("prolif_stat4") * s.stat4 + b.p("prolif_stat3") * s.stat3)
        * inhibition(s.rapamycin_ng_ml, b.p("ic50_rapamycin")),
        unit="1", mechanisms=("nk_proliferation", "il2_il15_stat5", "immunosuppressant_sparing"),
        description="cytokine drive to divide (mTOR-dependent, so rapamycin slows it)",
    )
    b.expression(
        "soluble_arrest",
        b.switch("nk_apoptosis_arrest") * (
            b.p("arrest_pge2") * s.pge2_signal + b.p("arrest_kynurenine") * s.kynurenine_signal
            + b.p("arrest_tgfb") * s.tgfb_signal + b.p("arrest_hla_g5") * s.hla_g5_signal),
        unit="1", mechanisms=("nk_apoptosis_arrest",),
        description="soluble MSC signals that push NK cells to apoptosis",
    )
    b.expression(
        "nk_growth_left",
        _damped(b, "growth", {
            "pge2": s.pge2_signal, "kynurenine": s.kynurenine_signal,
            "starvation": s.tryptophan_starvation, "tgfb": s.tgfb_signal, "hgf": s.hgf_signal,
            "hla_g5": s.hla_g5_signal, "socs3": s.socs3, "adenosine": s.adenosine_signal,
            "contact": b.switch("contact_arrest") * contact}),
        unit="1",
        mechanisms=("pge2_ep2_ep4", "ido_kynurenine", "tgfb_smad", "hgf_cmet", "hla_g5_ilt2",
                    "il10_stat3_socs3", "cd73_adenosine", "contact_arrest", "nk_apoptosis_arrest"),
        description="share of NK division left by MSC factors (G0/G1 hold; each factor once)",
    )
    # Static culture: division slows as the well fills (medium and space run out), never
    # below zero, so NK numbers level off where division meets death.
    nk_limit = b.p("nk_density_limit_per_ml") * b.p("well_volume_ml")
    division = (s.cell_dynamics * b.p("k_nk_division") * s.nk_growth_signal * s.nk_growth_left
                * crowding(s.nk_total, nk_limit))
    b.process("nk_bright_division", division * b.p("bright_division_factor") * s.nk_bright,
              {s.nk_bright: 1}, mechanisms=("nk_proliferation", "il2_il15_stat5"),
              description="CD56bright NK cells divide (faster than CD56dim under IL-2)")
    b.process("nk_dim_division", division * s.nk_dim, {s.nk_dim: 1},
              mechanisms=("nk_proliferation", "il2_il15_stat5"),
              description="CD56dim NK cells divide")
    b.process("nk_bright_maturation", s.cell_dynamics * b.p("k_bright_to_dim") * s.nk_bright,
              {s.nk_bright: -1, s.nk_dim: 1}, mechanisms=("nk_proliferation",),
              description="CD56bright cells mature into CD56dim cells")
    b.process("nk_bright_loss_on_contact",
              b.switch("cd56bright_loss") * s.cell_dynamics * b.p("k_contact_bright_loss")
              * contact * s.nk_bright,
              {s.nk_bright: -1, s.nk_dim: 1}, mechanisms=("cd56bright_loss",), contact=True,
              description="contact with MSCs drives CD56bright cells to CD56dim")
    survival = 1 - (1 - s.stat5) * (1 - b.p("survival_stat4") * s.stat4) * (
        1 - b.p("survival_stat3") * s.stat3)
    death = s.cell_dynamics * (
        b.p("k_nk_death_resting") * (1 - survival)
        * inhibition(b.switch("msc_il6_nk_survival") * hill(s.il6, b.p("ec50_il6")),
                     b.p("ic50_il6_survival"))
        + b.p("k_nk_death_activated") + b.p("k_nk_death_msc") * s.soluble_arrest)
    b.expression("nk_death_rate", death, unit="1/h",
                 mechanisms=("nk_apoptosis_arrest", "msc_il6_nk_survival"),
                 description="per-cell NK apoptosis rate")
    for subset in ("nk_bright", "nk_dim"):
        b.process(f"{subset}_apoptosis", s.nk_death_rate * getattr(s, subset),
                  {subset: -1, "nk_apoptotic": 1},
                  mechanisms=("nk_apoptosis_arrest", "msc_il6_nk_survival"),
                  description="NK cells enter apoptosis (cytokine withdrawal, MSC factors)")
    b.process("nk_apoptotic_disintegration",
              s.cell_dynamics * b.p("k_apoptotic_disintegration") * s.nk_apoptotic,
              {s.nk_apoptotic: -1}, mechanisms=("nk_apoptosis_arrest",),
              description="apoptotic NK cells disintegrate and leave the Annexin-V+ gate")
    b.process("nk_efferocytosis",
              b.switch("efferocytosis") * s.cell_dynamics * b.p("k_efferocytosis") * s.contact
              * s.msc
              / (s.msc + b.p("efferocytosis_half_cells")) * s.nk_apoptotic,
              {s.nk_apoptotic: -1}, mechanisms=("efferocytosis",), contact=True,
              description="MSCs in contact engulf apoptotic NK cells")
