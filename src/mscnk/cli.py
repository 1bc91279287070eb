"""The ``mscnk`` command line: run, results, plot, demo, validate, mechanisms, explain,
parameters, export, docs. Run/results/plot live in :mod:`mscnk._cli_runs`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from mscnk import _cli_runs
from mscnk._cli_common import console, errors, fail, load_params
from mscnk._keys import READOUT_NAMES, READOUT_UNITS

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Simulate MSC-NK cell crosstalk experiments.")
app.command("run")(_cli_runs.run)
app.command("results")(_cli_runs.results)
app.command("plot")(_cli_runs.plot)


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
        fail(problems)
    values = load_params(params)
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

        fail([f"unknown readout {readout!r}; allowed: {', '.join(READOUT_NAMES)}"
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
        fail([f"libsbml consistency error: {p}" for p in problems])
    from mscnk.store import write_atomically

    write_atomically(out, lambda p: p.write_text(text))
    console.print(f"wrote {out} (SBML L3V2, 0 consistency errors)")


@export_app.command("antimony")
def export_antimony(out: Path = typer.Argument(..., help="output file, e.g. mscnk.ant")) -> None:
    """Write the model as Antimony text."""
    from mscnk.model._sbml import to_antimony

    from mscnk.store import write_atomically

    write_atomically(out, lambda p: p.write_text(to_antimony()))
    console.print(f"wrote {out}")


@app.command()
def docs(out: Path = typer.Option(Path("docs/model.md"), "--out", help="where to write")) -> None:
    """Regenerate the model description (docs/model.md) from the declaration."""
    from mscnk.report._model_doc import model_markdown

    out.parent.mkdir(parents=True, exist_ok=True)
    from mscnk.store import write_atomically

    write_atomically(out, lambda p: p.write_text(model_markdown()))
    console.print(f"wrote {out}")



def main() -> Any:  # pragma: no cover - console entry for python -m
    return app()


if __name__ == "__main__":  # pragma: no cover
    main()
