"""What the therapy scenarios (tumor, gvhd, transplant, infection) share: the body around the
site (:mod:`.body`), tissue injury (:mod:`.tissue`), strategies (:mod:`.schema`), the time
line (:mod:`.protocol`) and outcome measures (:mod:`.readouts`).

A therapy scenario is the co-culture's model at an in vivo site: the co-culture's modules
declare the site's cells, fluid and crosstalk, and these modules add only what the site
needs. :func:`therapy_scenario` assembles one from its folder's parts.
"""

from __future__ import annotations

from importlib import resources
from types import ModuleType
from typing import Any

from mscnk.catalog import mechanisms, therapy_mechanisms
from mscnk.model import read_parameter_table
from mscnk.scenarios import Scenario
from mscnk.scenarios._therapy import body
from mscnk.scenarios._therapy.readouts import readout_set, site_timecourse
from mscnk.scenarios._therapy.schema import TherapyCondition
from mscnk.scenarios.coculture import FIXED_MECHANISMS as CULTURE_FIXED, MODULES as CULTURE

#: In vivo processes without a switch, and why.
FIXED_MECHANISMS = {
    **CULTURE_FIXED,
    "msc_lung_trapping": "the body's: set by the route (intravenous) of an MSC product",
    "msc_homing": "the body's: how a product reaches the site",
    "msc_in_vivo_clearance": "the host's own clearance of MSCs",
    "nk_trafficking": "the body's: how an NK product reaches the site",
    "site_exchange": "the site's fluid exchange with the plasma",
    "exosome_biodistribution": "the body's: how an exosome product reaches the site",
    "tissue_renewal": "the tissue's own renewal, not crosstalk",
    "pathogen_spread": "the pathogen's own growth, not crosstalk",
}


def parameter_files(*extra: Any) -> tuple[Any, ...]:
    """The co-culture's parameters, then the body's, then a scenario's own (later win)."""
    return (resources.files("mscnk.scenarios.coculture").joinpath("parameters.yaml"),
            resources.files(__name__).joinpath("parameters.yaml"), *extra)


def summary(condition: TherapyCondition) -> str:
    """'28 d: NK 1e+07/kg x1 from day 0 (CAR), with drugs' and the like."""
    parts = []
    for name, product in (("MSC", condition.msc), ("NK", condition.nk),
                          ("exosomes", condition.exosomes)):
        if product.dose_per_kg > 0:
            parts.append(f"{name} {product.dose_per_kg:.3g}/kg x{product.doses} from day "
                         f"{product.first_day:g}")
    if condition.drugs or condition.antibodies:
        parts.append("+ " + ", ".join(c.name for c in (*condition.drugs, *condition.antibodies)))
    return f"{condition.horizon_days:g} d: " + (", ".join(parts) or "untreated")


def therapy_scenario(name: str, title: str, *, condition: type[TherapyCondition],
                     protocol: type, modules: tuple[ModuleType, ...] = (),
                     parameters: tuple[Any, ...] = (), measures: tuple[str, ...],
                     headline: tuple[str, ...]) -> Scenario:
    """A therapy scenario: the co-culture's modules, the body, then ``modules``. Every
    parameter of the body's and the scenario's own files is ``uncertain``."""
    files = parameter_files(*parameters)
    uncertain = tuple(name for file in files[1:] for name in read_parameter_table(file.read_text()))
    return Scenario(
        name=name, title=title, location=name, modules=(*CULTURE, body, *modules),
        parameters_file=files, condition=condition, protocol=protocol, uncertain=uncertain,
        readouts=readout_set(measures),
        mechanisms=frozenset(mechanisms()) | frozenset(therapy_mechanisms()),
        summary=summary, headline=lambda _condition: headline,
        fixed_mechanisms=FIXED_MECHANISMS, timeline=site_timecourse)
