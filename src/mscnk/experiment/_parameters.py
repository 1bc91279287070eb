"""Parameter sets: a ``--params`` file and the ``parameter_sweep:`` block of an experiment.

A parameter file maps names to values (``{name: value}`` or ``{name: {value: ...}}``, the
``parameters.yaml`` style). A ``parameter_sweep`` block makes many parameter sets, each run
with every condition of the experiment::

    parameter_sweep:
      grid:                          # Cartesian product of listed values
        k_nk_kill_msc: [0.5, 1.0, 2.0]
      sample:                        # random sets within each parameter's bounds
        n: 200
        seed: 7                      # default 0; recorded with the run
        method: latin_hypercube      # random (default), latin_hypercube, sobol, or for
                                     # sensitivity analysis (SALib) saltelli or morris
        parameters:
          ec50_pge2_nk: log_uniform  # uniform or log_uniform over the parameter's bounds
          hill_pge2_nk: {distribution: uniform, low: 1, high: 2}   # a narrower range
        # parameters: fitted         # every fitted parameter over its bounds (log-uniform
                                     # where the lower bound is above 0, else uniform)

``saltelli`` (Sobol indices) makes ``n (d + 2)`` sets from ``n`` base samples of ``d``
parameters, ``morris`` (elementary effects) ``n (d + 1)`` from ``n`` trajectories on 4
levels; ``mscnk sensitivity`` runs and analyses them.

With both ``grid`` and ``sample`` every grid point is combined with every sample. Every
value is checked against the parameter's bounds; all problems are reported at once.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from mscnk.experiment._yaml import read_data
from mscnk.model import Parameter
from mscnk.scenarios import (ConditionError, Scenario, is_number, load_scenario,
                             scenario_parameters, show, suggest)

DISTRIBUTIONS = ("uniform", "log_uniform")
METHODS = ("random", "latin_hypercube", "sobol", "saltelli", "morris")
#: Sampling methods of SALib, for sensitivity analysis: sets made per base sample (d: the
#: number of parameters sampled).
SENSITIVITY_METHODS = {"saltelli": lambda d: d + 2, "morris": lambda d: d + 1}
#: Levels of the Morris grid.
MORRIS_LEVELS = 4
SAMPLE_KEYS = ("n", "seed", "method", "parameters")
SWEEP_KEYS = ("grid", "sample", "sets")
#: Name of the one parameter set of an experiment without ``parameter_sweep``.
DEFAULT_SET = "default"


def known_parameters(scenario: Scenario | None = None) -> Mapping[str, Parameter]:
    """The scenario's model parameters by name (None: the default scenario)."""
    return scenario_parameters(load_scenario(scenario))


#: Most parameter sets one ``parameter_sweep`` block may make.
MAX_SETS = 10**7


def count_parameter_sets(block: Any, scenario: Scenario | None = None) -> int:
    """How many parameter sets ``block`` makes for ``scenario`` (None: the default), without
    making them (1 if malformed)."""
    if not isinstance(block, Mapping):
        return 1
    count = 1
    listed = block.get("sets")
    if isinstance(listed, (list, Mapping)):
        return max(len(listed), 1)
    grid = block.get("grid")
    if isinstance(grid, Mapping):
        count *= math.prod(len(v) for v in grid.values() if isinstance(v, list) and v)
    sample = block.get("sample")
    if isinstance(sample, Mapping):
        n = sample.get("n")
        if isinstance(n, int) and not isinstance(n, bool) and n > 0:
            per_base = SENSITIVITY_METHODS.get(sample.get("method"))
            raw = sample.get("parameters")
            d = (sum(1 for p in known_parameters(scenario).values() if _fitted(p))
                 if raw == "fitted"
                 else len(raw) if isinstance(raw, (list, Mapping)) else 1)
            count *= n * (per_base(d) if per_base else 1)
    return count


def _fitted(parameter: Parameter) -> bool:
    return parameter.kind == "constant" and parameter.provenance.startswith("fitted")


def check_value(where: str, name: str, value: Any, problems: list[str],
                scenario: Scenario | None = None) -> float | None:
    """``value`` as a float if ``name`` is a parameter of the scenario's model and the value
    lies in its bounds."""
    known = known_parameters(scenario)
    if name not in known:
        problems.append(f"{where}: unknown parameter {show(name)}{suggest(name, known)}")
        return None
    parameter = known[name]
    if not is_number(value):
        problems.append(f"{where}: {name}: value {show(value)} is not a number (finite)")
        return None
    if not parameter.lower <= value <= parameter.upper:
        problems.append(f"{where}: {name} = {show(value)} is outside its bounds "
                        f"[{parameter.lower}, {parameter.upper}] {parameter.unit}")
        return None
    return float(value)


def parameter_values(raw: Any, where: str = "--params", *,
                     scenario: Scenario | None = None) -> dict[str, float]:
    """Validated ``{name: value}`` from a parameter mapping; :class:`ConditionError` if bad."""
    if not isinstance(raw, Mapping):
        raise ConditionError([f"{where}: must be a mapping of parameter names to values, "
                              f"got {show(raw)}"])
    problems: list[str] = []
    values = {}
    for name, entry in raw.items():
        if not isinstance(name, str):
            problems.append(f"{where}: parameter names are words, got {show(name)}")
            continue
        value = entry.get("value") if isinstance(entry, Mapping) else entry
        checked = check_value(where, name, value, problems, scenario)
        if checked is not None:
            values[str(name)] = checked
    if problems:
        raise ConditionError(problems)
    return values


def load_parameters(path: str | Path, *, scenario: Scenario | None = None) -> dict[str, float]:
    """A parameter file as validated ``{name: value}``."""
    raw = read_data(path, "--params")
    if raw is None:
        raise ConditionError([f"--params {str(path)!r} is empty; write 'name: value' lines"])
    return parameter_values(raw, where=f"--params {path}", scenario=scenario)


def _grid(raw: Any, problems: list[str],
          scenario: Scenario | None) -> list[tuple[str, dict[str, float]]]:
    where = "parameter_sweep.grid"
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: must be a non-empty mapping of parameter names to value "
                        f"lists, got {show(raw)}")
        return []
    axes = {}
    for name, values in raw.items():
        if not isinstance(values, list) or not values:
            problems.append(f"{where}: {show(name)} must be a non-empty list of values, got {show(values)}")
            continue
        name = name if isinstance(name, str) else show(name)
        checked = [check_value(where, name, v, problems, scenario) for v in values]
        counts = Counter(v for v in checked if v is not None)
        repeated = sorted(v for v, times in counts.items() if times > 1)
        if repeated:
            problems.append(f"{where}: {name} lists a value more than once: "
                            f"{', '.join(map(show, repeated))}; list each value once")
        axes[str(name)] = checked
    if any(p.startswith(where) for p in problems):
        return []
    count = math.prod(len(values) for values in axes.values())
    if count > MAX_SETS:
        problems.append(f"{where}: {count:,} combinations is more than the limit of {MAX_SETS:,}")
        return []
    return [(",".join(f"{n}={v:g}" for n, v in zip(axes, combo)), dict(zip(axes, combo)))
            for combo in itertools.product(*axes.values())]


def _ranges(raw: Any, where: str, problems: list[str],
            scenario: Scenario | None) -> dict[str, tuple[str, float, float]]:
    """``{name: (distribution, low, high)}`` of a sample block's ``parameters``
    (``fitted``: every fitted parameter over its bounds, log-uniform where they are positive)."""
    if raw == "fitted":
        raw = {n: "log_uniform" if p.lower > 0 else "uniform"
               for n, p in known_parameters(scenario).items() if _fitted(p)}
    if isinstance(raw, list):  # each over its bounds, log-uniform where they are positive
        known = known_parameters(scenario)
        raw = {n: "uniform" if n in known and known[n].lower <= 0 else "log_uniform"
               for n in raw}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: must map parameter names to a distribution "
                        f"({', '.join(DISTRIBUTIONS)}) or {{distribution, low, high}}, got {show(raw)}")
        return {}
    known = known_parameters(scenario)
    ranges = {}
    for name, spec in raw.items():
        if name not in known:
            problems.append(f"{where}: unknown parameter {show(name)}{suggest(name, known)}")
            continue
        parameter = known[name]
        spec = {"distribution": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: {name}: expected a distribution name or a mapping, "
                            f"got {show(spec)}")
            continue
        unknown = [k for k in spec if k not in ("distribution", "low", "high")]
        if unknown:
            problems.append(f"{where}: {name}: unknown key(s) {unknown}; allowed: distribution, "
                            f"low, high")
        distribution = spec.get("distribution", "log_uniform")
        if distribution not in DISTRIBUTIONS:
            problems.append(f"{where}: {name}: distribution {show(distribution)} is not allowed; "
                            f"allowed: {', '.join(DISTRIBUTIONS)}")
            continue
        low = check_value(f"{where}: low", name, spec.get("low", parameter.lower), problems,
                          scenario)
        high = check_value(f"{where}: high", name, spec.get("high", parameter.upper), problems,
                           scenario)
        if low is None or high is None:
            continue
        if not low < high:
            problems.append(f"{where}: {name}: low {low} must be below high {high}")
        elif distribution == "log_uniform" and low <= 0:
            problems.append(f"{where}: {name}: log_uniform needs low > 0, got {low}; use "
                            f"uniform or set low")
        else:
            ranges[str(name)] = (distribution, low, high)
    return ranges


def unit_samples(method: str, n: int, dimensions: int, seed: int) -> np.ndarray:
    """``(sets, dimensions)`` points in the unit cube (NumPy, scipy.stats.qmc or SALib,
    seeded): ``n`` of them, or for ``saltelli`` and ``morris`` the ``n (d + 2)`` and
    ``n (d + 1)`` rows SALib's analyses read in this order."""
    if method == "random":
        return np.random.default_rng(seed).random((n, dimensions))
    if method in SENSITIVITY_METHODS:
        return _salib_samples(method, n, dimensions, seed)
    from scipy.stats import qmc

    sampler = (qmc.LatinHypercube(d=dimensions, seed=seed) if method == "latin_hypercube"
               else qmc.Sobol(d=dimensions, scramble=True, seed=seed))
    return sampler.random(n)


def unit_problem(dimensions: int) -> dict[str, Any]:
    """SALib's problem for ``dimensions`` parameters, each on [0, 1] (mapped afterwards)."""
    return {"num_vars": dimensions, "names": [f"x{j}" for j in range(dimensions)],
            "bounds": [[0.0, 1.0]] * dimensions}


def _salib_samples(method: str, n: int, dimensions: int, seed: int) -> np.ndarray:
    import warnings

    from SALib.sample import morris, sobol

    problem = unit_problem(dimensions)
    if method == "morris":
        return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
    with warnings.catch_warnings():  # n is a power of 2 (checked), which SALib wants
        warnings.simplefilter("ignore", UserWarning)
        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)


def _sample(raw: Any, problems: list[str],
            scenario: Scenario | None) -> tuple[list[tuple[str, dict[str, float]]], int]:
    where = "parameter_sweep.sample"
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a mapping with keys {', '.join(SAMPLE_KEYS)}, got {show(raw)}")
        return [], 0
    for key in [k for k in raw if k not in SAMPLE_KEYS]:
        problems.append(f"{where}: unknown key {show(key)}; allowed: {', '.join(SAMPLE_KEYS)}"
                        f"{suggest(key, SAMPLE_KEYS)}")
    n, seed, method = raw.get("n"), raw.get("seed", 0), raw.get("method", "random")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        problems.append(f"{where}.n: must be a positive integer, got {show(n)}")
    elif n > MAX_SETS:
        problems.append(f"{where}.n: {n:,} samples is more than the limit of {MAX_SETS:,}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        problems.append(f"{where}.seed: must be a non-negative integer, got {show(seed)}")
    if method not in METHODS:
        problems.append(f"{where}.method: {show(method)} is not allowed; allowed: {', '.join(METHODS)}")
    elif method in ("sobol", "saltelli") and isinstance(n, int) and n > 0 and n & (n - 1):
        problems.append(f"{where}.n: {method} needs a power of 2 (its balance properties), "
                        f"got {n}; use {1 << (n - 1).bit_length()} or another method")
    ranges = _ranges(raw.get("parameters"), f"{where}.parameters", problems, scenario)
    if any(p.startswith(where) for p in problems):
        return [], 0
    if method in SENSITIVITY_METHODS and isinstance(n, int) and len(ranges) < 2:
        problems.append(f"{where}.parameters: {method} needs at least 2 parameters")
        return [], 0
    total = n * SENSITIVITY_METHODS[method](len(ranges)) if method in SENSITIVITY_METHODS else n
    if total > MAX_SETS:
        problems.append(f"{where}.n: {method} makes {total:,} sets, more than the limit of "
                        f"{MAX_SETS:,}")
        return [], 0
    unit = unit_samples(method, n, len(ranges), seed)
    columns = {}
    for j, (name, (distribution, low, high)) in enumerate(ranges.items()):
        if distribution == "uniform":
            values = low + unit[:, j] * (high - low)
        else:
            values = np.exp(np.log(low) + unit[:, j] * (np.log(high) - np.log(low)))
        columns[name] = np.clip(values, low, high)
    width = len(str(len(unit) - 1))
    sets = [(f"sample_{i:0{width}d}", {name: float(columns[name][i]) for name in ranges})
            for i in range(len(unit))]
    return sets, seed


def _listed(raw: Any, problems: list[str],
            scenario: Scenario | None) -> dict[str, dict[str, float]]:
    """``sets``: a list of ``{parameter: value}`` (named ``set_000``, ...) or a mapping of
    names to them (an ensemble of a calibration: ``mscnk run --ensemble``)."""
    where = "parameter_sweep.sets"
    if isinstance(raw, list):
        width = len(str(max(len(raw) - 1, 0)))
        raw = {f"set_{i:0{width}d}": values for i, values in enumerate(raw)}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: must be a non-empty list (or mapping of names) of "
                        f"{{parameter: value}} mappings, got {show(raw)}")
        return {}
    sets = {}
    for name, values in raw.items():
        if len(sets) >= MAX_SETS:
            problems.append(f"{where}: more than {MAX_SETS:,} sets")
            break
        try:
            sets[str(name)] = parameter_values(values, where=f"{where}.{name}",
                                               scenario=scenario)
        except ConditionError as error:
            problems += error.problems[:5]
    return sets


def parameter_sets(block: Any, *, scenario: Scenario | None = None
                   ) -> tuple[dict[str, dict[str, float]], int | None]:
    """Named parameter overrides of a ``parameter_sweep`` block, and the sampling seed.

    ``None`` (no block) gives one set, :data:`DEFAULT_SET`, with no overrides.
    """
    if block is None:
        return {DEFAULT_SET: {}}, None
    problems: list[str] = []
    if not isinstance(block, Mapping) or not block:
        raise ConditionError([f"parameter_sweep: must be a mapping with 'grid' and/or 'sample', "
                              f"or 'sets', got {show(block)}"])
    for key in [k for k in block if k not in SWEEP_KEYS]:
        problems.append(f"parameter_sweep: unknown key {show(key)}; allowed: "
                        f"{', '.join(SWEEP_KEYS)}{suggest(key, SWEEP_KEYS)}")
    if "sets" in block:
        if set(block) & {"grid", "sample"}:
            problems.append("parameter_sweep: 'sets' lists every parameter set itself; it "
                            "does not combine with 'grid' or 'sample'")
        listed = _listed(block["sets"], problems, scenario)
        if problems:
            raise ConditionError(problems)
        return listed, None
    grid = _grid(block["grid"], problems, scenario) if "grid" in block else [("", {})]
    samples, seed = (_sample(block["sample"], problems, scenario) if "sample" in block
                     else ([("", {})], None))
    overlap = set(grid[0][1]) & set(samples[0][1]) if grid and samples else set()
    if overlap:
        problems.append(f"parameter_sweep: {sorted(overlap)} appear in both grid and sample")
    if problems:
        raise ConditionError(problems)
    sets = {}
    for (grid_name, grid_values), (sample_name, sample_values) in itertools.product(grid, samples):
        name = "|".join(n for n in (grid_name, sample_name) if n)
        sets[name] = {**grid_values, **sample_values}
    return sets, seed


@dataclass(frozen=True)
class SensitivityDesign:
    """A ``parameter_sweep`` sampled for sensitivity analysis: SALib's method, ``n`` base
    samples, the seed, the parameters in sample order, the unit-cube rows (as SALib made
    them, in run order) and the parameter-set names of those rows."""

    method: str
    n: int
    seed: int
    parameters: tuple[str, ...]
    unit: np.ndarray
    set_names: tuple[str, ...]


def sensitivity_design(block: Any, *, scenario: Scenario | None = None) -> SensitivityDesign:
    """The design of a ``parameter_sweep`` block sampled with ``saltelli`` or ``morris``
    (and no grid); :class:`ConditionError` naming what is wrong otherwise."""
    sets, seed = parameter_sets(block, scenario=scenario)  # every other problem, first
    sample = block.get("sample") if isinstance(block, Mapping) else None
    method = sample.get("method", "random") if isinstance(sample, Mapping) else None
    if method not in SENSITIVITY_METHODS or "grid" in block:
        raise ConditionError([
            f"parameter_sweep: a sensitivity analysis needs 'sample' with method "
            f"{' or '.join(SENSITIVITY_METHODS)} and no 'grid', got method {show(method)}"
            + (" with a grid" if isinstance(block, Mapping) and "grid" in block else "")])
    problems: list[str] = []
    ranges = _ranges(sample.get("parameters"), "parameter_sweep.sample.parameters", problems,
                     scenario)
    unit = unit_samples(method, sample["n"], len(ranges), seed or 0)
    return SensitivityDesign(method, sample["n"], seed or 0, tuple(ranges), unit, tuple(sets))
