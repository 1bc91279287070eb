"""``mscnk sensitivity``: run an experiment sampled with SALib's design (like ``mscnk run``,
resumable) and report Sobol or Morris indices per readout, by parameter and by mechanism."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from mscnk._cli_common import (OVERWRITE, RESUME, SCENARIO, SCHEDULER, WORKERS, Format, console,
                               errors, fail, load_params, load_scenario_or_fail, print_records,
                               print_result)

#: Parameters and mechanisms printed per readout (all of them go to the CSV files).
SHOWN = 8


def sensitivity(
    source: Path = typer.Argument(
        ..., help="experiment file whose parameter_sweep samples with method saltelli or "
                  "morris, or a finished run folder of one"),
    out: Path = typer.Option(Path("sensitivity"), "--out",
                             help="run folder (results store); the analysis goes to "
                                  "OUT/sensitivity/ (OUT/sensitivity_rank/ with --rank)"),
    readout: Optional[List[str]] = typer.Option(
        None, "--readout", help="a readout to analyse, or READOUT@CONDITION for one condition "
                                "only (repeatable; default: every one that varies)"),
    rank: bool = typer.Option(False, "--rank",
                              help="indices of the readouts' ranks, robust to a few extreme "
                                   "values"),
    params: Optional[Path] = typer.Option(None, "--params", help="parameter values (YAML)"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    resume: bool = RESUME,
    overwrite: bool = OVERWRITE,
    format: Format = typer.Option(Format.table, "--format",
                                  help="table, or csv/json: every index at full precision"),
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Sobol (saltelli) or Morris indices of readouts to parameters, by parameter and by
    mechanism: runs SOURCE's sampled experiment into --out (resumable), then analyses it."""
    from mscnk._cli_runs import _run_with_progress
    from mscnk.analysis import analyse_run
    from mscnk.experiment import ConditionError, load_experiment, sensitivity_design
    from mscnk.runs import ExecutorError, ModelMismatch, RunInterrupted, executor_for, pending_jobs
    from mscnk.store import METADATA, StoreError

    chosen = load_scenario_or_fail(scenario, source if source.is_file() else None)
    folder = source if (source.is_dir() and (source / METADATA).exists()) else None
    if folder is None:
        try:
            experiment = load_experiment(source, scenario=chosen)
            sensitivity_design(experiment.document.get("parameter_sweep"), scenario=chosen)
        except ConditionError as error:
            fail(error.problems)
        executor = executor_for(workers, scheduler,
                                pending_jobs(out, experiment.size, resume=resume))
        command = "mscnk " + " ".join(sys.argv[1:]) if sys.argv[1:] else None
        try:
            summary = _run_with_progress(experiment, out, executor=executor,
                                         params=load_params(params, chosen), resume=resume,
                                         overwrite=overwrite, chunk_size=None, command=command)
        except (StoreError, ExecutorError) as error:
            fail([str(error)])
        except ConditionError as error:
            fail(error.problems)
        except ModelMismatch as error:
            errors.print(f"[bold red]error:[/] {error}", highlight=False)
            raise typer.Exit(1) from None
        except RunInterrupted as stop:
            errors.print(f"[yellow]interrupted:[/] {stop.done} of {stop.total} chunks are in "
                         f"{stop.path}/; finish with: mscnk sensitivity {source} --out "
                         f"{stop.path} --resume", highlight=False)
            raise typer.Exit(130) from None
        errors.print(f"{summary.jobs:,} simulations ({summary.failed:,} failed) in "
                     f"{summary.wall_s:.1f} s on {summary.executor}", highlight=False)
        folder = out
    try:
        found = analyse_run(folder, readouts=readout, rank=rank)
    except ConditionError as error:
        fail(error.problems)
    for path in _write(found, folder / ("sensitivity_rank" if rank else "sensitivity")):
        errors.print(f"wrote {path}", highlight=False)
    for line in found.skipped:
        errors.print(f"[yellow]not analysed:[/] {line}", highlight=False)
    print_result(found.indices, format, lambda: _print(found))


def _print(found) -> None:
    columns = (["S1", "S1_conf", "ST", "ST_conf"] if found.method == "saltelli"
               else ["mu_star", "mu_star_conf", "sigma", "share"])
    key = columns[2] if found.method == "saltelli" else "mu_star"
    console.print(f"{found.method}{' of ranks' if found.rank else ''}: "
                  f"{len(found.parameters)} parameters, {found.sets:,} parameter sets per "
                  "condition", highlight=False)
    for (condition, readout), group in found.indices.groupby(["condition", "readout"],
                                                             sort=False):
        console.rule(f"{readout} in {condition}")
        group = group.sort_values(key, ascending=False, kind="stable").head(SHOWN)
        print_records(["parameter", *columns],
                      [[row.parameter, *(f"{getattr(row, c):.3g}" for c in columns)]
                       for row in group.itertuples()], Format.table)
        leading = found.leading(condition, readout, SHOWN)
        console.print("by mechanism: " + ", ".join(f"{m} {v:.3g}" for m, v in leading),
                      highlight=False)


def _write(found, folder: Path) -> list[Path]:
    from mscnk.files import write_atomically
    from mscnk.plots import save_figure, sensitivity_figure

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in (("indices", found.indices), ("mechanisms", found.mechanisms)):
        path = folder / f"{name}.csv"
        write_atomically(path, lambda p, f=frame: f.to_csv(p, index=False))
        paths.append(path)
    for (condition, readout), group in found.indices.groupby(["condition", "readout"],
                                                             sort=False):
        per_mechanism = found.mechanisms[(found.mechanisms.condition == condition)
                                         & (found.mechanisms.readout == readout)]
        figure = sensitivity_figure(group, per_mechanism.drop(columns=["condition", "readout"]),
                                    method=found.method, title=f"{readout} in {condition}")
        paths += save_figure(figure, folder / f"{condition}_{readout}")
    return paths
