"""A lab's data as a PEtab problem (read and written with the ``petab`` library).

The tables follow PEtab v1 with mscnk's meanings:

* condition table: ``conditionId`` and one column per contract field, dotted
  (``ratio``, ``assay``, ``msc.ifng_pretreatment_ng_ml``); list fields (``blockade``,
  ``msc.knockdown``) take names separated by ``;``;
* measurement table: ``observableId`` is a readout name, ``simulationConditionId`` a
  condition, ``measurement`` the value (the readout's unit), ``noiseParameters`` its SD
  (empty: the readout's assumed measurement SD); ``time`` is the condition's end (the
  readouts are end points) and is not read;
* parameter table: ``parameterId`` (a model parameter), ``parameterScale`` (``lin`` or
  ``log10``), ``lowerBound``, ``upperBound``, ``nominalValue``, ``estimate`` (1: estimated,
  0: fixed at its nominal value) and, optionally, ``objectivePriorType``
  ``parameterScaleNormal`` with ``objectivePriorParameters`` ``mean;sd``.

A problem file (YAML) names the tables, as PEtab's does; the observable table and SBML model
PEtab also names are not read (the readouts are the observables, the scenario the model).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from mscnk.analysis._fit import FitParameter
from mscnk.scenarios import ConditionError, show

#: Columns each table needs (PEtab v1 names).
MEASUREMENT_COLUMNS = ("observableId", "simulationConditionId", "measurement")
PARAMETER_COLUMNS = ("parameterId", "lowerBound", "upperBound", "nominalValue")
#: Condition-table columns whose values are lists (names separated by ";").
LIST_FIELDS = ("blockade", "msc.knockdown")
PRIOR = "parameterScaleNormal"


def _nested(row: pd.Series) -> dict[str, Any]:
    """A condition-table row as a condition mapping (dotted columns -> nested fields)."""
    condition: dict[str, Any] = {}
    for column, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            continue
        if column in LIST_FIELDS:
            value = [part.strip() for part in str(value).split(";") if part.strip()]
        target = condition
        *parents, leaf = str(column).split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value.item() if hasattr(value, "item") else value
    return condition


def read_petab(path: str | Path) -> tuple[dict[str, dict], pd.DataFrame,
                                          list[FitParameter], dict[str, float]]:
    """``(conditions, measurements, parameters to estimate, fixed values)`` of the PEtab
    problem file at ``path``; :class:`ConditionError` naming what is wrong."""
    import petab.v1 as petab
    from petab.v1 import C

    path = Path(path)
    try:
        spec = petab.yaml.load_yaml(path)
        folder = path.parent
        problem = spec["problems"][0]
        conditions = pd.concat([petab.get_condition_df(folder / f)
                                for f in problem["condition_files"]])
        measurements = pd.concat([petab.get_measurement_df(folder / f)
                                  for f in problem["measurement_files"]])
        table = petab.get_parameter_df(folder / spec["parameter_file"])
    except (OSError, KeyError, IndexError, TypeError, ValueError) as error:
        raise ConditionError([f"PEtab problem {str(path)!r}: {type(error).__name__}: "
                              f"{error}"]) from None
    problems = [f"PEtab problem {str(path)!r}: the {what} table has no column {column!r}; "
                f"it needs {', '.join(needed)}"
                for what, frame, needed in (
                    ("measurement", measurements, MEASUREMENT_COLUMNS),
                    ("parameter", table.reset_index(), PARAMETER_COLUMNS))
                for column in needed if column not in frame.columns]
    if problems:
        raise ConditionError(problems)
    named = {str(cid): _nested(row) for cid, row in conditions.iterrows()}
    noise = measurements.get(C.NOISE_PARAMETERS)
    frame = pd.DataFrame({
        "condition": measurements[C.SIMULATION_CONDITION_ID].astype(str).to_numpy(),
        "readout": measurements[C.OBSERVABLE_ID].astype(str).to_numpy(),
        "value": pd.to_numeric(measurements[C.MEASUREMENT], errors="coerce").to_numpy(),
        "sigma": (pd.to_numeric(noise, errors="coerce").to_numpy() if noise is not None
                  else float("nan"))})
    estimated, fixed = [], {}
    for name, row in table.iterrows():
        scale = str(row.get(C.PARAMETER_SCALE, "lin"))
        try:
            low, high = float(row[C.LOWER_BOUND]), float(row[C.UPPER_BOUND])
            nominal, estimate = float(row[C.NOMINAL_VALUE]), int(row.get(C.ESTIMATE, 1))
        except (TypeError, ValueError):
            problems.append(f"parameter table: {name}: lowerBound, upperBound, nominalValue "
                            "and estimate must be numbers")
            continue
        if estimate == 0:
            fixed[str(name)] = nominal
            continue
        prior = None
        kind = row.get(C.OBJECTIVE_PRIOR_TYPE)
        if isinstance(kind, str) and kind:
            if kind != PRIOR:
                problems.append(f"parameter table: {name}: prior type {show(kind)} is not "
                                f"supported; allowed: {PRIOR}")
                continue
            try:
                mean, sd = (float(v) for v in str(row[C.OBJECTIVE_PRIOR_PARAMETERS]).split(";"))
            except ValueError:
                problems.append(f"parameter table: {name}: objectivePriorParameters must be "
                                f"'mean;sd', got {show(row[C.OBJECTIVE_PRIOR_PARAMETERS])}")
                continue
            prior = (mean, sd)
        estimated.append(FitParameter(str(name), low, high, nominal, scale, prior))
    if problems:
        raise ConditionError(problems)
    return named, frame, estimated, fixed


def write_petab(folder: str | Path, conditions: dict[str, dict], measurements: pd.DataFrame,
                parameters: list[FitParameter], *, durations: dict[str, float]) -> Path:
    """Write a PEtab problem (``problem.yaml`` and its tables) into ``folder``; returns the
    problem file. ``durations``: each condition's end (h), the measurements' time."""
    import petab.v1 as petab
    from petab.v1 import C

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for cid, condition in conditions.items():
        flat: dict[str, Any] = {C.CONDITION_ID: cid}
        _flatten(condition, "", flat)
        rows.append(flat)
    condition_df = pd.DataFrame(rows).set_index(C.CONDITION_ID)
    measurement_df = pd.DataFrame({
        C.OBSERVABLE_ID: measurements.readout, C.SIMULATION_CONDITION_ID: measurements.condition,
        C.MEASUREMENT: measurements.value,
        C.TIME: [durations[c] for c in measurements.condition],
        C.NOISE_PARAMETERS: measurements.sigma})
    parameter_df = pd.DataFrame([{
        C.PARAMETER_ID: p.name, C.PARAMETER_SCALE: p.scale, C.LOWER_BOUND: p.lower,
        C.UPPER_BOUND: p.upper, C.NOMINAL_VALUE: p.nominal, C.ESTIMATE: 1,
        **({C.OBJECTIVE_PRIOR_TYPE: PRIOR,
            C.OBJECTIVE_PRIOR_PARAMETERS: f"{p.prior[0]};{p.prior[1]}"} if p.prior else {})}
        for p in parameters]).set_index(C.PARAMETER_ID)
    petab.write_condition_df(condition_df, folder / "conditions.tsv")
    petab.write_measurement_df(measurement_df, folder / "measurements.tsv")
    petab.write_parameter_df(parameter_df, folder / "parameters.tsv")
    problem = folder / "problem.yaml"
    petab.write_yaml({"format_version": 1, "parameter_file": "parameters.tsv",
                      "problems": [{"condition_files": ["conditions.tsv"],
                                    "measurement_files": ["measurements.tsv"],
                                    "observable_files": [], "sbml_files": []}]}, problem)
    return problem


def _flatten(mapping: dict, prefix: str, out: dict[str, Any]) -> None:
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out)
        elif isinstance(value, (list, tuple)):
            out[name] = ";".join(map(str, value))
        else:
            out[name] = value


def findings_as_measurements(findings: list) -> tuple[dict[str, dict], pd.DataFrame,
                                                       list[str]]:
    """The published numbers among ``findings`` as PEtab-ready data: each ``between``
    expectation becomes a measurement at its range's middle with SD range / 3.92 (the
    range read as +-1.96 SD, as the estimation reads it); conditions are named
    ``<finding>__<condition>``. Returns ``(conditions, measurements, skipped)``, skipped
    naming every qualitative expectation (a comparison, a bound, a trend), which a
    measurement table cannot hold."""
    from mscnk.analysis._expectations import Bound
    from mscnk.experiment import deep_merge

    conditions: dict[str, dict] = {}
    rows, skipped = [], []
    for finding in findings:
        for number, expectation in enumerate(finding.expect, 1):
            if not (isinstance(expectation, Bound) and expectation.between is not None):
                skipped.append(f"{finding.id}:{number} ({expectation.readout}): qualitative")
                continue
            name = f"{finding.id}__{expectation.in_}"
            conditions[name] = deep_merge(finding.base or {},
                                          finding.conditions[expectation.in_])
            low, high = (float(v) for v in expectation.between)
            rows.append({"condition": name, "readout": expectation.readout,
                         "value": (low + high) / 2, "sigma": (high - low) / 3.92})
    return conditions, pd.DataFrame(rows, columns=["condition", "readout", "value", "sigma"]), \
        skipped
