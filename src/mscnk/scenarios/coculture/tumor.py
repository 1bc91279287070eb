"""Tumor targets: K562 (HLA-I negative) and an HLA-I-positive, antigen-positive solid line.

Tumor cells share the NK compartment in every culture: in a transwell they sit in the lower
well with the NK cells while the MSCs sit in the insert (the usual design: target cells
with the effectors, the cells under study behind the membrane). So NK-tumor contact is
never gated by ``contact`` (see :mod:`mscnk.model.killing`); MSCs reach the tumor and its
killers only through the medium.
"""

from __future__ import annotations

import sympy as sp

from mscnk.model import ModelBuilder, crowding


def declare(b: ModelBuilder) -> None:
    s = b.sym
    growth = (s.cell_dynamics * sp.log(2) / s.tumor_doubling_time_h
              * crowding(s.tumor, b.p("tumor_capacity")) * s.tumor)
    b.process("tumor_division", growth, {s.tumor: 1}, mechanisms=("tumor_targets",),
              description="tumor cells divide until the well is full")
