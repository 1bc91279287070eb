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
from mscnk.analysis._mechanism_checks import (CHECK_SCENARIO, check_id, inputs_set,
                                               mechanism_findings)
from mscnk.analysis._problem import Problem, ProblemRun
from mscnk.analysis._knockout import Explanation, explain_condition
from mscnk.analysis._design import Design, rank_candidates
from mscnk.analysis._fit import FitParameter, FitResult, fit_measurements
from mscnk.analysis._petab import findings_as_measurements, read_petab, write_petab
from mscnk.analysis._sensitivity import Sensitivity, analyse_run
from mscnk.analysis._strategies import (Comparison, assumption_spread, compare_strategies,
                                         uncertain_draws)
from mscnk.analysis._structural import structural_expectations, varied_symbols
from mscnk.analysis._evaluator import FindingsEvaluator
from mscnk.analysis._calibration import Calibration, calibrate
from mscnk.analysis._estimate import Estimate, Information, Posterior, information, maximise
from mscnk.analysis._priors import Prior, prior_of, priors_of
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
    "CHECK_SCENARIO", "FAILED", "READOUT_FLOORS", "Bound", "CachingSimulator", "Compare",
    "Comparison", "assumption_spread", "compare_strategies", "uncertain_draws",
    "Design", "Expectation", "FitParameter", "FitResult", "fit_measurements", "rank_candidates",
    "findings_as_measurements", "read_petab", "write_petab",
    "Explanation", "FindingsEvaluator", "Problem", "ProblemRun", "Sensitivity", "analyse_run",
    "explain_condition",
    "Calibration", "Estimate", "Information", "Posterior", "Prior", "calibrate", "information",
    "maximise", "prior_of", "priors_of",
    "ExpectationResult", "Finding", "margin",
    "FindingResult", "Trend", "check_finding", "check_id", "describe_reads", "explain_readout",
    "inputs_set", "lint_findings", "load_findings", "mechanism_findings",
    "readout_difference", "results_frame", "structural_expectations", "validate",
    "validate_results", "varied_symbols",
]
