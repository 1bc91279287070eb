"""Reports: the demo panel (``build_demo``) with figures, a results table and one HTML page."""

from mscnk.report._demo import PANELS, build_demo, run_panels

__all__ = ["PANELS", "build_demo", "run_panels"]
