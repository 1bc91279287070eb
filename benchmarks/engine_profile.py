"""Where the batched engine's time goes: cost of each kernel part and step counts.

Times the generated right-hand side, Jacobian, sparse LU factorisation and LU solve in tight
compiled loops, then integrates the throughput benchmark's random problems one at a time on
one thread and reports steps, evaluations and time per step. Not a test: figures for
docs/performance.md.

    python benchmarks/engine_profile.py [--problems 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit

from mscnk.engine import BatchEngine
from mscnk.scenarios import load_scenario
from throughput import prepare

LOOPS = 200_000


def per_call_us(loop, *arguments) -> float:
    loop(10, *arguments)
    start = time.perf_counter()
    loop(LOOPS, *arguments)
    return (time.perf_counter() - start) / LOOPS * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--method", default="rodas5p")
    args = parser.parse_args()
    model = load_scenario('coculture').compiled
    engine = BatchEngine(threads=1, method=args.method)
    kernel = engine.kernel(model)
    module = kernel.module
    problems = prepare(model, args.problems, args.seed)
    x, p, u = problems.states[0] + 0.1, problems.params[0], problems.inputs[0]
    rhs, jacobian, factor, solve = (module.rhs, module.jacobian_values, module.lu_factor,
                                    module.lu_solve)

    @njit
    def rhs_loop(n, x, p, u, out):
        for _ in range(n):
            x[0] += 1e-12
            rhs(x, p, u, out)

    @njit
    def jacobian_loop(n, x, p, u, out):
        for _ in range(n):
            x[0] += 1e-12
            jacobian(x, p, u, out)

    @njit
    def factor_loop(n, jac, lu, inv):
        ok = 0
        for i in range(n):
            ok += factor(jac, 100.0 + i * 1e-9, lu, inv)
        return ok

    @njit
    def solve_loop(n, lu, inv, b):
        for _ in range(n):
            solve(lu, inv, b)

    jac, lu, inv = np.empty(module.N_JAC), np.empty(module.N_LU), np.empty(len(x))
    jacobian(x, p, u, jac)
    costs = {
        "right-hand side": per_call_us(rhs_loop, x.copy(), p, u, np.empty(len(x))),
        "Jacobian (nonzeros)": per_call_us(jacobian_loop, x.copy(), p, u, jac.copy()),
        "LU factorisation": per_call_us(factor_loop, jac, lu, inv),
        "LU solve": per_call_us(solve_loop, lu, inv, np.random.default_rng(0).random(len(x))),
    }
    plan = kernel.lu
    stages = engine.tableau.stages
    print(f"method {engine.method} ({stages} stages); species {kernel.n_states}, "
          f"Jacobian nonzeros {kernel.n_jacobian}, L+U entries "
          f"{len(plan.fill_positions)} (fill-in {plan.fill_in}), factorisation "
          f"multiply-subtracts {plan.factor_flops}")
    print("| part | µs per call | calls per step | µs per step |")
    print("|---|---:|---:|---:|")
    per_step = {"right-hand side": stages, "Jacobian (nonzeros)": 1, "LU factorisation": 1,
                "LU solve": stages}
    for name, cost in costs.items():
        print(f"| {name} | {cost:.2f} | {per_step[name]} | {cost * per_step[name]:.2f} |")
    parts = sum(cost * per_step[name] for name, cost in costs.items())
    engine.solve_batch(model, problems.states[:1], problems.inputs[:1], problems.params[:1],
                       problems.times[:1])
    start = time.perf_counter()
    solution = engine.solve_batch(model, problems.states, problems.inputs, problems.params,
                                  problems.times)
    seconds = time.perf_counter() - start
    steps = solution.counters[:, 0].mean()
    print(f"\n{len(problems)} problems on one thread: {len(problems) / seconds:,.0f} sims/s, "
          f"{steps:.1f} accepted and {solution.counters[:, 1].mean():.2f} rejected steps, "
          f"{solution.counters[:, 2].mean():.0f} rhs calls per simulation")
    print(f"time per step {seconds / len(problems) / steps * 1e6:.2f} µs, of which the parts "
          f"above {parts:.2f} µs")


if __name__ == "__main__":
    main()
