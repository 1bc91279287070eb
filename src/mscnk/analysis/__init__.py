"""Analysis on top of the experiment layer: literature findings and their checks."""

from mscnk.analysis._agreement import READOUT_FLOORS, readout_difference
from mscnk.analysis._explain import describe_reads, explain_readout
from mscnk.analysis._expectations import (
    Bound,
    Compare,
    Expectation,
    ExpectationResult,
    Trend,
)
from mscnk.analysis._margins import FAILED, margin
from mscnk.analysis._problem import Problem, ProblemRun
from mscnk.analysis._calibrate import FindingsEvaluator, Score, coordinate_search
from mscnk.analysis._findings import (
    CachingSimulator,
    Finding,
    FindingResult,
    check_finding,
    lint_findings,
    load_findings,
    results_frame,
    validate,
    validate_results,
)

__all__ = [
    "FAILED", "READOUT_FLOORS", "Bound", "CachingSimulator", "Compare", "Expectation",
    "FindingsEvaluator", "Problem", "ProblemRun", "Score", "coordinate_search",
    "ExpectationResult", "Finding", "margin",
    "FindingResult", "Trend", "check_finding", "describe_reads", "explain_readout",
    "lint_findings", "load_findings",
    "readout_difference", "results_frame", "validate", "validate_results",
]
