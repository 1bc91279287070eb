"""Tumor targets: K562 (HLA-I negative) and an HLA-I-positive, antigen-positive solid line."""

from __future__ import annotations

import sympy as sp

from mscnk.model._declare import ModelBuilder


def declare(b: ModelBuilder) -> None:
    s = b.sym
    growth = (s.cell_dynamics * sp.log(2) / s.tumor_doubling_time_h
              * (1 - s.tumor / b.p("tumor_capacity")) * s.tumor)
    b.process("tumor_division", growth, {s.tumor: 1}, mechanisms=("tumor_targets",),
              description="tumor cells divide until the well is full")
