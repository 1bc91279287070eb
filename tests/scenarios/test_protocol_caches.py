"""The co-culture protocol's caches (pre-phases, inputs, K562 wells, kept by the fields they
come from) give exactly what a protocol that has seen nothing else builds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mscnk.experiment import Condition
from mscnk.scenarios import load_scenario

#: Conditions that differ from one another in every field a pre-phase, the main inputs or
#: the K562 re-test well could read.
VARIANTS = [
    {"msc": {"ifng_pretreatment_ng_ml": 10}},
    {"msc": {"ifng_pretreatment_ng_ml": 10, "pretreatment_h": 24}},
    {"msc": {"ifng_pretreatment_ng_ml": 10, "cells": 5000}},
    {"msc": {"ifng_pretreatment_ng_ml": 10, "source": "adipose"}},
    {"msc": {"ifng_pretreatment_ng_ml": 10, "knockdown": ["ido1"]}},
    {"msc": {"tlr3_priming": True}},
    {"msc": {"tlr4_priming": True}},
    {"msc": {"tlr4_priming": True}, "medium": {"tryptophan_uM": 78}},
    {"msc": {"tlr4_priming": True}, "exosomes": {"source": "fetal_liver"}},
    {"msc": {"tlr4_priming": True}, "tumor": {"line": "solid_tumor"}},
    {"nk": {"preactivation_h": 24}},
    {"nk": {"cells": 5000}},
    {"nk": {"car": True}},
    {"nk": {"activation": {"il2_u_ml": 0, "il15_ng_ml": 10}}},
    {"nk": {"activation": {"il12_ng_ml": 10, "il18_ng_ml": 50, "il21_ng_ml": 5}}},
    {"culture": "transwell", "drugs": {"one_mt_uM": 500}, "blockade": ["anti_nkg2d"]},
    {"mediators": {"pge2_ng_ml": 5}, "medium": {"tryptophan_uM": 10}},
]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return (a.name == b.name and a.duration_h == b.duration_h
            and np.array_equal(a.state, b.state) and np.array_equal(a.inputs, b.inputs)
            and np.array_equal(a.times, b.times))


def _phases(protocol, condition):
    return (protocol.pretreatment_phase(condition), protocol.preactivation_phase(condition),
            protocol.main_inputs(condition), protocol.k562_alone_phase(condition))


@pytest.mark.parametrize("kept", [4096, 1])  # 1: every cache is emptied as it fills
def test_cached_phases_equal_freshly_built_ones(monkeypatch, kept):
    from mscnk.scenarios.coculture import protocol

    monkeypatch.setattr(protocol, "KEPT_INITIAL_STATES", kept)
    scenario = load_scenario()
    model = scenario.compiled
    params = model.default_parameters()
    shared = scenario.protocol(model, params)
    conditions = [Condition.model_validate(v).resolved() for v in VARIANTS]
    for condition in itertools.chain(conditions, reversed(conditions)):  # every cache warm
        _phases(shared, condition)
    for condition in conditions:
        cached = _phases(shared, condition)
        fresh = _phases(scenario.protocol(model, params), condition)
        assert _same(cached[0], fresh[0]) and _same(cached[1], fresh[1]), condition
        np.testing.assert_array_equal(cached[2], fresh[2])
        assert _same(cached[3], fresh[3]), condition


def test_every_variant_gives_its_own_pre_phases():
    """The variants do differ where they should: the caches cannot pass by seeing one."""
    scenario = load_scenario()
    protocol = scenario.protocol(scenario.compiled, scenario.compiled.default_parameters())
    conditions = [Condition.model_validate(v).resolved() for v in VARIANTS]
    pretreated = [protocol.pretreatment_phase(c) for c in conditions[:10]]
    activated = [protocol.preactivation_phase(c) for c in conditions[10:15]]
    for group in (pretreated, activated):
        assert all(phase is not None for phase in group)
        for a, b in itertools.combinations(group, 2):
            assert not _same(a, b)


def _protocol():
    scenario = load_scenario()
    return scenario.protocol(scenario.compiled, scenario.compiled.default_parameters())


def _resolved(**fields) -> Condition:
    return Condition.model_validate(fields).resolved()


def test_controls_leave_out_one_population_and_what_belongs_to_its_cells():
    condition = _resolved(msc={"source": "adipose", "ifng_pretreatment_ng_ml": 10,
                               "knockdown": ["ido1"], "tlr3_priming": True},
                          nk={"car": True, "preactivation_h": 24,
                              "activation": {"il15_ng_ml": 10}},
                          culture="transwell", drugs={"one_mt_uM": 500},
                          mediators={"pge2_ng_ml": 5}, tumor={"cells": 1000})
    protocol = _protocol()
    assert protocol.control_labels(condition) == ("without_nk", "without_msc")
    alone_nk = protocol.control(condition, "without_msc").well
    assert alone_nk.msc == Condition().msc.model_copy(update={"cells": 0.0})
    assert alone_nk.model_copy(update={"msc": condition.msc}) == condition
    alone_msc = protocol.control(condition, "without_nk").well
    assert (alone_msc.nk.cells, alone_msc.nk.preactivation_h, alone_msc.nk.car) == (0, 0, False)
    assert alone_msc.nk.activation == condition.nk.activation  # the medium keeps its cytokines
    assert alone_msc.model_copy(update={"nk": condition.nk}) == condition


def test_conditions_share_a_control_only_where_it_leaves_out_what_they_differ_in():
    protocol = _protocol()
    base = {"nk": {"activation": {"il2_u_ml": 50}}}
    same_nk_alone = [_resolved(**base, msc={"source": source, "ifng_pretreatment_ng_ml": dose})
                     for source in ("bone_marrow", "adipose") for dose in (0, 10)]
    same_msc_alone = [_resolved(**base, ratio=ratio) for ratio in (0.5, 2, 10)]
    differ = [_resolved(**base, culture="transwell"), _resolved(**base, drugs={"one_mt_uM": 5}),
              _resolved(nk={"activation": {"il2_u_ml": 500}})]
    for label, group in (("without_msc", same_nk_alone), ("without_nk", same_msc_alone)):
        controls = [protocol.control(c, label) for c in group]
        assert all(control is controls[0] for control in controls), label
        for other in differ:
            assert protocol.control(other, label) is not controls[0], (label, other)
    # the NK-alone well differs with the NK cells, the MSC-alone well with the MSCs
    assert protocol.control(same_msc_alone[0], "without_msc") is not \
        protocol.control(same_msc_alone[1], "without_msc")
    assert protocol.control(same_nk_alone[0], "without_nk") is not \
        protocol.control(same_nk_alone[2], "without_nk")


@pytest.mark.parametrize("population, own", [
    ("msc", {"source": "umbilical_cord", "ifng_pretreatment_ng_ml": 100, "tlr4_priming": True,
             "knockdown": ["cox2", "ido1"]}),
    ("nk", {"preactivation_h": 0, "car": True})])
def test_what_a_control_leaves_out_is_inert_without_its_cells(population, own):
    """The fields a control resets act only through their cells: a well without those cells
    gives the same readouts with or without them (to solver tolerance)."""
    from mscnk.experiment import Simulator

    other = {"msc": {"cells": 2e4}, "nk": {"cells": 1e5}, "tumor": {"cells": 1e4}}
    plain = {**other, population: {**other[population], "cells": 0}}
    changed = {**other, population: {**other[population], "cells": 0, **own}}
    simulator = Simulator()
    a, b = (simulator.simulate(c).readouts for c in (plain, changed))
    assert a.keys() == b.keys()
    for name in a:
        if np.isnan(a[name]):
            assert np.isnan(b[name]), name
        else:
            assert b[name] == pytest.approx(a[name], rel=1e-4, abs=1e-6), name
