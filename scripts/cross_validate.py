"""Grouped k-fold cross-validation of the default-parameter calibration over the findings.

    python scripts/cross_validate.py [--folds 5] [--max-evaluations 20] [--workers 2]
                                     [--out docs/cross_validation.txt]

The findings of ``tests/data/seed_findings.yaml`` and ``quant_findings.yaml`` are grouped by
the first paper their source names (author and year; findings that name none form a group
of their own), and the groups are dealt into ``--folds`` folds, largest first. For each fold
the estimated parameters are calibrated again with the procedure of
``scripts/calibrate_default.py`` (:func:`mscnk.analysis.calibrate`: priors, maximum a
posteriori, the undetermined back to their prior medians) on the other folds' findings and
the catalog's mechanism checks, starting from the prior medians (not the default values,
which were estimated on every finding and would leak the held-out ones), and the fold's own
findings are then checked with the calibrated values. The same procedure on all findings
from the same start gives the in-sample figure it is compared with. The mechanism checks
are catalog claims (single-factor experiments), not findings: they are in every fold's
training data and never held out.

Prints one row per fold and ends with ``out_of_fold_pass_fraction: X`` (held-out findings
that hold, over all findings); ``--out`` also writes those lines to a file, which
``scripts/validation_doc.py`` puts into docs/validation.md.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from pathlib import Path

import yaml

from calibrate_default import (PARAMETERS, ROOT,  # the calibration's own choices
                               estimated_names, training_findings)
from mscnk.analysis import FindingsEvaluator, calibrate, mechanism_findings, prior_of
from mscnk.runs import executor_for

#: "Spaggiari 2006", "El Haddad 2011", "Front Immunol 2022": the first paper a source names.
PAPER = re.compile(r"([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?) (\d{4})")


def paper_of(source: str, finding_id: str) -> str:
    """The first author-and-year a source names; the finding's own id if it names none."""
    found = PAPER.search(source)
    return f"{found.group(1)} {found.group(2)}" if found else finding_id


def folds_of(findings, count: int) -> list[list]:
    """Findings grouped by paper, the groups dealt largest first into the smallest fold."""
    groups: dict[str, list] = defaultdict(list)
    for finding in findings:
        groups[paper_of(finding.source, finding.id)].append(finding)
    folds: list[list] = [[] for _ in range(count)]
    for paper in sorted(groups, key=lambda p: (-len(groups[p]), p)):
        min(folds, key=len).extend(groups[paper])
    return folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-evaluations", type=int, default=20,
                        help="residual evaluations per stage of each calibration")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "cross_validation.txt")
    args = parser.parse_args()
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    table = yaml.safe_load(PARAMETERS.read_text())
    names = estimated_names(table)
    findings = training_findings()
    checks = mechanism_findings()
    folds = folds_of(findings, args.folds)
    executor = executor_for(args.workers, None, 10**6)
    began = time.perf_counter()

    def fit(train):
        return calibrate(train + checks, names, executor=executor,
                         max_evaluations=args.max_evaluations)

    def held(result, chosen) -> int:
        """Of ``chosen``, the findings that hold at a calibration's estimate."""
        ids = {f.id for f in chosen}
        return sum(r.passed for r in result.final.results if r.id in ids)

    everything = fit(findings)
    say(f"python scripts/cross_validate.py --folds {args.folds} --max-evaluations "
        f"{args.max_evaluations} --workers {args.workers}")
    say(f"in-sample (calibrated on all {len(findings)} findings and {len(checks)} mechanism "
        f"checks from the prior medians): {held(everything, findings)}/{len(findings)} findings hold "
        f"({everything.seconds:.0f} s)")
    medians = {name: prior_of(name).centre for name in names}
    at_prior = FindingsEvaluator(findings, names, executor=executor).results(medians)
    say(f"at the prior medians, uncalibrated: {sum(r.passed for r in at_prior)}/{len(findings)} "
        "hold")
    held_out = 0
    say("fold  papers                               train held  held-out ids (FAIL marked)")
    for number, fold in enumerate(folds, start=1):
        train = [f for f in findings if f not in fold]
        result = fit(train)
        trained = held(result, train)
        results = FindingsEvaluator(fold, names, executor=executor).results(result.values)
        held_out += sum(r.passed for r in results)
        papers = sorted({paper_of(f.source, f.id) for f in fold})
        ids = " ".join(r.id + ("" if r.passed else "(FAIL)") for r in results)
        say(f"{number:4d}  {', '.join(papers)[:36]:36s} {trained:2d}/{len(train):2d} "
            f"{sum(r.passed for r in results):2d}/{len(fold):2d}  {ids}")
    say(f"wall time {time.perf_counter() - began:.0f} s on {args.workers} workers")
    say(f"out_of_fold_pass_fraction: {held_out / len(findings):.2f}")
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
