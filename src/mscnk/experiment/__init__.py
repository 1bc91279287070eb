"""Conditions (the contract's schema), phases, matched controls, readouts and sweeps."""

from mscnk.experiment._errors import ConditionError
from mscnk.experiment._files import deep_merge, load_conditions
from mscnk.experiment._run import flatten, run_conditions, run_experiment
from mscnk.experiment._schema import Condition
from mscnk.experiment._simulate import Result, Simulator, simulate

__all__ = [
    "Condition", "ConditionError", "Result", "Simulator", "deep_merge", "flatten",
    "load_conditions", "run_conditions", "run_experiment", "simulate",
]
