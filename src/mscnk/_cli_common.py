"""What every ``mscnk`` command shares: consoles, the bad-input exit, output formats."""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mscnk.vocabulary import READOUT_NAMES, READOUT_UNITS

if TYPE_CHECKING:  # pragma: no cover
    from rich.progress import Progress


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (``| head -1``): stop writing; the command group
        (:class:`mscnk.cli._Commands`) ends with exit 0 where rich would exit 1."""
        self.quiet = True
        raise BrokenPipeError


console = _Console()
errors = _Console(stderr=True)
EXIT_BAD_INPUT = 2


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


#: The logger every mscnk module logs under (``logging.getLogger("mscnk.<module>")``).
LOGGER = "mscnk"
_settings = {"quiet": False}


def configure_logging(*, quiet: bool = False, verbose: bool = False) -> None:
    """Send ``mscnk`` log records to stderr: INFO by default, WARNING with ``quiet`` (which
    also hides progress bars), DEBUG with ``verbose``. Calling it again replaces the handler."""
    from rich.logging import RichHandler

    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "_mscnk_cli", False)]:
        logger.removeHandler(handler)
    handler = RichHandler(console=errors, show_path=False, show_time=False,
                          markup=False, rich_tracebacks=False)
    handler._mscnk_cli = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    _settings["quiet"] = quiet


def progress_bar(*columns: Any) -> "Progress":
    """A transient rich progress bar on stderr; hidden (disabled) under ``--quiet``."""
    from rich.progress import Progress

    return Progress(*columns, console=errors, transient=True, disable=_settings["quiet"])


def print_table(table: Table) -> None:
    """Print a rich table; off a terminal (a pipe, a file) at its full natural width, so no
    cell is cut or folded at 80 columns."""
    if console.is_terminal:
        console.print(table)
        return
    wide = console.options.update_width(1_000_000)
    width = console.measure(table, options=wide).maximum
    _Console(width=max(width, 20), file=console.file).print(table)


def print_records(header: Sequence[str], rows: Sequence[Sequence[Any]], format: Format,
                  *, records: Sequence[dict[str, Any]] | None = None) -> None:
    """Rows as a rich table (long cells wrap, never cut: see :func:`print_table`), CSV or
    JSON (``records`` if given, else one object per row keyed by ``header``)."""
    if format == Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    elif format == Format.json:
        items = records if records is not None else [dict(zip(header, r)) for r in rows]
        sys.stdout.write(json.dumps(list(items), indent=1, ensure_ascii=False) + "\n")
    else:
        table = Table(*header)
        for column in table.columns:
            column.overflow = "fold"
        for row in rows:
            table.add_row(*(escape(str(c)) for c in row))
        print_table(table)


def fail(problems: list[str]) -> None:
    errors.print(f"[bold red]error:[/] {len(problems)} problem(s) in the input", highlight=False)
    for problem in problems:
        errors.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


#: Where the simulations of ``run``, ``explain`` and ``sensitivity`` go.
WORKERS = typer.Option(None, "--workers", min=1,
                       help="local worker processes (default: all cores)")
SCHEDULER = typer.Option(None, "--scheduler", help="dask.distributed scheduler address")
#: What ``run`` and ``sensitivity`` do with the run already in --out.
RESUME = typer.Option(False, "--resume", help="finish the unfinished run in --out")
OVERWRITE = typer.Option(False, "--overwrite",
                         help="replace the run in --out (only its own files are removed)")


def print_result(frame, format: Format, table: Any) -> None:
    """``frame`` at full precision for ``--format csv``/``json``, else ``table()``."""
    if format != Format.table:
        print_frame(frame, format)
    else:
        table()


def print_frame(frame, format: Format) -> None:
    """A table's every row at full precision (``--format csv`` or ``json``)."""
    print_records(list(frame.columns), [[repr(v) if isinstance(v, float) else v for v in row]
                                        for row in frame.itertuples(False)],
                  format, records=frame.to_dict("records"))


#: The ``--scenario`` option of every command that simulates or describes a model.
SCENARIO = typer.Option(None, "--scenario",
                        help="a built-in scenario (coculture, the default) or a scenario folder")


def load_scenario_or_fail(spec: Optional[str], file: Optional[Path] = None):
    """The scenario ``--scenario`` names (None: the one ``file``'s ``scenario:`` line names,
    else the co-culture); exit 2 naming it if none."""
    from mscnk.experiment import scenario_named
    from mscnk.scenarios import ConditionError, load_scenario

    try:
        return load_scenario(spec if spec is not None or file is None else scenario_named(file))
    except ConditionError as error:
        fail(error.problems)


def load_params(path: Optional[Path], scenario: Any = None) -> dict[str, float] | None:
    """A parameter file: ``{name: value}`` or ``{name: {value: ...}}`` (parameters.yaml
    style), checked against the scenario's parameters (None: the co-culture)."""
    if path is None:
        return None
    from mscnk.experiment import ConditionError, load_parameters

    try:
        return load_parameters(path, scenario=scenario)
    except ConditionError as error:
        fail(error.problems)


def print_readout_table(frame, units: Mapping[str, str] | None = None) -> None:
    """Readouts (rows) of the conditions in ``frame`` (columns), a few conditions per table:
    as many as fit a terminal's width (at most 6), 6 off a terminal. ``units``: readout ->
    unit, in row order (None: the co-culture's)."""
    units = dict(zip(READOUT_NAMES, READOUT_UNITS.values())) if units is None else units
    names = list(frame.index)
    readout_width = max(len(r) for r in units) + 12  # name and unit columns, borders
    per_table = (max(1, min(6, (console.width - readout_width) // 12)) if console.is_terminal
                 else 6)
    for start in range(0, len(names), per_table):
        chunk = names[start:start + per_table]
        table = Table(show_header=True, header_style="bold")
        table.add_column("readout", overflow="fold", min_width=readout_width - 12)
        table.add_column("unit", overflow="fold")
        for name in chunk:
            table.add_column(escape(str(name)), justify="right", overflow="fold")
        for readout, unit in units.items():
            cells = []
            for name in chunk:
                value = frame.at[name, readout]
                cells.append("-" if value is None or (isinstance(value, float) and math.isnan(value))
                             else f"{value:.4g}")
            table.add_row(readout, unit, *cells)
        print_table(table)


def stdout_to_devnull() -> None:
    """After a reader closed our stdout (``| head``): point stdout at the null device, so
    neither later prints nor the interpreter's exit flush fail; the command exits 0."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (in-process tests)
        pass
    finally:
        os.close(devnull)
