"""The MSC-NK co-culture: the contract's scenario (shared spec, experiment.md).

Model modules in declaration order (inputs, cells, medium, nk, msc, killing, tumor) with
``parameters.yaml``; the condition schema (:mod:`.schema`); the protocol that turns a
condition into pre-treatment, pre-activation, main phases, matched controls, the K562
re-test and reference wells (:mod:`.protocol`); the contract's readouts (:mod:`.readouts`).
"""

from __future__ import annotations

from importlib import resources

from mscnk.catalog import mechanisms
from mscnk.scenarios import Scenario
from mscnk.scenarios.coculture import cells, inputs, killing, medium, msc, nk, tumor
from mscnk.scenarios.coculture.protocol import CocultureProtocol
from mscnk.scenarios.coculture.readouts import READOUT_DECLARATIONS
from mscnk.scenarios.coculture.schema import Condition

#: Modules in declaration order: each may use the names the ones before it declared.
MODULES = (inputs, cells, medium, nk, msc, killing, tumor)


def summary(condition: Condition) -> str:
    """'cytotoxicity 4 h, contact, 20,000 bone_marrow MSC + 200,000 NK (10:1)' and the
    groups of fields that differ from the defaults."""
    c = condition.resolved()
    nk_cells = c.nk.cells or 0.0
    text = (f"{c.assay} {c.duration_h:g} h, {c.culture}, {c.msc.cells:,.0f} {c.msc.source} MSC "
            f"+ {nk_cells:,.0f} NK ({nk_cells / c.msc.cells:.3g}:1)" if c.msc.cells else
            f"{c.assay} {c.duration_h:g} h, {c.culture}, {nk_cells:,.0f} NK, no MSC")
    default = Condition()
    changed = [name for name in ("blockade", "drugs", "mediators", "exosomes", "medium", "tumor")
               if getattr(c, name) != getattr(default, name)]
    return text + (f", with {'/'.join(changed)}" if changed else "")


def headline(condition: Condition) -> list[str]:
    """Up to three readouts that say most about this kind of condition."""
    if condition.assay == "cytotoxicity":
        names = ["msc_lysis_pct", "cd107a_pct", "nk_cytotoxicity_k562_pct"]
    else:
        names = ["msc_lysis_pct", "nk_proliferation_inhibition_pct", "ifng_pg_ml"]
    if condition.tumor.cells > 0:
        names = ["tumor_kill_pct", *names[:2]]
    return names


#: Mechanisms without a switch (``on_<id>``), and why: every other one can be switched off.
FIXED_MECHANISMS = {
    "resting_nk_quiescence": "the resting state every NK activation starts from",
    "msc_sources": "a context: set by msc.source",
    "tumor_associated_msc": "a context: set by msc.source (tumor_associated)",
    "immunosuppressant_sparing": "a context: set by the drugs.* doses",
    "tumor_targets": "a context: set by tumor.* (no tumor cells, no tumor targets)",
    "tissue_targets": "a context: tissue cells at an in vivo site (none in a well)",
    "antibody_blockade": "a context: set by blockade",
    "msc_proliferation": "the MSCs' own growth, not crosstalk",
    "nk_proliferation": "the NK cells' own growth, not crosstalk",
}

SCENARIO = Scenario(
    name="coculture",
    title="MSC-NK co-culture with pre-phases, matched controls, K562 re-test and tumor cells",
    location="coculture",
    modules=MODULES,
    parameters_file=resources.files(__name__).joinpath("parameters.yaml"),
    condition=Condition,
    protocol=CocultureProtocol,
    readouts=READOUT_DECLARATIONS,
    mechanisms=frozenset(mechanisms()),
    summary=summary,
    headline=headline,
    plausibility=resources.files(__name__).joinpath("plausibility.yaml"),
    fixed_mechanisms=FIXED_MECHANISMS,
)

__all__ = ["MODULES", "SCENARIO", "Condition", "CocultureProtocol", "READOUT_DECLARATIONS"]
