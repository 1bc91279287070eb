"""Plots of simulation results: ``f(data, ..., *, ax=None) -> ax``; pyplot is imported lazily."""

from mscnk.plots._explain import contribution_figure, fit_figure, sensitivity_figure
from mscnk.plots._figures import MOST_TIME_COURSES, save_figure, sweep_figure, time_course_figure
from mscnk.plots._plots import NAMES, bars, dose_response, label, time_course, unit_of
from mscnk.plots._strategies import strategy_figure
from mscnk.plots._sweeps import heatmap, pooled_inputs, sweep_curve

__all__ = ["MOST_TIME_COURSES", "NAMES", "bars", "contribution_figure", "dose_response",
           "fit_figure", "heatmap", "label", "pooled_inputs", "save_figure", "sensitivity_figure",
           "strategy_figure", "sweep_curve", "sweep_figure", "time_course", "time_course_figure", "unit_of"]
