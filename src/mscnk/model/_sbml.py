"""Export the declaration as SBML Level 3 (python-libsbml) and as Antimony text.

Every state is an SBML species held as an amount (``hasOnlySubstanceUnits``) in a unit-size
compartment, so each reaction rate is exactly the model's flux in the species' own unit per
hour; every process is a reaction, every parameter and input a global parameter. Species,
parameters and reactions carry their mechanism ids and citations as notes and annotation.
A condition is expressed by setting input parameters and initial amounts (``state`` and
``inputs`` arguments), which is how the cross-check drives libRoadRunner.
"""

from __future__ import annotations

import html
import re
from typing import Mapping, Sequence

import numpy as np
import sympy as sp

from mscnk.catalog import mechanisms
from mscnk.model._build import build_model
from mscnk.model._declare import Model
from mscnk.model._links import parameter_owners

NAMESPACE = "https://github.com/mscnk/mscnk/ns/mechanisms"
#: SBML unit definitions: unit string used in the declaration -> (id, [(kind, exponent, scale, multiplier)])
_UNITS = {
    "cells": ("cells", [("item", 1, 0, 1.0)]),
    "events": ("events", [("item", 1, 0, 1.0)]),
    "ng/ml": ("ng_per_ml", [("gram", 1, -9, 1.0), ("litre", -1, -3, 1.0)]),
    "ug/ml": ("ug_per_ml", [("gram", 1, -6, 1.0), ("litre", -1, -3, 1.0)]),
    "uM": ("uM", [("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0)]),
    "1/h": ("per_hour", [("second", -1, 0, 3600.0)]),
    "h": ("hour", [("second", 1, 0, 3600.0)]),
}


def _infix(expr: sp.Expr) -> str:
    """SymPy expression -> SBML L3 infix (``^`` for powers, ``ln`` for SymPy's natural log,
    since the L3 parser reads a one-argument ``log`` as base 10)."""
    return re.sub(r"\blog\(", "ln(", sp.sstr(expr, full_prec=True).replace("**", "^"))


def _parse(expr: sp.Expr, what: str):
    import libsbml

    math = libsbml.parseL3Formula(_infix(expr))
    if math is None:
        raise RuntimeError(f"libsbml cannot parse {what}: {libsbml.getLastParseL3Error()}")
    return math


def _cite(ids: Sequence[str]) -> str:
    catalog = mechanisms()
    parts = []
    for mechanism in ids:
        entry = catalog[mechanism]
        parts.append(f"{mechanism} ({entry.name}): " + "; ".join(entry.citations))
    return " | ".join(parts)


def _annotate(element, ids: Sequence[str], what: str) -> None:
    text = html.escape(f"{what}. Mechanisms: {_cite(ids) if ids else 'none'}")
    element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{text}</p></body>')
    inner = "".join(f'<mscnk:mechanism id="{m}"/>' for m in ids)
    element.setAnnotation(f'<mscnk:mechanisms xmlns:mscnk="{NAMESPACE}">{inner}</mscnk:mechanisms>')


def _unit_id(document, unit: str) -> str | None:
    if unit not in _UNITS:
        return None
    uid, parts = _UNITS[unit]
    model = document.getModel()
    if model.getUnitDefinition(uid) is None:
        definition = model.createUnitDefinition()
        definition.setId(uid)
        for kind, exponent, scale, multiplier in parts:
            u = definition.createUnit()
            u.setKind(getattr(__import__("libsbml"), f"UNIT_KIND_{kind.upper()}"))
            u.setExponent(exponent)
            u.setScale(scale)
            u.setMultiplier(multiplier)
    return uid


def _check(status: int, what: str) -> None:
    import libsbml

    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml: {what} failed ({libsbml.OperationReturnValue_toString(status)})")


def to_sbml(model: Model | None = None, *, state: Sequence[float] | None = None,
            parameters: Mapping[str, float] | None = None,
            inputs: Mapping[str, float] | None = None) -> str:
    """SBML Level 3 Version 2 text of the model (defaults, or the given state and values)."""
    import libsbml

    model = model or build_model()
    document = libsbml.SBMLDocument(3, 2)
    sbml = document.createModel()
    sbml.setId("mscnk")
    sbml.setName("mscnk: MSC-NK cell crosstalk in one culture well")
    sbml.setTimeUnits(_unit_id(document, "h"))
    well = sbml.createCompartment()
    _check(well.setId("well"), "compartment")
    well.setSize(1.0)
    well.setConstant(True)
    well.setSpatialDimensions(3)
    values = {p.name: p.value for p in model.parameters}
    values.update(parameters or {})
    values.update({u.name: u.default for u in model.inputs})
    values.update(inputs or {})
    initial = _default_state(model) if state is None else np.asarray(state, dtype=float)
    owners = parameter_owners()
    changed_by: dict[str, list[str]] = {s.name: [] for s in model.species}
    for process in model.processes:
        for name in process.change:
            changed_by[name].extend(m for m in process.mechanisms if m not in changed_by[name])
    for s, amount in zip(model.species, initial):
        species = sbml.createSpecies()
        _check(species.setId(s.name), f"species {s.name}")
        species.setCompartment("well")
        species.setInitialAmount(float(amount))
        species.setHasOnlySubstanceUnits(True)
        species.setBoundaryCondition(False)
        species.setConstant(False)
        if (uid := _unit_id(document, s.unit)) is not None:
            species.setSubstanceUnits(uid)
        species.setMetaId(f"meta_{s.name}")
        _annotate(species, changed_by[s.name], f"{s.description} [{s.unit}]")
    for p in model.parameters:
        parameter = sbml.createParameter()
        _check(parameter.setId(p.name), f"parameter {p.name}")
        parameter.setValue(float(values[p.name]))
        parameter.setConstant(True)
        if (uid := _unit_id(document, p.unit)) is not None:
            parameter.setUnits(uid)
        parameter.setMetaId(f"meta_{p.name}")
        _annotate(parameter, owners[p.name],
                  f"{p.description} [{p.unit}], bounds [{p.lower:g}, {p.upper:g}]; "
                  f"provenance: {p.provenance}")
    for u in model.inputs:
        parameter = sbml.createParameter()
        _check(parameter.setId(u.name), f"input {u.name}")
        parameter.setValue(float(values[u.name]))
        parameter.setConstant(True)
        parameter.setMetaId(f"meta_{u.name}")
        _annotate(parameter, [], f"input set by the experiment: {u.description} [{u.unit}]")
    for expression in model.expressions:  # named signals and doses: assignment rules
        parameter = sbml.createParameter()
        _check(parameter.setId(expression.name), f"expression {expression.name}")
        parameter.setConstant(False)
        parameter.setMetaId(f"meta_{expression.name}")
        _annotate(parameter, expression.mechanisms,
                  f"{expression.description} [{expression.unit}] (assignment rule)")
        rule = sbml.createAssignmentRule()
        rule.setVariable(expression.name)
        _check(rule.setMath(_parse(expression.expr, expression.name)), f"rule {expression.name}")
    species_names = {s.name for s in model.species}
    for process in model.processes:
        reaction = sbml.createReaction()
        _check(reaction.setId(process.name), f"reaction {process.name}")
        reaction.setReversible(False)
        for name, coefficient in process.change.items():
            ref = reaction.createReactant() if coefficient < 0 else reaction.createProduct()
            ref.setSpecies(name)
            ref.setStoichiometry(abs(coefficient))
            ref.setConstant(True)
        read = {str(x) for x in model.expanded(process.rate).free_symbols}
        for name in sorted(read & species_names - set(process.change)):
            reaction.createModifier().setSpecies(name)
        _check(reaction.createKineticLaw().setMath(_parse(process.rate, process.name)),
               f"kinetic law {process.name}")
        reaction.setMetaId(f"meta_{process.name}")
        _annotate(reaction, process.mechanisms, process.description)
    return libsbml.writeSBMLToString(document)


def _default_state(model: Model) -> np.ndarray:
    from mscnk.model._compile import compiled_model

    compiled = compiled_model()
    return compiled.initial(compiled.default_parameters(), compiled.default_inputs())


def sbml_errors(text: str) -> list[str]:
    """Errors (not warnings) libsbml's consistency checks find in an SBML document."""
    import libsbml

    document = libsbml.readSBMLFromString(text)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)
    document.checkConsistency()
    log = document.getErrorLog()
    return [log.getError(i).getMessage().strip() for i in range(log.getNumErrors())
            if log.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def to_antimony(model: Model | None = None) -> str:
    """Antimony text of the model with default values (for tellurium and friends)."""
    model = model or build_model()
    lines = ["// mscnk: MSC-NK cell crosstalk in one culture well (generated; do not edit)",
             "model mscnk", "  compartment well = 1;"]
    for process in model.processes:
        left = " + ".join(f"{abs(c):g} {n}" if abs(c) != 1 else n
                          for n, c in process.change.items() if c < 0)
        right = " + ".join(f"{c:g} {n}" if c != 1 else n
                           for n, c in process.change.items() if c > 0)
        rate = re.sub(r"\blog\(", "ln(", sp.sstr(model.expanded(process.rate), full_prec=True)
                      .replace("**", "^"))
        lines.append(f"  {process.name}: {left} => {right}; {rate};  // {', '.join(process.mechanisms)}")
    state = _default_state(model)
    for s, amount in zip(model.species, state):
        lines.append(f"  substanceOnly species {s.name} in well = {amount!r};  // {s.unit}")
    for p in model.parameters:
        lines.append(f"  {p.name} = {p.value!r};  // {p.unit}")
    for u in model.inputs:
        lines.append(f"  {u.name} = {u.default!r};  // input: {u.unit}")
    lines.append("end")
    return "\n".join(lines) + "\n"
