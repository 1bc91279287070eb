"""Symbolic LU of the Newton matrix ``c*I - J`` for the Jacobian's fixed sparsity pattern.

A Rosenbrock step factorises ``E = I/(h*gamma) - J`` once and solves with it several times.
The pattern of ``J`` never changes, so the elimination order, the fill-in and the positions
of every entry are worked out once here; the compiled kernel then factorises with index
lists only (no pivot search, no dense O(n^3) work). The order is a fill-reducing symmetric
permutation (SuperLU's minimum degree on A+A^T, or reverse Cuthill-McKee, or none: whichever
gives the least fill). Pivots stay on the diagonal; where one is too small the kernel rejects
the step and halves it, which makes ``E`` diagonally dominant (it tends to ``I/(h*gamma)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from scipy.sparse.csgraph import reverse_cuthill_mckee
from scipy.sparse.linalg import splu


@dataclass(frozen=True)
class SparseLU:
    """Index lists of a static-pivot LU in a dense ``n x n`` work array (permuted order).

    ``perm[k]`` is the original index of permuted row/column ``k``. Row ``i`` of L (strictly
    lower, unit diagonal) has columns ``lower_cols[lower_ptr[i]:lower_ptr[i+1]]`` (ascending);
    row ``i`` of U (strictly upper) has ``upper_cols[upper_ptr[i]:upper_ptr[i+1]]``.
    """

    n: int
    perm: np.ndarray
    jacobian_positions: np.ndarray  # flat position of each Jacobian nonzero in the work array
    diagonal_positions: np.ndarray  # flat position of each diagonal entry
    fill_positions: np.ndarray  # flat positions of every entry of L+U (zeroed before a scatter)
    lower_ptr: np.ndarray
    lower_cols: np.ndarray
    upper_ptr: np.ndarray
    upper_cols: np.ndarray

    @property
    def fill_in(self) -> int:
        """Entries of L+U beyond the pattern of ``J`` and the diagonal."""
        return len(self.fill_positions) - len(set(self.jacobian_positions) |
                                               set(self.diagonal_positions))

    @property
    def factor_flops(self) -> int:
        """Multiply-subtract pairs in one factorisation."""
        total = 0
        for i in range(self.n):
            for k in self.lower_cols[self.lower_ptr[i]:self.lower_ptr[i + 1]]:
                total += self.upper_ptr[k + 1] - self.upper_ptr[k]
        return int(total)


def _symbolic_fill(pattern: set[tuple[int, int]], n: int) -> set[tuple[int, int]]:
    """Entries of L+U when eliminating in index order with diagonal pivots."""
    filled = set(pattern) | {(i, i) for i in range(n)}
    lower = [sorted(j for (i, j) in filled if i == r and j < r) for r in range(n)]
    upper = [set(j for (i, j) in filled if i == r and j > r) for r in range(n)]
    for i in range(n):
        todo = sorted(lower[i])
        seen = set(todo)
        while todo:
            k = todo.pop(0)
            for j in sorted(upper[k]):
                if j < i and j not in seen:
                    seen.add(j)
                    todo.append(j)
                    todo.sort()
                elif j > i:
                    upper[i].add(j)
        lower[i] = sorted(seen)
    return ({(i, j) for i in range(n) for j in lower[i]}
            | {(i, j) for i in range(n) for j in upper[i]}
            | {(i, i) for i in range(n)})


def _candidate_orders(rows: np.ndarray, cols: np.ndarray, n: int) -> list[np.ndarray]:
    values = np.ones(len(rows)) + np.arange(len(rows)) * 1e-3
    matrix = sparse.csc_matrix((values, (rows, cols)), shape=(n, n)) + sparse.identity(n) * n
    symmetric = sparse.csr_matrix(abs(matrix) + abs(matrix.T))
    orders = [np.arange(n), np.asarray(reverse_cuthill_mckee(symmetric, symmetric_mode=True))]
    factor = splu(sparse.csc_matrix(matrix), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                  options={"SymmetricMode": True})
    orders += [np.argsort(factor.perm_c), np.asarray(factor.perm_c)]
    return orders


def plan_lu(rows: np.ndarray, cols: np.ndarray, n: int) -> SparseLU:
    """The least-fill symbolic LU of ``c*I - J`` for Jacobian nonzeros at ``(rows, cols)``."""
    best = None
    for perm in _candidate_orders(rows, cols, n):
        position = np.empty(n, dtype=np.int64)
        position[perm] = np.arange(n)
        pattern = set(zip(position[rows].tolist(), position[cols].tolist()))
        filled = _symbolic_fill(pattern, n)
        if best is None or len(filled) < len(best[1]):
            best = (perm, filled, position)
    assert best is not None
    perm, filled, position = best
    lower = [sorted(j for (i, j) in filled if i == r and j < r) for r in range(n)]
    upper = [sorted(j for (i, j) in filled if i == r and j > r) for r in range(n)]

    def pointers(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        ptr = np.zeros(n + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(item) for item in lists])
        flat = np.array([j for item in lists for j in item], dtype=np.int64)
        return ptr, flat

    lower_ptr, lower_cols = pointers(lower)
    upper_ptr, upper_cols = pointers(upper)
    return SparseLU(
        n=n,
        perm=np.asarray(perm, dtype=np.int64),
        jacobian_positions=(position[rows] * n + position[cols]).astype(np.int64),
        diagonal_positions=np.arange(n, dtype=np.int64) * (n + 1),
        fill_positions=np.array(sorted(i * n + j for (i, j) in filled), dtype=np.int64),
        lower_ptr=lower_ptr, lower_cols=lower_cols, upper_ptr=upper_ptr, upper_cols=upper_cols,
    )


#: A pivot smaller than this times the shift 1/(h*gamma) makes the factorisation fail, so the
#: step is retried with half the step size.
PIVOT_TOLERANCE = 1e-10


def lu_source(plan: SparseLU, jacobian_rows: np.ndarray, jacobian_cols: np.ndarray) -> str:
    """Straight-line numba source of ``lu_factor`` and ``lu_solve`` for this pattern.

    ``lu_factor(jac, shift, lu, inv)`` factorises ``shift*I - J`` (``jac``: the Jacobian's
    nonzero values in pattern order) into ``lu`` (every entry of L+U) and ``inv`` (reciprocal
    pivots) and returns False if a pivot is too small. ``lu_solve(lu, inv, b)`` overwrites
    ``b`` (original order) with the solution. Every index is a constant: no index lists, no
    indirect loads, and the entries live in registers while the elimination runs.
    """
    n = plan.n
    entries = [(int(pos) // n, int(pos) % n) for pos in plan.fill_positions]
    slot = {entry: k for k, entry in enumerate(entries)}
    position = np.empty(n, dtype=np.int64)
    position[plan.perm] = np.arange(n)
    start: dict[tuple[int, int], str] = {}
    for q, (row, col) in enumerate(zip(jacobian_rows.tolist(), jacobian_cols.tolist())):
        start[(int(position[row]), int(position[col]))] = f"-jac[{q}]"
    lines = ['@njit(cache=True, error_model="numpy")', "def lu_factor(jac, shift, lu, inv):",
             '    """LU of shift*I - J, static diagonal pivots (generated)."""']
    for entry in entries:
        value = start.get(entry, "0.0")
        if entry[0] == entry[1]:
            value = "shift" if value == "0.0" else f"shift {value.replace('-', '- ', 1)}"
        lines.append(f"    a{slot[entry]} = {value}")
    lower = {i: list(plan.lower_cols[plan.lower_ptr[i]:plan.lower_ptr[i + 1]]) for i in range(n)}
    upper = {i: list(plan.upper_cols[plan.upper_ptr[i]:plan.upper_ptr[i + 1]]) for i in range(n)}
    for i in range(n):
        for k in lower[i]:
            ik = slot[(i, k)]
            lines.append(f"    a{ik} = a{ik} * r{k}")
            for j in upper[k]:
                lines.append(f"    a{slot[(i, j)]} = a{slot[(i, j)]} - a{ik} * a{slot[(k, j)]}")
        diagonal = slot[(i, i)]
        lines.append(f"    if not abs(a{diagonal}) > {PIVOT_TOLERANCE!r} * shift:")
        lines.append("        return False")
        lines.append(f"    r{i} = 1.0 / a{diagonal}")
    lines += [f"    lu[{k}] = a{k}" for k in range(len(entries))]
    lines += [f"    inv[{i}] = r{i}" for i in range(n)]
    lines.append("    return True")
    lines += ["", "", '@njit(cache=True, error_model="numpy")', "def lu_solve(lu, inv, b):",
              '    """b <- (shift*I - J)^-1 b with the factors of lu_factor (generated)."""']
    lines += [f"    s{i} = b[{int(plan.perm[i])}]" for i in range(n)]
    for i in range(n):
        terms = " - ".join(f"lu[{slot[(i, k)]}] * s{k}" for k in lower[i])
        if terms:
            lines.append(f"    s{i} = s{i} - {terms}")
    for i in range(n - 1, -1, -1):
        terms = " - ".join(f"lu[{slot[(i, j)]}] * s{j}" for j in upper[i])
        lines.append(f"    s{i} = (s{i} - {terms}) * inv[{i}]" if terms
                     else f"    s{i} = s{i} * inv[{i}]")
    lines += [f"    b[{int(plan.perm[i])}] = s{i}" for i in range(n)]
    lines += ["", "", f"N_LU = {len(entries)}", f"N_JAC = {len(jacobian_rows)}"]
    return "\n".join(lines) + "\n"
