"""One declaration per readout: its function, and what it reads derived from that function.

The wells and species a readout reads are recorded by calling its function on a probe
(``READOUT_DECLARATIONS[name].reads``); these tests check that record against the function
itself, on made-up wells of the real model's species: changing anything the record leaves
out changes no readout, and a population that makes a readout missing is what ``needs``
says.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from mscnk import vocabulary as _keys
from mscnk.scenarios.coculture import READOUT_DECLARATIONS
from mscnk.scenarios.coculture.probe import WELL_LABELS
from mscnk.scenarios.coculture.wells import Wells
from helpers import build_model

from helpers import CONTRACT_READOUTS, run_cli

SPECIES = build_model().species_names()
INDEX = {name: i for i, name in enumerate(SPECIES)}
STATES = ("without_nk", "without_msc", "start", "untreated_msc", "licensed_msc", "il2_nk")
MAIN = ("end", "window")  # the main well's states the readouts read (as the probe's "main")
POPULATIONS = {"msc": ("msc",), "nk": ("nk_bright", "nk_dim"), "tumor": ("tumor",)}


def _wells(seed: int = 11) -> Wells:
    """Wells with every population present and every species at a different level."""
    rng = np.random.default_rng(seed)
    state = lambda: rng.uniform(0.5, 2.0, len(SPECIES))  # noqa: E731
    return Wells(species=dict(INDEX), k562_pct=float(rng.uniform(10, 60)),
                 **{label: state() for label in (*STATES, *MAIN)})


def _scaled(wells: Wells, well: str, species: str, factor: float = 1.37) -> Wells:
    """``wells`` with one species of one well scaled (the K562 re-test: its lysis)."""
    if well == "k562":
        return dataclasses.replace(wells, k562_pct=wells.k562_pct * factor)
    if well == "main":
        return dataclasses.replace(wells, **{name: _scale(getattr(wells, name), species, factor)
                                             for name in MAIN})
    return dataclasses.replace(wells, **{well: _scale(getattr(wells, well), species, factor)})


def _scale(state: np.ndarray, species: str, factor: float) -> np.ndarray:
    state = state.copy()
    state[INDEX[species]] *= factor
    return state


def _values(wells: Wells) -> dict[str, float]:
    return {name: float(d.compute(wells)) for name, d in READOUT_DECLARATIONS.items()}


def test_every_contract_readout_is_declared_once_in_contract_order():
    assert tuple(READOUT_DECLARATIONS) == _keys.READOUT_NAMES
    assert set(READOUT_DECLARATIONS) == set(CONTRACT_READOUTS)
    for name, declaration in READOUT_DECLARATIONS.items():
        contract = _keys.READOUTS[_keys.READOUT_NAMES.index(name)]
        assert (declaration.name, declaration.unit, declaration.meaning) == (
            contract.name, contract.unit, contract.meaning)


def test_a_readout_cannot_be_declared_twice_or_outside_the_contract():
    from mscnk.scenarios.coculture.readouts import readout

    with pytest.raises(ValueError, match="msc_lysis_pct is declared twice"):
        readout("msc_lysis_pct")(lambda w: 0.0)
    with pytest.raises(KeyError, match="not_a_readout is not a contract readout"):
        readout("not_a_readout")


def test_the_dead_needs_field_and_hand_kept_species_are_gone():
    import mscnk.scenarios.coculture.readouts as module

    assert "needs" not in _keys.Readout._fields
    assert not hasattr(module, "READOUT_SPECIES") and not hasattr(module, "READOUT_FUNCTIONS")


def test_reads_name_known_wells_and_model_species():
    for name, declaration in READOUT_DECLARATIONS.items():
        assert declaration.reads, name
        for well, species in declaration.reads.items():
            assert well in WELL_LABELS, (name, well)
            assert species and set(species) <= set(SPECIES), (name, well, species)
        assert declaration.species == tuple(dict.fromkeys(
            s for species in declaration.reads.values() for s in species))


def test_a_readout_reads_nothing_its_declaration_leaves_out():
    """Scaling any species of any well outside a readout's ``reads`` leaves it bitwise equal."""
    wells = _wells()
    before = _values(wells)
    changed_by: dict[str, set[tuple[str, str]]] = {name: set() for name in before}
    for well in (*STATES, "main", "k562"):
        for species in (("tumor",) if well == "k562" else SPECIES):
            after = _values(_scaled(wells, well, species))
            for name, value in after.items():
                if value != before[name]:
                    changed_by[name].add((well, species))
    for name, declaration in READOUT_DECLARATIONS.items():
        declared = {(well, s) for well, species in declaration.reads.items() for s in species}
        assert changed_by[name] <= declared, (name, sorted(changed_by[name] - declared))
        assert changed_by[name], name  # and what it declares does move it


def test_k562_readout_reads_the_retest_well():
    reads = READOUT_DECLARATIONS["nk_cytotoxicity_k562_pct"].reads
    assert reads == {"k562": ("tumor",)}
    assert READOUT_DECLARATIONS["msc_lysis_pct"].reads == {"main": ("msc",),
                                                           "without_nk": ("msc",)}


@pytest.mark.parametrize("population", sorted(POPULATIONS))
def test_needs_is_the_populations_whose_absence_makes_a_readout_missing(population):
    wells = _wells()
    start = wells.start.copy()
    for species in POPULATIONS[population]:
        start[INDEX[species]] = 0.0
    values = _values(dataclasses.replace(wells, start=start))
    for name, declaration in READOUT_DECLARATIONS.items():
        assert math.isnan(values[name]) == (population in declaration.needs), name


def test_needs_are_right_where_the_old_hand_kept_field_was_wrong():
    assert READOUT_DECLARATIONS["msc_lysis_pct"].needs == ("msc",)  # no NK: 0, not missing
    assert READOUT_DECLARATIONS["tumor_kill_pct"].needs == ("tumor",)
    assert READOUT_DECLARATIONS["ifng_pg_ml"].needs == ()


def test_explain_walks_the_model_from_the_declared_species():
    from mscnk.analysis import explain_readout

    for name, declaration in READOUT_DECLARATIONS.items():
        species, _ = explain_readout(name, depth=0)
        assert species == list(declaration.species), name


def test_mscnk_explain_names_the_species_and_wells():
    result = run_cli(["explain", "--graph", "nk_cytotoxicity_k562_pct"])
    assert result.exit_code == 0, result.output
    assert re.search(r"reads: tumor \(K562 re-test\)", result.stdout), result.stdout
    result = run_cli(["explain", "--graph", "msc_lysis_pct"])
    assert re.search(r"reads: msc \(main well, control without NK\)", result.stdout), \
        result.stdout


def test_conditions_doc_lists_derived_needs_and_reads():
    from mscnk.report import conditions_markdown

    rows = {line.split("|")[1].strip(" `"): [c.strip() for c in line.split("|")[2:-1]]
            for line in conditions_markdown().splitlines() if line.startswith("| `")}
    unit, needs, reads, meaning = rows["msc_lysis_pct"]
    assert needs == "msc" and reads == "msc (main well, control without NK)"
    assert rows["nk_cytotoxicity_k562_pct"][2] == "tumor (K562 re-test)"


def test_a_stacked_chunk_gives_what_each_condition_gives_alone():
    """Readouts over the batch axis (a chunk at once) equal one condition at a time bitwise,
    with populations missing, controls not run and values floored or rounded to zero."""
    rng = np.random.default_rng(5)
    views = []
    for i in range(40):
        wells = _wells(seed=100 + i)
        start = wells.start.copy()
        for species in POPULATIONS.values():
            if rng.random() < 0.3:
                start[[INDEX[s] for s in species]] = 0.0
        missing = np.full(len(SPECIES), np.nan)
        end = wells.end.copy()
        end[INDEX["msc"]] *= rng.choice([0.5, 1.0, 3.0])  # lysis below, at and above zero
        views.append(dataclasses.replace(
            wells, start=start, end=end,
            without_nk=missing if rng.random() < 0.3 else wells.without_nk,
            without_msc=missing if rng.random() < 0.3 else wells.without_msc))
    together = READOUT_DECLARATIONS.compute_many(views)
    for view, row in zip(views, together):
        alone = READOUT_DECLARATIONS.compute(view)
        assert list(row) == list(alone)
        for name, value in alone.items():
            assert (value == row[name]) or (math.isnan(value) and math.isnan(row[name])), name
