"""What a therapy strategy states: the patient, the site, the products with their schedules,
drugs and antibodies over time, the horizon.

A condition of a therapy scenario is one strategy at one site. Products are given
intravenously: ``dose_per_kg`` on ``first_day``, repeated ``doses`` times ``every_days``
apart (scalars, so a dose x timing grid is a sweep over ``nk.dose_per_kg`` and
``msc.first_day``). The site part (resident cells, their milieu, the targets) differs by
scenario: :class:`TumorSite`, :class:`TissueSite`, :class:`InfectionSite`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mscnk import vocabulary as _keys
from mscnk.scenarios import ConditionModel, StrictModel
from mscnk.scenarios.coculture.schema import Activation, MscSource

_MAX_DAYS = 365.0
_MAX_SITE_CELLS = 1e11
Schedulable = Literal[_keys.DRUGS + _keys.ACTIVATION_CYTOKINES]  # type: ignore[valid-type]
Blockade = Literal[_keys.BLOCKADES]  # type: ignore[valid-type]
TumorLine = Literal[_keys.TUMOR_LINES]  # type: ignore[valid-type]


def _days(default: float, meaning: str, *, upper: float = _MAX_DAYS) -> object:
    return Field(default, ge=0, le=upper, description=meaning, json_schema_extra={"unit": "d"})


def _level(default: float, cytokine: str, unit: str = "ng/ml", note: str = "") -> object:
    """A cytokine level at the site (a milieu field)."""
    return Field(default, ge=0, le=1e4 if unit == "U/ml" else 1e3,
                 json_schema_extra={"unit": unit},
                 description=f"{cytokine} at the site{f' ({note})' if note else ''}")


def _fold(default: float, meaning: str) -> object:
    """A trait of target cells, fold of the bone-marrow MSC level."""
    return Field(default, ge=0, le=10.0, description=meaning)


def _cells(default: float, meaning: str) -> object:
    return Field(default, ge=0, le=_MAX_SITE_CELLS, description=meaning,
                 json_schema_extra={"unit": "cells"})


class Dosing(StrictModel):
    """An intravenous schedule: ``doses`` doses of ``dose_per_kg``, the first on
    ``first_day``, then every ``every_days``."""

    dose_per_kg: float = Field(0.0, ge=0, le=1e10, description=(
        "dose per kg body weight (cells/kg; ug/kg for exosomes); 0: not given"),
        json_schema_extra={"unit": "per kg"})
    first_day: float = _days(0.0, "day of the first dose (day 0: the therapy starts)")
    doses: int = Field(1, ge=1, le=100, description="number of doses")
    every_days: float = Field(7.0, gt=0, le=_MAX_DAYS, description="days between doses",
                              json_schema_extra={"unit": "d"})

    def days(self) -> tuple[float, ...]:
        """The dosing days (none when the dose is 0)."""
        if self.dose_per_kg <= 0:
            return ()
        return tuple(self.first_day + i * self.every_days for i in range(self.doses))


class MscProduct(Dosing):
    source: MscSource = Field("bone_marrow", description="tissue the MSC product comes from")
    licensing_ifng_ng_ml: float = Field(0.0, ge=0, le=1000.0, description=(
        "IFN-gamma the product is licensed with before infusion (0: naive MSCs)"),
        json_schema_extra={"unit": "ng/ml"})
    licensing_h: float = Field(48.0, gt=0, le=240.0, description="length of the licensing",
                               json_schema_extra={"unit": "h"})


class NkProduct(Dosing):
    car: bool = Field(False, description="CAR-NK cells against the tumor antigen")
    activation: Activation = Field(Activation(), description=(
        "cytokines of the ex vivo activation before infusion"))
    activation_h: float = Field(72.0, ge=0, le=720.0, description=(
        "length of the ex vivo activation (0: resting NK cells)"),
        json_schema_extra={"unit": "h"})


class ExosomeProduct(Dosing):
    source: MscSource = Field("bone_marrow", description="tissue of the MSCs the exosomes come from")


class Exposure(StrictModel):
    """A drug or cytokine kept at ``level`` at the site from ``start_day`` to ``end_day``."""

    name: Schedulable = Field(description="a drug (as in the co-culture's drugs) or an "
                                          "activating cytokine (il2_u_ml, il15_ng_ml, ...)")
    level: float = Field(ge=0, le=1e6, description="level at the site, in the name's unit")
    start_day: float = _days(0.0, "first day of the exposure")
    end_day: float = _days(_MAX_DAYS, "last day of the exposure")


class AntibodyCourse(StrictModel):
    """A blocking antibody present at the site from ``start_day`` to ``end_day``."""

    name: Blockade = Field(description="a blocking antibody (as in the co-culture's blockade)")
    start_day: float = _days(0.0, "first day the antibody blocks")
    end_day: float = _days(_MAX_DAYS, "last day the antibody blocks")


class Patient(StrictModel):
    body_weight_kg: float = Field(70.0, gt=0, le=300.0, description=(
        "body weight the doses per kg are multiplied by (70: an adult; 0.025: a mouse)"),
        json_schema_extra={"unit": "kg"})


class ResidentMsc(StrictModel):
    source: MscSource = Field("bone_marrow", description=(
        "source of every MSC at the site (resident ones and the product must share it)"))
    cells: float = _cells(0.0, "MSCs living at the site before therapy (kept up by recruitment)")
    doubling_days: float = Field(30.0, gt=0, le=_MAX_DAYS, description=(
        "MSC doubling time at the site (assumed slow: MSCs hardly divide in vivo)"),
        json_schema_extra={"unit": "d"})


class Milieu(StrictModel):
    """Cytokines the site holds without therapy (the disease's own milieu)."""

    il2_u_ml: float = _level(0.0, "IL-2", "U/ml")
    il12_ng_ml: float = _level(0.0, "IL-12")
    il15_ng_ml: float = _level(0.0, "IL-15")
    il18_ng_ml: float = _level(0.0, "IL-18")
    il21_ng_ml: float = _level(0.0, "IL-21")


class ResidentNk(StrictModel):
    cells: float = _cells(0.0, "NK cells at the site before therapy (the host's or donor's own)")


class Tumor(StrictModel):
    line: TumorLine = Field("solid_tumor", description=(
        "solid_tumor: HLA-I high, CAR antigen positive; k562: HLA-I negative, no antigen"))
    cells: float = _cells(1e7, "tumor cells at day 0 (1e7: a lesion of about 10 mg)")
    doubling_days: float = Field(5.0, gt=0, le=_MAX_DAYS, description=(
        "tumor doubling time in vivo while small"), json_schema_extra={"unit": "d"})


class Tissue(StrictModel):
    """The tissue NK cells may injure (GVHD target organ, a graft)."""

    cells: float = _cells(1e8, "cells of the intact tissue at the site")
    renewal_days: float = Field(4.0, gt=0, le=_MAX_DAYS, description=(
        "time the tissue takes to renew half of what it lost"), json_schema_extra={"unit": "d"})
    hla_i: float = _fold(0.5, (
        "HLA class I the NK cells' inhibitory receptors read on the tissue (fold of BM-MSC; "
        "low: an HLA mismatch)"))
    stress_ligands: float = _fold(1.0, (
        "NKG2D, NCR and DNAM-1 ligands on the tissue (fold of BM-MSC; stressed tissue high)"))


class Infection(StrictModel):
    infected_cells: float = _cells(1e6, "infected cells at day 0")
    susceptible_cells: float = _cells(1e8, "cells the pathogen can infect at the site")
    doubling_h: float = Field(12.0, gt=0, le=1000.0, description=(
        "doubling time of the infected cells while targets abound"),
        json_schema_extra={"unit": "h"})
    hla_i: float = _fold(0.3, (
        "HLA class I left on infected cells (fold of BM-MSC; viruses lower it)"))
    stress_ligands: float = _fold(1.5, (
        "NKG2D, NCR and DNAM-1 ligands on infected cells (fold of BM-MSC)"))


class Site(StrictModel):
    msc: ResidentMsc = ResidentMsc()
    nk: ResidentNk = ResidentNk()
    milieu: Milieu = Milieu()


# Each scenario's site states its defaults as field defaults, so a file that sets one field
# of a part (``site: {milieu: {il15_ng_ml: 1}}``) keeps the scenario's other values.
class TumorMsc(ResidentMsc):
    source: MscSource = Field("tumor_associated", description=(
        "source of every MSC at the site (resident ones and the product must share it)"))
    cells: float = _cells(5e6, "tumor-associated MSCs in the lesion (kept up by recruitment)")


class TumorMilieu(Milieu):
    il15_ng_ml: float = _level(0.05, "IL-15", note="a lesion holds little")


class TumorSite(Site):
    msc: TumorMsc = TumorMsc()
    milieu: TumorMilieu = TumorMilieu()
    tumor: Tumor = Tumor()


class GvhdNk(ResidentNk):
    cells: float = _cells(5e6, "donor NK cells in the inflamed tissue at day 0")


class GvhdMilieu(Milieu):
    il12_ng_ml: float = _level(0.5, "IL-12")
    il15_ng_ml: float = _level(2.0, "IL-15")
    il18_ng_ml: float = _level(5.0, "IL-18")


class GvhdTissue(Tissue):
    hla_i: float = _fold(0.3, (
        "host HLA class I the donor NK cells' inhibitory receptors read (fold of BM-MSC; "
        "a KIR-ligand mismatch reads low)"))
    stress_ligands: float = _fold(1.5, (
        "NKG2D, NCR and DNAM-1 ligands on the conditioned, inflamed tissue (fold of BM-MSC)"))


class GvhdSite(Site):
    nk: GvhdNk = GvhdNk()
    milieu: GvhdMilieu = GvhdMilieu()
    tissue: GvhdTissue = GvhdTissue()


class GraftNk(ResidentNk):
    cells: float = _cells(2e6, "host NK cells in the graft at day 0")


class GraftMilieu(Milieu):
    il12_ng_ml: float = _level(0.1, "IL-12")
    il15_ng_ml: float = _level(0.5, "IL-15")
    il18_ng_ml: float = _level(2.0, "IL-18")


class Graft(Tissue):
    renewal_days: float = Field(20.0, gt=0, le=_MAX_DAYS, description=(
        "time the graft takes to renew half of what it lost (slow: kidney, islets)"),
        json_schema_extra={"unit": "d"})
    hla_i: float = _fold(0.2, (
        "donor HLA class I the host NK cells' inhibitory receptors read (fold of BM-MSC; "
        "a mismatched graft reads low)"))


class TransplantSite(Site):
    nk: GraftNk = GraftNk()
    milieu: GraftMilieu = GraftMilieu()
    tissue: Graft = Graft()


class InfectionNk(ResidentNk):
    cells: float = _cells(1e6, "tissue-resident NK cells at day 0")


class InfectionMilieu(Milieu):
    il15_ng_ml: float = _level(0.1, "IL-15", note="before the infection's own")


class InfectionSite(Site):
    nk: InfectionNk = InfectionNk()
    milieu: InfectionMilieu = InfectionMilieu()
    infection: Infection = Infection()


class TherapyCondition(ConditionModel):
    """One strategy at one site: products, drugs and antibodies over ``horizon_days``."""

    horizon_days: float = Field(28.0, gt=0, le=_MAX_DAYS, description=(
        "days followed after day 0"), json_schema_extra={"unit": "d"})
    patient: Patient = Patient()
    site: Site = Site()
    msc: MscProduct = MscProduct()
    nk: NkProduct = NkProduct()
    exosomes: ExosomeProduct = ExosomeProduct()
    drugs: tuple[Exposure, ...] = Field((), strict=False, description=(
        "drugs and cytokines over time (each with level, start_day, end_day)"))
    antibodies: tuple[AntibodyCourse, ...] = Field((), strict=False, description=(
        "blocking antibodies over time (each with start_day, end_day)"))

    @model_validator(mode="after")
    def _one_msc_source(self) -> "TherapyCondition":
        if (self.site.msc.cells > 0 and self.msc.dose_per_kg > 0
                and self.msc.source != self.site.msc.source):
            raise ValueError(
                f"msc.source {self.msc.source!r} differs from site.msc.source "
                f"{self.site.msc.source!r}: the site holds MSCs of one source (a population "
                f"mean); give the product the site's source or no resident MSCs")
        for course in (*self.drugs, *self.antibodies):
            if course.end_day < course.start_day:
                raise ValueError(f"{course.name}: end_day {course.end_day:g} is before "
                                 f"start_day {course.start_day:g}")
        return self


class TumorCondition(TherapyCondition):
    site: TumorSite = TumorSite()


class GvhdCondition(TherapyCondition):
    """GVHD after allogeneic transplantation: donor NK cells in an inflamed host tissue."""

    site: GvhdSite = GvhdSite()


class TransplantCondition(TherapyCondition):
    """A solid-organ graft infiltrated by host NK cells."""

    site: TransplantSite = TransplantSite()


class InfectionCondition(TherapyCondition):
    horizon_days: float = Field(21.0, gt=0, le=_MAX_DAYS, description="days followed after day 0",
                                json_schema_extra={"unit": "d"})
    site: InfectionSite = InfectionSite()
