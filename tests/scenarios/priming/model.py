"""Four species: target and effector cells, the effectors' activation, a cytokine."""

from __future__ import annotations

from mscnk.model import ModelBuilder, hill


def declare(b: ModelBuilder) -> None:
    s = b.sym
    b.species("targets", unit="cells", kind="cells", compartment="tumor",
              description="viable target cells per well")
    b.species("effectors", unit="cells", kind="cells", compartment="nk",
              description="effector cells per well")
    b.species("activation", unit="1", kind="per_cell", compartment="nk",
              initial=b.p("activation_resting"),
              description="activation of an effector cell (1: fully primed)")
    b.species("cytokine", unit="ng/ml", kind="medium", compartment="medium",
              description="priming cytokine in the medium")
    b.input("contact", unit="1", default=1.0, description="1: effectors touch the targets")
    b.input("growth", unit="1", default=1.0, description="0 in a pre-phase: no growth")
    b.process("target_growth", b.p("target_growth_per_h") * s.targets * s.growth,
              {s.targets: 1}, mechanisms=("target_growth",),
              description="targets divide")
    b.process("killing", b.p("k_kill") * s.activation * s.effectors * s.contact
              * s.targets / (s.targets + b.p("target_half_cells")),
              {s.targets: -1}, mechanisms=("contact_killing",),
              description="an activated effector kills a target it touches")
    b.turnover(s.activation, hill(s.cytokine, b.p("ec50_cytokine")), b.p("k_activation"),
               mechanisms=("cytokine_priming",), what="activation by the cytokine")
    b.process("cytokine_decay", b.p("k_cytokine_decay") * s.cytokine, {s.cytokine: -1},
              mechanisms=("cytokine_priming",), description="the cytokine is consumed")
