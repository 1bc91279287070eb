"""``mscnk design``: which candidate wells best tell two model variants apart."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import typer

from mscnk._cli_common import (SCENARIO, SCHEDULER, WORKERS, Format, console, fail, load_params,
                               load_scenario_or_fail, print_frame, print_records)

#: A variant that is the default model without one mechanism: ``without:<mechanism>``.
WITHOUT = "without:"


def design(
    candidates: Path = typer.Argument(..., help="experiment file of candidate conditions"),
    between: Tuple[str, str] = typer.Option(
        ..., "--between",
        help="the two variants: 'default', 'without:MECHANISM' (that mechanism switched "
             "off) or a parameter file (YAML)"),
    readout: Optional[List[str]] = typer.Option(
        None, "--readout", help="a readout that could be measured (repeatable; default: all)"),
    top: int = typer.Option(3, "--top", min=1, help="how many wells to propose"),
    format: Format = typer.Option(Format.table, "--format",
                                  help="table, or csv/json: every candidate and readout"),
    workers: Optional[int] = WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    scenario: Optional[str] = SCENARIO,
) -> None:
    """Rank the candidate conditions by how far apart two variants of the model predict them
    (in units of each readout's measurement noise) and propose the wells to run next."""
    from mscnk.analysis import rank_candidates
    from mscnk.experiment import ConditionError, load_conditions
    from mscnk.runs import ExecutorError, executor_for

    chosen = load_scenario_or_fail(scenario, candidates)
    variants = [_variant(spec, chosen) for spec in between]
    try:
        conditions = load_conditions(candidates, scenario=chosen)
    except ConditionError as error:
        fail(error.problems)
    executor = executor_for(workers, scheduler, 2 * len(conditions))
    try:
        found = rank_candidates(conditions, *variants, names=tuple(between), readouts=readout,
                                scenario=chosen, executor=executor)
    except ConditionError as error:
        fail(error.problems)
    except ExecutorError as error:
        fail([str(error)])
    if format != Format.table:
        print_frame(found.separations, format)
        return
    first, second = between
    rows = [[row.candidate, row.readout, f"{row.first:.4g}", f"{row.second:.4g}",
             f"{row.separation:.3g}"] for row in found.ranking.itertuples()]
    print_records(["candidate", "best readout", first, second, "separation (noise SD)"], rows,
                  Format.table)
    best = found.best(top)
    console.print("run next: " + (", ".join(best) if best else
                                  "none: no candidate separates the variants"),
                  highlight=False)


def _variant(spec: str, scenario) -> dict[str, float]:
    """Parameter values of a variant: ``default``, ``without:MECHANISM`` or a file."""
    from mscnk.scenarios import suggest

    if spec == "default":
        return {}
    if spec.startswith(WITHOUT):
        mechanism = spec[len(WITHOUT):]
        switches = scenario.model.switches
        if mechanism not in switches:
            fail([f"--between {spec!r}: {mechanism!r} has no switch"
                  f"{suggest(mechanism, list(switches))}; switchable: "
                  f"{', '.join(switches)}"])
        return {switches[mechanism]: 0.0}
    if not Path(spec).is_file():
        fail([f"--between {spec!r}: not 'default', not '{WITHOUT}MECHANISM' and not a "
              "parameter file"])
    return load_params(Path(spec), scenario) or {}
