"""NK recognition and killing of MSCs and tumor cells, and what engagement triggers.

An NK cell meets targets at a rate that saturates with target number; a conjugate
degranulates with a probability set by cytotoxic capacity, activating-receptor engagement
(cooperative, Hill 2) and HLA-driven inhibition (cooperative, Hill 2: modelling notes,
point 4).
Granule exocytosis is held back by adenosine (A2A/cAMP); granule killing is blocked by
serpin B9 and uses up granules (serial-killing exhaustion);
FasL and TRAIL kill more slowly and need no granules. MSC contact processes are gated by
``contact``; tumor cells (and, in vivo, tissue cells) always share the NK compartment.
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder, inhibition


def _blocked(b: ModelBuilder, antibody: sp.Symbol) -> sp.Expr:
    return 1 - b.p("antibody_occupancy") * antibody


def declare(b: ModelBuilder) -> None:
    s = b.sym
    w = {name: b.p(f"w_{name}") for name in ("nkg2d", "nkp30", "dnam1", "nkp46", "nkp44", "cd69")}
    # each activating pair on MSCs under its own mechanism's switch
    on = {name: b.switch(mechanism) for name, mechanism in (
        ("nkg2d", "nkg2d_mica_ulbp"), ("nkp30", "nkp30_b7h6"), ("dnam1", "dnam1_pvr_nectin2"),
        ("nkp46", "nkp46_weak"), ("nkp44", "nkp44_no_role"), ("cd69", "cd69_placenta"))}
    engaged = {
        "nkg2d": s.nkg2d * _blocked(b, s.ab_nkg2d),
        "nkp30": s.nkp30 * _blocked(b, s.ab_nkp30),
        "dnam1": s.dnam1 * _blocked(b, s.ab_dnam1),
        "nkp46": s.nkp46 * _blocked(b, s.ab_nkp46),
        "nkp44": s.nkp44 * _blocked(b, s.ab_nkp44),
        "cd69": s.cd69 * _blocked(b, s.ab_cd69),
    }
    hla_free = _blocked(b, s.ab_hla_i)
    nkg2a_free = s.nkg2a * _blocked(b, s.ab_nkg2a)

    # --- MSC as a target ------------------------------------------------------------
    b.expression(
        "msc_activating_ligation",
        on["nkg2d"] * w["nkg2d"] * engaged["nkg2d"] * (s.mica + s.ulbp) / 2
        + on["nkp30"] * w["nkp30"] * engaged["nkp30"] * s.msc_b7h6
        + on["dnam1"] * w["dnam1"] * engaged["dnam1"] * (s.pvr + s.nectin2) / 2
        + on["nkp46"] * w["nkp46"] * engaged["nkp46"] * s.msc_nkp46_ligand
        + on["nkp44"] * w["nkp44"] * engaged["nkp44"] * s.msc_nkp44_ligand
        + on["cd69"] * w["cd69"] * engaged["cd69"] * s.msc_cd69_ligand,
        unit="1",
        mechanisms=("nkg2d_mica_ulbp", "nkp30_b7h6", "dnam1_pvr_nectin2", "nkp46_weak",
                    "nkp44_no_role", "cd69_placenta", "antibody_blockade"),
        description="activating receptor-ligand engagement in an NK-MSC conjugate",
    )
    lair1 = b.p("w_lair1") * s.lair1_collagen_ligation
    missing_self = b.switch("missing_self")  # HLA-I on KIR/LIR-1, HLA-E on NKG2A
    b.expression(
        "msc_inhibitory_ligation",
        missing_self * (s.kir * s.hla_i + b.p("w_nkg2a") * nkg2a_free * s.hla_e) * hla_free
        + lair1,
        unit="1", mechanisms=("missing_self", "lair1_collagen", "antibody_blockade"),
        description="KIR/LIR-1-HLA-I, NKG2A-HLA-E and LAIR-1-collagen engagement",
    )
    half_act, half_inh = b.p("activation_half"), b.p("inhibition_half")

    def hit(activating, inhibitory):
        # Activating receptors act in synergy (co-engagement), so the trigger is cooperative
        # in the ligation (Hill 2) just as HLA inhibition is (modelling notes, point 4).
        trigger = activating**2 / (activating**2 + half_act**2)
        return trigger / (1 + (inhibitory / half_inh) ** 2)

    b.expression("msc_trigger", hit(s.msc_activating_ligation, s.msc_inhibitory_ligation),
                 unit="1", mechanisms=("missing_self", "nkg2d_mica_ulbp"),
                 description="probability that an NK-MSC conjugate signals to kill")
    crowd = b.p("target_half_cells") + s.contact * s.msc + s.tumor + s.tissue
    b.expression("msc_conjugation", b.p("k_conjugation") * s.contact * s.msc / crowd,
                 unit="1/h", mechanisms=("perforin_granzyme",),
                 description="conjugates an NK cell forms with MSCs per hour")

    # --- tumor and tissue cells as targets --------------------------------------------
    # Both share the NK compartment; each carries its own traits (inputs ``<target>_<trait>``):
    # tumor cells those of the tumor line, tissue cells (in vivo only) those of the site.
    # 2B4 (CD244) co-activates on CD48, which haematopoietic targets carry and MSCs of every
    # source tested lack (review 002 refs 57, 62): so it adds to target recognition only.
    for target, context, what in (("tumor", "tumor_targets", "tumor cells"),
                                  ("tissue", "tissue_targets", "tissue cells")):
        def trait(name: str, target: str = target) -> sp.Symbol:
            return getattr(s, f"{target}_{name}")

        b.expression(f"{target}_conjugation", b.p("k_conjugation") * getattr(s, target) / crowd,
                     unit="1/h", mechanisms=(context,),
                     description=f"conjugates an NK cell forms with {what} per hour")
        activating = (w["nkg2d"] * engaged["nkg2d"] * trait("nkg2d_ligand")
                      + w["nkp30"] * engaged["nkp30"] * trait("ncr_ligand")
                      + w["dnam1"] * engaged["dnam1"] * trait("dnam1_ligand")
                      + b.switch("cd48_2b4") * b.p("w_2b4") * trait("cd48"))
        inhibitory = (missing_self * (s.kir + b.p("w_nkg2a") * nkg2a_free) * trait("hla_i")
                      * hla_free)
        car = b.switch("car_nk_killing") * s.car * trait("antigen") * b.p("car_trigger")
        b.expression(f"{target}_trigger", 1 - (1 - hit(activating, inhibitory)) * (1 - car),
                     unit="1", mechanisms=(context, "car_nk_killing", "missing_self", "cd48_2b4"),
                     description=f"probability a conjugate with {what} signals to kill (CAR "
                                 "bypasses HLA)")
    target_engagement = (s.tumor_conjugation * s.tumor_trigger
                         + s.tissue_conjugation * s.tissue_trigger)

    # --- degranulation, killing, exhaustion -----------------------------------------
    # Adenosine on A2A raises cAMP/PKA in the NK cell, which holds granule exocytosis back
    # within minutes (Lokshin 2006 Cancer Res 66:7758; review 002 refs 107-112).
    b.expression("adenosine_exocytosis_left",
                 1 / (1 + b.p("w_adenosine_exocytosis") * s.adenosine_signal), unit="1",
                 mechanisms=("cd73_adenosine",),
                 description="share of granule exocytosis left by the adenosine A2A/cAMP signal")
    lytic = s.arming * s.granules * s.adenosine_exocytosis_left
    b.expression("degranulation_per_nk",
                 lytic * (s.msc_conjugation * s.msc_trigger + target_engagement),
                 unit="1/h", mechanisms=("perforin_granzyme", "granule_exhaustion"),
                 description="degranulations (CD107a exposure) per NK cell per hour")
    b.process("nk_degranulates", s.nk_total * s.degranulation_per_nk, {s.nk_degranulations: 1},
              mechanisms=("perforin_granzyme",),
              description="degranulation events counted for CD107a")
    b.process("granules_used",
              b.switch("granule_exhaustion") * b.p("granule_use") * s.degranulation_per_nk,
              {s.granules: -1},
              mechanisms=("granule_exhaustion",),
              description="each degranulation spends part of the granule store")
    granzyme_msc = 1 / (1 + b.switch("serpinb9_protection") * b.p("w_serpinb9") * s.serpinb9)
    death_receptor = s.arming * (b.switch("fasl_killing") * b.p("k_fasl")
                                 + b.switch("trail_killing") * b.p("k_trail") * s.stat5)
    granule_kill = b.switch("perforin_granzyme") * b.p("p_granule_kill") * lytic
    kills = {
        "granule": (granule_kill * granzyme_msc,
                    ("perforin_granzyme", "serpinb9_protection")),
        "fasl_trail": (death_receptor, ("fasl_killing", "trail_killing")),
    }
    for path, (efficacy, mechanisms) in kills.items():
        rate = s.nk_total * s.msc_conjugation * s.msc_trigger * efficacy
        b.process(f"msc_killed_by_{path}", rate, {s.msc: -1, s.msc_killed: 1},
                  mechanisms=mechanisms, contact=True,
                  description=f"NK cells kill MSCs ({path.replace('_', '/')})")
    for target, context in (("tumor", "tumor_targets"), ("tissue", "tissue_targets")):
        rate = (s.nk_total * getattr(s, f"{target}_conjugation") * getattr(s, f"{target}_trigger")
                * (granule_kill + death_receptor))
        b.process(f"{target}_killed_by_nk", rate, {target: -1, f"{target}_killed": 1},
                  mechanisms=(context, "car_nk_killing", "perforin_granzyme"),
                  description=f"NK cells kill {target} cells")

    # --- what engagement does to the MSC --------------------------------------------
    per_msc_encounters = b.p("k_conjugation") * s.contact * s.nk_total / crowd
    for ligand in ("pvr", "nectin2"):
        b.process(f"{ligand}_stripped",
                  b.switch("nk_ligand_stripping") * b.p("k_ligand_stripping")
                  * per_msc_encounters * engaged["dnam1"] * s.stat5
                  * getattr(s, ligand), {ligand: -1},
                  mechanisms=("nk_ligand_stripping",), contact=True,
                  description=f"DNAM-1 on STAT5-activated NK cells strips {ligand} from MSCs")
    b.process("serpinb9_lost_to_ros",
              b.switch("ros_serpinb9_loss") * b.p("k_ros_serpinb9") * per_msc_encounters
              * s.arming * s.serpinb9,
              {s.serpinb9: -1}, mechanisms=("ros_serpinb9_loss",), contact=True,
              description="NK-induced reactive oxygen species deplete serpin B9")

    # --- NK secretion ---------------------------------------------------------------
    to_medium = s.nk_total * 1e-3 / b.p("well_volume_ml")
    engagement = s.msc_conjugation * s.msc_trigger + target_engagement
    burst = b.switch("contact_ifng_burst")  # what engagement makes NK cells secrete
    nfat = (inhibition(s.tacrolimus_ng_ml, b.p("ic50_tacrolimus"))
            * inhibition(s.sotrastaurin_nM, b.p("ic50_sotrastaurin")))
    tbet = 1 / (1 + b.p("w_activin_tbet") * s.activin_signal + b.p("w_pge2_tbet") * s.pge2_signal)
    burst_damping = 1 / (1 + b.p("w_pge2_burst") * s.pge2_signal)
    b.process("nk_secretes_ifng_cytokine",
              to_medium * nfat * tbet * (b.p("q_ifng_stat4") * s.stat4
                                         + b.p("q_ifng_stat5") * s.stat5),
              {s.ifng: 1}, mechanisms=("il12_il18_stat4", "activin_a_tbet", "pge2_ep2_ep4"),
              description="cytokine-driven (T-bet) IFN-gamma, damped by activin-A and PGE2")
    b.process("nk_secretes_ifng_triggered",
              burst * to_medium * nfat * burst_damping * b.p("q_ifng_burst") * s.arming
              * engagement,
              {s.ifng: 1}, mechanisms=("contact_ifng_burst",),
              description="activating-receptor engagement triggers an IFN-gamma burst")
    b.process("nk_secretes_tnfa",
              to_medium * nfat * (b.p("q_tnfa_cytokine") * s.activation
                                  + burst * b.p("q_tnfa_burst") * s.arming * engagement),
              {s.tnfa: 1}, mechanisms=("tnfa_il1b_cox2_ido", "contact_ifng_burst"),
              description="NK cells secrete TNF-alpha")
    b.process("nk_secretes_il1b",
              to_medium * (b.p("q_il1b_cytokine") * s.activation
                           + b.p("q_il1b_burst") * s.arming * engagement),
              {s.il1b: 1}, mechanisms=("tnfa_il1b_cox2_ido",),
              description="NK cells release IL-1beta, more on target engagement")
    b.process("nk_cd73_makes_adenosine",
              s.nk_total * s.cd73_fraction * b.p("q_adenosine") / b.p("well_volume_ml"),
              {s.adenosine: 1}, mechanisms=("cd73_adenosine",),
              description="CD73 on NK cells turns AMP into adenosine")
