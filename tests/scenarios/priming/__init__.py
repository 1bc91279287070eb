"""A test scenario of four species: effector cells, primed by a cytokine, kill target cells.

It exercises the scenario kit from outside the package (``--scenario tests/scenarios/priming``
or ``load_scenario(path)``): a model declaration module, a parameter table, a condition
schema, a protocol with a pre-phase, a matched control and a reference well, and readouts.
Nothing here is biology the package claims; every parameter is ``assumed``.
"""

from __future__ import annotations

from pathlib import Path

from mscnk.scenarios import Scenario

from . import model
from .conditions import Condition
from .protocol import PrimingProtocol
from .readouts import READOUTS

HERE = Path(__file__).parent

SCENARIO = Scenario(
    name="priming",
    title="effector cells primed by a cytokine kill target cells (a test scenario)",
    location=str(HERE),
    modules=(model,),
    parameters_file=HERE / "parameters.yaml",
    condition=Condition,
    protocol=PrimingProtocol,
    readouts=READOUTS,
    summary=lambda c: (f"{c.effectors:,.0f} effectors + {c.targets:,.0f} targets, "
                       f"{c.cytokine_ng_ml:g} ng/ml, {c.duration_h:g} h"),
    headline=lambda c: ["kill_pct", "activation_rel"],
)
