"""Cell populations and the NK-MSC conjugate shares every contact process reads.

NK cells are two subsets (CD56bright, CD56dim) plus an apoptotic, not yet disintegrated
pool; MSC, tumor and tissue cells (an in vivo site's: none in a well) are one
population each. Cumulative counters (kills, divisions,
degranulations) make the readouts that count events exact.
"""

from __future__ import annotations

from mscnk.model import ModelBuilder


def declare(b: ModelBuilder) -> None:
    cells = "cells"
    b.species("msc", unit=cells, kind="cells", compartment="msc",
              description="viable MSCs per well")
    b.species("nk_bright", unit=cells, kind="cells", compartment="nk",
              description="viable CD56bright NK cells per well")
    b.species("nk_dim", unit=cells, kind="cells", compartment="nk",
              description="viable CD56dim NK cells per well")
    b.species("nk_apoptotic", unit=cells, kind="cells", compartment="nk",
              description="apoptotic NK cells not yet disintegrated (Annexin-V+)")
    b.species("tumor", unit=cells, kind="cells", compartment="tumor",
              description="viable tumor cells per well")
    b.species("tissue", unit=cells, kind="cells", compartment="tissue",
              description="tissue cells NK cells meet at an in vivo site (host epithelium, a "
                          "graft, infected cells); none in a well")
    b.species("msc_killed", unit=cells, kind="counter", compartment="msc",
              description="MSCs killed by NK cells since the main phase began")
    b.species("msc_divisions", unit=cells, kind="counter", compartment="msc",
              description="MSC divisions since the main phase began")
    b.species("tumor_killed", unit=cells, kind="counter", compartment="tumor",
              description="tumor cells killed by NK cells since the main phase began")
    b.species("tissue_killed", unit=cells, kind="counter", compartment="tissue",
              description="tissue cells killed by NK cells since the main phase began")
    b.species("nk_degranulations", unit="events", kind="counter", compartment="nk",
              description="NK degranulation events (CD107a exposure) since the phase began")
    s = b.sym
    b.expression("nk_total", s.nk_bright + s.nk_dim, unit=cells,
                 description="viable NK cells", mechanisms=("nk_proliferation",))
    b.expression("nk_bright_share_resting", b.p("cd56bright_fraction_resting"), unit="1",
                 mechanisms=("cd56bright_loss",),
                 description="CD56bright share of freshly isolated NK cells (seeding split)")
    # Conjugates. NK cells and MSCs bind each other; an MSC holds few NK cells at a time, so
    # the share of its time an NK cell spends bound to MSCs falls as NK cells outnumber them,
    # M / (M + N + K), and the share of an MSC's surface taken by NK cells rises with them.
    # This separates 1:1 from 10:1 co-cultures at the same MSC number (modelling notes,
    # point 5). Every contact process reads one of these shares, weighted by the engagement
    # that carries it (ligands, NK activation), under its own mechanism.
    b.expression(
        "msc_conjugate_share",
        b.switch("nk_msc_conjugates") * s.contact * s.msc
        / (s.msc + s.nk_total + b.p("contact_half_cells")),
        unit="1", mechanisms=("nk_msc_conjugates",),
        description="share of an NK cell's time spent in conjugates with MSCs (0 in a transwell)",
    )
    b.expression(
        "nk_conjugate_share",
        b.switch("nk_msc_conjugates") * s.contact * s.nk_total
        / (s.msc + s.nk_total + b.p("contact_half_cells")),
        unit="1", mechanisms=("nk_msc_conjugates",),
        description="share of an MSC's surface engaged in conjugates with NK cells (0 in a "
                    "transwell)",
    )
