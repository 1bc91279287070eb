"""Throughput of the batched engine against libRoadRunner and SciPy on the same problems.

Builds random (condition, parameter set) pairs (seeded): conditions drawn over MSC source,
NK activation, ratio, contact/transwell, blockade, IFN-gamma licensing and duration; every
fitted parameter scaled by a uniform factor in [0.7, 1.3] (clipped to its bounds). Each pair's
pre-phases are run first (not timed), so every engine integrates exactly the same main-phase
problem: same start state, parameters and inputs, states at 0 h, T-4 h and T.

Columns: (a) the batched engine (RODAS4, numba) on all cores; (b) libRoadRunner on the
exported SBML in a loop, in one process and in one process per core; (c) SciPy ``solve_ivp``
(LSODA with the generated Jacobian, the reference engine) in a loop. Model loading and
compilation are excluded and printed apart. Accuracy: the largest relative difference to
SciPy Radau at rtol 1e-10 on a subsample, per species scaled by its largest reference value
over the samples. SciPy is timed on at most ``--scipy-rows`` rows (the first ones, shared by
every N, so they are timed once). Not a test: figures to report (docs/performance.md).

    python benchmarks/throughput.py [--sizes 1000 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from dataclasses import dataclass

import numpy as np

from mscnk import Condition
from mscnk.vocabulary import BLOCKADES, MSC_SOURCES
from mscnk.engine import BatchEngine, Phase, ScipyEngine, cores
from mscnk.engine._roadrunner import RoadRunnerEngine
from mscnk.experiment import Simulator
from mscnk.model import CompiledModel
from mscnk.scenarios import load_scenario


@dataclass(frozen=True)
class Problems:
    """Main-phase problems, batch axis first."""

    states: np.ndarray  # (n, species)
    params: np.ndarray  # (n, parameters)
    inputs: np.ndarray  # (n, inputs)
    times: np.ndarray  # (n, 3)

    def __len__(self) -> int:
        return len(self.states)

    def head(self, n: int) -> "Problems":
        return Problems(self.states[:n], self.params[:n], self.inputs[:n], self.times[:n])


def random_condition(rng: np.random.Generator) -> Condition:
    activation = {"il2_u_ml": float(rng.choice([0, 100, 200, 1000]))}
    if rng.random() < 0.3:
        activation["il15_ng_ml"] = float(rng.choice([1, 10]))
    if rng.random() < 0.2:
        activation.update(il12_ng_ml=10.0, il18_ng_ml=50.0)
    msc: dict = {"source": str(rng.choice(MSC_SOURCES))}
    if rng.random() < 0.3:
        msc["ifng_pretreatment_ng_ml"] = float(rng.choice([10, 50, 100]))
    blockade = [str(b) for b in rng.choice(BLOCKADES, size=rng.integers(0, 3), replace=False)]
    return Condition.model_validate({
        "assay": "cytotoxicity" if rng.random() < 0.2 else "coculture",
        "ratio": float(np.exp(rng.uniform(np.log(0.5), np.log(40)))),
        "culture": "transwell" if rng.random() < 0.25 else "contact",
        "duration_h": float(rng.choice([24, 48, 72, 96, 120])),
        "nk": {"activation": activation},
        "msc": msc,
        "blockade": blockade,
    })


def random_parameters(rng: np.random.Generator, model: CompiledModel, n: int) -> np.ndarray:
    """Default parameters with every fitted one scaled by U(0.7, 1.3), within its bounds."""
    declared = model.model.parameters
    fitted = np.array(["fitted" in p.provenance.lower() for p in declared])
    lower = np.array([p.lower for p in declared])
    upper = np.array([p.upper for p in declared])
    factors = np.where(fitted, rng.uniform(0.7, 1.3, size=(n, len(declared))), 1.0)
    return np.clip(model.default_parameters() * factors, lower, upper)


def prepare(model: CompiledModel, n: int, seed: int) -> Problems:
    """n main-phase problems; each pair's pre-phases run with the batched engine."""
    rng = np.random.default_rng(seed)
    params = random_parameters(rng, model, n)
    engine = BatchEngine()
    states, inputs, times = [], [], []
    names = model.parameters
    for row in range(n):
        simulator = Simulator(params=dict(zip(names, params[row])), engine=engine)
        result = simulator.simulate(random_condition(rng), timecourse_samples=2)
        phase = result.trajectory.main_phase
        states.append(phase.state)
        inputs.append(phase.inputs)
        times.append(phase.times)
    return Problems(np.array(states), params, np.array(inputs), np.array(times))


def run_batch(model: CompiledModel, problems: Problems) -> tuple[np.ndarray, int]:
    solution = BatchEngine().solve_batch(model, problems.states, problems.inputs,
                                         problems.params, problems.times)
    return solution.states, int((~solution.ok).sum())


def run_loop(engine, model: CompiledModel, problems: Problems) -> tuple[np.ndarray, int]:
    """Any ``solve`` engine over the rows one by one; failures counted, states NaN."""
    out = np.full((len(problems), problems.times.shape[1], len(model.species)), np.nan)
    failures = 0
    for row in range(len(problems)):
        phase = Phase("main", problems.times[row, -1], problems.states[row],
                      problems.inputs[row], times=problems.times[row])
        try:
            out[row] = engine.solve(model, phase, problems.params[row]).states
        except Exception:  # noqa: BLE001 - a failing row is counted, the loop goes on
            failures += 1
    return out, failures


_WORKER: dict = {}


def _worker_start() -> None:
    model = load_scenario('coculture').compiled
    _WORKER.update(model=model, engine=RoadRunnerEngine(model))


def _worker_run(problems: Problems) -> tuple[np.ndarray, int]:
    return run_loop(_WORKER["engine"], _WORKER["model"], problems)


def _split(problems: Problems, parts: int) -> list[Problems]:
    edges = np.linspace(0, len(problems), parts + 1).astype(int)
    return [Problems(problems.states[a:b], problems.params[a:b], problems.inputs[a:b],
                     problems.times[a:b]) for a, b in zip(edges[:-1], edges[1:])]


def run_roadrunner_parallel(pool, problems: Problems, parts: int) -> tuple[np.ndarray, int]:
    pieces = pool.map(_worker_run, _split(problems, parts * 4))
    return np.concatenate([p[0] for p in pieces]), sum(p[1] for p in pieces)


def relative_error(states: np.ndarray, reference: np.ndarray) -> float:
    scale = np.maximum(np.abs(reference).max(axis=1, keepdims=True), 1e-6)
    return float(np.nanmax(np.abs(states - reference) / scale))


def timed(function, *arguments):
    start = time.perf_counter()
    value = function(*arguments)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reference-rows", type=int, default=16,
                        help="rows checked against Radau rtol 1e-10")
    parser.add_argument("--scipy-rows", type=int, default=1000,
                        help="most rows timed with SciPy LSODA (it is the slowest column)")
    args = parser.parse_args()
    workers = cores()
    model = load_scenario('coculture').compiled
    default = BatchEngine()
    # code generation and numba compilation of both entry points (single row and parallel
    # batch) on a first run; a load from the on-disk cache afterwards
    _, setup = timed(lambda: run_batch(model, prepare(model, 2 * workers, args.seed + 1)))
    print(f"cores: {workers}; batched engine {default.method} rtol {default.rtol:g} atol "
          f"{default.atol:g}; kernel generation/compile or cache load: {setup:.1f} s")
    problems, seconds = timed(lambda: prepare(model, max(args.sizes), args.seed))
    print(f"prepared {len(problems)} problems (pre-phases, not timed) in {seconds:.1f} s")
    roadrunner, setup = timed(lambda: RoadRunnerEngine(model))
    print(f"libRoadRunner SBML load/compile: {setup:.1f} s (one process)")
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_worker_start) as pool:
        _, setup = timed(lambda: run_roadrunner_parallel(pool, problems.head(4 * workers),
                                                         workers))
        print(f"libRoadRunner worker start-up ({workers} processes): {setup:.1f} s")
        sample = problems.head(args.reference_rows)
        reference, seconds = timed(lambda: run_loop(
            ScipyEngine(rtol=1e-10, atol=1e-12, method="Radau"), model, sample)[0])
        print(f"Radau rtol 1e-10 reference on {len(sample)} rows: {seconds:.1f} s")
        errors = {
            "batched": relative_error(run_batch(model, sample)[0], reference),
            "roadrunner": relative_error(run_loop(roadrunner, model, sample)[0], reference),
            "scipy": relative_error(run_loop(ScipyEngine(), model, sample)[0], reference),
        }
        rows = []
        scipy_seconds: dict[int, float] = {}  # rows timed -> seconds (the rows are shared)
        for size in args.sizes:
            subset = problems.head(size)
            scipy_subset = subset.head(min(size, args.scipy_rows))
            (_, fail_a), t_a = timed(run_batch, model, subset)
            (_, fail_b1), t_b1 = timed(run_loop, roadrunner, model, subset)
            (_, fail_bp), t_bp = timed(run_roadrunner_parallel, pool, subset, workers)
            fail_c = 0
            if len(scipy_subset) not in scipy_seconds:
                (_, fail_c), scipy_seconds[len(scipy_subset)] = timed(
                    run_loop, ScipyEngine(), model, scipy_subset)
            t_c = scipy_seconds[len(scipy_subset)]
            rows.append((size, size / t_a, size / t_b1, size / t_bp, len(scipy_subset) / t_c,
                         len(scipy_subset), fail_a + fail_b1 + fail_bp + fail_c))
    print()
    print(f"| N | batched ({workers} threads) | libRoadRunner 1 process | libRoadRunner "
          f"{workers} processes | SciPy LSODA | batched / RR 1 | batched / RR {workers} "
          f"| batched / SciPy | failed rows |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, a, b1, bp, c, scipy_n, failed in rows:
        note = "" if scipy_n == size else f" (on {scipy_n})"
        print(f"| {size:,} | {a:,.0f} | {b1:,.0f} | {bp:,.0f} | {c:,.0f}{note} | {a / b1:.1f} "
              f"| {a / bp:.1f} | {a / c:.1f} | {failed} |")
    print("(simulations per second; one simulation = one main-phase well)")
    print()
    print(f"max relative error against Radau rtol 1e-10 on {args.reference_rows} rows: "
          + ", ".join(f"{name} {value:.2e}" for name, value in errors.items()))
    speedup = rows[-1][1] / rows[-1][3]
    print(f"speedup_vs_libroadrunner_parallel: {speedup:.1f}")


if __name__ == "__main__":
    main()
