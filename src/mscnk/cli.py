"""The ``mscnk`` command line: run, results, plot, demo, validate, mechanisms, explain,
sensitivity, design, calibrate, parameters, fields, examples, export, docs. Run/results live
in :mod:`mscnk._cli_runs`, plot in :mod:`mscnk._cli_plot`, explain in
:mod:`mscnk._cli_explain`, sensitivity in :mod:`mscnk._cli_sensitivity`, design in
:mod:`mscnk._cli_design`, calibrate in :mod:`mscnk._cli_calibrate`."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import click
import typer
from rich.table import Table
from typer.core import TyperGroup

from mscnk import (__version__, _cli_calibrate, _cli_design, _cli_explain, _cli_plot, _cli_runs,
                   _cli_sensitivity, _cli_therapy)
from mscnk._cli_common import (SCENARIO, Format, configure_logging, console, errors, fail,
                               load_params, load_scenario_or_fail, print_records, print_table,
                               progress_bar, stdout_to_devnull)


class _Commands(TyperGroup):
    """The command group. A reader that goes away (``mscnk ... | head -1``) ends the
    command quietly with exit 0, where click would exit 1 (or Python print a traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # inside the guard: a closed pipe shows here, not at exit
            return result
        except BrokenPipeError:
            stdout_to_devnull()
            return None


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True,
                  help="Simulate MSC-NK cell crosstalk experiments.")


def _print_version(value: bool) -> None:
    if value:
        console.print(f"mscnk {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="print the mscnk version and exit"),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="only warnings and errors on stderr; no progress bars"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="debug messages on stderr"),
) -> None:
    """Simulate MSC-NK cell crosstalk experiments."""
    if quiet and verbose:
        fail(["--quiet and --verbose exclude each other; give one of them"])
    configure_logging(quiet=quiet, verbose=verbose)


app.command("run")(_cli_runs.run)
app.command("results")(_cli_runs.results)
app.command("plot")(_cli_plot.plot)
app.command("explain")(_cli_explain.explain)
app.command("sensitivity")(_cli_sensitivity.sensitivity)
app.command("design")(_cli_design.design)
app.command("calibrate")(_cli_calibrate.calibrate)
app.command("compare")(_cli_therapy.compare)
app.command("scenario")(_cli_therapy.scenario_command)


@app.command()
def demo(out: Path = typer.Option(Path("demo_report"), "--out", help="report folder")) -> None:
    """Run the standard panel and write figures and a one-page HTML report."""
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

    from mscnk.report import build_demo

    out.mkdir(parents=True, exist_ok=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TimeElapsedColumn())
    with progress_bar(*columns) as progress:
        task = progress.add_task("demo panel", total=None)
        page = build_demo(out, progress=lambda name: progress.advance(task))
    console.print(f"demo report: {page}")


@app.command()
def validate(
    files: list[Path] = typer.Argument(None, help="findings files (YAML lists)"),
    mechanisms: bool = typer.Option(
        False, "--mechanisms",
        help="also run every mechanism check of the catalog (co-culture scenario)"),
    params: Optional[Path] = typer.Option(None, "--params", help="parameter values (YAML)"),
    report: Optional[Path] = typer.Option(None, "--report",
                                          help="folder for report.md/.html and a figure per finding"),
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Check literature findings (and, with --mechanisms, the catalog's mechanism checks)
    against the model; exit 1 if any fails."""
    import time
    from collections import Counter

    from mscnk.analysis import (CHECK_SCENARIO, load_findings, mechanism_findings,
                                structural_expectations, validate_results)
    from mscnk.experiment import ConditionError

    files = files or []
    if not files and not mechanisms:
        fail(["validate: give findings files, --mechanisms, or both"])
    chosen = load_scenario_or_fail(scenario)
    if mechanisms and chosen.name != CHECK_SCENARIO:
        fail([f"--mechanisms: the catalog's checks are conditions of the {CHECK_SCENARIO!r} "
              f"scenario, not of {chosen.name!r}"])
    findings, problems = [], []
    for file in files:
        try:
            findings.extend(load_findings(file, scenario=chosen))
        except ConditionError as error:
            problems.extend(f"{file}: {p}" for p in error.problems)
    if mechanisms:
        findings.extend(mechanism_findings())
    counts = Counter(finding.id for finding in findings)
    problems += [f"finding {ident}: duplicate id" for ident, n in counts.items() if n > 1]
    if problems:
        fail(problems)
    values = load_params(params, chosen)
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task("findings", total=len(findings))
        results = validate_results(findings, params=values, scenario=chosen,
                                   progress=lambda done, total, _id: bar.update(task, completed=done))
    structural = structural_expectations(findings, chosen)
    for result in results:
        verdict = "[green]PASS[/]" if result.passed else "[bold red]FAIL[/]"
        console.print(f"{result.id:5s} {verdict}  {result.source}")
        console.print(f"      {result.detail}", markup=False, highlight=False, soft_wrap=True)
        for (ident, index), why in structural.items():
            if ident == result.id:
                console.print(f"      structural (no parameter can change it): expectation "
                              f"{index + 1}: {why}", markup=False, highlight=False,
                              soft_wrap=True)
    passed = sum(r.passed for r in results)
    if report is not None:
        from mscnk.report import write_validation_report

        report.mkdir(parents=True, exist_ok=True)
        command = " ".join(["mscnk validate", *map(str, files),
                            *(["--mechanisms"] if mechanisms else [])])
        page = write_validation_report(results, report, title="mscnk validation",
                                       command=command, elapsed_s=time.perf_counter() - started)
        errors.print(f"report: {page}")
    console.print(f"{passed} passed, {len(results) - passed} failed")
    if passed < len(results):
        raise typer.Exit(1)


@app.command()
def mechanisms(text: Optional[str] = typer.Argument(None, help="words to search for"),
               scenario: Optional[str] = SCENARIO) -> None:
    """List the mechanism catalog, or the mechanisms matching TEXT (with the processes and
    parameters of the scenario's model that implement them)."""
    from mscnk.analysis import check_id
    from mscnk.catalog import search
    from mscnk.model import parameters_of, processes_of

    model = load_scenario_or_fail(scenario).model
    found = search(text)
    if not found:
        errors.print(f"no mechanism matches {text!r}")
        raise typer.Exit(1)
    if len(found) > 3:
        table = Table("id", "name", "mode", "effect", "status", "processes")
        for m in found:
            table.add_row(m.id, m.name, m.mode, f"{m.effect['sign']} {m.effect['target']}",
                          m.status, str(len(processes_of(model, m.id))))
        for column in table.columns:
            column.overflow = "fold"
        print_table(table)
        return
    for m in found:
        console.rule(f"[bold]{m.id}[/]: {m.name}")
        console.print(f"mode: {m.mode}; effect: {m.effect['sign']} {m.effect['target']} "
                      f"({m.effect.get('description', '')})", markup=False)
        console.print(f"context: {m.context}", markup=False)
        console.print(f"summary: {m.summary}", markup=False)
        console.print("citations: " + "; ".join(m.citations), markup=False)
        console.print(f"status: {m.status} {m.note}", markup=False)
        console.print("processes: " + (", ".join(processes_of(model, m.id)) or "none"),
                      markup=False)
        console.print("parameters: " + (", ".join(parameters_of(model, m.id)) or "none"),
                      markup=False)
        checks = [f"{check_id(m.id, n)} {check['claim']}"
                  for n, check in enumerate(m.checks, start=1)]
        console.print("checks (mscnk validate --mechanisms): "
                      + ("; ".join(checks) or f"none: {m.no_check}"), markup=False)


@app.command()
def parameters(
    text: Optional[str] = typer.Argument(None, help="filter by name or mechanism"),
    format: Format = typer.Option(Format.table, "--format",
                                  help="table, or csv/json with full-precision values"),
    scenario: Optional[str] = SCENARIO,
) -> None:
    """List model parameters with unit, default, bounds and provenance."""
    from mscnk.model import parameter_owners

    model = load_scenario_or_fail(scenario).model
    owners = parameter_owners(model)
    chosen = [p for p in model.parameters
              if not text or text in p.name or text in " ".join(owners[p.name])]
    if format == Format.table:
        print_records(["name", "value", "unit", "bounds", "mechanisms", "provenance"],
                      [[p.name, f"{p.value:.4g}", p.unit, f"[{p.lower:.3g}, {p.upper:.3g}]",
                        ", ".join(owners[p.name]), p.provenance] for p in chosen], format)
        return
    header = ["name", "value", "unit", "lower", "upper", "mechanisms", "provenance"]
    records = [dict(zip(header, (p.name, p.value, p.unit, p.lower, p.upper,
                                 list(owners[p.name]), p.provenance))) for p in chosen]
    rows = [[r["name"], repr(r["value"]), r["unit"], repr(r["lower"]), repr(r["upper"]),
             " ".join(r["mechanisms"]), r["provenance"]] for r in records]
    print_records(header, rows, format, records=records)


class FieldFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


@app.command()
def fields(format: FieldFormat = typer.Option(
        FieldFormat.table, "--format",
        help="table, csv, json, or markdown (the text of docs/conditions.md)"),
        scenario: Optional[str] = SCENARIO) -> None:
    """List every condition field: dotted path, type, unit, default, allowed values, meaning;
    with --scenario, that scenario's fields and then its readouts."""
    from mscnk.report import HEADER, conditions_markdown, field_records, field_strings

    chosen = load_scenario_or_fail(scenario)
    if format == FieldFormat.markdown:
        if scenario is not None and chosen.name != "coculture":
            fail(["--format markdown writes docs/conditions.md, the co-culture's; use table, "
                  "csv or json for another scenario"])
        sys.stdout.write(conditions_markdown())
        return
    print_records(HEADER, field_strings(chosen.condition), Format(format.value),
                  records=field_records(chosen.condition))
    if scenario is not None and format == FieldFormat.table:
        print_records(["readout", "unit", "meaning"],
                      [[r.name, r.unit, r.meaning] for r in chosen.readouts.values()],
                      Format.table)


@app.command()
def examples(
    folder: Path = typer.Argument(..., help="where to copy them (created if missing)"),
    force: bool = typer.Option(False, "--force", help="replace files that already exist"),
) -> None:
    """Copy the example experiments (FOLDER/examples) and the literature findings
    (FOLDER/findings) that ship with mscnk into FOLDER."""
    from importlib.resources import files

    from mscnk.store import write_atomically

    data = files("mscnk") / "data"
    copies = [(source, folder / kind / source.name) for kind in ("examples", "findings")
              for source in sorted((data / kind).iterdir(), key=lambda s: s.name)
              if source.name.endswith(".yaml")]
    blocked = [p for p in (folder, *(folder / kind for kind in ("examples", "findings")))
               if p.exists() and not p.is_dir()]
    if blocked:
        fail([f"{p} exists and is not a folder; give another FOLDER" for p in blocked])
    taken = [target for _, target in copies if target.exists() or target.is_symlink()]
    if taken and not force:
        fail([f"{target} exists; nothing was copied (pass --force to replace it)"
              for target in taken])
    for source, target in copies:
        content = source.read_bytes()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, lambda p, content=content: p.write_bytes(content))
        except OSError as error:  # a parent that is a file, a read-only folder, a full disk
            fail([f"cannot write {target}: {error.strerror or error}"])
    console.print(f"copied {len(copies)} files into {folder}/examples and {folder}/findings; "
                  f"try: mscnk run {folder / 'examples' / 'ratio_sweep.yaml'} --out results",
                  markup=False, highlight=False, soft_wrap=True)


export_app = typer.Typer(help="Export the model (SBML Level 3, Antimony).", no_args_is_help=True)
app.add_typer(export_app, name="export")
_CONDITION = typer.Option(None, "--condition", help="condition or experiment file (YAML/JSON, "
                          "as for mscnk run): export the main well of its condition")
_NAME = typer.Option(None, "--name", help="which condition of a --condition file with several")
_EXPORT_PARAMS = typer.Option(None, "--params", help="parameter values (YAML)")


def _export_text(condition: Optional[Path], name: Optional[str],
                 params: Optional[Path], scenario: Optional[str]) -> tuple[str, str]:
    """SBML text (checked by libsbml) and a few words on the well it holds."""
    from mscnk.model import sbml_errors, to_sbml

    if name is not None and condition is None:
        fail([f"--name needs --condition FILE (it picks one condition of that file); got "
              f"--name {name!r} alone"])
    model_scenario = load_scenario_or_fail(scenario)
    values = load_params(params, model_scenario)
    if condition is None:
        text, what = to_sbml(model_scenario.model, parameters=values), "the empty well"
    else:
        from mscnk.engine import SolverError
        from mscnk.experiment import ConditionError, export_condition_sbml, pick_condition

        try:
            label, chosen = pick_condition(condition, name, scenario=model_scenario)
            text = export_condition_sbml(chosen, values, name=label, scenario=model_scenario)
        except ConditionError as error:
            fail(error.problems)
        except SolverError as error:
            errors.print(f"[bold red]error:[/] a pre-phase could not be solved: {error}",
                         highlight=False, markup=False)
            raise typer.Exit(1) from None
        what = f"the main well of condition {label!r}"
    problems = sbml_errors(text)
    if problems:  # a bug, not bad input
        errors.print("[bold red]error:[/] libsbml finds the export inconsistent", highlight=False)
        for problem in problems:
            errors.print(f"  - {problem}", highlight=False, markup=False)
        raise typer.Exit(1)
    return text, what


def _write_export(out: Path, text: str) -> None:
    from mscnk.store import write_atomically

    try:
        write_atomically(out, lambda p: p.write_text(text))
    except OSError as error:
        fail([f"cannot write {out}: {error.strerror or error}"])


@export_app.command("sbml")
def export_sbml(out: Path = typer.Argument(..., help="output file, e.g. mscnk.xml"),
                condition: Optional[Path] = _CONDITION, name: Optional[str] = _NAME,
                params: Optional[Path] = _EXPORT_PARAMS,
                scenario: Optional[str] = SCENARIO) -> None:
    """Write the model as SBML Level 3 Version 2 (validated with libsbml).

    Without --condition the document holds an empty well (no cells, default inputs); with
    it, the initial state and inputs of that condition's main well (docs/export.md).
    """
    text, what = _export_text(condition, name, params, scenario)
    _write_export(out, text)
    console.print(f"wrote {out} (SBML L3V2, 0 consistency errors): {what}", highlight=False)


export_app.command("petab")(_cli_calibrate.export_petab)


@export_app.command("antimony")
def export_antimony(out: Path = typer.Argument(..., help="output file, e.g. mscnk.ant"),
                    condition: Optional[Path] = _CONDITION, name: Optional[str] = _NAME,
                    params: Optional[Path] = _EXPORT_PARAMS,
                    scenario: Optional[str] = SCENARIO) -> None:
    """Write the model as Antimony (translated from the SBML export by libAntimony)."""
    from mscnk.model import ExportError, sbml_to_antimony

    text, what = _export_text(condition, name, params, scenario)
    try:
        antimony = sbml_to_antimony(text)
    except ExportError as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    _write_export(out, antimony)
    console.print(f"wrote {out} (Antimony): {what}", highlight=False)


@app.command()
def docs(out: Path = typer.Option(Path("docs/model.md"), "--out", help="where to write"),
         scenario: Optional[str] = SCENARIO) -> None:
    """Regenerate the model description (docs/model.md) from the declaration."""
    from mscnk.report import model_markdown
    from mscnk.store import write_atomically

    text = model_markdown(load_scenario_or_fail(scenario))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, lambda p: p.write_text(text))
    console.print(f"wrote {out}")



def main() -> Any:  # pragma: no cover - console entry for python -m
    return app()


if __name__ == "__main__":  # pragma: no cover
    main()
