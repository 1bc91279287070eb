"""mscnk: a simulator of the crosstalk between mesenchymal stromal cells and NK cells.

Public API::

    import mscnk
    result = mscnk.simulate({"ratio": 10, "assay": "cytotoxicity"})
    result.readouts["msc_lysis_pct"]
    table = mscnk.run_experiment("examples/ratio_sweep.yaml")
    summary = mscnk.run_sweep("examples/large_sweep.yaml", "large")   # a results store
    checks = mscnk.validate("my_findings.yaml")   # one row per finding: id, passed, detail
"""

from mscnk._keys import READOUTS
from mscnk.analysis import validate
from mscnk.engine import BatchEngine, ScipyEngine
from mscnk.experiment import (
    Condition,
    ConditionError,
    Result,
    Simulator,
    load_conditions,
    run_experiment,
    simulate,
)
from mscnk.runs import run_sweep

__version__ = "0.1.0"

__all__ = [
    "READOUTS", "BatchEngine", "Condition", "ConditionError", "Result", "ScipyEngine",
    "Simulator", "__version__",
    "load_conditions", "run_experiment", "run_sweep", "simulate", "validate",
]
