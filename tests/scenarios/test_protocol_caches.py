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
