"""GVHD: donor NK cells in an inflamed host tissue after allogeneic transplantation, treated
with MSCs (naive or licensed), exosomes, NK products and drugs (review 002; review 003).

The site is a target organ segment (gut epithelium renewing in days) whose HLA the donor NK
cells' inhibitory receptors read poorly, in an IL-12/IL-15/IL-18 milieu.
"""

from __future__ import annotations

from importlib import resources

from mscnk.scenarios._therapy import therapy_scenario, tissue
from mscnk.scenarios._therapy.schema import GvhdCondition
from mscnk.scenarios._therapy.tissue_site import TissueProtocol

MEASURES = ("damage_index_pct", "damage_prevented_pct", "msc_site_peak_cells",
            "msc_site_cell_days", "msc_half_life_days", "msc_killed_by_nk_pct", "nk_site_peak_cells",
            "nk_exhaustion_pct", "ifng_site_pg_ml")

SCENARIO = therapy_scenario(
    "gvhd", "GVHD: donor NK cells injure an inflamed host tissue; MSC, exosome and NK therapy",
    condition=GvhdCondition, protocol=TissueProtocol, modules=(tissue,),
    parameters=(resources.files("mscnk.scenarios._therapy").joinpath("tissue.yaml"),),
    measures=MEASURES, headline=("damage_index_pct", "msc_half_life_days", "ifng_site_pg_ml"))
