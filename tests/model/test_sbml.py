"""SBML export: valid under libsbml, annotated, and the same dynamics in libRoadRunner."""

from __future__ import annotations

import numpy as np
import pytest

from mscnk.vocabulary import BLOCKADES, MSC_SOURCES
from mscnk.experiment import Condition, Simulator
from mscnk.model import sbml_errors, to_antimony, to_sbml
from helpers import build_model

roadrunner = pytest.importorskip("roadrunner")
MAX_RELATIVE = 1e-4  # the bound on every readout-relevant state

PANEL = {
    "default": {},
    "resting_nk": {"nk": {"activation": {"il2_u_ml": 0}, "preactivation_h": 0}},
    "licensed": {"msc": {"ifng_pretreatment_ng_ml": 100}},
    "transwell": {"culture": "transwell"},
    "cytotoxicity": {"assay": "cytotoxicity", "ratio": 10},
    "car_tumor": {"nk": {"car": True}, "tumor": {"cells": 20000, "line": "solid_tumor"},
                  "msc": {"source": "tumor_associated"}, "ratio": 1},
    **{f"block_{b}": {"blockade": [b], "duration_h": 24} for b in BLOCKADES},
    **{f"source_{s}": {"msc": {"source": s}, "duration_h": 24} for s in MSC_SOURCES},
}


@pytest.fixture(scope="module")
def sbml_text():
    return to_sbml(build_model())


@pytest.fixture(scope="module")
def runner(sbml_text):
    rr = roadrunner.RoadRunner(sbml_text)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    return rr


@pytest.fixture(scope="module")
def simulator():
    from mscnk.engine import ScipyEngine

    return Simulator(engine=ScipyEngine(rtol=1e-10, atol=1e-12))


def test_export_is_valid_sbml(sbml_text):
    assert sbml_errors(sbml_text) == []
    import libsbml

    document = libsbml.readSBMLFromString(sbml_text)
    assert document.getLevel() == 3
    model = document.getModel()
    declared = build_model()
    assert model.getNumSpecies() == len(declared.species)
    assert model.getNumReactions() == len(declared.processes)
    assert model.getNumUnitDefinitions() >= 4


def test_every_reaction_and_species_names_its_mechanisms(sbml_text):
    import libsbml

    model = libsbml.readSBMLFromString(sbml_text).getModel()
    for process in build_model().processes:
        reaction = model.getReaction(process.name)
        annotation = reaction.getAnnotationString()
        for mechanism in process.mechanisms:
            assert f'id="{mechanism}"' in annotation
        assert "Mechanisms:" in reaction.getNotesString()
    hla = model.getSpecies("hla_i")
    assert "Spaggiari 2006" in hla.getNotesString()


def test_antimony_lists_every_reaction():
    text = to_antimony(build_model())
    for process in build_model().processes:
        assert f"  {process.name}:" in text


@pytest.mark.parametrize("label", list(PANEL))
def test_roadrunner_reproduces_the_native_engine(runner, simulator, label):
    model = simulator.model
    condition = Condition.model_validate(PANEL[label]).resolved()
    trajectory = simulator.simulate(condition).trajectory
    inputs = trajectory.main_phase.inputs
    runner.resetAll()
    # current values, not init(): setting init() regenerates the model (about a second each)
    # and resets parameters; simulate() starts from the current state
    for name, value in zip(model.species, trajectory.main.states[0]):
        runner.setValue(name, float(value))
    for name, value in zip(model.parameters, simulator.params):
        runner.setValue(name, float(value))
    for name, value in zip(model.inputs, inputs):
        runner.setValue(name, float(value))
    runner.timeCourseSelections = ["time", *model.species]
    theirs = np.asarray(runner.simulate(times=list(trajectory.main.time_h)))[:, 1:]
    ours = trajectory.main.states
    scale = np.maximum(np.abs(ours).max(axis=0), 1e-6)
    worst = (np.abs(ours - theirs) / scale).max(axis=0)
    assert worst.max() <= MAX_RELATIVE, dict(zip(model.species, worst.round(8)))


@pytest.mark.parametrize("label", ["default", "transwell", "cytotoxicity", "licensed"])
def test_roadrunner_engine_gives_the_batched_engine_readouts(label):
    """The full simulate path (pre-phases, controls, K562 re-test) through libRoadRunner."""
    from mscnk.engine._roadrunner import RoadRunnerEngine
    from helpers import compiled_model

    engine = RoadRunnerEngine(compiled_model(), rtol=1e-10, atol=1e-12)
    theirs = Simulator(engine=engine).simulate(PANEL[label]).readouts
    ours = Simulator().simulate(PANEL[label]).readouts
    for name, value in ours.items():
        reference = theirs[name]
        if np.isnan(reference):
            assert np.isnan(value), name
            continue
        assert abs(value - reference) <= 1e-4 * max(abs(reference), 0.1), (name, value, reference)
