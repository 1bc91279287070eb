"""Scenarios: each a folder holding what makes a system (model modules, condition schema,
how a condition becomes wells and phases, readouts), and the kit they are built with.

``load_scenario("coculture")`` gives the shipped MSC-NK co-culture; ``load_scenario(path)``
a scenario folder of your own (see ``docs/scenarios.md``).
"""

from mscnk.scenarios._errors import (ConditionError, describe, is_number, literal_values, name_of,
                                     show, suggest)
from mscnk.scenarios._readouts import ROUND_OFF, Probe, ReadoutDeclaration, ReadoutSet
from mscnk.scenarios._scenario import (DEFAULT_SCENARIO, Outcome, Reference, Run, Scenario,
                                       ScenarioProtocol, Trajectory, builtin_scenarios,
                                       compiled_model_of, load_scenario, scenario_parameters)
from mscnk.scenarios._schema import ConditionModel, StrictModel

__all__ = [
    "DEFAULT_SCENARIO", "ROUND_OFF", "ConditionError", "ConditionModel", "Outcome", "Probe",
    "ReadoutDeclaration", "ReadoutSet", "Reference", "Run", "Scenario", "ScenarioProtocol",
    "StrictModel", "Trajectory", "builtin_scenarios", "compiled_model_of", "describe",
    "is_number", "literal_values", "load_scenario", "name_of", "scenario_parameters", "show", "suggest",
]
