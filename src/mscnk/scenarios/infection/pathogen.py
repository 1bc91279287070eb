"""Infection at the site: infected cells spread, IFN-gamma cures them without killing, and
the load drives IL-12 and IL-18.

The infected cells are the co-culture's tissue target population (``tissue``; NK cells kill
them through their traits, :mod:`mscnk.scenarios.coculture.killing`). Cytokine inputs are
constant within a phase, so the protocol sets the IL-12 and IL-18 the load drives at the
start of each step from ``infection_il12_ng_ml`` and ``infection_il18_ng_ml`` (declared here,
evaluated by the protocol: one formula).
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder, hill


def declare(b: ModelBuilder) -> None:
    s = b.sym
    susceptible = b.input("susceptible_cells", unit="cells",
                          description="cells at the site the pathogen can infect")
    doubling = b.input("spread_doubling_h", unit="h", default=12.0,
                       description="doubling time of the infected cells while targets abound")
    b.species("tissue_cured", unit="cells", kind="counter", compartment="tissue",
              description="infected cells cured by IFN-gamma")
    # infected cells infect the uninfected share of the susceptible cells (logistic: the
    # infected number never passes the susceptible one; +1 cell keeps a site without
    # susceptible cells, and the cultures that make products, defined)
    b.process("infection_spreads",
              s.in_vivo * sp.log(2) / doubling * (susceptible - s.tissue) / (susceptible + 1)
              * s.tissue,
              {s.tissue: 1}, mechanisms=("pathogen_spread",),
              description="infected cells infect their neighbours")
    ifng = hill(s.ifng * (1 - b.p("antibody_occupancy") * s.ab_ifng), b.p("ec50_ifng_antiviral"))
    b.process("infection_cured_by_ifng",
              b.switch("ifng_antiviral") * b.p("k_ifng_antiviral") * ifng * s.tissue,
              {s.tissue: -1, s.tissue_cured: 1}, mechanisms=("ifng_antiviral",),
              description="IFN-gamma purges the pathogen from infected cells")
    load = hill(s.tissue, b.p("infected_half_cytokines"))
    b.expression("infection_il12_ng_ml", b.p("il12_max_infection") * load, unit="ng/ml",
                 mechanisms=("pathogen_spread",),
                 description="IL-12 the infection drives at the site (set each step)")
    b.expression("infection_il18_ng_ml", b.p("il18_max_infection") * load, unit="ng/ml",
                 mechanisms=("pathogen_spread",),
                 description="IL-18 the infection drives at the site (set each step)")
