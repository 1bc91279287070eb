"""Reports: the demo panel (``build_demo``) and the validation report of findings."""

from mscnk.report._demo import PANELS, build_demo, run_panels
from mscnk.report._fields import HEADER, conditions_markdown, field_records, field_strings
from mscnk.report._model_doc import model_markdown, plausibility_markdown
from mscnk.report._validation import finding_figure, write_validation_report

__all__ = ["HEADER", "PANELS", "build_demo", "conditions_markdown", "field_records",
           "field_strings", "finding_figure", "model_markdown", "plausibility_markdown",
           "run_panels",
           "write_validation_report"]
