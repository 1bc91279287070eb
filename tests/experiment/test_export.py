"""Exports other tools open: Antimony from the SBML, and SBML that reproduces a condition.

* The Antimony text is made by the antimony library from the SBML; antimony loads it back
  and libRoadRunner gives the direct SBML's trajectories from it (``ROUND_TRIP``).
* ``export sbml --condition`` writes the main well of a condition (pre-phases folded into
  the initial state, the condition's inputs as parameter values); libRoadRunner on that file
  gives mscnk's own main-phase time course (``REPRODUCED``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import build_model, run_cli

roadrunner = pytest.importorskip("roadrunner")
antimony = pytest.importorskip("antimony")

#: Antimony round trip against the direct SBML, both in libRoadRunner at 1e-12/1e-14:
#: |difference| <= 1e-6 x the species' largest magnitude over the run (floor below).
ROUND_TRIP = 1e-6
#: An exported condition in libRoadRunner (tight tolerances) against mscnk's default batched
#: engine: |difference| <= 1e-4 x the species' largest magnitude over the main phase, that
#: magnitude floored at FLOOR (in the species' own unit: cells, ng/ml, uM, or a 0-1 per-cell
#: level), so a species that stays near 0 is held to 1e-4 x FLOOR absolutely.
REPRODUCED = 1e-4
FLOOR = 1e-6

#: Conditions whose main well is exported and run elsewhere (the issue's list).
PANEL = {
    "default": {},
    "transwell": {"culture": "transwell"},
    "ifng_pretreated": {"msc": {"ifng_pretreatment_ng_ml": 100, "pretreatment_h": 48}},
    "drugs": {"drugs": {"one_mt_uM": 1000, "ns398_uM": 10}, "duration_h": 48},
    "cytotoxicity": {"assay": "cytotoxicity", "ratio": 10},
}


def _runner(sbml: str):
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-12
    rr.integrator.absolute_tolerance = 1e-14
    return rr


def _simulate(sbml: str, species, times) -> np.ndarray:
    rr = _runner(sbml)
    rr.timeCourseSelections = ["time", *species]
    return np.asarray(rr.simulate(times=list(times)))[:, 1:]


def _worst(ours: np.ndarray, theirs: np.ndarray, floor: float) -> np.ndarray:
    """Largest difference per species over time, relative to the species' largest magnitude."""
    scale = np.maximum(np.abs(ours).max(axis=0), floor)
    return (np.abs(ours - theirs) / scale).max(axis=0)


def _antimony_to_sbml(text: str) -> str:
    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyString(text) >= 0, antimony.getLastError()
    return antimony.getSBMLString(antimony.getMainModuleName())


# -- item 1: Antimony ----------------------------------------------------------------------
def test_antimony_loads_in_antimony_without_python_reprs():
    from mscnk.model import to_antimony

    text = to_antimony(build_model())
    assert "np.float64" not in text and "float64" not in text
    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyString(text) >= 0, antimony.getLastError()


def test_antimony_round_trip_gives_the_sbml_trajectories():
    """Antimony of a condition's well, read back by antimony, runs as the SBML itself does."""
    from mscnk.experiment import export_condition_sbml
    from mscnk.model import sbml_to_antimony
    from helpers import build_model

    sbml = export_condition_sbml({"assay": "cytotoxicity", "ratio": 10})
    text = sbml_to_antimony(sbml)
    assert "mscnk" in text and "ratio" in text  # the condition travels in the model notes
    species = [s.name for s in build_model().species]
    times = np.linspace(0, 4, 25)
    direct = _simulate(sbml, species, times)
    back = _simulate(_antimony_to_sbml(text), species, times)
    assert np.abs(direct).max() > 0  # a well with cells, not an empty one
    worst = _worst(direct, back, 1e-12)
    assert worst.max() <= ROUND_TRIP, dict(zip(species, worst))


def test_cli_antimony_file_loads(tmp_path: Path):
    out = tmp_path / "mscnk.ant"
    result = run_cli(["export", "antimony", out])
    assert result.exit_code == 0, result.output
    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyFile(str(out)) >= 0, antimony.getLastError()


# -- item 2: a condition's main well ---------------------------------------------------
@pytest.mark.parametrize("label", list(PANEL))
def test_exported_condition_reproduces_the_main_well(label):
    import mscnk
    from mscnk.experiment import export_condition_sbml

    result = mscnk.simulate(PANEL[label])
    main = result.trajectory.main
    sbml = export_condition_sbml(PANEL[label])
    species = list(result.scenario.compiled.species)
    theirs = _simulate(sbml, species, main.time_h)
    assert np.abs(main.states).max() > 0
    worst = _worst(main.states, theirs, FLOOR)
    assert worst.max() <= REPRODUCED, {s: w for s, w in zip(species, worst) if w > REPRODUCED}
    # the same numbers through the tidy table the user sees
    table = result.timecourse
    frame = table[table["phase"] == "main"]
    np.testing.assert_array_equal(frame["time_h"].to_numpy(), main.time_h)


def test_exported_condition_carries_inputs_parameters_and_its_name(tmp_path: Path):
    import libsbml

    from mscnk.experiment import export_condition_sbml
    from mscnk.model import sbml_errors

    sbml = export_condition_sbml({"culture": "transwell", "drugs": {"ns398_uM": 10}},
                                 params={"k_decay_ifng": 0.05}, name="my_well")
    assert sbml_errors(sbml) == []
    model = libsbml.readSBMLFromString(sbml).getModel()
    assert model.getParameter("contact").getValue() == 0.0
    assert model.getParameter("ns398_uM").getValue() == 10.0
    assert model.getParameter("cell_dynamics").getValue() == 1.0
    assert model.getParameter("k_decay_ifng").getValue() == 0.05
    assert model.getSpecies("msc").getInitialAmount() == 20000.0
    notes = model.getNotesString()
    assert "my_well" in notes and "transwell" in notes and "k_decay_ifng" in notes
    assert 'condition="my_well"' in model.getAnnotationString()


def test_plain_export_follows_a_parameter_file(tmp_path: Path):
    import libsbml

    params = tmp_path / "params.yaml"
    params.write_text("k_decay_ifng: 0.05\n")
    out = tmp_path / "plain.xml"
    result = run_cli(["export", "sbml", out, "--params", params])
    assert result.exit_code == 0, result.output
    model = libsbml.readSBMLFromString(out.read_text()).getModel()
    assert model.getParameter("k_decay_ifng").getValue() == 0.05
    assert model.getSpecies("msc").getInitialAmount() == 0.0  # the plain export: an empty well
    assert "empty well" in model.getNotesString()


def test_cli_exports_one_condition_of_a_file(tmp_path: Path):
    import libsbml

    experiment = tmp_path / "experiment.yaml"
    experiment.write_text("base: {duration_h: 24, nk: {preactivation_h: 0}}\n"
                          "conditions:\n  contact: {}\n  transwell: {culture: transwell}\n")
    params = tmp_path / "params.yaml"
    params.write_text("k_decay_ifng: 0.05\n")
    out = tmp_path / "well.xml"
    result = run_cli(["export", "sbml", out, "--condition", experiment, "--name", "transwell",
                      "--params", params])
    assert result.exit_code == 0, result.output
    model = libsbml.readSBMLFromString(out.read_text()).getModel()
    assert model.getParameter("contact").getValue() == 0.0
    assert model.getParameter("k_decay_ifng").getValue() == 0.05
    assert "transwell" in model.getNotesString()
    # the file runs as mscnk runs that condition under those parameters
    import mscnk

    main = mscnk.simulate({"duration_h": 24, "nk": {"preactivation_h": 0}, "culture": "transwell"},
                          params={"k_decay_ifng": 0.05}).trajectory.main
    species = [s.getId() for s in model.getListOfSpecies()]
    worst = _worst(main.states, _simulate(out.read_text(), species, main.time_h), FLOOR)
    assert worst.max() <= REPRODUCED, dict(zip(species, worst))
    ant = tmp_path / "well.ant"
    result = run_cli(["export", "antimony", ant, "--condition", experiment, "--name", "contact"])
    assert result.exit_code == 0, result.output
    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyFile(str(ant)) >= 0, antimony.getLastError()


@pytest.mark.parametrize("args, message", [
    (["--condition", "{experiment}"], "2 conditions"),
    (["--condition", "{experiment}", "--name", "transwel"], "'transwell'"),
    (["--name", "contact"], "--name needs --condition"),
    (["--condition", "{bad}"], "ratio"),
    (["--condition", "{missing}"], "does not exist"),
    (["--condition", "{experiment}", "--name", "contact", "--params", "{bad_params}"],
     "k_nonsense"),
])
def test_cli_bad_condition_input_exits_2_and_writes_nothing(tmp_path: Path, args, message):
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text("conditions:\n  contact: {}\n  transwell: {culture: transwell}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("ratio: -1\n")
    bad_params = tmp_path / "bad_params.yaml"
    bad_params.write_text("k_nonsense: 1\n")
    paths = {"experiment": experiment, "bad": bad, "missing": tmp_path / "nope.yaml",
             "bad_params": bad_params}
    out = tmp_path / "well.xml"
    for command in ("sbml", "antimony"):
        result = run_cli(["export", command, out, *[a.format(**paths) for a in args]])
        assert result.exit_code == 2, result.output
        assert result.exception is None and "Traceback" not in result.output
        assert message in result.flat, result.flat
        assert not out.exists()


def test_api_picks_one_condition_or_says_which(tmp_path: Path):
    from mscnk.experiment import ConditionError, export_condition_sbml, pick_condition

    experiment = tmp_path / "experiment.yaml"
    experiment.write_text("conditions:\n  contact: {}\n  transwell: {culture: transwell}\n")
    with pytest.raises(ConditionError, match="2 conditions"):
        pick_condition(experiment)
    name, condition = pick_condition(experiment, "transwell")
    assert name == "transwell" and condition.culture == "transwell"
    with pytest.raises(ConditionError, match="ratio"):
        export_condition_sbml({"ratio": -1})
    with pytest.raises(ConditionError, match="k_nonsense"):
        export_condition_sbml({}, params={"k_nonsense": 1.0})


def test_cli_unwritable_out_exits_2(tmp_path: Path):
    blocker = tmp_path / "a_file"
    blocker.write_text("keep me\n")
    result = run_cli(["export", "sbml", blocker / "model.xml"])
    assert result.exit_code == 2, result.output
    assert result.exception is None and "Traceback" not in result.output
    assert blocker.read_text() == "keep me\n"


def test_to_sbml_refuses_unknown_names_and_non_numbers():
    from mscnk.model import ExportError, to_sbml

    with pytest.raises(ExportError, match="unknown name 'contct'; did you mean 'contact'"):
        to_sbml(build_model(), inputs={"contct": 1.0})
    with pytest.raises(ExportError, match="k_decay_ifng = nan is not a finite number"):
        to_sbml(build_model(), parameters={"k_decay_ifng": float("nan")})
    with pytest.raises(ExportError, match="msc = True is not a finite number"):
        to_sbml(build_model(), initial_state={"msc": True})
    with pytest.raises(ExportError, match="one per species"):
        to_sbml(build_model(), initial_state=[1.0, 2.0])
