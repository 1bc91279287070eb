"""The condition schema of the public contract (shared spec, section 1), in pydantic.

Every field has the contract's default, so ``Condition()`` is the standard well. Unknown
fields, names and out-of-range values are rejected; :mod:`mscnk.experiment._errors` turns
pydantic's errors into messages that name the field, the value and what is allowed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mscnk import _keys

# Literal[tuple] spells out the contract's vocabularies from the one list in _keys.
MscSource = Literal[_keys.MSC_SOURCES]  # type: ignore[valid-type]
Knockdown = Literal[_keys.KNOCKDOWNS]  # type: ignore[valid-type]
Blockade = Literal[_keys.BLOCKADES]  # type: ignore[valid-type]

_MAX_CELLS = 1e8
_MAX_HOURS = 24 * 60.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _dose(upper: float, unit: str) -> object:
    return Field(0.0, ge=0.0, le=upper, description=unit)


class Msc(_Strict):
    source: MscSource = "bone_marrow"
    cells: float = Field(20000, ge=0, le=_MAX_CELLS)
    ifng_pretreatment_ng_ml: float = _dose(1000.0, "ng/ml")
    pretreatment_h: float = Field(48.0, ge=0, le=_MAX_HOURS)
    tlr3_priming: bool = False
    tlr4_priming: bool = False
    knockdown: tuple[Knockdown, ...] = ()


class Activation(_Strict):
    il2_u_ml: float = Field(100.0, ge=0, le=10000.0)
    il12_ng_ml: float = _dose(1000.0, "ng/ml")
    il15_ng_ml: float = _dose(1000.0, "ng/ml")
    il18_ng_ml: float = _dose(1000.0, "ng/ml")
    il21_ng_ml: float = _dose(1000.0, "ng/ml")


class Nk(_Strict):
    cells: float | None = Field(None, ge=0, le=_MAX_CELLS)
    activation: Activation = Activation()
    preactivation_h: float = Field(72.0, ge=0, le=_MAX_HOURS)
    car: bool = False


class Drugs(_Strict):
    one_mt_uM: float = _dose(10000.0, "uM")
    ns398_uM: float = _dose(1000.0, "uM")
    indomethacin_uM: float = _dose(1000.0, "uM")
    ag490_uM: float = _dose(1000.0, "uM")
    tacrolimus_ng_ml: float = _dose(10000.0, "ng/ml")
    rapamycin_ng_ml: float = _dose(10000.0, "ng/ml")
    sotrastaurin_nM: float = _dose(1e6, "nM")


class Mediators(_Strict):
    pge2_ng_ml: float = _dose(1e4, "ng/ml")
    kynurenine_uM: float = _dose(1e4, "uM")
    tgfb_ng_ml: float = _dose(1e3, "ng/ml")
    ifng_ng_ml: float = _dose(1e4, "ng/ml")
    tnfa_ng_ml: float = _dose(1e4, "ng/ml")
    il1b_ng_ml: float = _dose(1e4, "ng/ml")
    il10_ng_ml: float = _dose(1e4, "ng/ml")
    hgf_ng_ml: float = _dose(1e5, "ng/ml")
    hla_g5_ng_ml: float = _dose(1e4, "ng/ml")
    activin_a_ng_ml: float = _dose(1e4, "ng/ml")
    adenosine_uM: float = _dose(1e4, "uM")


class Exosomes(_Strict):
    ug_ml: float = _dose(1e4, "ug/ml")
    source: MscSource = "bone_marrow"


class Medium(_Strict):
    tryptophan_uM: float = Field(24.5, ge=0, le=1000.0)


class Tumor(_Strict):
    cells: float = Field(0, ge=0, le=_MAX_CELLS)
    line: Literal[_keys.TUMOR_LINES] = "k562"  # type: ignore[valid-type]


class Condition(_Strict):
    """One well, one virtual experiment (contract section 1)."""

    assay: Literal[_keys.ASSAYS] = "coculture"  # type: ignore[valid-type]
    duration_h: float | None = Field(None, gt=0, le=_MAX_HOURS)
    msc: Msc = Msc()
    nk: Nk = Nk()
    ratio: float = Field(5.0, ge=0, le=1000.0)
    culture: Literal[_keys.CULTURES] = "contact"  # type: ignore[valid-type]
    blockade: tuple[Blockade, ...] = ()
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
        return self

    def resolved(self) -> "Condition":
        """The same condition with duration_h and nk.cells made explicit."""
        duration = self.duration_h
        if duration is None:
            duration = 4.0 if self.assay == "cytotoxicity" else 72.0
        nk_cells = self.nk.cells if self.nk.cells is not None else self.ratio * self.msc.cells
        return self.model_copy(update={
            "duration_h": float(duration),
            "nk": self.nk.model_copy(update={"cells": float(nk_cells)}),
        })

    def with_cells(self, *, msc: float | None = None, nk: float | None = None) -> "Condition":
        """A resolved copy with one population changed (the matched controls)."""
        base = self.resolved()
        update: dict[str, object] = {}
        if msc is not None:
            update["msc"] = base.msc.model_copy(update={"cells": float(msc)})
        if nk is not None:
            update["nk"] = base.nk.model_copy(update={"cells": float(nk)})
        return base.model_copy(update=update)


assert set(Drugs.model_fields) == set(_keys.DRUGS)
assert set(Mediators.model_fields) == set(_keys.MEDIATORS)
