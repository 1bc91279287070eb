"""Plots of simulation results: ``f(data, ..., *, ax=None) -> ax``; pyplot is imported lazily."""

from mscnk.plots._figures import save_figure, sweep_figure, time_course_figure
from mscnk.plots._plots import NAMES, bars, dose_response, label, time_course, unit_of
from mscnk.plots._sweeps import heatmap, sweep_curve

__all__ = ["NAMES", "bars", "dose_response", "heatmap", "label", "save_figure", "sweep_curve",
           "sweep_figure", "time_course", "time_course_figure", "unit_of"]
