"""Export the declaration as SBML Level 3 (python-libsbml) and, from that SBML, Antimony.

Every state is an SBML species held as an amount (``hasOnlySubstanceUnits``) in a unit-size
compartment, so each reaction rate is exactly the model's flux in the species' own unit per
hour; every process is a reaction, every parameter and input a global parameter. Species,
parameters and reactions carry their mechanism ids and citations as notes and annotation.

A well is expressed by initial amounts (``initial_state``) and input parameter values
(``inputs``); without them the document holds the *empty well* (:data:`EMPTY_WELL`). The
condition-level export (:func:`mscnk.experiment.export_condition_sbml`) fills them from a
condition's main phase. Antimony is translated from the SBML by the antimony library, so
both files describe one model.
"""

from __future__ import annotations

import html
import math
import re
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    import sympy as sp

    from mscnk.model._declare import Model

NAMESPACE = "https://github.com/mscnk/mscnk/ns/mechanisms"
#: What the plain export's initial state and inputs mean (written into its notes).
EMPTY_WELL = (
    "This document holds an empty well: no cells (all cell counts 0), fresh medium "
    "(tryptophan at its default, every other mediator 0), per-cell states at their resting "
    "values for these parameter values, and every input parameter at its default (no "
    "cytokines, drugs or antibodies; cell_dynamics and contact as declared). Set initial "
    "amounts and input parameters to express a condition, or export one with "
    "'mscnk export sbml OUT --condition FILE'."
)
#: SBML unit definitions: unit string used in the declaration -> (id, [(kind, exponent, scale, multiplier)])
_UNITS = {
    "cells": ("cell_count", [("item", 1, 0, 1.0)]),
    "events": ("event_count", [("item", 1, 0, 1.0)]),
    "ng/ml": ("ng_per_ml", [("gram", 1, -9, 1.0), ("litre", -1, -3, 1.0)]),
    "ug/ml": ("ug_per_ml", [("gram", 1, -6, 1.0), ("litre", -1, -3, 1.0)]),
    "uM": ("uM", [("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0)]),
    "1/h": ("per_hour", [("second", -1, 0, 3600.0)]),
    "h": ("hour", [("second", 1, 0, 3600.0)]),
}


class ExportError(ValueError):
    """An export was asked for values the model does not have, or a tool refused the file."""


def _infix(expr: "sp.Expr") -> str:
    """SymPy expression -> SBML L3 infix (``^`` for powers, ``ln`` for SymPy's natural log,
    since the L3 parser reads a one-argument ``log`` as base 10)."""
    import sympy as sp

    return re.sub(r"\blog\(", "ln(", sp.sstr(expr, full_prec=True).replace("**", "^"))


def _parse(expr: "sp.Expr", what: str):
    import libsbml

    math_ = libsbml.parseL3Formula(_infix(expr))
    if math_ is None:
        raise RuntimeError(f"libsbml cannot parse {what}: {libsbml.getLastParseL3Error()}")
    return math_


def _cite(ids: Sequence[str]) -> str:
    from mscnk.catalog import all_mechanisms

    catalog = all_mechanisms()
    parts = []
    for mechanism in ids:
        entry = catalog.get(mechanism)  # a scenario may name mechanisms of its own
        parts.append(f"{mechanism} ({entry.name}): " + "; ".join(entry.citations) if entry
                     else mechanism)
    return " | ".join(parts)


def _annotate(element, ids: Sequence[str], what: str) -> None:
    text = html.escape(f"{what}. Mechanisms: {_cite(ids) if ids else 'none'}")
    element.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{text}</p></body>')
    inner = "".join(f'<mscnk:mechanism id="{m}"/>' for m in ids)
    element.setAnnotation(f'<mscnk:mechanisms xmlns:mscnk="{NAMESPACE}">{inner}</mscnk:mechanisms>')


def _describe_model(sbml, about: Mapping[str, str]) -> None:
    """Model-level notes (one paragraph per item) and an ``mscnk:export`` annotation."""
    paragraphs = "".join(f"<p>{html.escape(f'{key}: {value}')}</p>" for key, value in about.items())
    _check(sbml.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml">{paragraphs}</body>'),
           "model notes")
    attributes = " ".join(f'{key}="{html.escape(str(value), quote=True)}"'
                          for key, value in about.items() if re.fullmatch(r"[A-Za-z_]\w*", key))
    _check(sbml.setAnnotation(f'<mscnk:export xmlns:mscnk="{NAMESPACE}" {attributes}/>'),
           "model annotation")


def _unit_id(document, unit: str) -> str | None:
    if unit not in _UNITS:
        return None
    import libsbml

    uid, parts = _UNITS[unit]
    model = document.getModel()
    if model.getUnitDefinition(uid) is None:
        definition = model.createUnitDefinition()
        definition.setId(uid)
        for kind, exponent, scale, multiplier in parts:
            u = definition.createUnit()
            u.setKind(getattr(libsbml, f"UNIT_KIND_{kind.upper()}"))
            u.setExponent(exponent)
            u.setScale(scale)
            u.setMultiplier(multiplier)
    return uid


def _check(status: int, what: str) -> None:
    import libsbml

    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml: {what} failed ({libsbml.OperationReturnValue_toString(status)})")


def _values(what: str, given: Mapping[str, float] | None, names: Sequence[str]) -> dict[str, float]:
    """``given`` checked against the model's ``names`` (every value a finite number)."""
    from difflib import get_close_matches

    out: dict[str, float] = {}
    problems = []
    for name, value in (given or {}).items():
        if name not in names:
            close = get_close_matches(str(name), names, n=1)
            problems.append(f"{what}: unknown name {name!r}"
                            + (f"; did you mean {close[0]!r}?" if close else ""))
        elif isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not math.isfinite(float(value)):
            problems.append(f"{what}: {name} = {value!r} is not a finite number")
        else:
            out[name] = float(value)
    if problems:
        raise ExportError("; ".join(problems))
    return out


def _state(model: "Model", initial_state: Mapping[str, float] | Sequence[float] | None,
           parameters: Mapping[str, float], inputs: Mapping[str, float]) -> dict[str, float]:
    """Initial amounts by species: the given state, or the empty well for these values."""
    names = [s.name for s in model.species]
    if initial_state is None:
        return dict(zip(names, _empty_well(model, parameters, inputs)))
    if isinstance(initial_state, Mapping):
        given = _values("initial_state", initial_state, names)
        empty = dict(zip(names, _empty_well(model, parameters, inputs)))
        return {**empty, **given}
    vector = np.asarray(initial_state, dtype=float)
    if vector.shape != (len(names),) or not np.isfinite(vector).all():
        raise ExportError(f"initial_state: {len(names)} finite amounts expected (one per species, "
                          f"declaration order), got shape {vector.shape}")
    return dict(zip(names, (float(v) for v in vector)))


def _empty_well(model: "Model", parameters: Mapping[str, float],
                inputs: Mapping[str, float]) -> np.ndarray:
    """The model's initial state (no cells, fresh medium, resting per-cell states)."""
    from mscnk.model._compile import compile_model

    compiled = compile_model(model)
    p = np.array([parameters[name] for name in compiled.parameters])
    u = np.array([inputs[name] for name in compiled.inputs])
    return compiled.initial(p, u)


def to_sbml(model: "Model", *,
            initial_state: Mapping[str, float] | Sequence[float] | None = None,
            parameters: Mapping[str, float] | None = None,
            inputs: Mapping[str, float] | None = None,
            about: Mapping[str, str] | None = None) -> str:
    """SBML Level 3 Version 2 text of the model.

    ``parameters`` and ``inputs`` override the defaults by name; ``initial_state`` gives the
    initial amounts (a vector in declaration order, or a mapping over the empty well); none
    of them: the empty well (:data:`EMPTY_WELL`). ``about``: what the document reproduces,
    written into the model's notes and ``mscnk:export`` annotation. Raises
    :class:`ExportError` for unknown names or values that are not finite numbers.
    """
    import libsbml

    from mscnk.model._links import parameter_owners

    values = {p.name: float(p.value) for p in model.parameters}
    values.update(_values("parameters", parameters, [p.name for p in model.parameters]))
    levels = {u.name: float(u.default) for u in model.inputs}
    levels.update(_values("inputs", inputs, [u.name for u in model.inputs]))
    initial = _state(model, initial_state, values, levels)
    document = libsbml.SBMLDocument(3, 2)
    sbml = document.createModel()
    sbml.setId("mscnk")
    sbml.setName("mscnk: MSC-NK cell crosstalk in one culture well")
    sbml.setMetaId("meta_mscnk")
    _describe_model(sbml, about if about is not None else {"state": EMPTY_WELL})
    sbml.setTimeUnits(_unit_id(document, "h"))
    well = sbml.createCompartment()
    _check(well.setId("well"), "compartment")
    well.setSize(1.0)
    well.setConstant(True)
    well.setSpatialDimensions(3)
    owners = parameter_owners(model)
    changed_by: dict[str, list[str]] = {s.name: [] for s in model.species}
    for process in model.processes:
        for name in process.change:
            changed_by[name].extend(m for m in process.mechanisms if m not in changed_by[name])
    for s in model.species:
        species = sbml.createSpecies()
        _check(species.setId(s.name), f"species {s.name}")
        species.setCompartment("well")
        species.setInitialAmount(initial[s.name])
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
        parameter.setValue(values[p.name])
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
        parameter.setValue(levels[u.name])
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


def sbml_errors(text: str) -> list[str]:
    """Errors (not warnings) libsbml's consistency checks find in an SBML document."""
    import libsbml

    document = libsbml.readSBMLFromString(text)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)
    document.checkConsistency()
    log = document.getErrorLog()
    return [log.getError(i).getMessage().strip() for i in range(log.getNumErrors())
            if log.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def sbml_to_antimony(sbml: str) -> str:
    """Antimony text of an SBML document, translated by the antimony library."""
    import antimony

    antimony.clearPreviousLoads()
    if antimony.loadSBMLString(sbml) < 0:
        raise ExportError(f"antimony cannot read the SBML: {antimony.getLastError().strip()}")
    text = antimony.getAntimonyString(None)
    antimony.clearPreviousLoads()
    if not text:
        raise ExportError(f"antimony wrote no text: {antimony.getLastError().strip()}")
    header = ("// mscnk: MSC-NK cell crosstalk in one culture well, translated from the SBML "
              "export by libAntimony (generated; do not edit)\n")
    return header + text


def to_antimony(model: "Model", **values) -> str:
    """Antimony text of the model: :func:`to_sbml` (same keywords) through the antimony library."""
    return sbml_to_antimony(to_sbml(model, **values))
