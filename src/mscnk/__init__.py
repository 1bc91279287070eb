"""mscnk: a simulator of the crosstalk between mesenchymal stromal cells and NK cells.

Public API::

    import mscnk
    result = mscnk.simulate({"ratio": 10, "assay": "cytotoxicity"})
    result.readouts["msc_lysis_pct"]
    table = mscnk.run_experiment("examples/ratio_sweep.yaml")
    summary = mscnk.run_sweep("examples/large_sweep.yaml", "large")   # a results store
    checks = mscnk.validate("my_findings.yaml")   # one row per finding: id, passed, detail
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from mscnk.vocabulary import READOUTS

__version__ = "0.1.0"

#: Public names loaded on first use (``import mscnk`` stays light: no SymPy, SciPy, numba,
#: pyarrow, dask, duckdb or matplotlib until something needs them).
_LAZY = {
    "validate": "mscnk.analysis",
    "BatchEngine": "mscnk.engine", "ScipyEngine": "mscnk.engine",
    "Condition": "mscnk.experiment", "ConditionError": "mscnk.experiment",
    "Result": "mscnk.experiment", "Simulator": "mscnk.experiment",
    "load_conditions": "mscnk.experiment", "run_experiment": "mscnk.experiment",
    "simulate": "mscnk.experiment",
    "run_sweep": "mscnk.runs", "export_condition_sbml": "mscnk.experiment",
}
#: Subpackages reachable as attributes (``mscnk.store.load(...)``), imported on first use.
_SUBPACKAGES = ("analysis", "catalog", "engine", "experiment", "model", "plots", "report",
                "runs", "store")

if TYPE_CHECKING:  # what type checkers and IDEs see
    from mscnk.analysis import validate
    from mscnk.engine import BatchEngine, ScipyEngine
    from mscnk.experiment import (
        Condition,
        ConditionError,
        Result,
        Simulator,
        load_conditions,
        run_experiment,
        export_condition_sbml,
        simulate,
    )
    from mscnk.runs import run_sweep


def __getattr__(name: str) -> object:
    """Load a public name on first use (module-level ``__getattr__``, PEP 562)."""
    if name in _SUBPACKAGES:
        return import_module(f"mscnk.{name}")  # the import binds it in this module
    if name not in _LAZY:
        raise AttributeError(f"module 'mscnk' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBPACKAGES})


__all__ = [
    "READOUTS", "BatchEngine", "Condition", "ConditionError", "Result", "ScipyEngine",
    "Simulator", "__version__",
    "export_condition_sbml", "load_conditions", "run_experiment", "run_sweep", "simulate",
    "validate",
]
