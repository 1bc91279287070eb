"""Write docs/validation.md: every finding with its numbers, and the +-20 % robustness table.

    python scripts/validation_doc.py [--perturbation 0.2] [--draws 100] [--seed 12]
                                     [--workers 2] [--out docs/validation.md]

Checks tests/data/seed_findings.yaml and quant_findings.yaml (copies of the shared findings)
with the default parameters, then perturbs every estimated parameter (provenance starting
with "fitted" or "prior": neither cited nor assumed) down and up by the given fraction, one
at a time, and all of them at once in ``--draws`` seeded log-uniform draws, and records which
findings still hold. Also
runs the mechanism checks, lists the expectations that hold structurally, and includes the
output of scripts/cross_validate.py when there is one.
"""

from __future__ import annotations

import argparse
import datetime
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np


import mscnk
from mscnk.analysis import load_findings
from mscnk.analysis import (FindingsEvaluator, margin, mechanism_findings,
                            structural_expectations)
from mscnk.runs import executor_for
from mscnk.model import model_hash, parameter_owners
from mscnk.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = (ROOT / "tests" / "data" / "seed_findings.yaml",
            ROOT / "tests" / "data" / "quant_findings.yaml")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: a parameter acts in a finding when moving it by the perturbation shifts one of the
#: finding's margins by more than this (margins are log-ratios or shares of a bound)
ACTS = 0.005


def _moved(result, reference) -> bool:
    """Whether any margin of ``result`` differs from ``reference`` by more than ACTS."""
    return any(not (abs(margin(a) - margin(b)) <= ACTS)
               for a, b in zip(result.expectations, reference.expectations))


def _alive(result) -> str:
    """Share of the MSCs not killed by NK cells (100 - msc_killed_pct, %) in each condition
    of a finding that has both MSCs and NK cells: whether its readouts come from living MSCs."""
    shares = []
    for name, readouts in result.readouts.items():
        killed, nk = readouts.get("msc_killed_pct", math.nan), readouts.get("nk_viable", math.nan)
        if math.isfinite(killed) and math.isfinite(nk):
            shares.append(f"{name} {100 - killed:.0f}")
    return ", ".join(shares) or "-"


def _rows(results, *, last: str, alive: bool = False) -> list[str]:
    """A table row per checked finding: id, verdict, tightest margin, numbers, ``last``
    (and, with ``alive``, the MSCs left alive in each co-culture condition)."""
    rows = []
    for r in results:
        tight = min((margin(e) for e in r.expectations), default=float("nan"))
        extra = f" {_cell(_alive(r))} |" if alive else ""
        rows.append(f"| {r.id} | {'PASS' if r.passed else 'FAIL'} | {tight:+.3f} | "
                    f"{_cell(r.detail)} |{extra} {_cell(getattr(r, last))} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perturbation", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=100, help="joint perturbation draws")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "validation.md")
    parser.add_argument("--cross-validation", type=Path,
                        default=ROOT / "docs" / "cross_validation.txt",
                        help="output of scripts/cross_validate.py to include")
    args = parser.parse_args()
    model = load_scenario("coculture").model
    table = {p.name: p for p in model.parameters}
    fitted = [p.name for p in model.parameters if p.provenance.startswith(("fitted", "prior", "estimate"))]
    findings = [f for path in FINDINGS for f in load_findings(path)]
    mechanism_checks = mechanism_findings()
    executor = executor_for(args.workers, None, 10**6)  # a LocalCluster for several workers
    defaults = {name: p.value for name, p in table.items()}
    # the findings and the mechanism checks run together: robustness is counted on the
    # findings, where each parameter acts on both (the checks are independent single-factor
    # experiments from the catalog's sources)
    evaluator = FindingsEvaluator([*findings, *mechanism_checks], fitted, executor=executor)
    finding_ids = {f.id for f in findings}
    began = time.perf_counter()
    reference = evaluator.results(defaults)
    baseline_s = time.perf_counter() - began
    baseline = [r for r in reference if r.id in finding_ids]
    moves = [(name, label, factor) for name in fitted
             for label, factor in (("down", 1 - args.perturbation), ("up", 1 + args.perturbation))]
    perturbed_all = evaluator.results_many([  # one batch; a move stops at the parameter's bound
        {**defaults, name: min(max(defaults[name] * factor, table[name].lower), table[name].upper)}
        for name, _, factor in moves])
    perturbed = [[r for r in results if r.id in finding_ids] for results in perturbed_all]
    acts_in: dict[str, set[str]] = defaultdict(set)
    for (name, _, _), results in zip(moves, perturbed_all):
        acts_in[name] |= {r.id for r, r0 in zip(results, reference) if _moved(r, r0)}
    # robustness is of what holds: a finding the defaults fail is not counted as broken
    held_ids = {r.id for r in baseline if r.passed}
    broken = {(name, label): [r.id for r in results if not r.passed and r.id in held_ids]
              for (name, label, _), results in zip(moves, perturbed)}
    total_s = time.perf_counter() - began
    # every fitted parameter jittered at once, log-uniformly within the same fraction
    rng = np.random.default_rng(args.seed)
    spread = np.log1p(args.perturbation)
    draws = [{**defaults, **{name: min(max(defaults[name] * math.exp(rng.uniform(-spread, spread)),
                                           table[name].lower), table[name].upper)
                             for name in fitted}} for _ in range(args.draws)]
    joint = sorted(sum(r.passed and r.id in held_ids for r in results)
                   for results in evaluator.results_many(draws))
    n, passed = len(baseline), sum(r.passed for r in baseline)
    pct = f"{args.perturbation:.0%}"
    lines = [
        "# Validation against the literature findings",
        "",
        "Generated by `python scripts/validation_doc.py` (do not edit by hand).",
        f"mscnk {mscnk.__version__}, model {model_hash(model)}, "
        f"{datetime.date.today().isoformat()}.",
        "",
        f"**{passed} of {n} findings hold** with the default parameters "
        f"(`mscnk validate tests/data/seed_findings.yaml tests/data/quant_findings.yaml`; "
        f"the findings and the {len(mechanism_checks)} mechanism checks together took "
        f"{baseline_s:.0f} s on {args.workers} worker processes here).",
        "",
        "## Findings and their numbers",
        "",
        "| id | result | tightest margin | numbers | MSCs alive (%) | source |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    lines += _rows(baseline, last="source", alive=True)
    lines += ["", "Margins are signed and dimensionless (`mscnk.analysis._margins`): a log-ratio "
              "for ratio expectations, a fraction of the bound for bounds; positive holds. "
              "*MSCs alive* is 100 - `msc_killed_pct` in each condition with both MSCs and NK "
              "cells: the share of the MSCs (those seeded and those born) that NK cells have "
              "not killed by the end, so that secretome and suppression readouts can be read "
              "as coming from living MSCs, or not."]
    checks = [r for r in reference if r.id not in finding_ids]
    held = sum(r.passed for r in checks)
    lines += [
        "",
        "## Mechanism checks",
        "",
        f"**{held} of {len(checks)} mechanism checks hold** with the default parameters "
        "(`mscnk validate --mechanisms`). Each is the single-factor experiment a catalog "
        "mechanism states (`checks` in `src/mscnk/catalog/mechanisms.yaml`): a mediator at a "
        "dose from its source, an antibody, a knock-down, an inhibitor, a cytokine or a "
        "culture setting, with the direction and the least size of the change. Their "
        "thresholds were written before the model was first run on them. They are part of "
        "the estimation's data (`scripts/calibrate_default.py`), so here they show that the "
        "estimated set honours the catalog's claims, not how it predicts; mechanisms without "
        "a check say why in `no_check`.",
        "",
        "| check | result | tightest margin | numbers | claim |",
        "| --- | --- | ---: | --- | --- |",
    ]
    lines += _rows(checks, last="claim")
    if args.cross_validation.is_file():
        text = args.cross_validation.read_text().strip()
        fraction = text.splitlines()[-1].split(":")[-1].strip()
        lines += [
            "",
            "## Cross-validation: the fit procedure on findings it never saw",
            "",
            f"**Out of fold, {fraction} of the findings hold** "
            f"(`out_of_fold_pass_fraction`). `scripts/cross_validate.py` groups the findings "
            "by the first paper their source names, deals the groups into folds, estimates "
            "the parameters again on the other folds and the mechanism checks with the "
            "default set's procedure (`mscnk.analysis.calibrate`: priors, maximum a "
            "posteriori, the undetermined back at their prior medians) from the prior "
            "medians, and checks the held-out fold; the in-sample line is the same procedure "
            "on all findings. Its output, as run (the first line is the command):",
            "",
            "```text",
            text,
            "```",
        ]
    structural = structural_expectations([*findings, *mechanism_checks])
    lines += [
        "",
        "## Expectations that hold structurally",
        "",
        f"{len(structural)} expectations compare two conditions whose differences cannot "
        "reach the species their readout reads, through any process of the model (found "
        "from the phases the protocol builds and the model graph, "
        "`mscnk.analysis.structural_expectations`): no parameter value moves them, so they "
        "test the model's wiring, not its numbers. Pairs of conditions whose phases differ "
        "in number or length are never counted, so this is a lower bound.",
        "",
        "| finding or check | expectation | why |",
        "| --- | ---: | --- |",
        *(f"| {ident} | {index + 1} | {_cell(why)} |"
          for (ident, index), why in structural.items()),
    ]
    runs = len(broken)
    clean = sum(1 for ids in broken.values() if not ids)
    k = len(held_ids)  # findings that hold at the defaults: what robustness is measured on
    holding = sorted(k - len(ids) for ids in broken.values())
    by_finding: dict[str, list[str]] = defaultdict(list)
    for (name, label), ids in broken.items():
        for finding in ids:
            by_finding[finding].append(f"{name} {'-' if label == 'down' else '+'}{pct}")
    lines += [
        "",
        f"## Robustness: every estimated parameter moved by -{pct} and +{pct}, one at a time",
        "",
        f"{len(fitted)} estimated parameters (fitted or prior), {runs} perturbed parameter sets "
        f"({total_s:.0f} s in all), counted on the {k} findings that hold at the defaults. "
        f"In {clean} of {runs} sets ({clean / runs:.1%}) all {k} still hold; the worst set "
        f"keeps {holding[0]} of {k}, the median set {holding[len(holding) // 2]} of {k}.",
        "",
        f"All {len(fitted)} at once, {args.draws} draws (each parameter times a factor drawn "
        f"log-uniformly between 1/{1 + args.perturbation:g} and {1 + args.perturbation:g}, "
        f"seed {args.seed}): the median draw keeps {joint[len(joint) // 2]} of those {k} "
        f"findings ({joint[len(joint) // 2] / k:.1%}), the worst {joint[0]}, the best "
        f"{joint[-1]}; {sum(kept == k for kept in joint)} of {args.draws} draws keep all {k}.",
        "",
        "### Findings that some perturbation breaks",
        "",
        "| finding | broken by (count) | parameters |",
        "| --- | ---: | --- |",
    ]
    for finding in sorted(by_finding, key=lambda f: -len(by_finding[f])):
        lines.append(f"| {finding} | {len(by_finding[finding])} | "
                     f"{_cell(', '.join(by_finding[finding]))} |")
    owners = parameter_owners(load_scenario("coculture").model)
    only_fitted = [name for name in fitted if table[name].provenance.startswith("fitted")]
    single = [name for name in only_fitted if len(acts_in[name]) == 1]
    lines += [
        "",
        "### Where each parameter acts",
        "",
        f"A parameter *acts in* a finding or mechanism check when moving it by {pct} either "
        f"way shifts one of that finding's margins by more than {ACTS}. Of the "
        f"{len(only_fitted)} fitted parameters, {len(single)} act in exactly one finding or "
        "check" + (f" ({', '.join(f'{n}: {next(iter(acts_in[n]))}' for n in single)})"
                   if single else "") + f", and "
        f"{sum(not acts_in[n] & finding_ids for n in only_fitted)} in no finding (only in "
        "mechanism checks, the catalog's single-factor experiments from independent sources).",
        "",
        "### Every estimated parameter",
        "",
        f"| parameter | value | unit | holds at -{pct} | holds at +{pct} | findings it "
        "matters for | acts in (findings + checks) | mechanisms |",
        "| --- | ---: | --- | ---: | ---: | --- | ---: | --- |",
    ]
    for name in fitted:
        down, up = broken[(name, "down")], broken[(name, "up")]
        matters = sorted(set(down) | set(up))
        acting = acts_in[name]
        lines.append(f"| {name} | {table[name].value:.4g} | {table[name].unit} | "
                     f"{k - len(down)}/{k} | {k - len(up)}/{k} | {', '.join(matters) or '-'} | "
                     f"{len(acting & finding_ids)} + {len(acting - finding_ids)} | "
                     f"{', '.join(owners[name])} |")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {passed}/{n} hold; {held}/{len(checks)} mechanism checks hold; "
          f"{clean}/{runs} perturbed sets keep all")


if __name__ == "__main__":
    main()
