"""``mscnk run`` and ``mscnk results``: experiments at scale and their stores (``mscnk plot``
is in :mod:`mscnk._cli_plot`)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Optional, Sequence

import typer

from mscnk._cli_bands import print_bands, with_ensemble
from mscnk._cli_common import (OVERWRITE, RESUME, SCENARIO, SCHEDULER, WORKERS, Format, errors,
                               fail, load_params, load_scenario_or_fail, print_readout_table,
                               progress_bar, stdout_to_devnull)


def run(
    file: Path = typer.Argument(..., help="condition, sweep or experiment file (YAML/JSON)"),
    out: Path = typer.Option(Path("results"), "--out", help="run folder (results store)"),
    format: Format = typer.Option(Format.table, "--format", help="what to print"),
    params: Optional[Path] = typer.Option(None, "--params", help="parameter values (YAML)"),
    ensemble: Optional[Path] = typer.Option(
        None, "--ensemble",
        help="parameter sets, one per row (CSV with parameter columns, e.g. the ensemble.csv "
             "of mscnk calibrate): every condition under each; prints median and 5-95 % bands"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    resume: bool = RESUME,
    overwrite: bool = OVERWRITE,
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1,
                                             help="conditions per chunk (default: chosen)"),
    max_conditions: int = typer.Option(
        10**7, "--max-conditions", min=1,
        help="refuse plans with more jobs (conditions x parameter sets) than this"),
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Simulate every condition of FILE into a results store in --out; print the readouts."""
    from mscnk.experiment import ConditionError, load_experiment
    from mscnk.runs import ExecutorError, ModelMismatch, RunInterrupted, executor_for, pending_jobs
    from mscnk.store import StoreError

    chosen = load_scenario_or_fail(scenario, file)
    try:
        source = file if ensemble is None else with_ensemble(file, ensemble)
        experiment = load_experiment(source, max_jobs=max_conditions, scenario=chosen)
    except ConditionError as error:
        fail(error.problems)
    values = load_params(params, chosen)
    command = "mscnk " + " ".join(sys.argv[1:]) if sys.argv[1:] else None
    # --workers/--scheduler choose the executor for the conditions this run has left
    executor = executor_for(workers, scheduler, pending_jobs(out, experiment.size, resume=resume))
    try:
        summary = _run_with_progress(experiment, out, executor=executor, params=values,
                                     resume=resume, overwrite=overwrite, chunk_size=chunk_size,
                                     command=command)
    except (StoreError, ExecutorError) as error:
        fail([str(error)])
    except ConditionError as error:  # a condition of a large plan, found invalid as it is made
        fail(error.problems)
    except ModelMismatch as error:  # a worker with another mscnk: finished chunks stay
        errors.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(1) from None
    except RunInterrupted as stop:
        errors.print(f"[yellow]interrupted:[/] {stop.done} of {stop.total} chunks are in "
                     f"{stop.path}/; finish with: mscnk run {file} --out {stop.path} --resume",
                     highlight=False)
        raise typer.Exit(130) from None
    _print_run(summary, format, chosen.readouts.units)
    if ensemble is not None and format is Format.table:
        print_bands(summary.path, chosen.readouts.units)


def _freeze_the_model(experiment) -> None:
    """Declare and compile the run's model, then move every object this process holds so
    far (the model's hundreds of thousands of SymPy nodes, the libraries) out of the garbage
    collector's way (:func:`gc.freeze`): this process keeps them to its end, and a sweep's
    full collections would otherwise walk them again and again (about a tenth of a long
    run's time; ``docs/runs.md``)."""
    import gc

    _ = experiment.scenario.compiled  # declared and compiled here, once
    gc.freeze()


def _run_with_progress(experiment, out: Path, **options):
    """``run_sweep`` under a rich progress bar (conditions, conditions/s, ETA)."""
    import signal
    import time

    from rich.progress import (BarColumn, MofNCompleteColumn, TaskProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)

    from mscnk.runs import run_sweep

    def stop(signum, frame):  # SIGTERM stops like Ctrl-C: finished chunks stay
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    _freeze_the_model(experiment)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    try:
        with progress_bar(*columns) as bar:  # hidden under --quiet
            task = bar.add_task("conditions", total=None, rate="")
            clock: dict[str, float] = {}

            def progress(done: int, total: int) -> None:
                # the rate counts from the first finished chunk (the first call comes before
                # any), so start-up (planning, worker processes) does not drag it down
                now = time.perf_counter()
                if "calls" in clock and "start" not in clock:
                    clock.update(start=now, first=done)
                clock["calls"] = clock.get("calls", 0) + 1
                elapsed = now - clock.get("start", now)
                rate = (done - clock.get("first", done)) / elapsed if elapsed > 0 else 0.0
                bar.update(task, completed=done, total=total,
                           rate=f"{rate:,.0f} conditions/s" if rate else "")

            return run_sweep(experiment, out, progress=progress, **options)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write(text: str) -> None:
    """``text`` to stdout, flushed (a closed pipe raises here, where the caller catches it)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def _write_csv(frame) -> None:
    """Rows on stdout as CSV, through the store's one CSV writer (as ``results.csv``)."""
    import pyarrow as pa

    from mscnk.store import write_csv

    sys.stdout.flush()
    write_csv([pa.Table.from_pandas(frame, preserve_index=False)], sys.stdout.buffer)
    sys.stdout.buffer.flush()


def _print_run(summary, format: Format, units: dict[str, str]) -> None:
    """The rows (csv, json, or a table for small runs), then a one-screen summary."""
    from mscnk.store import RESULTS, RunStore, StoreError

    written = summary.path / RESULTS
    if format is Format.csv and written.is_file():  # the run's own results.csv, as written
        frame = None
    elif format is not Format.table or summary.jobs <= TABLE_ROWS:
        try:
            frame = RunStore.open(summary.path).read()
        except StoreError as error:
            fail([str(error)])
    try:
        if format is Format.csv and frame is None:
            sys.stdout.flush()
            with open(written, "rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        elif format is Format.csv:
            _write_csv(frame[["condition", *(c for c in frame.columns if c != "condition")]])
        elif format is Format.json:
            records = json.loads(frame.to_json(orient="records"))
            _write(json.dumps(records, indent=2) + "\n")
        elif summary.jobs <= TABLE_ROWS:
            labels = (frame["condition"] if frame["parameter_set"].nunique() == 1
                      else frame["condition"] + " @ " + frame["parameter_set"])
            print_readout_table(frame.set_axis(labels.to_list()), units)
    except BrokenPipeError:
        stdout_to_devnull()
    rate = summary.jobs_run / summary.wall_s if summary.wall_s > 0 else float("nan")
    earlier = f", {summary.chunks_skipped} from an earlier session" if summary.chunks_skipped else ""
    if summary.chunks_redone:
        earlier += (f", {summary.chunks_redone} run again (their files failed the check; "
                    f"see run.json)")
    lines = [f"{summary.jobs} condition(s), {summary.ok} ok, {summary.failed} failed; "
             f"{summary.chunks} chunk(s){earlier}",
             f"{summary.wall_s:.1f} s on {summary.executor}, {rate:,.0f} conditions/s",
             f"results in {summary.path}/ (chunks/*.parquet, results.csv, run.json); "
             f"summary: mscnk results {summary.path}"]
    for message, count in summary.errors.items():
        lines.append(f"  failed x{count}: {message}")
    if format is Format.table and summary.jobs > TABLE_ROWS:
        lines.append(f"({summary.jobs} rows: not printed; use --format csv or mscnk results)")
    for line in lines:
        errors.print(line, highlight=False, markup=False, soft_wrap=True)


#: Runs with more rows than this print only the summary in table format.
TABLE_ROWS = 24


def _store_or_fail(path: Path):
    from mscnk.store import RunStore, StoreError

    try:
        return RunStore.open(path)
    except StoreError as error:
        fail([str(error)])


def _rows_or_fail(path: Path, where: Optional[str]):
    from mscnk.store import StoreError, load

    _store_or_fail(path)
    try:
        frame = load(path, where)
    except StoreError as error:
        fail([str(error)])
    if frame.empty:
        fail([f"no rows in {path}" + (f" match --where {where!r}" if where else "")])
    return frame


def results(
    path: Path = typer.Argument(..., help="a run folder (mscnk run --out)"),
    query: Optional[str] = typer.Option(None, "--query", help="SQL: a WHERE clause, or a "
                                        "whole SELECT over the table 'results'"),
    columns: Optional[str] = typer.Option(None, "--columns",
                                          help="comma-separated columns to show"),
    format: Format = typer.Option(Format.table, "--format", help="how to print query rows"),
    limit: int = typer.Option(40, "--limit", min=1, help="rows shown in table format"),
) -> None:
    """Summarise a run (provenance, progress, swept inputs, readout ranges), or query it."""
    from mscnk.store import StoreError, is_where_clause
    from mscnk.store import query as run_query

    _store_or_fail(path)
    try:
        if query is None:
            _print_description(path)
            return
        frame = run_query(path, query)
        where = is_where_clause(query)
    except StoreError as error:
        fail([str(error)])
    if columns:
        wanted = [c.strip() for c in columns.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in frame.columns]
        if unknown:
            from mscnk.scenarios import suggest

            fail([f"--columns: unknown column {c!r}{suggest(c, frame.columns)}" for c in unknown])
        frame = frame[wanted]
    elif where and format is Format.table:  # a screen shows a few columns; files keep all
        frame = frame[_default_columns(frame, scenario_of_run(path).readout_names)]
    try:
        if format is Format.csv:
            _write_csv(frame)
        elif format is Format.json:
            _write(json.dumps(json.loads(frame.to_json(orient="records")), indent=2) + "\n")
        else:
            _print_frame(frame, limit)
    except BrokenPipeError:
        stdout_to_devnull()
    errors.print(f"{len(frame)} row(s)", highlight=False)


#: Readouts a filter query shows when --columns is not given (the first that vary).
QUERY_READOUTS = 4


def scenario_of_run(path: Path):
    """The scenario of the run in ``path`` (as its run.json records it)."""
    from mscnk.scenarios import ConditionError, load_scenario
    from mscnk.store import RunStore, StoreError

    try:
        return load_scenario(RunStore.open(path).metadata().get("scenario"))
    except (ConditionError, StoreError) as error:
        fail(getattr(error, "problems", [str(error)]))


def _default_columns(frame, readout_names: Sequence[str]) -> list[str]:
    """The condition (its name carries the swept values), status, and a few readouts that
    vary in ``frame``; the rest is one ``--columns`` away."""
    present = [r for r in readout_names if r in frame.columns]
    changing = [r for r in present if frame[r].nunique() > 1]
    keys = ["condition", *(["parameter_set"] if frame["parameter_set"].nunique() > 1 else []),
            "status"]
    return [*keys, *(changing or present)[:QUERY_READOUTS]]


def _print_frame(frame, limit: int) -> None:
    from rich.markup import escape
    from rich.table import Table

    from mscnk._cli_common import console

    table = Table(show_header=True, header_style="bold")
    for column in frame.columns:
        table.add_column(escape(str(column)), overflow="fold")
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else escape(str(v)) for v in row])
    console.print(table)
    if len(frame) > limit:
        errors.print(f"(first {limit} of {len(frame)} rows; --limit or --format csv for more)",
                     highlight=False)


def _print_description(path: Path) -> None:
    from rich.table import Table

    from mscnk._cli_common import console
    from mscnk.runs import describe
    from mscnk.runs import shorten

    d = describe(path)
    meta = d.metadata
    console.rule(f"[bold]run {path}[/]: {meta.get('status')}")
    lines = [
        f"{meta.get('jobs')} conditions ({meta.get('conditions')} conditions x "
        f"{meta.get('parameter_sets')} parameter set(s)) in {meta.get('chunks')} chunks of "
        f"{meta.get('chunk_size')}; {d.finished_chunks} chunks finished",
        f"{d.rows} rows: {d.ok} ok, {d.failed} failed"
        + ("" if d.complete else f"; {meta.get('jobs', 0) - d.rows} not run yet "
           f"(mscnk run FILE --out {path} --resume)"),
        f"mscnk {meta.get('mscnk_version')}, model {meta.get('model_hash')}, parameters "
        f"{meta.get('parameter_set_hash')}, plan {meta.get('plan_hash')}, seed {meta.get('seed')}",
        f"started {meta.get('started')}, ended {meta.get('ended') or '-'}; "
        f"{len(meta.get('sessions', []))} session(s)",
        f"command: {meta.get('command') or '-'}",
    ]
    for session in meta.get("sessions", []):
        lines.append(f"  session {session.get('started')}: {session.get('executor')}, chunks "
                     f"{session.get('chunks_before')} -> {session.get('chunks_after', '?')}, "
                     f"{session.get('status', 'running or killed')}")
    if meta.get("changed_parameters"):
        lines.append("parameters changed from defaults: " + ", ".join(meta["changed_parameters"]))
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if d.varied:
        console.print("[bold]inputs that vary[/]")
        for column, values in d.varied.items():
            console.print(f"  {column}: {shorten(values)}", markup=False, highlight=False)
    for message, count in d.errors.items():
        console.print(f"  failed x{count}: {message}", markup=False, highlight=False)
    varying = d.readouts[d.readouts["max"] > d.readouts["min"]] if not d.readouts.empty else d.readouts
    if not varying.empty:
        table = Table("readout", "unit", "min", "median", "max", "missing",
                      title="readouts that vary, over the ok rows", header_style="bold")
        for name, row in varying.head(SUMMARY_READOUTS).iterrows():
            table.add_row(name, row["unit"], f"{row['min']:.4g}", f"{row['median']:.4g}",
                          f"{row['max']:.4g}", str(row["missing"]))
        console.print(table)
        if len(varying) > SUMMARY_READOUTS:
            console.print(f"({len(varying) - SUMMARY_READOUTS} more readouts vary: "
                          f"mscnk results {path} --query \"SELECT ... FROM results\")",
                          markup=False, highlight=False)
    console.print(f"load in pandas: mscnk.store.load({str(path)!r}) (checks every chunk), or "
                  f"pd.read_parquet({str(path / 'chunks')!r})", markup=False, highlight=False)


#: Readouts listed in a run's summary (the first that vary, in contract order).
SUMMARY_READOUTS = 12
