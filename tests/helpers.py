"""Shared test helpers: the contract as the spec writes it, tolerances, CLI runner, strategies.

The contract constants below are copied from shared/spec/experiment.md on purpose (not
imported from the package), so a test fails if the package drops or renames a readout.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from types import ModuleType
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from hypothesis import strategies as st

from mscnk import vocabulary as _keys

# --------------------------------------------------------------------------------------
# The contract (shared/spec/experiment.md, section 2), hard-coded.
# --------------------------------------------------------------------------------------
CONTRACT_READOUT_UNITS: dict[str, str] = {
    "msc_lysis_pct": "%",
    "msc_killed_pct": "%",
    "msc_viable": "cells",
    "nk_viable": "cells",
    "nk_fold_expansion": "ratio",
    "nk_proliferation_inhibition_pct": "%",
    "nk_apoptosis_pct": "%",
    "nk_cytotoxicity_k562_pct": "%",
    "cd107a_pct": "%",
    "ifng_pg_ml": "pg/ml",
    "tnfa_pg_ml": "pg/ml",
    "il10_pg_ml": "pg/ml",
    "hgf_pg_ml": "pg/ml",
    "activin_a_pg_ml": "pg/ml",
    "pge2_pg_ml": "pg/ml",
    "tgfb_pg_ml": "pg/ml",
    "kynurenine_uM": "µM",
    "tryptophan_uM": "µM",
    "nkg2d_rel": "fold",
    "nkp30_rel": "fold",
    "nkp46_rel": "fold",
    "dnam1_rel": "fold",
    "nkg2a_rel": "fold",
    "kir_rel": "fold",
    "cd16_rel": "fold",
    "nkp44_rel": "fold",
    "cd69_rel": "fold",
    "cd56bright_pct": "%",
    "cd73_nk_pct": "%",
    "hla_i_rel": "fold",
    "hla_e_rel": "fold",
    "mica_rel": "fold",
    "ulbp_rel": "fold",
    "pvr_rel": "fold",
    "nectin2_rel": "fold",
    "serpinb9_rel": "fold",
    "cox2_rel": "fold",
    "ido_rel": "fold",
    "hla_ii_rel": "fold",
    "pdl1_rel": "fold",
    "tumor_viable": "cells",
    "tumor_kill_pct": "%",
}
CONTRACT_READOUTS: tuple[str, ...] = tuple(CONTRACT_READOUT_UNITS)

#: Readouts about MSCs (missing when the well has no MSCs).
MSC_READOUTS = (
    "msc_lysis_pct", "msc_killed_pct", "msc_viable",
    "hla_i_rel", "hla_e_rel", "mica_rel", "ulbp_rel", "pvr_rel", "nectin2_rel",
    "serpinb9_rel", "cox2_rel", "ido_rel", "hla_ii_rel", "pdl1_rel",
)
#: Readouts about NK cells (missing when the well has no NK cells).
NK_READOUTS = (
    "nk_viable", "nk_fold_expansion", "nk_proliferation_inhibition_pct", "nk_apoptosis_pct",
    "nk_cytotoxicity_k562_pct", "cd107a_pct", "nkg2d_rel", "nkp30_rel", "nkp46_rel",
    "dnam1_rel", "nkg2a_rel", "kir_rel", "cd16_rel", "nkp44_rel", "cd69_rel",
    "cd56bright_pct", "cd73_nk_pct",
)
#: Readouts about tumor cells (missing when the well has no tumor cells).
TUMOR_READOUTS = ("tumor_viable", "tumor_kill_pct")
#: Medium readouts: always applicable.
MEDIUM_READOUTS = (
    "ifng_pg_ml", "tnfa_pg_ml", "il10_pg_ml", "hgf_pg_ml", "activin_a_pg_ml", "pge2_pg_ml",
    "tgfb_pg_ml", "kynurenine_uM", "tryptophan_uM",
)
#: Readouts defined as a difference against a control: they may legitimately be signed.
SIGNED_READOUTS = ("nk_proliferation_inhibition_pct", "msc_lysis_pct", "tumor_kill_pct",
                   "nk_cytotoxicity_k562_pct")
#: Readouts that cannot be negative (counts, concentrations, folds, shares).
NON_NEGATIVE_READOUTS = tuple(r for r in CONTRACT_READOUTS if r not in SIGNED_READOUTS)
#: Shares of a population: within [0, 100].
SHARE_READOUTS = ("msc_killed_pct", "nk_apoptosis_pct", "cd107a_pct", "cd56bright_pct",
                  "cd73_nk_pct")
REL_READOUTS = tuple(r for r in CONTRACT_READOUTS if r.endswith("_rel"))

#: A condition that sets every field of the contract (from shared/tools/check-contract).
FULL_CONDITION: dict[str, Any] = {
    "assay": "coculture",
    "duration_h": 48,
    "msc": {"source": "adipose", "cells": 20000, "ifng_pretreatment_ng_ml": 10,
            "pretreatment_h": 24, "tlr3_priming": True, "tlr4_priming": False,
            "knockdown": ["galectin1"]},
    "nk": {"cells": None,
           "activation": {"il2_u_ml": 100, "il12_ng_ml": 1, "il15_ng_ml": 1, "il18_ng_ml": 1,
                          "il21_ng_ml": 1},
           "preactivation_h": 24, "car": False},
    "ratio": 5,
    "culture": "contact",
    "blockade": ["anti_nkp44"],
    "drugs": {"one_mt_uM": 10},
    "mediators": {"pge2_ng_ml": 1},
    "exosomes": {"ug_ml": 1, "source": "bone_marrow"},
    "medium": {"tryptophan_uM": 24.5},
    "tumor": {"cells": 1000, "line": "k562"},
}
FULL_CONDITION_YAML = """\
conditions:
  everything:
    assay: coculture
    duration_h: 48
    msc: {source: adipose, cells: 20000, ifng_pretreatment_ng_ml: 10, pretreatment_h: 24,
          tlr3_priming: true, tlr4_priming: false, knockdown: [galectin1]}
    nk: {cells: null, activation: {il2_u_ml: 100, il12_ng_ml: 1, il15_ng_ml: 1, il18_ng_ml: 1, il21_ng_ml: 1},
         preactivation_h: 24, car: false}
    ratio: 5
    culture: contact
    blockade: [anti_nkp44]
    drugs: {one_mt_uM: 10}
    mediators: {pge2_ng_ml: 1}
    exosomes: {ug_ml: 1, source: bone_marrow}
    medium: {tryptophan_uM: 24.5}
    tumor: {cells: 1000, line: k562}
"""

RESULT_FILES = ("results.csv", "run.json", "chunks")


def normalise_unit(unit: str) -> str:
    """Units compared the way the contract means them: 'µM' and 'uM' are the same unit."""
    return unit.replace("µ", "u").replace("μ", "u").strip()


# --------------------------------------------------------------------------------------
# Tolerances: one name per kind of comparison, used everywhere.
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tol:
    rtol: float
    atol: float = 0.0


TOL = {
    "exact": Tol(rtol=0.0, atol=0.0),
    # a linear invariant kept by the implicit solver, up to round-off
    "conserved": Tol(rtol=1e-6, atol=1e-9),
    # default engine against a tight reference solve
    "engine": Tol(rtol=1e-4, atol=1e-9),
    # a solve at the default tolerances against a closed-form solution
    "analytic": Tol(rtol=1e-5),
    # exact Jacobian against central finite differences
    "jacobian": Tol(rtol=1e-5),
}


def allclose(actual: Any, expected: Any, tol: str | Tol, *, what: str = "") -> None:
    """Assert ``actual`` ~ ``expected`` with the named tolerance; NaN equals NaN."""
    t = TOL[tol] if isinstance(tol, str) else tol
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=t.rtol, atol=t.atol, equal_nan=True, err_msg=what)


#: How far below zero a returned state may be and still be round-off, per unit of the
#: species' scale ``max(max |x|, 1)``: the absolute error the batched engine's step control
#: grants a species (``BatchEngine.atol`` = 1e-8 times ``max(|x0|, 1)``). Measured worst on
#: the finding conditions and 300 seeded random conditions, at the default parameters and
#: at random ones within their declared bounds: 4e-10 (tumor; tgfb_active 4e-11).
STATE_ROUND_OFF = 1e-8


def negative_beyond_round_off(states: Any, species: Sequence[str]) -> dict[str, float]:
    """Species whose lowest value (over ``states``, rows of ``species``) is below
    ``-STATE_ROUND_OFF * max(max |x|, 1)``: name -> lowest value / scale."""
    states = np.asarray(states, dtype=float).reshape(-1, len(species))
    scale = np.maximum(np.abs(states).max(axis=0), 1.0)
    lowest = states.min(axis=0)
    return {name: float(low / s) for name, low, s in zip(species, lowest, scale)
            if not low >= -STATE_ROUND_OFF * s}


#: Differences in a readout's unit (here % lysis) that are round-off, not biology (the same
#: bound as ``mscnk.experiment._readouts.ROUND_OFF``); only met with the integration error
#: pushed below it (:data:`TIGHT_ENGINE`): at the default tolerances transwell lysis from
#: the states is -4.6e-6 %, floored to 0 by the readout.
LYSIS_ROUND_OFF_PCT = 1e-6
#: Batched-engine settings whose integration error is far below :data:`LYSIS_ROUND_OFF_PCT`.
TIGHT_ENGINE = {"rtol": 1e-9, "atol": 1e-12}


def lysis_from_states(result: Any, population: str = "msc") -> float:
    """100 x (population without NK - with NK) / without NK at the end, read from the states:
    the ``*_lysis_pct``/``*_kill_pct`` readouts floor at zero, this is the quantity unfloored."""
    treated = float(result.timecourse[population].iloc[-1])
    control = float(result.controls["without_nk"][population].iloc[-1])
    return 100.0 * (control - treated) / control


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------------------
# The command line.
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def flat(self) -> str:
        """stdout + stderr with all whitespace runs made single spaces (undoes line wraps)."""
        return " ".join(self.output.split())


def run_cli(args: Sequence[str | Path]) -> CliResult:
    """Invoke ``mscnk`` in-process through Typer's CliRunner, on a wide virtual terminal."""
    from typer.testing import CliRunner

    from mscnk.cli import app

    runner = CliRunner()
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"},
                           catch_exceptions=True)
    exception = result.exception
    if isinstance(exception, SystemExit):
        exception = None
    return CliResult(result.exit_code, result.stdout, result.stderr, exception)


# --------------------------------------------------------------------------------------
# Hypothesis strategies: random valid conditions, kept short so they simulate fast.
# --------------------------------------------------------------------------------------
def _dose(upper: float) -> st.SearchStrategy[float]:
    return st.one_of(st.just(0.0), st.floats(0.01, upper))


def _hours(upper: float) -> st.SearchStrategy[float]:
    """A phase length: 0 (phase skipped) or at least half an hour."""
    return st.one_of(st.just(0.0), st.floats(0.5, upper))


def _subset(names: Sequence[str], max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(list(names)), unique=True, max_size=max_size)


def _amounts(names: Sequence[str], upper: float, max_size: int) -> st.SearchStrategy[dict]:
    return st.dictionaries(st.sampled_from(list(names)), _dose(upper), max_size=max_size)


@st.composite
def conditions(draw, *, culture: str | None = None, msc_alone: bool = False,
               nk_alone: bool = False, max_hours: float = 48.0) -> dict[str, Any]:
    """A random valid contract condition (a plain mapping), 4-``max_hours`` h long."""
    condition: dict[str, Any] = {
        "assay": draw(st.sampled_from(_keys.ASSAYS)),
        "duration_h": draw(st.floats(4.0, max_hours)),
        "msc": {
            "source": draw(st.sampled_from(_keys.MSC_SOURCES)),
            "cells": draw(st.floats(2000.0, 50000.0)),
            "ifng_pretreatment_ng_ml": draw(_dose(100.0)),
            "pretreatment_h": draw(_hours(48.0)),
            "tlr3_priming": draw(st.booleans()),
            "tlr4_priming": draw(st.booleans()),
            "knockdown": draw(_subset(_keys.KNOCKDOWNS, 3)),
        },
        "nk": {
            "activation": {
                "il2_u_ml": draw(st.one_of(st.just(0.0), st.just(100.0), st.floats(0, 1000))),
                "il12_ng_ml": draw(_dose(20.0)),
                "il15_ng_ml": draw(_dose(20.0)),
                "il18_ng_ml": draw(_dose(50.0)),
                "il21_ng_ml": draw(_dose(50.0)),
            },
            "preactivation_h": draw(_hours(72.0)),
            "car": draw(st.booleans()),
        },
        "ratio": draw(st.one_of(st.sampled_from([0.5, 1.0, 5.0, 10.0]), st.floats(0.1, 20.0))),
        "culture": culture or draw(st.sampled_from(_keys.CULTURES)),
        "blockade": draw(_subset(_keys.BLOCKADES, 4)),
        "drugs": draw(_amounts(_keys.DRUGS, 50.0, 2)),
        "mediators": draw(_amounts(_keys.MEDIATORS, 20.0, 3)),
        "exosomes": {"ug_ml": draw(_dose(20.0)),
                     "source": draw(st.sampled_from(_keys.MSC_SOURCES))},
        "medium": {"tryptophan_uM": draw(st.sampled_from([24.5, 78.0, 5.0]))},
        "tumor": {"cells": draw(st.one_of(st.just(0.0), st.floats(100.0, 10000.0))),
                  "line": draw(st.sampled_from(_keys.TUMOR_LINES))},
    }
    if msc_alone:
        condition["ratio"] = 0.0
    if nk_alone:
        condition["msc"]["cells"] = 0.0
        condition["nk"]["cells"] = draw(st.floats(1000.0, 100000.0))
    return condition


def assert_rejected(result: CliResult, out: Path, needles: Sequence[str]) -> None:
    """A CLI run refused bad input cleanly: no exception, exit 2, every needle in the
    message, nothing written under ``out``."""
    assert result.exception is None, f"crashed instead of a clean error: {result.exception!r}"
    assert result.exit_code == 2, result.output
    missing = [needle for needle in needles if needle not in result.flat]
    assert not missing, f"message lacks {missing}:\n{result.output}"
    written = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert written == [], f"files written for bad input: {written}"


def build_model():
    """The co-culture scenario's model declaration (built once per process)."""
    from mscnk.scenarios import load_scenario

    return load_scenario("coculture").model


def compiled_model():
    """The co-culture scenario's compiled model (once per process)."""
    from mscnk.scenarios import load_scenario

    return load_scenario("coculture").compiled


def parameter_table():
    """The co-culture scenario's parameters.yaml as a mapping."""
    from mscnk.scenarios import load_scenario

    return load_scenario("coculture").parameter_table


def load_script(name: str) -> ModuleType:
    """``scripts/NAME.py`` as a module, importing its siblings as ``python scripts/...`` does."""
    folder = Path(__file__).resolve().parents[1] / "scripts"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

#: The repository's examples folder (the package's shipped examples).
ROOT_EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
