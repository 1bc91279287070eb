"""Experiments over a scenario: condition files and sweeps, plans and jobs, the simulator.

Generic: the scenario (:mod:`mscnk.scenarios`) supplies the condition schema, the protocol
and the readouts; ``Condition`` here is the co-culture's schema (the default scenario).
"""

from mscnk.experiment._batching import KEPT_BYTES, KeptPhases
from mscnk.experiment._export import export_condition_sbml, pick_condition
from mscnk.experiment._files import (MAX_CONDITIONS, deep_merge, field_paths, load_conditions,
                                     scenario_named)
from mscnk.experiment._jobs import Experiment, Job, field_types, load_experiment, plan_hash
from mscnk.experiment._parameters import (SensitivityDesign, load_parameters, parameter_values,
                                          sensitivity_design)
from mscnk.experiment._run import flatten, result_columns, run_conditions, run_experiment
from mscnk.experiment._simulate import (Result, Simulator, parameter_vector, simulate,
                                        simulate_batch, timecourse_frame)
from mscnk.experiment._yaml import read_data
from mscnk.scenarios import ConditionError
from mscnk.scenarios.coculture import Condition

__all__ = [
    "KEPT_BYTES", "MAX_CONDITIONS", "Condition", "ConditionError", "Experiment", "Job",
    "KeptPhases", "Result", "SensitivityDesign", "Simulator",
    "deep_merge", "export_condition_sbml", "field_paths", "field_types", "flatten",
    "load_conditions", "load_experiment", "load_parameters", "parameter_values",
    "parameter_vector", "pick_condition", "plan_hash", "read_data", "result_columns", "run_conditions",
    "run_experiment", "scenario_named", "sensitivity_design", "simulate", "simulate_batch",
    "timecourse_frame",
]
