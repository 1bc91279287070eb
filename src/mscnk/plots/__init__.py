"""Plots of simulation results: ``f(data, ..., *, ax=None) -> ax``; pyplot is imported lazily."""

from mscnk.plots._plots import NAMES, bars, dose_response, label, time_course, unit_of

__all__ = ["NAMES", "bars", "dose_response", "label", "time_course", "unit_of"]
