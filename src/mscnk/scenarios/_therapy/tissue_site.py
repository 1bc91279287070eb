"""The protocol of a site whose targets are tissue cells (GVHD target organ, a graft)."""

from __future__ import annotations

import numpy as np

from mscnk.scenarios._therapy.protocol import TherapyProtocol
from mscnk.scenarios._therapy.schema import TherapyCondition


class TissueProtocol(TherapyProtocol):
    """Places the tissue: its size, renewal, the HLA and stress ligands NK cells read."""

    def place_targets(self, u: np.ndarray, x: np.ndarray | None, c: TherapyCondition) -> None:
        tissue = c.site.tissue
        if x is None:
            self.tissue_traits(u, tissue.hla_i, tissue.stress_ligands, tissue_size=tissue.cells,
                               tissue_renewal_h=24.0 * tissue.renewal_days)
        else:
            x[self.species["tissue"]] = tissue.cells
