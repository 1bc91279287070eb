"""``mscnk plot``: curves, heatmaps and time courses drawn from a run's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mscnk._cli_common import errors, fail
from mscnk._cli_runs import _rows_or_fail, scenario_of_run


def _check_columns(frame, checks: list[tuple[str, Optional[str], str]], scenario) -> None:
    """Every named column exists and is of the kind asked for (input or readout)."""
    from mscnk.runs import varied_columns
    from mscnk.scenarios import suggest

    READOUT_NAMES = scenario.readout_names  # noqa: N806 - the run's readouts
    varied = varied_columns(frame, scenario)
    inputs = [c for c in frame.columns if c not in READOUT_NAMES]
    problems = []
    for option, name, kind in checks:
        if name is None:
            continue
        allowed = READOUT_NAMES if kind == "readout" else inputs
        article = "a" if kind == "readout" else "an"
        if name not in allowed:
            hint = (f"; readouts: {', '.join(READOUT_NAMES)}" if kind == "readout"
                    else f"; inputs that vary in this run: {', '.join(varied) or 'none'}")
            problems.append(f"{option}: {name!r} is not {article} {kind} column{suggest(name, allowed)}"
                            f"{hint}")
        elif kind == "input" and frame[name].nunique(dropna=False) < 2 and option != "--facet":
            problems.append(f"{option}: {name!r} takes one value in these rows; inputs that "
                            f"vary: {', '.join(varied) or 'none'}")
    if problems:
        fail(problems)


def plot(
    path: Path = typer.Argument(..., help="a run folder (mscnk run --out)"),
    x: Optional[str] = typer.Option(None, "--x", help="input on the x axis (a swept field)"),
    y: Optional[str] = typer.Option(None, "--y", help="readout (curves) or input (heatmap)"),
    z: Optional[str] = typer.Option(None, "--z", help="readout coloured in a heatmap"),
    hue: Optional[str] = typer.Option(None, "--hue", help="input: one line per value"),
    facet: Optional[str] = typer.Option(None, "--facet", help="input: one panel per value"),
    where: Optional[str] = typer.Option(None, "--where", help="SQL WHERE clause on the rows"),
    time_course: bool = typer.Option(False, "--time-course",
                                     help="simulate chosen rows again and draw trajectories"),
    species: list[str] = typer.Option(["msc", "nk"], "--species",
                                      help="time-course quantities (model species, or nk)"),
    out: Optional[Path] = typer.Option(None, "--out", help="figure path without suffix "
                                       "(default: PATH/figures/<name>)"),
    band: str = typer.Option("range", "--band",
                             help="pooled rows: 'range' (mean, min-max band) or '90' (median, "
                                  "5-95 % band: an ensemble's prediction band)"),
) -> None:
    """Dose-response curves (--x --y [--hue] [--facet]), a heatmap (--x --y --z) or time
    courses (--time-course [--where]) from a run; writes PNG and SVG."""
    from mscnk.plots import save_figure, sweep_figure

    frame = _rows_or_fail(path, where)
    if time_course:
        figure, name = _time_course_figure(path, frame, species)
    else:
        if x is None or y is None:
            fail(["--x and --y are required (or --time-course)"])
        heat = z is not None
        _check_columns(frame, [("--x", x, "input"), ("--y", y, "input" if heat else "readout"),
                               ("--z", z, "readout"), ("--hue", hue, "input"),
                               ("--facet", facet, "input")], scenario_of_run(path))
        if heat and hue:
            fail(["--hue does not apply to a heatmap (--z); use --facet"])
        if band not in ("range", "90"):
            fail([f"--band {band!r} is not allowed; allowed: range, 90"])
        figure = sweep_figure(frame, x, y, hue=hue, facet=facet, z=z, band=band)
        _name_pooled(figure, frame, [x, *([y] if heat else []), *[k for k in (hue, facet) if k]],
                     scenario_of_run(path))
        name = f"heatmap_{z}_by_{x}_{y}" if heat else f"{y}_by_{x}" + (f"_{hue}" if hue else "")
        name += f"_per_{facet}" if facet else ""
    stem = out if out is not None else path / "figures" / name.replace(".", "-")
    for written in save_figure(figure, stem):
        errors.print(f"wrote {written}", highlight=False)


#: Pooled inputs named one by one in a plot's warning and subtitle.
NAMED_POOLED = 4


def _name_pooled(figure, frame, keys: list[str], scenario) -> None:
    """Warn (and say in the figure) which varying inputs each point averages over."""
    from mscnk.plots import pooled_inputs
    from mscnk.runs import varied_columns

    pooled = pooled_inputs(frame, keys, list(varied_columns(frame, scenario)))
    if not pooled:
        return
    named = [f"{c} ({n} values)" for c, n in list(pooled.items())[:NAMED_POOLED]]
    more = len(pooled) - len(named)
    text = ", ".join(named) + (f" and {more} more" if more else "")
    errors.print(f"[yellow]warning:[/] each point is pooled over rows that differ in {text}; fix them "
                 f"with --where, or split them with --hue or --facet", highlight=False,
                 soft_wrap=True)
    figure.suptitle(f"pooled over {text}: mean, band min-max", fontsize=9)


def _time_course_figure(path: Path, frame, species: list[str]):
    from mscnk.plots import time_course_figure
    from mscnk.plots import MOST_TIME_COURSES
    from mscnk.runs import replay

    if len(frame) > MOST_TIME_COURSES:
        fail([f"--time-course: {len(frame)} rows selected, at most {MOST_TIME_COURSES}; narrow "
              f"them with --where (e.g. --where \"job < 4\")"])
    courses = []
    for job, result in replay(path, frame["job"].tolist()):
        table = result.timecourse.copy()
        if {"nk_bright", "nk_dim"} <= set(table.columns):  # the co-culture's NK subsets
            table["nk"] = table["nk_bright"] + table["nk_dim"]
        courses.append((job.condition_name, table))
    unknown = [s for s in species if s not in courses[0][1].columns]
    if unknown:
        from mscnk.scenarios import suggest

        fail([f"--species: {s!r} is not a model species{suggest(s, courses[0][1].columns)}"
              for s in unknown])
    name = "time_course_" + "_".join(species)
    return time_course_figure(courses, species), name
