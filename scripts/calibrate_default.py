"""Re-fit mscnk's default parameter set to the literature findings (re-runnable).

    python scripts/calibrate_default.py [--rounds 2] [--step 1.25] [--target-margin 0.1]
                                        [--workers 2] [--dry-run]

Which parameters are fitted: every parameter of
``src/mscnk/scenarios/coculture/parameters.yaml`` whose provenance is not a citation or an
explicit assumption (it starts with "estimate" or "fitted"). Cited and assumed values stay
fixed. The objective sums, over every expectation of ``tests/data/seed_findings.yaml`` and
``tests/data/quant_findings.yaml`` (copies of the shared findings), the squared shortfall
of its margin below ``--target-margin``
(:func:`mscnk.analysis.margin`); a bounded coordinate search in log space lowers it
(:func:`mscnk.analysis.coordinate_search`). Fitted values are written back to
parameters.yaml with provenance "fitted: ..." naming this procedure; docs/model.md must then
be regenerated with ``mscnk docs``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from mscnk.analysis import FindingsEvaluator, coordinate_search, load_findings
from mscnk.runs import executor_for

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "src" / "mscnk" / "scenarios" / "coculture" / "parameters.yaml"
FINDINGS = (ROOT / "tests" / "data" / "seed_findings.yaml",
            ROOT / "tests" / "data" / "quant_findings.yaml")
FITTED_PREFIXES = ("estimate", "fitted")
ESTIMATE = "estimate, to be fitted (issue 3)"
PROVENANCE = ("fitted: scripts/calibrate_default.py (coordinate search on the margins of "
              "tests/data/seed_findings.yaml + quant_findings.yaml)")


def _prior_note(provenance: str) -> str:
    """What the prior estimate said beyond "estimate": kept as a note after the fit."""
    note = provenance.removeprefix(ESTIMATE).strip(" ;")
    return f"; prior: {note}" if note else ""


def fitted_names(table: dict) -> list[str]:
    return [name for name, row in table.items()
            if str(row["provenance"]).startswith(FITTED_PREFIXES)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--step", type=float, default=1.25)
    parser.add_argument("--target-margin", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated parameter names to fit (default: all fitted)")
    parser.add_argument("--dry-run", action="store_true", help="do not write parameters.yaml")
    args = parser.parse_args()
    table = yaml.safe_load(PARAMETERS.read_text())
    names = args.only.split(",") if args.only else fitted_names(table)
    findings = [f for path in FINDINGS for f in load_findings(path)]
    executor = executor_for(args.workers, None, 10**6)  # a LocalCluster for several workers
    evaluator = FindingsEvaluator(findings, names, target_margin=args.target_margin,
                                  executor=executor)
    start = {name: float(row["value"]) for name, row in table.items()}
    bounds = {name: (float(table[name]["lower"]), float(table[name]["upper"])) for name in names}
    began = time.perf_counter()
    fitted, score = coordinate_search(evaluator, start, bounds, step=args.step,
                                      rounds=args.rounds, report=print)
    print(f"done in {time.perf_counter() - began:.0f} s: objective {score.objective:.4g}, "
          f"{score.passed}/{score.total} findings hold; tightest margins: "
          + ", ".join(f"{k} {v:+.3f}" for k, v in score.worst(5)))
    if args.dry_run:
        return
    for name in names:
        row = table[name]
        row["value"] = fitted[name]
        if not str(row["provenance"]).startswith("fitted"):
            row["provenance"] = f"{PROVENANCE}{_prior_note(str(row['provenance']))}"
    PARAMETERS.write_text(yaml.safe_dump(table, sort_keys=False, width=100))
    print(f"wrote {PARAMETERS.relative_to(ROOT)}; now run: mscnk docs")


if __name__ == "__main__":
    main()
