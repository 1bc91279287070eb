"""The columns of a run: job keys, status, resolved condition fields, readouts, parameters.

``condition`` is the full name (``il2[ratio=3]``), ``named_condition`` the name the
experiment gave it (``il2``), handy as a hue or facet.

The schema is fixed when a run is planned (from the scenario's condition schema and readouts
and the parameters the run changes), so every chunk file has the same columns and types
whatever it holds.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa

from mscnk.engine import SolverError
from mscnk.experiment import Job, Result, field_types, result_columns
from mscnk.scenarios import Scenario

KEY_COLUMNS = ("job", "condition", "named_condition", "parameter_set", "status", "error")
PARAMETER_PREFIX = "param."
_ARROW = {float: pa.float64(), bool: pa.bool_(), str: pa.string()}


def named_condition(name: str) -> str | None:
    """The experiment's own name of a condition before a sweep tagged it: ``il2[ratio=3]``
    -> ``il2``; ``None`` for conditions of a bare sweep (``ratio=3``)."""
    if "[" in name and name.endswith("]"):
        return name[:name.index("[")]
    return None if "=" in name else name


def changed_parameters(parameter_sets: Iterable[Mapping[str, float]],
                       base: Mapping[str, float] | None = None) -> list[str]:
    """Parameters that any job sets away from the defaults (sorted): those of ``base`` and
    of every parameter set (a job's parameters are its set's on top of ``base``)."""
    return sorted({*(base or {}), *(name for overrides in parameter_sets for name in overrides)})


def run_schema(scenario: Scenario, parameters: Sequence[str]) -> pa.Schema:
    """Columns of every chunk: keys, condition fields, readouts, ``param.<name>`` values."""
    fields = [pa.field("job", pa.int64()), pa.field("condition", pa.string()),
              pa.field("named_condition", pa.string()), pa.field("parameter_set", pa.string()),
              pa.field("status", pa.string()), pa.field("error", pa.string())]
    fields += [pa.field(path, _ARROW[kind])
               for path, kind in field_types(scenario.condition).items()]
    fields += [pa.field(name, pa.float64()) for name in scenario.readout_names]
    fields += [pa.field(PARAMETER_PREFIX + name, pa.float64()) for name in parameters]
    return pa.schema(fields)


def chunk_table(jobs: Sequence[Job], outcomes: Sequence[Result | SolverError],
                schema: pa.Schema, defaults: dict[str, float], scenario: Scenario) -> pa.Table:
    """One row per job (status ``ok`` or ``failed`` with the solver's message), built
    column by column."""
    if len(jobs) != len(outcomes):
        raise ValueError(f"{len(jobs)} jobs but {len(outcomes)} outcomes")
    parameters = [n[len(PARAMETER_PREFIX):] for n in schema.names if n.startswith(PARAMETER_PREFIX)]
    columns: dict[str, Any] = {
        "job": [job.index for job in jobs],
        "named_condition": [named_condition(job.condition_name) for job in jobs],
        "parameter_set": [job.parameter_set for job in jobs],
        **result_columns([job.condition_name for job in jobs], [job.condition for job in jobs],
                         outcomes, scenario),
        **{PARAMETER_PREFIX + n: [job.params.get(n, defaults[n]) for job in jobs]
           for n in parameters}}
    return pa.table({name: columns[name] for name in schema.names}, schema=schema)
