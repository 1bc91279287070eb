"""The condition schema of the public contract (shared spec, section 1), in pydantic.

Every field has the contract's default, so ``Condition()`` is the standard well. Unknown
fields, names and out-of-range values are rejected; :class:`~mscnk.scenarios.ConditionModel` turns
pydantic's errors into messages that name the field, the value and what is allowed.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from mscnk import vocabulary as _keys
from mscnk.scenarios import ConditionModel, StrictModel

# Literal[tuple] spells out the contract's vocabularies from the one list in _keys.
MscSource = Literal[_keys.MSC_SOURCES]  # type: ignore[valid-type]
Knockdown = Literal[_keys.KNOCKDOWNS]  # type: ignore[valid-type]
Blockade = Literal[_keys.BLOCKADES]  # type: ignore[valid-type]

_MAX_CELLS = 1e8
_MAX_HOURS = 24 * 60.0


def _dose(upper: float, unit: str, meaning: str) -> object:
    """A dose or concentration field: 0 by default, at most ``upper`` (in ``unit``)."""
    return Field(0.0, ge=0.0, le=upper, description=meaning, json_schema_extra={"unit": unit})


def _added(upper: float, unit: str, mediator: str) -> object:
    return _dose(upper, unit, f"recombinant {mediator} added at the start of the main phase")


class Msc(StrictModel):
    source: MscSource = Field("bone_marrow", description=(
        "tissue the MSCs come from; sets their NK ligands, HLA, secretome and growth"))
    cells: float = Field(20000, ge=0, le=_MAX_CELLS, description=(
        "MSCs per well at the start of the main phase; 0: an NK-alone well"),
        json_schema_extra={"unit": "cells"})
    ifng_pretreatment_ng_ml: float = _dose(
        1000.0, "ng/ml", "IFN-gamma during the MSC pre-treatment (licensing), washed out before "
        "the main phase")
    pretreatment_h: float = Field(48.0, ge=0, le=_MAX_HOURS, description=(
        "length of the MSC pre-treatment (inert when nothing is pre-treated)"),
        json_schema_extra={"unit": "h"})
    tlr3_priming: bool = Field(False, description="poly(I:C) during the MSC pre-treatment")
    tlr4_priming: bool = Field(False, description="LPS during the MSC pre-treatment")
    knockdown: tuple[Knockdown, ...] = Field((), description="MSC genes knocked down",
                                             strict=False)


class Activation(StrictModel):
    il2_u_ml: float = Field(100.0, ge=0, le=10000.0, description=(
        "IL-2 during NK pre-activation and the main phase"),
        json_schema_extra={"unit": "U/ml"})
    il12_ng_ml: float = _dose(1000.0, "ng/ml", "IL-12 during NK pre-activation and the main phase")
    il15_ng_ml: float = _dose(1000.0, "ng/ml", "IL-15 during NK pre-activation and the main phase")
    il18_ng_ml: float = _dose(1000.0, "ng/ml", "IL-18 during NK pre-activation and the main phase")
    il21_ng_ml: float = _dose(1000.0, "ng/ml", "IL-21 during NK pre-activation and the main phase")


class Nk(StrictModel):
    cells: float | None = Field(None, ge=0, le=_MAX_CELLS, description=(
        "NK cells per well at the start of the main phase; null: ratio x msc.cells (an error "
        "when msc.cells is 0)"),
        json_schema_extra={"unit": "cells"})
    activation: Activation = Activation()
    preactivation_h: float = Field(72.0, ge=0, le=_MAX_HOURS, description=(
        "cytokine pre-activation of the NK cells before MSCs are added"),
        json_schema_extra={"unit": "h"})
    car: bool = Field(False, description=(
        "CAR-NK cells: adds antigen-specific killing (tumor scenarios)"))


class Drugs(StrictModel):
    one_mt_uM: float = _dose(10000.0, "uM", "1-methyl-tryptophan (IDO inhibitor) in the main phase")
    ns398_uM: float = _dose(1000.0, "uM", "NS-398 (COX-2 inhibitor) in the main phase")
    indomethacin_uM: float = _dose(1000.0, "uM", "indomethacin (COX inhibitor) in the main phase")
    ag490_uM: float = _dose(1000.0, "uM", "AG490 (JAK inhibitor) in the main phase")
    tacrolimus_ng_ml: float = _dose(10000.0, "ng/ml",
                                    "tacrolimus (calcineurin inhibitor) in the main phase")
    rapamycin_ng_ml: float = _dose(10000.0, "ng/ml", "rapamycin (mTOR inhibitor) in the main phase")
    sotrastaurin_nM: float = _dose(1e6, "nM", "sotrastaurin (PKC inhibitor) in the main phase")


class Mediators(StrictModel):
    pge2_ng_ml: float = _added(1e4, "ng/ml", "PGE2")
    kynurenine_uM: float = _added(1e4, "uM", "kynurenine")
    tgfb_ng_ml: float = _added(1e3, "ng/ml", "active TGF-beta1")
    ifng_ng_ml: float = _added(1e4, "ng/ml", "IFN-gamma")
    tnfa_ng_ml: float = _added(1e4, "ng/ml", "TNF-alpha")
    il1b_ng_ml: float = _added(1e4, "ng/ml", "IL-1beta")
    il10_ng_ml: float = _added(1e4, "ng/ml", "IL-10")
    hgf_ng_ml: float = _added(1e5, "ng/ml", "HGF")
    hla_g5_ng_ml: float = _added(1e4, "ng/ml", "soluble HLA-G5")
    activin_a_ng_ml: float = _added(1e4, "ng/ml", "activin-A")
    adenosine_uM: float = _added(1e4, "uM", "adenosine")


class Exosomes(StrictModel):
    ug_ml: float = _dose(1e4, "ug/ml", "MSC-derived exosomes added at the start of the main phase")
    source: MscSource = Field("bone_marrow",
                              description="tissue of the MSCs the exosomes come from")


class Medium(StrictModel):
    tryptophan_uM: float = Field(24.5, ge=0, le=1000.0, description=(
        "tryptophan in the fresh medium of the main phase (RPMI 1640: 24.5; DMEM: 78)"),
        json_schema_extra={"unit": "uM"})


class Tumor(StrictModel):
    """Tumor target cells. They sit with the NK cells: in a ``transwell`` culture that is the
    lower well, with the MSCs in the insert (the usual design of such assays: NK cells still
    touch and kill the targets, MSCs act on them only through soluble factors)."""

    cells: float = Field(0, ge=0, le=_MAX_CELLS, description=(
        "tumor target cells in the well, always in the NK cells' compartment (in a transwell "
        "culture the lower well, with the MSCs in the insert)"),
                         json_schema_extra={"unit": "cells"})
    line: Literal[_keys.TUMOR_LINES] = Field(  # type: ignore[valid-type]
        "k562", description="k562: HLA-I negative; solid_tumor: HLA-I positive, antigen-positive")


class Condition(ConditionModel):
    """One well, one virtual experiment (contract section 1)."""

    #: Fields of the cross-field rules (nk.cells from ratio x msc.cells, its cap).
    coupled_fields: ClassVar[tuple[str, ...]] = ("ratio", "msc.cells", "nk.cells")

    assay: Literal[_keys.ASSAYS] = Field(  # type: ignore[valid-type]
        "coculture", description="coculture: cells together for days; cytotoxicity: a short "
        "release assay")
    duration_h: float | None = Field(None, gt=0, le=_MAX_HOURS, description=(
        "length of the main phase; null: 72 for a coculture, 4 for a cytotoxicity assay"),
        json_schema_extra={"unit": "h"})
    msc: Msc = Msc()
    nk: Nk = Nk()
    ratio: float = Field(5.0, ge=0, le=1000.0, description=(
        "NK:MSC (effector:target) ratio, used when nk.cells is null; 0: an MSC-alone well"),
        json_schema_extra={"unit": "NK per MSC"})
    culture: Literal[_keys.CULTURES] = Field(  # type: ignore[valid-type]
        "contact", description="contact: cells touch; transwell: MSCs in the insert, NK (and "
        "tumor) cells in the lower well, a membrane lets only soluble factors through")
    blockade: tuple[Blockade, ...] = Field((), strict=False, description=(
        "blocking antibodies in the main phase (anti_hla_i masks all class I, HLA-E included)"))
    drugs: Drugs = Drugs()
    mediators: Mediators = Mediators()
    exosomes: Exosomes = Exosomes()
    medium: Medium = Medium()
    tumor: Tumor = Tumor()

    @model_validator(mode="after")
    def _nk_cells_resolvable(self) -> "Condition":
        if self.nk.cells is None and self.msc.cells == 0:
            raise ValueError(
                "nk.cells is null while msc.cells is 0: the NK:MSC ratio has nothing to "
                "multiply; set nk.cells"
            )
        if self.nk.cells is None and self.ratio * self.msc.cells > _MAX_CELLS:
            raise ValueError(
                f"ratio {self.ratio:g} x msc.cells {self.msc.cells:g} gives nk.cells "
                f"{self.ratio * self.msc.cells:g}, more than its cap of {_MAX_CELLS:g}; lower "
                f"ratio or msc.cells, or set nk.cells")
        return self

    def resolved(self) -> "Condition":
        """The same condition with duration_h and nk.cells made explicit (itself if they are)."""
        if self.duration_h is not None and self.nk.cells is not None:
            return self
        duration = self.duration_h
        if duration is None:
            duration = 4.0 if self.assay == "cytotoxicity" else 72.0
        nk_cells = self.nk.cells if self.nk.cells is not None else self.ratio * self.msc.cells
        return self.model_copy(update={
            "duration_h": float(duration),
            "nk": self.nk.model_copy(update={"cells": float(nk_cells)}),
        })


assert set(Drugs.model_fields) == set(_keys.DRUGS)
assert set(Mediators.model_fields) == set(_keys.MEDIATORS)
