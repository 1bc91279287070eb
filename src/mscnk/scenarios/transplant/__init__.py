"""Transplantation: host NK cells infiltrate an HLA-mismatched solid-organ graft; MSCs given
around the transplant hold them back (review 002: MSCs to prevent transplant rejection).

The site is the graft: slowly renewing tissue whose mismatched HLA the host NK cells'
inhibitory receptors barely read, in a moderate IL-12/IL-15/IL-18 milieu.
"""

from __future__ import annotations

from importlib import resources

from mscnk.scenarios._therapy import therapy_scenario, tissue
from mscnk.scenarios._therapy.schema import TransplantCondition
from mscnk.scenarios._therapy.tissue_site import TissueProtocol

SCENARIO = therapy_scenario(
    "transplant", "a solid-organ graft infiltrated by host NK cells; MSC therapy around it",
    condition=TransplantCondition, protocol=TissueProtocol, modules=(tissue,),
    parameters=(resources.files("mscnk.scenarios._therapy").joinpath("tissue.yaml"),),
    measures=("graft_injury_pct", "graft_injury_prevented_pct", "msc_site_peak_cells",
              "msc_site_cell_days", "msc_half_life_days", "msc_killed_by_nk_pct", "nk_site_peak_cells",
              "nk_exhaustion_pct", "ifng_site_pg_ml"),
    headline=("graft_injury_pct", "msc_half_life_days", "ifng_site_pg_ml"))
