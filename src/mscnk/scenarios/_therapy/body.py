"""The body around the site: blood, the lung's first pass, trafficking, the site's exchange.

Declared after the co-culture modules, whose species are the site's (a tissue or tumor with
its fluid; ``well_volume_ml`` is the site's fluid volume). Infused products enter the blood
(the protocol adds each dose there); MSCs are mostly trapped in the lung, a share of every
circulating product homes to the site, and arriving cells join the site's population with
the product's per-cell state (``arriving_<state>`` inputs: a population-mean model). The
input ``in_vivo`` (1 at the site, 0 in the culture that makes a product) switches the
exchange of the site's fluid with the plasma on.
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder

#: Small molecules equilibrate with the plasma fast; everything else leaves with the lymph.
SMALL_MOLECULES = ("pge2", "kynurenine", "adenosine", "tryptophan")
#: Site fluid species kept at a plasma level: tryptophan (uM, a parameter) and the shares of
#: the supplied IL-2/IL-15 left (1: the supply is kept up from the plasma).
PLASMA_LEVELS = {"tryptophan": "plasma_tryptophan_uM", "il2_left": None, "il15_left": None}


def _joins(b: ModelBuilder, state: str, arrivals: sp.Expr, mechanism: str, what: str) -> None:
    """Arriving cells (``arrivals`` per resident cell per hour) bring ``arriving_<state>``:
    the population mean moves towards it (gain and dilution as two processes)."""
    brought = b.input(f"arriving_{state}", unit="as the state",
                      description=f"{state} of the {what} arriving at the site (the product's)")
    b.process(f"{state}_brought_by_arrivals", arrivals * brought, {state: 1},
              mechanisms=(mechanism,), description=f"arriving {what} bring their {state}")
    b.process(f"{state}_diluted_by_arrivals", arrivals * getattr(b.sym, state), {state: -1},
              mechanisms=(mechanism,), description=f"arriving {what} dilute the site's {state}")


def declare(b: ModelBuilder) -> None:
    s = b.sym
    b.input("in_vivo", unit="1", description="1 at an in vivo site, 0 in a culture")
    for name, compartment, what in (
            ("msc_blood", "blood", "infused MSCs in the circulation"),
            ("msc_lung", "lung", "infused MSCs trapped in the lung capillaries"),
            ("nk_blood", "blood", "infused NK cells in the circulation")):
        b.species(name, unit="cells", kind="cells", compartment=compartment, description=what)
    b.species("msc_arrived", unit="cells", kind="counter", compartment="msc",
              description="MSCs that reached the site from the blood")
    b.species("exosomes_blood", unit="ug", kind="medium", compartment="blood",
              description="infused exosomes in the circulation")

    # --- MSCs: lung first pass, homing, clearance at the site ---------------------------
    b.process("msc_lung_trapping", b.p("k_msc_lung_trapping") * s.msc_blood,
              {s.msc_blood: -1, s.msc_lung: 1}, mechanisms=("msc_lung_trapping",),
              description="circulating MSCs lodge in the lung capillaries")
    b.process("msc_lung_release", b.p("k_msc_lung_release") * s.msc_lung,
              {s.msc_lung: -1, s.msc_blood: 1}, mechanisms=("msc_lung_trapping",),
              description="a few trapped MSCs pass the lung")
    b.process("msc_lung_death", b.p("k_msc_lung_death") * s.msc_lung, {s.msc_lung: -1},
              mechanisms=("msc_lung_trapping",), description="trapped MSCs die and are cleared")
    msc_homing = b.p("k_msc_homing") * s.msc_blood
    b.process("msc_homing", msc_homing, {s.msc_blood: -1, s.msc: 1, s.msc_arrived: 1},
              mechanisms=("msc_homing",), description="circulating MSCs home to the site")
    for state in b.declared_species(compartment="msc", kind="per_cell"):
        _joins(b, state, msc_homing / (s.msc + 1), "msc_homing", "MSCs")
    b.process("msc_cleared_at_site", s.in_vivo * b.p("k_msc_clearance") * s.msc, {s.msc: -1},
              mechanisms=("msc_in_vivo_clearance",),
              description="host phagocytes and complement clear MSCs at the site")
    # A site that holds MSCs of its own (a tumor's TA-MSCs) keeps them up: it recruits as many
    # as clearance takes at its resting number (recruited cells join the population mean).
    resident = b.input("resident_msc_cells", unit="cells",
                       description="MSCs the site holds of its own before therapy")
    b.process("msc_recruited_by_site", s.in_vivo * b.p("k_msc_clearance") * resident,
              {s.msc: 1}, mechanisms=("msc_in_vivo_clearance",),
              description="the site recruits MSCs of its own as fast as it loses them at rest")

    # --- NK cells: persistence in the blood, homing --------------------------------------
    nk_homing = b.p("k_nk_homing") * s.nk_blood
    bright = b.input("arriving_bright_share", unit="1",
                     description="CD56bright share of the NK cells arriving at the site")
    b.process("nk_homing_bright", nk_homing * bright, {s.nk_blood: -1, s.nk_bright: 1},
              mechanisms=("nk_trafficking",), description="circulating CD56bright NK cells home")
    b.process("nk_homing_dim", nk_homing * (1 - bright), {s.nk_blood: -1, s.nk_dim: 1},
              mechanisms=("nk_trafficking",), description="circulating CD56dim NK cells home")
    for state in b.declared_species(compartment="nk", kind="per_cell"):
        _joins(b, state, nk_homing / (s.nk_total + 1), "nk_trafficking", "NK cells")
    b.process("nk_blood_loss", b.p("k_nk_blood_loss") * s.nk_blood, {s.nk_blood: -1},
              mechanisms=("nk_trafficking",),
              description="circulating NK cells die or settle elsewhere")

    # --- exosomes ------------------------------------------------------------------------
    uptake = b.p("k_exosome_site_uptake") * s.exosomes_blood
    b.process("exosomes_leave_blood_to_site", uptake, {s.exosomes_blood: -1},
              mechanisms=("exosome_biodistribution",),
              description="the site takes up circulating exosomes")
    b.process("exosomes_arrive_at_site", uptake / b.p("well_volume_ml"), {s.exosomes: 1},
              mechanisms=("exosome_biodistribution",),
              description="exosomes taken up reach the site's fluid")
    b.process("exosomes_cleared_from_blood", b.p("k_exosome_blood_clearance") * s.exosomes_blood,
              {s.exosomes_blood: -1}, mechanisms=("exosome_biodistribution",),
              description="liver and spleen take up circulating exosomes")

    # --- the site's fluid exchanges with the plasma --------------------------------------
    for name in b.declared_species(compartment="medium", kind="medium"):
        rate = s.in_vivo * b.p("k_exchange_small" if name in SMALL_MOLECULES
                               else "k_exchange_protein")
        b.process(f"{name}_exchanged_out", rate * getattr(s, name), {name: -1},
                  mechanisms=("site_exchange",),
                  description=f"{name} leaves the site's fluid to blood and lymph")
        if name in PLASMA_LEVELS:
            level = PLASMA_LEVELS[name]
            b.process(f"{name}_resupplied", rate * (b.p(level) if level else 1), {name: 1},
                      mechanisms=("site_exchange",),
                      description=f"{name} comes in from the plasma")
