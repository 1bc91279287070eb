"""Estimate mscnk's default parameter set from the literature findings (re-runnable).

    python scripts/calibrate_default.py [--from-prior] [--max-evaluations 30]
                                        [--workers 2] [--dry-run] [--weight S08=6]

Which parameters are estimated: every parameter of
``src/mscnk/scenarios/coculture/parameters.yaml`` whose provenance is not a citation or an
explicit assumption (it starts with "fitted", "prior" or "estimate"). Cited and assumed
values stay fixed. Each has a prior from its declared range (:mod:`mscnk.analysis._priors`).

The data: every expectation of ``tests/data/seed_findings.yaml`` and
``tests/data/quant_findings.yaml`` (copies of the shared findings) and every mechanism check
of the catalog (``mscnk validate --mechanisms``). The procedure
(:func:`mscnk.analysis.calibrate`): the maximum a posteriori (pyPESTO, trust-region least
squares), the Fisher information there, parameters the data do not determine back to their
prior medians (labelled ``prior``), the maximum again over the rest (labelled ``fitted``
with a 95 % interval). The search starts from the current defaults (``--from-prior``: from the
prior medians, as cross-validation does). ``--weight ID=N`` counts a finding N times in the
objective (with ``--dry-run``: to ask what holding it would cost the others). Writes
parameters.yaml and what it printed to docs/calibration_run.txt; then run
``scripts/calibration_doc.py`` and ``mscnk docs``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from mscnk.analysis import (calibrate, load_findings, mechanism_findings, prior_of,
                            validate)
from mscnk.analysis._calibration import RESET_TOLERANCE
from mscnk.runs import executor_for

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "src" / "mscnk" / "scenarios" / "coculture" / "parameters.yaml"
RUN = ROOT / "docs" / "calibration_run.txt"
FINDINGS = (ROOT / "tests" / "data" / "seed_findings.yaml",
            ROOT / "tests" / "data" / "quant_findings.yaml")
ESTIMATED_PREFIXES = ("estimate", "fitted", "prior")
PROCEDURE = ("scripts/calibrate_default.py (maximum a posteriori on the findings and "
             "mechanism checks)")


def estimated_names(table: dict) -> list[str]:
    """Parameters the calibration estimates: neither cited nor assumed."""
    return [name for name, row in table.items()
            if str(row["provenance"]).startswith(ESTIMATED_PREFIXES)]


def training_findings() -> list:
    """The literature findings (copies in tests/data), without the mechanism checks."""
    return [f for path in FINDINGS for f in load_findings(path)]


def weighted(findings: list, weights: list[str]) -> list:
    """``findings`` with each ``ID=N`` of ``weights`` counted N times (copies ``ID#2``...)."""
    by_id = {f.id: f for f in findings}
    extra = []
    for item in weights:
        name, _, count = item.partition("=")
        if name not in by_id or not count.isdigit() or int(count) < 1:
            raise ValueError(f"--weight {item!r}: expected ID=N with ID one of the findings "
                             f"and N a whole number of at least 1")
        extra += [by_id[name].model_copy(update={"id": f"{name}#{k}"})
                  for k in range(2, int(count) + 1)]
    return findings + extra


def _note(provenance: str) -> str:
    """What a provenance said beyond its label (its first estimate's reasoning), kept."""
    for marker in ("; prior: ", "; note: "):
        if marker in provenance:
            return "; note: " + provenance.split(marker, 1)[1]
    if provenance.startswith("prior: ") and "; " in provenance:  # a hand-written prior's reason
        reason = provenance.split("; ", 1)[1]
        if not reason.startswith("not determined"):
            return "; note: " + reason
    return ""


def provenance(name: str, calibration, old: str) -> str:
    prior = prior_of(name)
    if calibration.determined[name]:
        low, high = calibration.intervals[name]
        return (f"fitted: {PROCEDURE}; 95 % interval [{low:.4g}, {high:.4g}] (Laplace); "
                f"prior {prior.describe()}{_note(old)}")
    return (f"prior: {prior.describe()}; not determined by the findings (at its median the "
            f"-log posterior rises by under {RESET_TOLERANCE}, the others re-estimated; prior "
            f"variance shrunk by {max(calibration.contraction[name], 0):.0%}){_note(old)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-prior", action="store_true",
                        help="start from the prior medians, not the current defaults")
    parser.add_argument("--max-evaluations", type=int, default=30,
                        help="residual evaluations per stage")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dry-run", action="store_true", help="do not write parameters.yaml")
    parser.add_argument("--weight", action="append", default=[], metavar="ID=N",
                        help="count finding ID N times in the objective (repeatable)")
    args = parser.parse_args()
    table = yaml.safe_load(PARAMETERS.read_text())
    names = estimated_names(table)
    try:
        findings = weighted(training_findings() + mechanism_findings(), args.weight)
    except ValueError as error:
        parser.error(str(error))  # exit 2, nothing written
    executor = executor_for(args.workers, None, 10**6)  # a LocalCluster for several workers
    start = None if args.from_prior else {n: float(table[n]["value"]) for n in names}
    began = time.perf_counter()
    log = [f"python scripts/calibrate_default.py{' --from-prior' if args.from_prior else ''} "
           f"--max-evaluations {args.max_evaluations} --workers {args.workers}"
           + "".join(f" --weight {item}" for item in args.weight)]

    def report(text: str) -> None:
        line = f"{time.perf_counter() - began:6.0f} s  {text}"
        print(line, flush=True)
        if not text.startswith("  evaluation"):
            log.append(line)

    result = calibrate(findings, names, executor=executor, start=start,
                       max_evaluations=args.max_evaluations, report=report)
    determined = sum(result.determined.values())
    eigenvalues = result.fisher_eigenvalues
    log += [f"done in {result.seconds:.0f} s: {result.passed}/{result.total} findings and "
            f"mechanism checks hold; {determined} of {len(names)} parameters fitted, "
            f"{len(names) - determined} at their prior medians",
            f"Fisher information of the data at the first maximum: {int((eigenvalues > 1).sum())} "
            f"of {len(eigenvalues)} eigenvalues above 1 (the prior's), largest "
            + ", ".join(f"{v:.3g}" for v in eigenvalues[:5])]
    print("\n".join(log[-2:]))
    if args.dry_run:
        checked = validate(training_findings() + mechanism_findings(), params=result.values)
        weighted_ids = {item.partition("=")[0] for item in args.weight}
        print("failing at the maximum:", ", ".join(checked.id[~checked.passed]) or "none")
        for row in checked.itertuples():
            if row.id in weighted_ids or not row.passed:
                print(f"  {row.id}: {row.detail}")
        return
    for name in names:
        row = table[name]
        row["value"] = float(f"{result.values[name]:.6g}")
        row["provenance"] = provenance(name, result, str(row["provenance"]))
    PARAMETERS.write_text(yaml.safe_dump(table, sort_keys=False, width=100))
    RUN.write_text("\n".join(log) + "\n")
    print(f"wrote {PARAMETERS.relative_to(ROOT)} and {RUN.relative_to(ROOT)}; now run: "
          "python scripts/calibration_doc.py; mscnk docs")


if __name__ == "__main__":
    main()
