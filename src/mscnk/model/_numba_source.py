"""Declaration -> Python source of the compiled model functions the batched engine calls.

Two functions are generated from the symbolic vector field, both writing into a buffer so the
solver allocates nothing per step:

* ``rhs(x, p, u, out)``: ``out[i] = dx_i/dt`` (species units per hour);
* ``jacobian_values(x, p, u, out)``: the structurally nonzero entries of ``d rhs / d x`` in
  row-major order of :attr:`NumbaSource.rows` / :attr:`NumbaSource.cols`.

Common subexpressions are shared (SymPy ``cse``) and every name becomes an index into the
state, parameter or input vector, so the text compiles unchanged under numba.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter


@dataclass(frozen=True)
class NumbaSource:
    """Generated source and the Jacobian's sparsity pattern it fills."""

    text: str
    rows: np.ndarray  # (nonzeros,) row of each Jacobian value
    cols: np.ndarray  # (nonzeros,) column of each Jacobian value
    n_states: int


def _indexed(states: Sequence[sp.Symbol], params: Sequence[sp.Symbol],
             inputs: Sequence[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    table: dict[sp.Symbol, sp.Expr] = {}
    for base, symbols in (("x", states), ("p", params), ("u", inputs)):
        vector = sp.IndexedBase(base)
        table.update({symbol: vector[i] for i, symbol in enumerate(symbols)})
    return table


def _function(name: str, doc: str, expressions: Sequence[sp.Expr]) -> str:
    """``def name(x, p, u, out)`` assigning each expression to ``out[k]``, with shared terms."""
    printer = PythonCodePrinter({"standard": "python3", "fully_qualified_modules": True})
    shared, reduced = sp.cse(list(expressions), symbols=sp.numbered_symbols("t"))
    lines = ['@njit(cache=True, error_model="numpy")', f"def {name}(x, p, u, out):",
             f'    """{doc}"""']
    lines += [f"    {symbol} = {printer.doprint(value)}" for symbol, value in shared]
    lines += [f"    out[{k}] = {printer.doprint(value)}" for k, value in enumerate(reduced)]
    return "\n".join(lines) + "\n"


def numba_source(field: Sequence[sp.Expr], states: Sequence[sp.Symbol],
                 params: Sequence[sp.Symbol], inputs: Sequence[sp.Symbol]) -> NumbaSource:
    """Source of ``rhs`` and ``jacobian_values`` for the vector field ``field`` over ``states``."""
    jacobian = sp.Matrix(field).jacobian(list(states))
    rows, cols = [], []
    values = []
    for i in range(jacobian.rows):
        for j in range(jacobian.cols):
            entry = jacobian[i, j]
            if entry != 0:
                rows.append(i)
                cols.append(j)
                values.append(entry)
    table = _indexed(states, params, inputs)
    field_indexed = [sp.sympify(f).xreplace(table) for f in field]
    values_indexed = [v.xreplace(table) for v in values]
    text = "\n\n".join([
        "import math\n\nfrom numba import njit",
        _function("rhs", "Vector field dx/dt at state x (generated).", field_indexed),
        _function("jacobian_values", "Nonzero Jacobian entries at state x (generated).",
                  values_indexed),
    ])
    return NumbaSource(text, np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                       len(states))
