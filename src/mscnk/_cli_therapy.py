"""``mscnk scenario`` and ``mscnk compare``: therapy strategies at an in vivo site."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mscnk._cli_common import (SCENARIO, Format, console, errors, fail, load_params,
                               load_scenario_or_fail, print_frame, print_records)

OUT = typer.Option(None, "--out", help="folder for outcomes.csv, the time lines (CSV) and the "
                                       "figure (PNG, SVG)")
FORMAT = typer.Option(Format.table, "--format", help="table, csv or json (full precision)")
PARAMS = typer.Option(None, "--params", help="parameter file (YAML/JSON) overriding defaults")
ASSUMPTIONS = typer.Option(0, "--assumptions", min=0, max=100_000, help=(
    "also run every strategy under N draws of the values no data determine (the scenario's "
    "uncertain parameters, log-uniform over their bounds) and report each outcome's 5-95 % "
    "range"))
SEED = typer.Option(2026, "--seed", help="seed of the --assumptions draws")


def compare(
    file: Path = typer.Argument(..., help="therapy scenario file: 'scenario: tumor|gvhd|"
                                          "transplant|infection', base, strategies"),
    out: Optional[Path] = OUT,
    format: Format = FORMAT,
    params: Optional[Path] = PARAMS,
    assumptions: int = ASSUMPTIONS,
    seed: int = SEED,
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Run every strategy of FILE and report each one's outcome measures in one table and
    one figure (a dose x timing grid: put it under sweep and use mscnk run)."""
    _report(file, out, format, params, scenario, strategy=None, draws=assumptions, seed=seed)


def scenario_command(
    file: Path = typer.Argument(..., help="therapy scenario file with one strategy (or pick "
                                          "one with --strategy)"),
    strategy: Optional[str] = typer.Option(None, "--strategy",
                                           help="the strategy of FILE to simulate"),
    out: Optional[Path] = OUT,
    format: Format = FORMAT,
    params: Optional[Path] = PARAMS,
    assumptions: int = ASSUMPTIONS,
    seed: int = SEED,
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Simulate one therapy strategy of FILE: its outcome measures and its site's time line."""
    _report(file, out, format, params, scenario, strategy=strategy or "", draws=assumptions,
            seed=seed)


def _report(file: Path, out: Optional[Path], format: Format, params: Optional[Path],
            scenario: Optional[str], *, strategy: Optional[str], draws: int, seed: int) -> None:
    from mscnk.analysis import compare_strategies
    from mscnk.experiment import ConditionError, load_experiment
    from mscnk.scenarios import suggest

    chosen = load_scenario_or_fail(scenario, file)
    values = load_params(params, chosen)
    source: object = file
    if strategy is not None:
        try:
            names = list(load_experiment(file, scenario=chosen).conditions)
        except ConditionError as error:
            fail(error.problems)
        if strategy and strategy not in names:
            fail([f"--strategy: {strategy!r} is not a strategy of {file}; allowed: "
                  f"{', '.join(str(n) for n in names)}{suggest(strategy, [str(n) for n in names])}"])
        if not strategy and len(names) > 1:
            fail([f"{file} holds {len(names)} strategies ({', '.join(map(str, names))}); pick "
                  "one with --strategy, or compare them all with mscnk compare"])
        source = _one_strategy(file, strategy or None)
    try:
        comparison = compare_strategies(source, scenario=chosen, params=values, draws=draws,
                                        seed=seed)
    except ConditionError as error:
        fail(error.problems)
    for name, why in comparison.failures.items():
        errors.print(f"[yellow]not solved:[/] {name}: {why}", highlight=False)
    frame = comparison.outcomes.reset_index()
    if format != Format.table and comparison.spread is not None:
        print_frame(_tidy(comparison), format)  # one table: value and spread per outcome
    elif format != Format.table:
        print_frame(frame, format)
    else:
        units = comparison.units
        print_records(["strategy", *(f"{c} ({units[c]})" for c in comparison.outcomes.columns)],
                      [[name, *(f"{v:.4g}" for v in row)]
                       for name, row in zip(frame["strategy"],
                                            comparison.outcomes.itertuples(False))],
                      Format.table)
    if comparison.spread is not None and format == Format.table:
        _print_spread(comparison, draws)
    if out is not None:
        for path in _write(comparison, out, file):
            console.print(f"wrote {path}", highlight=False)
    if comparison.failures:
        raise typer.Exit(1)


def _tidy(comparison):
    """Strategy, readout, value (at the defaults), low, median, high, draws: one row each."""
    values = comparison.outcomes.reset_index().melt(id_vars="strategy", var_name="readout")
    return values.merge(comparison.spread, on=["strategy", "readout"], how="left")


def _print_spread(comparison, draws: int) -> None:
    """Each outcome's median and 5-95 % range over the draws."""
    spread = comparison.spread
    console.print(f"over {draws} draws of {len(comparison.scenario.uncertain)} uncertain "
                  "parameters (log-uniform over their bounds): median [5 %, 95 %]",
                  highlight=False)
    measures = list(comparison.outcomes.columns)
    cells = {(row.strategy, row.readout): f"{row.median:.3g} [{row.low:.3g}, {row.high:.3g}]"
             for row in spread.itertuples()}
    print_records(["strategy", *measures],
                  [[name, *(cells[(name, m)] for m in measures)]
                   for name in comparison.outcomes.index], Format.table)


def _one_strategy(file: Path, name: Optional[str]) -> dict:
    """The file as a mapping with only the strategy ``name`` (all of it when None)."""
    from mscnk.experiment import read_data

    document = dict(read_data(file, "file"))
    for key in ("strategies", "conditions"):
        if name is not None and isinstance(document.get(key), dict):
            document[key] = {k: v for k, v in document[key].items() if str(k) == name}
    return document


def _write(comparison, out: Path, file: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from mscnk.files import write_atomically
    from mscnk.plots import save_figure, strategy_figure

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "outcomes.csv"]
    write_atomically(paths[0], lambda p: comparison.outcomes.to_csv(p))
    if comparison.spread is not None:
        paths.append(out / "assumptions.csv")
        write_atomically(paths[-1], lambda p: comparison.spread.to_csv(p, index=False))
    for name, frame in comparison.timelines.items():
        path = out / f"timeline_{name}.csv"
        write_atomically(path, lambda p, f=frame: f.to_csv(p, index=False))
        paths.append(path)
    figure = strategy_figure(comparison, title=f"{file.name}: {comparison.scenario.title}")
    paths += save_figure(figure, out / "compare")
    plt.close(figure)
    return paths
