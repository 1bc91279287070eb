"""MSCs: surface ligands, licensing, the suppressive programme, growth and secretion.

Per-cell levels are absolute, in units of the untreated bone-marrow level (source traits
set the untreated level of each source); IDO, HLA-II and PD-L1 are in units of the level
reached by bone-marrow MSCs licensed with IFN-gamma. Licensing has two thresholds and a slow
memory (modelling notes, point 3); contact with NK cells primes the soluble programme.
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder, crowding, inhibition


def _knocked(b: ModelBuilder, flag: sp.Symbol) -> sp.Expr:
    """Share of a gene's expression left by a knockdown (1 without one)."""
    return 1 - b.p("knockdown_efficiency") * flag


def declare(b: ModelBuilder) -> None:
    s = b.sym
    per_cell = {
        "hla_i": ("HLA class I", s.msc_hla_i),
        "hla_e": ("HLA-E", s.msc_hla_e),
        "hla_ii": ("HLA class II", b.p("hla_ii_basal")),
        "pdl1": ("PD-L1", b.p("pdl1_basal")),
        "mica": ("MICA/MICB", s.msc_mica),
        "ulbp": ("ULBP1-3", s.msc_ulbp),
        "pvr": ("PVR (CD155)", s.msc_pvr),
        "nectin2": ("Nectin-2 (CD112)", s.msc_nectin2),
        "serpinb9": ("serpin B9 (PI-9)", s.msc_serpinb9 * _knocked(b, s.kd_serpinb9)),
        "ido": ("IDO1", b.p("ido_basal") * s.msc_ido * _knocked(b, s.kd_ido1)),
        "cox2": ("COX-2", s.msc_cox2 * _knocked(b, s.kd_cox2)),
        "activin_expression": ("activin-A (INHBA) expression",
                               s.msc_activin_a * _knocked(b, s.kd_activin_a)),
    }
    for name, (what, initial) in per_cell.items():
        b.species(name, unit="fold vs untreated BM-MSC", kind="per_cell", compartment="msc",
                  description=f"{what} per MSC", initial=initial)
    for name, what in (("licensing_memory", "IDO1 chromatin primed by strong licensing"),
                       ("contact_primed", "MSC soluble programme primed by NK contact"),
                       ("tlr3_primed", "TLR3 (poly I:C) priming"),
                       ("tlr4_primed", "TLR4 (LPS) priming")):
        b.species(name, unit="1", kind="per_cell", compartment="msc",
                  description=f"{what} (0 none, 1 full)")

    # --- licensing and surface ligands ----------------------------------------------
    surface = b.p("k_msc_surface")
    b.turnover(s.hla_i, s.msc_hla_i * (1 + b.p("up_licensing_hla_i") * s.licensing_low
                                        + b.p("up_tnfa_hla_i") * s.tnfa_signal),
               surface, mechanisms=("ifng_licensing", "missing_self"), what="HLA class I")
    b.turnover(s.hla_e, s.msc_hla_e * (1 + b.p("up_licensing_hla_e") * s.licensing_low),
               surface, mechanisms=("ifng_licensing", "missing_self"), what="HLA-E")
    b.turnover(s.hla_ii, b.p("hla_ii_basal") + s.licensing_high, surface,
               mechanisms=("ifng_licensing",), what="HLA class II")
    b.turnover(s.pdl1, b.p("pdl1_basal") + s.licensing_high, surface,
               mechanisms=("ifng_licensing",), what="PD-L1")
    for name, mechanism in (("mica", "nkg2d_mica_ulbp"), ("ulbp", "nkg2d_mica_ulbp"),
                            ("pvr", "dnam1_pvr_nectin2"), ("nectin2", "dnam1_pvr_nectin2")):
        b.turnover(getattr(s, name), getattr(s, f"msc_{name}"), surface,
                   mechanisms=(mechanism,), what=per_cell[name][0])
    b.turnover(s.serpinb9, per_cell["serpinb9"][1], b.p("k_serpinb9"),
               mechanisms=("serpinb9_protection",), what="serpin B9")

    # --- the suppressive programme ----------------------------------------------------
    # only strong licensing leaves a memory: the gain is quadratic in the STAT1 signal
    b.process("licensing_memory_gain",
              b.switch("licensing_memory") * b.p("k_memory_on") * s.licensing_high**2
              * (1 - s.licensing_memory),
              {s.licensing_memory: 1}, mechanisms=("licensing_memory",),
              description="strong IFN-gamma signalling opens IDO1 chromatin")
    b.process("licensing_memory_loss", b.p("k_memory_off") * s.licensing_memory,
              {s.licensing_memory: -1}, mechanisms=("licensing_memory",),
              description="IDO1 chromatin memory fades slowly")
    # Only activated NK cells start the programme (their IFN-gamma and IL-1beta at the
    # contact, review 002 ref 97; Chatterjee 2014): the gain is the MSC surface engaged in
    # conjugates times the NK cells' cytokine activation.
    b.process("contact_priming_gain",
              b.switch("contact_priming") * b.p("k_contact_priming") * s.nk_conjugate_share
              * s.activation
              * (1 - s.contact_primed),
              {s.contact_primed: 1}, mechanisms=("contact_priming",), contact=True,
              description="conjugates with activated NK cells start the MSC soluble programme")
    b.process("contact_priming_loss", b.p("k_contact_unpriming") * s.contact_primed,
              {s.contact_primed: -1}, mechanisms=("contact_priming",),
              description="contact priming fades without contact")
    for tlr in ("tlr3", "tlr4"):
        state = getattr(s, f"{tlr}_primed")
        b.process(f"{tlr}_priming_gain",
                  b.switch("tlr_priming") * b.p("k_tlr_priming") * getattr(s, f"{tlr}_ligand")
                  * (1 - state),
                  {state: 1}, mechanisms=("tlr_priming",),
                  description=f"{tlr.upper()} ligand primes the MSCs")
        b.process(f"{tlr}_priming_loss", b.p("k_tlr_fading") * state, {state: -1},
                  mechanisms=("tlr_priming",), description=f"{tlr.upper()} priming fades")
    ido_target = s.msc_ido * _knocked(b, s.kd_ido1) * (
        b.p("ido_basal")
        + s.licensing_high * (1 + b.p("up_tnfa_ido") * s.tnfa_signal
                              + b.p("up_il1b_ido") * s.il1b_signal)
        + b.p("up_memory_ido") * s.licensing_memory + b.p("up_tlr3_ido") * s.tlr3_primed)
    b.turnover(s.ido, ido_target, b.p("k_ido"),
               mechanisms=("ifng_licensing", "licensing_memory", "tnfa_il1b_cox2_ido",
                           "tlr_priming"), what="IDO1")
    cox2_target = s.msc_cox2 * _knocked(b, s.kd_cox2) * (
        1 + b.p("up_il1b_cox2") * s.il1b_signal + b.p("up_tnfa_cox2") * s.tnfa_signal
        + b.p("up_tlr3_cox2") * s.tlr3_primed + b.p("up_tlr4_cox2") * s.tlr4_primed
        + b.p("up_contact_cox2") * s.contact_primed)
    b.turnover(s.cox2, cox2_target, b.p("k_cox2"),
               mechanisms=("tnfa_il1b_cox2_ido", "tlr_priming", "contact_priming"), what="COX-2")
    b.turnover(s.activin_expression,
               per_cell["activin_expression"][1]
               * (1 + b.p("up_contact_activin") * s.contact_primed),
               b.p("k_activin_expression"), mechanisms=("activin_a_tbet", "contact_priming"),
               what="activin-A expression")

    # --- growth ---------------------------------------------------------------------
    growth = (s.cell_dynamics * sp.log(2) / s.msc_doubling_time_h
              * crowding(s.msc, b.p("msc_capacity")) * s.msc)
    b.process("msc_division", growth, {s.msc: 1, s.msc_divisions: 1},
              mechanisms=("msc_proliferation", "msc_sources"),
              description="MSCs divide at their source's pace until confluent")

    # --- secretion into the medium (per-cell rate in pg/cell/h -> ng/ml/h) ----------
    to_medium = s.msc * 1e-3 / b.p("well_volume_ml")
    primed = s.contact_primed
    cox = (inhibition(s.ns398_uM, b.p("ic50_ns398")) *
           inhibition(s.indomethacin_uM, b.p("ic50_indomethacin")))
    secretions = {
        # source trait sets basal output; COX-2 induction above the source's basal level scales it
        "pge2": (b.p("q_pge2") * s.msc_pge2 * s.cox2 / s.msc_cox2 * cox, "pge2_ep2_ep4"),
        "tgfb_latent": (b.p("q_tgfb") * s.msc_tgfb * _knocked(b, s.kd_tgfb1)
                        * (1 + b.p("up_contact_tgfb") * primed), "tgfb_smad"),
        "hgf": (b.p("q_hgf") * s.msc_hgf * (1 + b.p("up_contact_hgf") * primed), "hgf_cmet"),
        "hla_g5": (b.p("q_hla_g5") * s.msc_hla_g5 * _knocked(b, s.kd_hla_g)
                   * (1 + b.p("up_licensing_hla_g5") * s.licensing_high), "hla_g5_ilt2"),
        "il10": (b.p("q_il10") * s.msc_il10 * (1 + b.p("up_contact_il10") * primed),
                 "il10_stat3_socs3"),
        "activin_a": (b.p("q_activin_a") * s.activin_expression, "activin_a_tbet"),
        "il6": (b.p("q_il6") * s.msc_il6 * (1 + b.p("up_il1b_il6") * s.il1b_signal),
                "msc_il6_nk_survival"),
    }
    for name, (per_cell_rate, mechanism) in secretions.items():
        # the source profile sets each output; tumor-associated MSCs are the high-PGE2/TGF-beta case
        by_source = ("msc_sources", "tumor_associated_msc") if name in ("pge2", "tgfb_latent") else ()
        b.process(f"msc_secretes_{name}", to_medium * per_cell_rate, {name: 1},
                  mechanisms=(mechanism, *by_source), description=f"MSCs secrete {name}")
    kynurenine_rate = (b.switch("ido_kynurenine") * b.p("k_ido_catalysis") * s.ido * s.msc
                       * s.tryptophan / (s.tryptophan + b.p("km_ido_tryptophan"))
                       * inhibition(s.one_mt_uM, b.p("ic50_one_mt")))
    b.process("ido_tryptophan_to_kynurenine", kynurenine_rate,
              {s.tryptophan: -1, s.kynurenine: 1}, mechanisms=("ido_kynurenine",),
              description="IDO1 converts tryptophan to kynurenine (1:1, so the sum is conserved)")
