"""The condition schema: one well, with an optional priming pre-phase."""

from __future__ import annotations

from pydantic import Field

from mscnk.scenarios import ConditionModel


class Condition(ConditionModel):
    """Effectors and targets in one well for ``duration_h``, effectors primed first."""

    effectors: float = Field(1e5, ge=0, le=1e8, description="effector cells per well",
                             json_schema_extra={"unit": "cells"})
    targets: float = Field(1e4, ge=0, le=1e8, description="target cells per well",
                           json_schema_extra={"unit": "cells"})
    cytokine_ng_ml: float = Field(0.0, ge=0, le=1000.0, description=(
        "cytokine in the priming pre-phase and at the start of the main phase"),
        json_schema_extra={"unit": "ng/ml"})
    priming_h: float = Field(0.0, ge=0, le=240.0, description=(
        "effectors alone with the cytokine before the targets join (0: no pre-phase)"),
        json_schema_extra={"unit": "h"})
    duration_h: float = Field(24.0, gt=0, le=1440.0, description="length of the main phase",
                              json_schema_extra={"unit": "h"})
    contact: bool = Field(True, description="false: a membrane keeps effectors from targets")
