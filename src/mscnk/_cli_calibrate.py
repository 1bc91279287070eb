"""``mscnk calibrate``: fit parameters to a lab's measurements (a PEtab problem) and write a
parameter file every other command takes with ``--params``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mscnk._cli_common import (SCENARIO, SCHEDULER, WORKERS, Format, console, errors, fail,
                               load_params, load_scenario_or_fail, print_records)


def calibrate(
    data: Path = typer.Argument(..., help="PEtab problem file (YAML) of the measurements"),
    params_out: Path = typer.Option(..., "--params-out",
                                    help="parameter file to write (YAML, for --params)"),
    out: Optional[Path] = typer.Option(
        None, "--out", help="folder for the tables (CSV) and the figure (PNG, SVG)"),
    starts: int = typer.Option(8, "--starts", min=1, help="optimiser starts (multi-start)"),
    seed: int = typer.Option(0, "--seed", min=0, help="seed of the random starts"),
    profiles: bool = typer.Option(True, "--profiles/--no-profiles",
                                  help="profile likelihoods and their 95 % intervals"),
    max_evaluations: int = typer.Option(100, "--max-evaluations", min=1,
                                        help="residual evaluations per start"),
    params: Optional[Path] = typer.Option(
        None, "--params", help="values of the other parameters (YAML)"),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="replace an existing --params-out file"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Estimate the parameters a PEtab problem marks for estimation from its measurements:
    multi-start least squares and profile likelihoods (pyPESTO); writes --params-out."""
    from mscnk.analysis import fit_measurements, read_petab
    from mscnk.experiment import ConditionError
    from mscnk.runs import ExecutorError, executor_for

    chosen = load_scenario_or_fail(scenario)
    if params_out.exists() and not overwrite:
        fail([f"--params-out {str(params_out)!r} exists; choose another file or add "
              "--overwrite (nothing was written)"])
    try:
        conditions, measurements, estimated, fixed = read_petab(data)
    except ConditionError as error:
        fail(error.problems)
    base = {**(load_params(params, chosen) or {}), **fixed}
    executor = executor_for(workers, scheduler, len(conditions) * (len(estimated) + 1))
    try:
        found = fit_measurements(conditions, measurements, estimated, starts=starts, seed=seed,
                                 profiles=profiles, max_evaluations=max_evaluations,
                                 base=base, scenario=chosen, executor=executor,
                                 report=lambda text: errors.print(text, highlight=False))
    except ConditionError as error:
        fail(error.problems)
    except ExecutorError as error:
        fail([str(error)])
    _write_params(params_out, {**base, **found.values})
    errors.print(f"wrote {params_out}", highlight=False)
    if out is not None:
        for path in _write(found, out):
            errors.print(f"wrote {path}", highlight=False)
    _print(found)


def estimates_frame(found):
    import pandas as pd

    return pd.DataFrame([{
        "parameter": p.name, "estimate": found.values[p.name],
        "lower_95": found.intervals.get(p.name, (float("nan"),) * 2)[0],
        "upper_95": found.intervals.get(p.name, (float("nan"),) * 2)[1],
        "scale": p.scale, "nominal": p.nominal, "bounds": f"[{p.lower:g}, {p.upper:g}]"}
        for p in found.parameters])


def _print(found) -> None:
    frame = estimates_frame(found)
    print_records(["parameter", "estimate", "95 % profile interval", "bounds"],
                  [[r.parameter, f"{r.estimate:.4g}",
                    f"[{r.lower_95:.4g}, {r.upper_95:.4g}]" if r.lower_95 == r.lower_95
                    else "not profiled", r.bounds] for r in frame.itertuples()], Format.table)
    worst = found.residuals.residual.abs().max()
    console.print(f"objective (half the sum of squared residuals): {found.objective:.4g} over "
                  f"{len(found.residuals)} measurements; largest |residual| {worst:.3g} SD",
                  highlight=False)


def _write_params(path: Path, values: dict[str, float]) -> None:
    import yaml

    from mscnk.files import write_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({name: float(value) for name, value in values.items()},
                          sort_keys=False)
    write_atomically(path, lambda p: p.write_text(text))


def _write(found, out: Path) -> list[Path]:
    from mscnk.files import write_atomically
    from mscnk.plots import fit_figure, save_figure

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    tables = [("estimates", estimates_frame(found)), ("residuals", found.residuals),
              ("starts", found.starts)]
    if len(found.ensemble):  # for mscnk run --ensemble: median and 5-95 % bands
        tables.append(("ensemble", found.ensemble))
    for name, frame in tables:
        path = out / f"{name}.csv"
        write_atomically(path, lambda p, f=frame: f.to_csv(p, index=False))
        paths.append(path)
    figure = fit_figure(found.residuals, found.profiles, found.intervals, found.values,
                        title=f"calibration: {len(found.residuals)} measurements, "
                              f"{len(found.parameters)} parameters")
    return paths + save_figure(figure, out / "calibration")


def export_petab(
    findings: list[Path] = typer.Argument(..., help="findings files (YAML lists)"),
    out: Path = typer.Option(..., "--out", help="folder for problem.yaml and its tables"),
    estimate: Optional[list[str]] = typer.Option(
        None, "--estimate", help="a parameter to estimate (repeatable; default: the fitted "
                                 "ones)"),
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Write the published numbers of findings files as a PEtab problem (each 'between'
    expectation a measurement at its range's middle, SD range / 3.92), for mscnk calibrate
    and other PEtab tools; qualitative expectations are listed, not written."""
    from mscnk.analysis import FitParameter, findings_as_measurements, load_findings, write_petab
    from mscnk.experiment import ConditionError

    chosen = load_scenario_or_fail(scenario)
    if out.exists() and any(out.iterdir()):
        fail([f"--out {str(out)!r} is not empty; choose a new or empty folder (nothing was "
              "written)"])
    try:
        loaded = load_findings(list(findings))
    except ConditionError as error:
        fail(error.problems)
    conditions, measurements, skipped = findings_as_measurements(loaded)
    if measurements.empty:
        fail(["no 'between' expectation (a published number with its range) in the "
              "findings: nothing to write as measurements"])
    known = chosen.parameters_by_name
    names = estimate or [n for n, p in known.items()
                         if p.kind == "constant" and p.provenance.startswith("fitted")]
    unknown = [n for n in names if n not in known]
    if unknown:
        fail([f"--estimate: unknown parameter {n!r}" for n in unknown])
    parameters = [FitParameter(n, known[n].lower, known[n].upper, known[n].value,
                               "log10" if known[n].lower > 0 else "lin") for n in names]
    durations = {name: float(chosen.condition_from(raw).duration_h)
                 for name, raw in conditions.items()}
    problem = write_petab(out, conditions, measurements, parameters, durations=durations)
    console.print(f"wrote {problem}: {len(measurements)} measurements in {len(conditions)} "
                  f"conditions, {len(parameters)} parameters to estimate; {len(skipped)} "
                  "qualitative expectations not written", highlight=False)
