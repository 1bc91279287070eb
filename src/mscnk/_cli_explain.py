"""``mscnk explain``: why a readout came out as it did in one condition (mechanisms switched
off in turn), or, with ``--graph``, which mechanisms can move a readout at all."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mscnk._cli_common import (SCENARIO, SCHEDULER, WORKERS, Format, console, errors, fail,
                               load_params, load_scenario_or_fail, print_records, print_result)

#: Rows of the contribution table printed (all of them go to --out and --format csv/json).
SHOWN = 12


def explain(
    target: Optional[str] = typer.Argument(
        None, help="condition or experiment file (YAML/JSON); with --graph, a readout name"),
    readout: Optional[str] = typer.Option(None, "--readout", help="the readout to explain"),
    condition: Optional[str] = typer.Option(
        None, "--condition", help="which condition of the file (needed if it has several)"),
    versus: Optional[str] = typer.Option(
        None, "--versus", help="explain the difference from this condition of the file"),
    top: int = typer.Option(4, "--top", help="leading mechanisms switched off in pairs (1-8)"),
    params: Optional[Path] = typer.Option(None, "--params", help="parameter values (YAML)"),
    out: Optional[Path] = typer.Option(
        None, "--out", help="folder for the tables (CSV) and the figure (PNG, SVG)"),
    format: Format = typer.Option(Format.table, "--format",
                                  help="table, or csv/json: every mechanism at full precision"),
    graph: bool = typer.Option(False, "--graph",
                               help="list the mechanisms that can move the readout, nearest "
                                    "first (no simulation)"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Why READOUT came out as it did in one condition: each mechanism switched off in turn,
    ranked by what it does there, the leading ones in pairs; --graph: which mechanisms can
    move READOUT."""
    file = Path(target) if target is not None and Path(target).is_file() else None
    chosen = load_scenario_or_fail(scenario, file)
    if graph:
        if target is not None and readout is not None:
            fail(["--graph takes one readout: give it as the argument or as --readout"])
        _graph(chosen, readout or target)
        return
    problems = []
    if target is None:
        problems.append("explain: give a condition file (and --readout), or --graph READOUT")
    elif target in chosen.readout_names and not Path(target).exists():
        problems.append(f"explain: {target!r} is a readout name; for the mechanisms that can "
                        f"move it use: mscnk explain --graph {target}; to explain it in a "
                        f"condition give a condition file and --readout {target}")
    elif readout is None:
        problems.append("--readout: required (which readout to explain); allowed: "
                        + ", ".join(chosen.readout_names))
    if problems:
        fail(problems)
    _knockouts(chosen, Path(target), readout, condition=condition, versus=versus, top=top,
               params=load_params(params, chosen), out=out, format=format, workers=workers,
               scheduler=scheduler)


def _graph(chosen, readout: Optional[str]) -> None:
    from mscnk.analysis import describe_reads, explain_readout
    from mscnk.catalog import all_mechanisms as catalog
    from mscnk.scenarios import suggest

    names = chosen.readout_names
    if readout is None:
        fail([f"--graph: name a readout; allowed: {', '.join(names)}"])
    if readout not in names:
        fail([f"unknown readout {readout!r}; allowed: {', '.join(names)}"
              f"{suggest(readout, names)}"])
    _, ranked = explain_readout(readout, scenario=chosen)
    console.print(f"[bold]{readout}[/] ({chosen.readouts[readout].unit}) reads: "
                  f"{describe_reads(readout, scenario=chosen)}", highlight=False)
    labels = {0: "changes it directly", 1: "acts on what those processes read",
              2: "two steps upstream"}
    for distance in sorted({d for _, d in ranked}):
        console.rule(labels.get(distance, f"{distance} steps upstream"))
        for mechanism, d in ranked:
            if d == distance:
                known = catalog().get(mechanism)
                console.print(f"  {mechanism:26s} {known.name if known else ''}", markup=False)


def _knockouts(chosen, file: Path, readout: str, *, condition, versus, top, params, out,
               format: Format, workers, scheduler) -> None:
    from mscnk.analysis import explain_condition
    from mscnk.experiment import ConditionError, load_conditions
    from mscnk.runs import ExecutorError, executor_for

    try:
        conditions = load_conditions(file, scenario=chosen)
    except ConditionError as error:
        fail(error.problems)
    runs = (len(chosen.model.switches) + top * top) * (2 if versus else 1)
    executor = executor_for(workers, scheduler, runs)
    try:
        found = explain_condition(conditions, readout, condition=condition, versus=versus,
                                  top=top, params=params, scenario=chosen, executor=executor)
    except ConditionError as error:
        fail(error.problems)
    except ExecutorError as error:
        fail([str(error)])
    if out is not None:
        for path in _write(found, out):
            errors.print(f"wrote {path}", highlight=False)
    print_result(found.contributions, format, lambda: _print(found))


def _print(found) -> None:
    unit = found.unit
    console.print(f"[bold]{found.what}[/]: {found.value:.4g} {unit} with every mechanism on",
                  highlight=False)
    moving = found.contributions[found.contributions.contribution != 0]
    rows = [[m, f"{c:+.4g}", f"{off:.4g}", name]
            for m, name, off, c in moving.head(SHOWN).itertuples(False)]
    print_records(["mechanism", f"contribution ({unit})", "with it off", "what"], rows,
                  Format.table)
    still = len(found.contributions) - len(moving)
    console.print(f"{len(moving) - min(len(moving), SHOWN)} more move it less; {still} "
                  "switchable mechanisms do not move it. Contribution: the readout with "
                  "everything on minus with that mechanism off.", highlight=False)
    if len(found.interactions):
        rows = [[a, b, f"{joint:+.4g}", f"{i:+.4g}"] for a, b, _, joint, i
                in found.interactions.itertuples(False)]
        print_records(["first", "second", f"both off: joint ({unit})",
                       f"interaction ({unit})"], rows, Format.table)
    console.print(f"All {len(found.top)} leading mechanisms off together: {found.joint_off:.4g} "
                  f"{unit} (joint {found.joint:+.4g}; the single contributions and the pairwise "
                  f"interactions leave {found.higher_order:+.4g} to higher-order ones).",
                  highlight=False)
    if found.fixed:
        console.print("Not switchable: " + "; ".join(f"{m} ({why})"
                                                     for m, why in found.fixed.items()),
                      highlight=False, style="dim")


def _write(found, out: Path) -> list[Path]:
    from mscnk.files import write_atomically
    from mscnk.plots import contribution_figure, save_figure

    out.mkdir(parents=True, exist_ok=True)
    stem = "explain_" + found.what.replace(" ", "_")
    paths = []
    for suffix, frame in (("", found.contributions), ("_interactions", found.interactions)):
        path = out / f"{stem}{suffix}.csv"
        write_atomically(path, lambda p, f=frame: f.to_csv(p, index=False))
        paths.append(path)
    figure = contribution_figure(found.contributions, found.interactions,
                                 title=f"{found.what}: {found.value:.4g} {found.unit}",
                                 unit=found.unit)
    return paths + save_figure(figure, out / stem)
