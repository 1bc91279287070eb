"""The ``mscnk`` command line: run, demo, validate, mechanisms, explain, parameters, docs."""

from __future__ import annotations

import json
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from mscnk._keys import READOUT_NAMES, READOUT_UNITS

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate MSC-NK cell crosstalk experiments.")
console = Console()
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(problems: list[str]) -> None:
    errors.print(f"[bold red]error:[/] {len(problems)} problem(s) in the input", highlight=False)
    for problem in problems:
        errors.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _load_params(path: Optional[Path]) -> dict[str, float] | None:
    """A parameter file: ``{name: value}`` or ``{name: {value: ...}}`` (parameters.yaml style)."""
    if path is None:
        return None
    from mscnk.experiment import ConditionError
    from mscnk.experiment._parameters import load_parameters

    try:
        return load_parameters(path)
    except ConditionError as error:
        _fail(error.problems)


def _write_atomically(path: Path, writer) -> None:
    from mscnk.store import write_atomically

    write_atomically(path, writer)


def _print_table(frame) -> None:
    names = list(frame.index)
    for start in range(0, len(names), 6):
        chunk = names[start:start + 6]
        table = Table(show_header=True, header_style="bold")
        table.add_column("readout")
        table.add_column("unit")
        for name in chunk:
            table.add_column(str(name), justify="right", overflow="fold")
        for readout in READOUT_NAMES:
            cells = []
            for name in chunk:
                value = frame.at[name, readout]
                cells.append("-" if value is None or (isinstance(value, float) and math.isnan(value))
                             else f"{value:.4g}")
            table.add_row(readout, READOUT_UNITS[readout], *cells)
        console.print(table)


@app.command()
def run(
    file: Path = typer.Argument(..., help="condition, sweep or experiment file (YAML/JSON)"),
    out: Path = typer.Option(Path("results"), "--out", help="run folder (results store)"),
    format: Format = typer.Option(Format.table, "--format", help="what to print"),
    params: Optional[Path] = typer.Option(None, "--params", help="parameter values (YAML)"),
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="local worker processes (default: all cores)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="dask.distributed scheduler address"),
    resume: bool = typer.Option(False, "--resume", help="finish the unfinished run in --out"),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="replace an unfinished run in --out"),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1,
                                             help="conditions per chunk (default: chosen)"),
) -> None:
    """Simulate every condition of FILE into a results store in --out; print the readouts."""
    from mscnk.experiment import ConditionError
    from mscnk.experiment._jobs import load_experiment
    from mscnk.runs import RunInterrupted
    from mscnk.store import StoreError

    try:
        experiment = load_experiment(file)
    except ConditionError as error:
        _fail(error.problems)
    values = _load_params(params)
    command = "mscnk " + " ".join(sys.argv[1:]) if sys.argv[1:] else None
    try:
        summary = _run_with_progress(experiment, out, params=values, workers=workers,
                                     scheduler=scheduler, resume=resume, overwrite=overwrite,
                                     chunk_size=chunk_size, command=command)
    except StoreError as error:
        _fail([str(error)])
    except RunInterrupted as stop:
        errors.print(f"[yellow]interrupted:[/] {stop.done} of {stop.total} chunks are in "
                     f"{stop.path}/; finish with: mscnk run {file} --out {stop.path} --resume",
                     highlight=False)
        raise typer.Exit(130) from None
    _print_run(summary, format)


def _run_with_progress(experiment, out: Path, **options):
    """``run_sweep`` under a rich progress bar (conditions, conditions/s, ETA)."""
    import signal

    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)

    from mscnk.runs import run_sweep

    def stop(signum, frame):  # SIGTERM stops like Ctrl-C: finished chunks stay
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    try:
        with Progress(*columns, console=errors, transient=True) as bar:
            task = bar.add_task("conditions", total=None, rate="")
            clock: dict[str, float] = {}

            def progress(done: int, total: int) -> None:
                import time

                now = time.perf_counter()
                clock.setdefault("start", now)
                clock.setdefault("first", done)
                elapsed = now - clock["start"]
                rate = (done - clock["first"]) / elapsed if elapsed > 0 else 0.0
                bar.update(task, completed=done, total=total,
                           rate=f"{rate:,.0f} conditions/s" if rate else "")

            return run_sweep(experiment, out, progress=progress, **options)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_run(summary, format: Format) -> None:
    """The rows (csv, json, or a table for small runs), then a one-screen summary."""
    from mscnk.store import RunStore

    frame = RunStore.open(summary.path).read()
    labels = (frame["condition"] if frame["parameter_set"].nunique() == 1
              else frame["condition"] + " @ " + frame["parameter_set"])
    if format is Format.csv:
        sys.stdout.write(frame.set_index("condition").to_csv())
    elif format is Format.json:
        records = json.loads(frame.to_json(orient="records"))
        sys.stdout.write(json.dumps(records, indent=2) + "\n")
    elif len(frame) <= TABLE_ROWS:
        _print_table(frame.set_axis(labels.to_list()))
    rate = summary.jobs_run / summary.wall_s if summary.wall_s > 0 else float("nan")
    earlier = f", {summary.chunks_skipped} from an earlier session" if summary.chunks_skipped else ""
    lines = [f"{summary.jobs} condition(s), {summary.ok} ok, {summary.failed} failed; "
             f"{summary.chunks} chunk(s){earlier}",
             f"{summary.wall_s:.1f} s on {summary.executor}, {rate:,.0f} conditions/s",
             f"results in {summary.path}/ (chunks/*.parquet, results.csv, run.json); "
             f"summary: mscnk results {summary.path}"]
    for message, count in summary.errors.items():
        lines.append(f"  failed x{count}: {message}")
    if format is Format.table and len(frame) > TABLE_ROWS:
        lines.append(f"({len(frame)} rows: not printed; use --format csv or mscnk results)")
    for line in lines:
        errors.print(line, highlight=False, markup=False, soft_wrap=True)


#: Runs with more rows than this print only the summary in table format.
TABLE_ROWS = 24


@app.command()
def demo(out: Path = typer.Option(Path("demo_report"), "--out", help="report folder")) -> None:
    """Run the standard panel and write figures and a one-page HTML report."""
    from rich.progress import Progress

    from mscnk.report import build_demo

    out.mkdir(parents=True, exist_ok=True)
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("demo panel", total=None)
        page = build_demo(out, progress=lambda name: progress.advance(task))
    console.print(f"demo report: {page}")


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., help="findings files (YAML lists)"),
    params: Optional[Path] = typer.Option(None, "--params", help="parameter values (YAML)"),
    report: Optional[Path] = typer.Option(None, "--report",
                                          help="folder for report.md/.html and a figure per finding"),
) -> None:
    """Check literature findings against the model; exit 1 if any fails."""
    import time
    from rich.progress import Progress

    from mscnk.analysis import load_findings, validate_results
    from mscnk.experiment import ConditionError

    findings, problems = [], []
    for file in files:
        try:
            findings.extend(load_findings(file))
        except ConditionError as error:
            problems.extend(f"{file}: {p}" for p in error.problems)
    if problems:
        _fail(problems)
    values = _load_params(params)
    started = time.perf_counter()
    with Progress(console=errors, transient=True) as bar:
        task = bar.add_task("findings", total=len(findings))
        results = validate_results(findings, params=values,
                                   progress=lambda done, total, _id: bar.update(task, completed=done))
    for result in results:
        verdict = "[green]PASS[/]" if result.passed else "[bold red]FAIL[/]"
        console.print(f"{result.id:5s} {verdict}  {result.source}")
        console.print(f"      {result.detail}", markup=False, highlight=False, soft_wrap=True)
    passed = sum(r.passed for r in results)
    if report is not None:
        from mscnk.report import write_validation_report

        report.mkdir(parents=True, exist_ok=True)
        command = "mscnk validate " + " ".join(str(f) for f in files)
        page = write_validation_report(results, report, title="mscnk validation",
                                       command=command, elapsed_s=time.perf_counter() - started)
        errors.print(f"report: {page}")
    console.print(f"{passed} passed, {len(results) - passed} failed")
    if passed < len(results):
        raise typer.Exit(1)


@app.command()
def mechanisms(text: Optional[str] = typer.Argument(None, help="words to search for")) -> None:
    """List the mechanism catalog, or the mechanisms matching TEXT."""
    from mscnk.catalog import search
    from mscnk.model._links import parameters_of, processes_of

    found = search(text)
    if not found:
        errors.print(f"no mechanism matches {text!r}")
        raise typer.Exit(1)
    if len(found) > 3:
        table = Table("id", "name", "mode", "effect", "status", "processes")
        for m in found:
            table.add_row(m.id, m.name, m.mode, f"{m.effect['sign']} {m.effect['target']}",
                          m.status, str(len(processes_of(m.id))))
        console.print(table)
        return
    for m in found:
        console.rule(f"[bold]{m.id}[/]: {m.name}")
        console.print(f"mode: {m.mode}; effect: {m.effect['sign']} {m.effect['target']} "
                      f"({m.effect.get('description', '')})", markup=False)
        console.print(f"context: {m.context}", markup=False)
        console.print(f"summary: {m.summary}", markup=False)
        console.print("citations: " + "; ".join(m.citations), markup=False)
        console.print(f"status: {m.status} {m.note}", markup=False)
        console.print("processes: " + (", ".join(processes_of(m.id)) or "none"), markup=False)
        console.print("parameters: " + (", ".join(parameters_of(m.id)) or "none"), markup=False)


@app.command()
def explain(readout: str = typer.Argument(..., help="a readout name, e.g. msc_lysis_pct")) -> None:
    """Show which mechanisms move READOUT, nearest first."""
    from mscnk.analysis._explain import explain_readout

    if readout not in READOUT_NAMES:
        from mscnk.experiment._errors import suggest

        _fail([f"unknown readout {readout!r}; allowed: {', '.join(READOUT_NAMES)}"
               f"{suggest(readout, READOUT_NAMES)}"])
    species, ranked = explain_readout(readout)
    from mscnk.catalog import mechanisms as catalog

    console.print(f"[bold]{readout}[/] ({READOUT_UNITS[readout]}) reads: {', '.join(species)}")
    labels = {0: "changes it directly", 1: "acts on what those processes read",
              2: "two steps upstream"}
    for distance in sorted({d for _, d in ranked}):
        console.rule(labels.get(distance, f"{distance} steps upstream"))
        for mechanism, d in ranked:
            if d == distance:
                console.print(f"  {mechanism:26s} {catalog()[mechanism].name}", markup=False)


@app.command()
def parameters(text: Optional[str] = typer.Argument(None, help="filter by name or mechanism")) -> None:
    """List model parameters with unit, default, bounds and provenance."""
    from mscnk.model._build import build_model
    from mscnk.model._links import parameter_owners

    owners = parameter_owners()
    table = Table("name", "value", "unit", "bounds", "mechanisms", "provenance")
    for p in build_model().parameters:
        if text and text not in p.name and text not in " ".join(owners[p.name]):
            continue
        table.add_row(p.name, f"{p.value:.4g}", p.unit, f"[{p.lower:.3g}, {p.upper:.3g}]",
                      ", ".join(owners[p.name]), p.provenance)
    console.print(table)


export_app = typer.Typer(help="Export the model (SBML Level 3, Antimony).", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("sbml")
def export_sbml(out: Path = typer.Argument(..., help="output file, e.g. mscnk.xml")) -> None:
    """Write the model as SBML Level 3 Version 2 (validated with libsbml)."""
    from mscnk.model._sbml import sbml_errors, to_sbml

    text = to_sbml()
    problems = sbml_errors(text)
    if problems:
        _fail([f"libsbml consistency error: {p}" for p in problems])
    _write_atomically(out, lambda p: p.write_text(text))
    console.print(f"wrote {out} (SBML L3V2, 0 consistency errors)")


@export_app.command("antimony")
def export_antimony(out: Path = typer.Argument(..., help="output file, e.g. mscnk.ant")) -> None:
    """Write the model as Antimony text."""
    from mscnk.model._sbml import to_antimony

    _write_atomically(out, lambda p: p.write_text(to_antimony()))
    console.print(f"wrote {out}")


@app.command()
def docs(out: Path = typer.Option(Path("docs/model.md"), "--out", help="where to write")) -> None:
    """Regenerate the model description (docs/model.md) from the declaration."""
    from mscnk.report._model_doc import model_markdown

    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(out, lambda p: p.write_text(model_markdown()))
    console.print(f"wrote {out}")


def main() -> Any:  # pragma: no cover - console entry for python -m
    return app()


if __name__ == "__main__":  # pragma: no cover
    main()
