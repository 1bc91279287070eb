"""Knowledge as data: mechanisms with citations, MSC source profiles, tumor lines."""

from mscnk.catalog._catalog import (
    Mechanism,
    all_mechanisms,
    mechanisms,
    msc_sources,
    search,
    source_traits,
    therapy_mechanisms,
    tumor_lines,
)

__all__ = ["Mechanism", "all_mechanisms", "mechanisms", "msc_sources", "search", "source_traits",
           "therapy_mechanisms", "tumor_lines"]
