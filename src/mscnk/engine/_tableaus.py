"""Rosenbrock methods as data: a tableau is all that distinguishes one from another.

Every method here is stiffly accurate and written in the transformed form the kernel uses
(Hairer & Wanner 1996, section IV.7): with ``E = I/(h*gamma) - J``,

    E k_i = f(y + sum_{j<i} a_ij k_j) + (1/h) sum_{j<i} c_ij k_j,   i = 1..s
    y_new = y + sum_{j<s} a_sj k_j + k_s,   error estimate = k_s

so the last stage doubles as the embedded solution of one order lower.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RosenbrockTableau:
    """Coefficients of an s-stage stiffly accurate Rosenbrock method (transformed form)."""

    name: str
    order: int  # order of y_new; the error estimate is of order ``order - 1``
    gamma: float
    a: np.ndarray = field(repr=False)  # (s, s), strictly lower
    c: np.ndarray = field(repr=False)  # (s, s), strictly lower
    citation: str = ""

    def __post_init__(self) -> None:
        s = self.a.shape[0]
        for what, matrix in (("a", self.a), ("c", self.c)):
            if matrix.shape != (s, s) or np.any(np.triu(matrix) != 0):
                raise ValueError(f"{self.name}: {what} must be strictly lower triangular {s}x{s}")
        if not 0 < self.gamma < 1:
            raise ValueError(f"{self.name}: gamma {self.gamma} outside (0, 1)")

    @property
    def stages(self) -> int:
        return self.a.shape[0]


def _lower(rows: list[list[float]]) -> np.ndarray:
    s = len(rows)
    matrix = np.zeros((s, s))
    for i, row in enumerate(rows):
        matrix[i, :len(row)] = row
    return matrix


_R4_A5 = [1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950]

#: RODAS4: 6 stages, order 4(3), L-stable (Hairer & Wanner 1996; coefficients of rodas.f).
RODAS4 = RosenbrockTableau(
    name="rodas4", order=4, gamma=0.25,
    a=_lower([[], [1.544], [0.9466785280815826, 0.2557011698983284],
              [3.314825187068521, 2.896124015972201, 0.9986419139977817],
              _R4_A5, [*_R4_A5, 1.0]]),
    c=_lower([[], [-5.6688], [-2.430093356833875, -0.2063599157091915],
              [-0.1073529058151375, -9.594562251023355, -20.47028614809616],
              [7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160],
              [8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
               -6.058818238834054]]),
    citation="Hairer E, Wanner G (1996) Solving Ordinary Differential Equations II, 2nd ed., "
             "Springer, section IV.7 (RODAS4)",
)

_R5_A6 = [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256,
          0.030198172008377946]

#: RODAS5P: 8 stages, order 5(4), L-stable, tuned for small error constants.
RODAS5P = RosenbrockTableau(
    name="rodas5p", order=5, gamma=0.21193756319429014,
    a=_lower([[], [3.0], [2.849394379747939, 0.45842242204463923],
              [-6.954028509809101, 2.489845061869568, -10.358996098473584],
              [2.8029986275628964, 0.5072464736228206, -0.3988312541770524,
               -0.04721187230404641],
              _R5_A6, [*_R5_A6, 1.0], [*_R5_A6, 1.0, 1.0]]),
    c=_lower([[], [-14.155112264123755], [-17.97296035885952, -2.859693295451294],
              [147.12150275711716, -1.41221402718213, 71.68940251302358],
              [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306],
              [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125,
               -0.6610691825249471],
              [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783,
               -19.097331116725623, -28.087943162872662],
              [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047,
               -40.06618937091002, -54.66780262877968, -9.48861652309627]]),
    citation="Steinebach G (2023) Construction of Rosenbrock-Wanner method Rodas5P and "
             "numerical benchmarks within the Julia Differential Equations package. "
             "BIT Numer Math 63:27",
)

TABLEAUS = {t.name: t for t in (RODAS4, RODAS5P)}


def stage_source(tableau: RosenbrockTableau) -> str:
    """Straight-line numba source of one step's stages for ``tableau``.

    ``rosenbrock_stages(y, f, p, u, lu, inv, inv_h, k, stage, clipped)`` fills ``k`` (stages x
    states) given f(y) and the factorised ``E``, and leaves the last stage's argument in
    ``stage`` (so ``y_new = stage + k[-1]``). Every coefficient is a constant, zero terms are
    dropped and each stage is one fused pass over the states, which the compiler vectorises.
    Also defines ``STAGES``, ``GAMMA`` and ``ORDER``.
    """
    s = tableau.stages
    lines = ['@njit(cache=True, error_model="numpy")',
             "def rosenbrock_stages(y, f, p, u, lu, inv, inv_h, k, stage, clipped):",
             f'    """The {s} stages of {tableau.name} (generated from its tableau)."""',
             "    n = y.shape[0]"]
    lines += [f"    k{i} = k[{i}]" for i in range(s)]
    lines += ["    for q in range(n):", "        k0[q] = f[q]", "    lu_solve(lu, inv, k0)"]
    for i in range(1, s):
        terms = "".join(f" + {float(tableau.a[i, j])!r} * k{j}[q]" for j in range(i) if tableau.a[i, j])
        lines += ["    for q in range(n):", f"        value = y[q]{terms}",
                  "        stage[q] = value", "        clipped[q] = value if value > 0.0 else 0.0",
                  f"    rhs(clipped, p, u, k{i})"]
        used = [j for j in range(i) if tableau.c[i, j]]
        lines += [f"    c{i}_{j} = {float(tableau.c[i, j])!r} * inv_h" for j in used]
        if used:
            correction = " + ".join(f"c{i}_{j} * k{j}[q]" for j in used)
            lines += ["    for q in range(n):", f"        k{i}[q] += {correction}"]
        lines.append(f"    lu_solve(lu, inv, k{i})")
    lines += ["", "", f"STAGES = {s}", f"GAMMA = {tableau.gamma!r}", f"ORDER = {tableau.order}"]
    return "\n".join(lines) + "\n"
