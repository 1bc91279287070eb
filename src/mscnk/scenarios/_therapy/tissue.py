"""Tissue at a GVHD or transplant site: renewal, and injury by IFN-gamma with TNF-alpha.

The tissue cells are the co-culture's second target population (``tissue``, killed by NK
cells through their traits: :mod:`mscnk.scenarios.coculture.killing`); here they renew
towards the tissue's size and die from the inflammatory cytokines in the site's fluid.
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder, hill


def declare(b: ModelBuilder) -> None:
    s = b.sym
    size = b.input("tissue_size", unit="cells", description="cells of the intact tissue at the site")
    renewal = b.input("tissue_renewal_h", unit="h", default=96.0,
                      description="time the tissue takes to renew half of what it lost")
    b.species("tissue_injured_by_cytokines", unit="cells", kind="counter", compartment="tissue",
              description="tissue cells killed by IFN-gamma with TNF-alpha")
    b.process("tissue_renews", s.in_vivo * sp.log(2) / renewal * (size - s.tissue),
              {s.tissue: 1}, mechanisms=("tissue_renewal",),
              description="progenitors replace lost tissue cells")
    occupancy = b.p("antibody_occupancy")
    ifng = hill(s.ifng * (1 - occupancy * s.ab_ifng), b.p("ec50_ifng_injury"))
    tnfa = hill(s.tnfa * (1 - occupancy * s.ab_tnfa), b.p("ec50_tnfa_injury"))
    b.process("tissue_injured_by_ifng_tnfa",
              b.switch("cytokine_tissue_injury") * b.p("k_cytokine_injury") * ifng * tnfa
              * s.tissue,
              {s.tissue: -1, s.tissue_injured_by_cytokines: 1},
              mechanisms=("cytokine_tissue_injury",),
              description="IFN-gamma with TNF-alpha kill tissue cells")
