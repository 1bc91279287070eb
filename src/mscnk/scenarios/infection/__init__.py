"""Infection: a pathogen spreads through a tissue; resident NK cells answer the IL-12 and
IL-18 the infection drives, kill infected cells and cure them with IFN-gamma; MSCs, exosomes
and NK products change that answer (review 002 abstract; review 000).

The infected cells are the co-culture's tissue target population (low HLA class I, stress
ligands up); their load sets the site's IL-12 and IL-18 at the start of each piece of the
time line (every 12 h at most: a lag of up to half a day, see :mod:`.pathogen`).
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import sympy as sp

from mscnk.scenarios._therapy import therapy_scenario
from mscnk.scenarios._therapy.protocol import TherapyProtocol
from mscnk.scenarios._therapy.schema import InfectionCondition
from mscnk.scenarios.infection import pathogen

DRIVEN = {"il12_ng_ml": "infection_il12_ng_ml", "il18_ng_ml": "infection_il18_ng_ml"}


class InfectionProtocol(TherapyProtocol):
    """Places the infected cells; sets the IL-12 and IL-18 their load drives."""

    def __init__(self, model, params):
        super().__init__(model, params)
        declared = model.model
        self._driven = {}
        for cytokine, expression in DRIVEN.items():
            formula = declared.expanded(declared.symbols[expression])
            names = sorted(str(symbol) for symbol in formula.free_symbols)
            function = sp.lambdify([declared.symbols[n] for n in names], formula, "math")
            values = [None if n in self.species else self._parameter[n] for n in names]
            self._driven[cytokine] = (function, names, values)

    def place_targets(self, u: np.ndarray, x: np.ndarray | None, c: InfectionCondition) -> None:
        infection = c.site.infection
        if x is None:
            self.tissue_traits(u, infection.hla_i, infection.stress_ligands,
                               susceptible_cells=infection.susceptible_cells,
                               spread_doubling_h=infection.doubling_h)
        else:
            x[self.species["tissue"]] = infection.infected_cells

    def driven_inputs(self, u: np.ndarray, x: np.ndarray) -> None:
        for cytokine, (function, names, values) in self._driven.items():
            args = [float(x[self.species[n]]) if v is None else v for n, v in zip(names, values)]
            u[self.inputs[cytokine]] += function(*args)


SCENARIO = therapy_scenario(
    "infection", "an infection at a tissue site answered by NK cells; MSC, exosome, NK therapy",
    condition=InfectionCondition, protocol=InfectionProtocol, modules=(pathogen,),
    parameters=(resources.files(__name__).joinpath("parameters.yaml"),),
    measures=("pathogen_peak_cells", "pathogen_end_cells", "pathogen_clearance_day",
              "msc_site_peak_cells", "msc_site_cell_days", "msc_killed_by_nk_pct", "nk_site_peak_cells",
              "nk_exhaustion_pct", "ifng_site_pg_ml"),
    headline=("pathogen_peak_cells", "pathogen_clearance_day", "ifng_site_pg_ml"))
