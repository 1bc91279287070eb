"""Grouped k-fold cross-validation of the default-parameter fit over the literature findings.

    python scripts/cross_validate.py [--folds 5] [--rounds 3] [--step 1.25] [--workers 2]
                                     [--out docs/cross_validation.txt]

The findings of ``tests/data/seed_findings.yaml`` and ``quant_findings.yaml`` are grouped by
the first paper their source names (author and year; findings that name none form a group
of their own), and the groups are dealt into ``--folds`` folds, largest first. For each fold
the fitted parameters are fitted again with the procedure of
``scripts/calibrate_default.py`` (a bounded coordinate search on the margins,
:func:`mscnk.analysis.coordinate_search`) on the other folds only, starting from the prior
centre of every fitted parameter (the geometric middle of its bounds, not the default
values, which were fitted to every finding and would leak the held-out ones), and the fold's
own findings are then checked with the refitted values. The same search on all findings
from the same start gives the in-sample figure it is compared with.

Prints one row per fold and ends with ``out_of_fold_pass_fraction: X`` (held-out findings
that hold, over all findings); ``--out`` also writes those lines to a file, which
``scripts/validation_doc.py`` puts into docs/validation.md.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from collections import defaultdict
from pathlib import Path

import yaml

from calibrate_default import FINDINGS, PARAMETERS, ROOT, fitted_names  # the fit's own choices
from mscnk.analysis import FindingsEvaluator, coordinate_search, load_findings
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--step", type=float, default=1.25)
    parser.add_argument("--target-margin", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "cross_validation.txt")
    args = parser.parse_args()
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    table = yaml.safe_load(PARAMETERS.read_text())
    names = fitted_names(table)
    bounds = {n: (float(table[n]["lower"]), float(table[n]["upper"])) for n in names}
    prior = {n: float(row["value"]) for n, row in table.items()}
    prior.update({n: math.sqrt(low * high) for n, (low, high) in bounds.items()})
    findings = [f for path in FINDINGS for f in load_findings(path)]
    folds = folds_of(findings, args.folds)
    executor = executor_for(args.workers, None, 10**6)
    began = time.perf_counter()

    def fit(train):
        evaluator = FindingsEvaluator(train, names, target_margin=args.target_margin,
                                      executor=executor)
        return coordinate_search(evaluator, prior, bounds, step=args.step, rounds=args.rounds)

    everything, score = fit(findings)
    say(f"python scripts/cross_validate.py --folds {args.folds} --rounds {args.rounds} "
        f"--step {args.step} --workers {args.workers}")
    say(f"in-sample (fit on all {len(findings)} from the prior centre, {args.rounds} rounds): "
        f"{score.passed}/{score.total} hold ({time.perf_counter() - began:.0f} s)")
    at_prior = FindingsEvaluator(findings, names, executor=executor).results(prior)
    say(f"at the prior centre, unfitted: {sum(r.passed for r in at_prior)}/{len(findings)} hold")
    held_out = 0
    say("fold  papers                               train held  held-out ids (FAIL marked)")
    for number, fold in enumerate(folds, start=1):
        train = [f for f in findings if f not in fold]
        fitted, train_score = fit(train)
        results = FindingsEvaluator(fold, names, executor=executor).results(fitted)
        held_out += sum(r.passed for r in results)
        papers = sorted({paper_of(f.source, f.id) for f in fold})
        ids = " ".join(r.id + ("" if r.passed else "(FAIL)") for r in results)
        say(f"{number:4d}  {', '.join(papers)[:36]:36s} {train_score.passed:2d}/{len(train):2d} "
            f"{sum(r.passed for r in results):2d}/{len(fold):2d}  {ids}")
    say(f"wall time {time.perf_counter() - began:.0f} s on {args.workers} workers")
    say(f"out_of_fold_pass_fraction: {held_out / len(findings):.2f}")
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
