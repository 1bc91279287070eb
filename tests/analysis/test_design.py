"""``mscnk design``: candidates ranked by how far apart two model variants predict them."""

from __future__ import annotations

import pytest

from mscnk.analysis import rank_candidates
from mscnk.experiment import ConditionError
from mscnk.vocabulary import measurement_sd

from helpers import run_cli

NK_ALONE = {"msc": {"cells": 0}, "nk": {"cells": 100000}, "duration_h": 72}
CANDIDATES = {
    "nk_alone": NK_ALONE,                                          # no PGE2 anywhere
    "nk_alone_pge2": {**NK_ALONE, "mediators": {"pge2_ng_ml": 100}},  # PGE2 is the input
    "lysis_4h": {"assay": "cytotoxicity", "ratio": 10},
}
WITHOUT_PGE2 = {"on_pge2_ep2_ep4": 0.0}


@pytest.fixture(scope="module")
def pge2_design():
    return rank_candidates(CANDIDATES, {}, WITHOUT_PGE2)


def test_design_picks_the_well_where_the_mechanisms_input_varies(pge2_design):
    assert pge2_design.ranking.candidate.iloc[0] == "nk_alone_pge2"
    by_candidate = pge2_design.ranking.set_index("candidate").separation
    assert by_candidate["nk_alone"] == 0  # the mechanism has no input there
    assert by_candidate["nk_alone_pge2"] > 2  # a well that tells them apart
    assert "nk_alone" not in pge2_design.best(3)


def test_separation_is_the_difference_in_noise_units(pge2_design):
    for row in pge2_design.separations.itertuples():
        noise = (measurement_sd(row.readout, row.first) ** 2
                 + measurement_sd(row.readout, row.second) ** 2) ** 0.5
        assert row.separation == pytest.approx(abs(row.first - row.second) / noise)
    assert measurement_sd("pge2_pg_ml", 1000.0) == pytest.approx((10.0**2 + 150.0**2) ** 0.5)


def test_variants_that_do_not_differ_are_refused():
    with pytest.raises(ConditionError, match="the variants must differ"):
        rank_candidates(CANDIDATES, WITHOUT_PGE2, dict(WITHOUT_PGE2))


def test_mscnk_design_proposes_wells(tmp_path):
    file = tmp_path / "candidates.yaml"
    file.write_text("conditions:\n"
                    "  nk_alone: {msc: {cells: 0}, nk: {cells: 100000}, duration_h: 72}\n"
                    "  nk_alone_pge2: {msc: {cells: 0}, nk: {cells: 100000}, duration_h: 72,"
                    " mediators: {pge2_ng_ml: 100}}\n")
    result = run_cli(["design", str(file), "--between", "default", "without:pge2_ep2_ep4",
                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "run next: nk_alone_pge2" in result.stdout
    wrong = run_cli(["design", str(file), "--between", "default", "without:pge2_ep4"])
    assert wrong.exit_code == 2 and wrong.exception is None
    assert "did you mean 'pge2_ep2_ep4'" in wrong.flat
