"""Conditions (the contract's schema), phases, matched controls, readouts and sweeps."""

from mscnk.experiment._errors import ConditionError
from mscnk.experiment._export import export_condition_sbml, pick_condition
from mscnk.experiment._files import MAX_CONDITIONS, deep_merge, load_conditions
from mscnk.experiment._jobs import Experiment, Job, load_experiment, plan_hash
from mscnk.experiment._probe import WELL_LABELS
from mscnk.experiment._readouts import READOUT_DECLARATIONS, ReadoutDeclaration, Wells
from mscnk.experiment._run import flatten, run_conditions, run_experiment
from mscnk.experiment._schema import Condition
from mscnk.experiment._simulate import Result, Simulator, simulate
from mscnk.experiment._yaml import read_data

__all__ = [
    "MAX_CONDITIONS", "READOUT_DECLARATIONS", "WELL_LABELS", "Condition", "ConditionError",
    "Experiment", "Job", "ReadoutDeclaration", "Result", "Simulator", "Wells",
    "deep_merge", "export_condition_sbml", "flatten", "load_conditions", "load_experiment",
    "pick_condition", "plan_hash", "read_data",
    "run_conditions", "run_experiment", "simulate",
]
