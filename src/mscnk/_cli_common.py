"""What every ``mscnk`` command shares: consoles, the bad-input exit, output formats."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mscnk._keys import READOUT_NAMES, READOUT_UNITS

console = Console()
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def fail(problems: list[str]) -> None:
    errors.print(f"[bold red]error:[/] {len(problems)} problem(s) in the input", highlight=False)
    for problem in problems:
        errors.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def load_params(path: Optional[Path]) -> dict[str, float] | None:
    """A parameter file: ``{name: value}`` or ``{name: {value: ...}}`` (parameters.yaml style)."""
    if path is None:
        return None
    from mscnk.experiment import ConditionError
    from mscnk.experiment._parameters import load_parameters

    try:
        return load_parameters(path)
    except ConditionError as error:
        fail(error.problems)


def print_readout_table(frame) -> None:
    names = list(frame.index)
    for start in range(0, len(names), 6):
        chunk = names[start:start + 6]
        table = Table(show_header=True, header_style="bold")
        table.add_column("readout")
        table.add_column("unit")
        for name in chunk:
            table.add_column(escape(str(name)), justify="right", overflow="fold")
        for readout in READOUT_NAMES:
            cells = []
            for name in chunk:
                value = frame.at[name, readout]
                cells.append("-" if value is None or (isinstance(value, float) and math.isnan(value))
                             else f"{value:.4g}")
            table.add_row(readout, READOUT_UNITS[readout], *cells)
        console.print(table)


