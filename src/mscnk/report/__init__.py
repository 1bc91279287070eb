"""Reports: the demo panel (``build_demo``) and the validation report of findings."""

from mscnk.report._demo import PANELS, build_demo, run_panels
from mscnk.report._validation import finding_figure, write_validation_report

__all__ = ["PANELS", "build_demo", "finding_figure", "run_panels", "write_validation_report"]
