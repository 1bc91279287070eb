"""What a new user meets first: --version, --quiet/--verbose, ``mscnk fields``,
``mscnk examples``, tables that are not cut, a closed pipe, the short ``repr`` of a result."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import mscnk
from helpers import build_model

from helpers import FULL_CONDITION, run_cli

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "mscnk.cli"]


def _leaves(mapping: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            paths.extend(_leaves(value, f"{prefix}{key}."))
        else:
            paths.append(f"{prefix}{key}")
    return paths


#: Every field of the contract (FULL_CONDITION sets each one), dotted.
CONTRACT_FIELDS = _leaves(FULL_CONDITION)


# --version -------------------------------------------------------------------------------

def test_version_prints_the_package_version():
    result = run_cli(["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"mscnk {mscnk.__version__}\n"


def test_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "src/mscnk/__init__.py"


# --quiet / --verbose ---------------------------------------------------------------------

@pytest.fixture
def chatty_fields(monkeypatch):
    """``mscnk fields`` with a module that logs one record per level, as the kernel
    compiler does through ``logging.getLogger("mscnk....")``."""
    import mscnk.report as report

    original = report.field_strings

    def logging_rows(*schema):
        log = logging.getLogger("mscnk.engine.test")
        log.debug("debug-record")
        log.info("info-record")
        log.warning("warning-record")
        return original(*schema)

    monkeypatch.setattr(report, "field_strings", logging_rows)
    yield
    from mscnk._cli_common import configure_logging

    configure_logging()


@pytest.mark.parametrize("options, shown, hidden", [
    ([], ["info-record", "warning-record"], ["debug-record"]),
    (["--quiet"], ["warning-record"], ["info-record", "debug-record"]),
    (["--verbose"], ["debug-record", "info-record", "warning-record"], []),
])
def test_log_level_follows_quiet_and_verbose(chatty_fields, options, shown, hidden):
    result = run_cli([*options, "fields"])
    assert result.exit_code == 0, result.output
    for text in shown:
        assert text in result.stderr
    for text in hidden:
        assert text not in result.stderr
    assert "record" not in result.stdout  # log records go to stderr, never into the data


def test_quiet_hides_progress_bars():
    from mscnk import _cli_common

    try:
        assert run_cli(["--quiet", "fields"]).exit_code == 0
        assert _cli_common.progress_bar().disable
        assert run_cli(["fields"]).exit_code == 0
        assert not _cli_common.progress_bar().disable
    finally:
        _cli_common.configure_logging()


def test_quiet_and_verbose_together_is_bad_input():
    result = run_cli(["--quiet", "--verbose", "fields"])
    assert result.exit_code == 2
    assert "--quiet" in result.stderr and "--verbose" in result.stderr


# mscnk fields / docs/conditions.md --------------------------------------------------------

def test_fields_lists_every_contract_field_with_unit_default_and_range():
    result = run_cli(["fields", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {row["field"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert set(CONTRACT_FIELDS) <= set(rows)
    for name in mscnk.Condition.model_fields["drugs"].annotation.model_fields:
        assert f"drugs.{name}" in rows
    assert rows["msc.ifng_pretreatment_ng_ml"]["unit"] == "ng/ml"
    assert rows["msc.ifng_pretreatment_ng_ml"]["default"] == "0"
    assert rows["msc.ifng_pretreatment_ng_ml"]["allowed"] == "[0, 1,000]"
    assert rows["duration_h"]["allowed"].startswith("(0, ")  # 0 excluded
    assert rows["nk.cells"]["default"] == "null"
    assert "ratio" in rows["nk.cells"]["meaning"]
    assert "transwell" in rows["culture"]["allowed"]
    assert "anti_nkg2d" in rows["blockade"]["allowed"]
    assert rows["medium.tryptophan_uM"]["unit"] == "µM"
    assert all(row["meaning"] for row in rows.values()), "every field says what it means"


def test_fields_json_keeps_typed_defaults():
    result = run_cli(["fields", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = {r["field"]: r for r in json.loads(result.stdout)}
    assert records["ratio"]["default"] == 5.0
    assert records["nk.cells"]["default"] is None
    assert records["msc.tlr3_priming"]["default"] is False
    assert records["blockade"]["default"] == []


def test_fields_table_names_every_field():
    result = run_cli(["fields"])
    assert result.exit_code == 0, result.output
    for field in CONTRACT_FIELDS:
        assert field in result.stdout


def test_committed_conditions_doc_is_what_the_generator_writes():
    from mscnk.report._fields import conditions_markdown

    committed = (ROOT / "docs" / "conditions.md").read_text(encoding="utf-8")
    assert committed == conditions_markdown(), (
        "docs/conditions.md is stale: run  mscnk fields --format markdown > docs/conditions.md")
    result = run_cli(["fields", "--format", "markdown"])
    assert result.stdout == committed


def test_readme_points_to_the_field_reference():
    readme = (ROOT / "README.md").read_text()
    assert "docs/conditions.md" in readme


# shipped examples and findings ------------------------------------------------------------

def _shipped(kind: str) -> list[str]:
    from importlib.resources import files

    return sorted(p.name for p in (files("mscnk") / "data" / kind).iterdir()
                  if p.name.endswith(".yaml"))


def test_examples_and_findings_ship_in_the_package():
    assert {"ratio_sweep.yaml", "large_sweep.yaml", "condition.yaml",
            "contact_vs_transwell.yaml", "parameter_samples.yaml"} <= set(_shipped("examples"))
    assert {"seed_findings.yaml", "quant_findings.yaml"} <= set(_shipped("findings"))
    # the repository's paths used in the README are the same files, not copies
    package = ROOT / "src" / "mscnk" / "data"
    for name in _shipped("examples"):
        assert (ROOT / "examples" / name).resolve() == (package / "examples" / name).resolve()
    for name in _shipped("findings"):
        assert (ROOT / "tests" / "data" / name).resolve() == (package / "findings" / name).resolve()


def test_every_shipped_file_loads():
    from mscnk.analysis import load_findings
    from mscnk.experiment import load_experiment

    from importlib.resources import files

    data = files("mscnk") / "data"
    for name in _shipped("examples"):
        load_experiment(Path(str(data / "examples" / name)))
    findings = load_findings([Path(str(data / "findings" / n)) for n in _shipped("findings")])
    assert len(findings) >= 30


def test_examples_command_copies_the_shipped_files(tmp_path):
    result = run_cli(["examples", tmp_path / "mine"])
    assert result.exit_code == 0, result.output
    from importlib.resources import files

    data = files("mscnk") / "data"
    for kind in ("examples", "findings"):
        for name in _shipped(kind):
            copied = tmp_path / "mine" / kind / name
            assert copied.read_bytes() == (data / kind / name).read_bytes()


def test_examples_command_never_overwrites_without_force(tmp_path):
    target = tmp_path / "examples" / "ratio_sweep.yaml"
    target.parent.mkdir()
    target.write_text("my own sweep\n")
    result = run_cli(["examples", tmp_path])
    assert result.exit_code == 2
    assert "ratio_sweep.yaml" in result.stderr and "--force" in result.stderr
    assert result.exception is None
    assert target.read_text() == "my own sweep\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["examples", "ratio_sweep.yaml"]
    forced = run_cli(["examples", tmp_path, "--force"])
    assert forced.exit_code == 0, forced.output
    assert target.read_text() != "my own sweep\n"


@pytest.mark.parametrize("where", ["file", "file/below"])
def test_examples_command_refuses_a_file_as_folder(tmp_path, where):
    (tmp_path / "file").write_text("x")
    result = run_cli(["examples", tmp_path / where])
    assert result.exit_code == 2, result.output
    assert result.exception is None
    assert str(tmp_path / "file") in result.stderr
    assert (tmp_path / "file").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


# tables that fit, parameters --format ----------------------------------------------------

def _narrow(args: list[str]):
    """The CLI on an 80-column 'terminal' whose output is not a terminal (a pipe)."""
    from typer.testing import CliRunner

    from mscnk.cli import app

    return CliRunner().invoke(app, args, env={"COLUMNS": "80"})


def test_parameters_piped_keeps_every_name_whole():
    result = _narrow(["parameters"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    words = set(result.stdout.replace("│", " ").split())
    names = [p.name for p in build_model().parameters]
    assert not [n for n in names if n not in words]


def test_parameters_csv_and_json_hold_full_values():
    model = {p.name: p for p in build_model().parameters}
    result = run_cli(["parameters", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == list(model)
    for row in rows:
        assert float(row["value"]) == model[row["name"]].value
        assert float(row["lower"]) == model[row["name"]].lower
    records = json.loads(run_cli(["parameters", "licensing", "--format", "json"]).stdout)
    assert records and all(isinstance(r["mechanisms"], list) for r in records)
    assert all(r["value"] == model[r["name"]].value for r in records)


def test_fields_table_fits_80_columns_on_a_terminal():
    from rich.console import Console

    from mscnk import _cli_common

    terminal = Console(file=io.StringIO(), width=80, force_terminal=True)
    original = _cli_common.console
    _cli_common.console = terminal
    try:
        from mscnk.report._fields import HEADER, field_strings

        _cli_common.print_records(HEADER, field_strings(), _cli_common.Format.table)
    finally:
        _cli_common.console = original
    text = terminal.file.getvalue()
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert max(len(line) for line in plain.splitlines()) <= 80
    assert "…" not in plain


# a closed pipe ---------------------------------------------------------------------------

def _into_closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI with stdout a pipe whose reader has already gone (like ``| head -1``
    after its line)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([*CLI, *args], stdout=write, stderr=subprocess.PIPE, text=True,
                              cwd=cwd, timeout=600)
    finally:
        os.close(write)


def test_closed_pipe_exits_0_without_a_traceback(tmp_path):
    for args in (["parameters"], ["fields", "--format", "csv"]):
        done = _into_closed_pipe(args, tmp_path)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_run_into_head_exits_0(tmp_path):
    (tmp_path / "two.yaml").write_text("assay: cytotoxicity\nsweep: {ratio: [1, 2]}\n")
    script = (f"set -o pipefail; {' '.join(CLI)} run two.yaml --out out --format csv "
              "| head -1")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("condition,")
    assert "Traceback" not in done.stderr
    closed = _into_closed_pipe(["run", "two.yaml", "--out", "out2", "--format", "csv"], tmp_path)
    assert closed.returncode == 0, closed.stderr
    assert "Traceback" not in closed.stderr
    assert (tmp_path / "out2" / "results.csv").exists()  # the run itself finished


# repr(Result) ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def result():
    return mscnk.simulate({"assay": "cytotoxicity", "ratio": 10})


def test_result_repr_is_short_and_says_how_to_see_more(result):
    text = repr(result)
    assert len(text) < 300, text
    assert "\n" not in text
    assert "cytotoxicity" in text and "10" in text
    assert f"msc_lysis_pct={result.readouts['msc_lysis_pct']:.3g}" in text
    assert ".readouts" in text and ".timecourse" in text
    assert f"{len(result.readouts)} readouts" in text


def test_result_html_shows_a_readouts_table(result):
    html = result._repr_html_()
    assert html.count("<table") == 1 and len(html) < 20_000
    for name in ("msc_lysis_pct", "nk_cytotoxicity_k562_pct", "ifng_pg_ml"):
        assert name in html
    assert f"{result.readouts['msc_lysis_pct']:.4g}" in html
    assert "<script" not in html


def _on_terminal(width: int, draw) -> str:
    """What ``draw()`` prints through the CLI console on a terminal ``width`` columns wide."""
    import re

    from rich.console import Console

    from mscnk import _cli_common

    terminal = Console(file=io.StringIO(), width=width, force_terminal=True)
    original = _cli_common.console
    _cli_common.console = terminal
    try:
        draw()
    finally:
        _cli_common.console = original
    return re.sub(r"\x1b\[[0-9;]*m", "", terminal.file.getvalue())


def test_readout_table_fits_80_columns_without_cutting_names():
    import pandas as pd

    from mscnk import _cli_common
    from mscnk.vocabulary import READOUT_NAMES

    names = [f"il15[ratio={r}, msc.source=umbilical_cord]" for r in (1, 3, 10, 30, 100, 300)]
    frame = pd.DataFrame(12.5, index=names, columns=list(READOUT_NAMES))
    text = _on_terminal(80, lambda: _cli_common.print_readout_table(frame))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    flat = text.replace("│", "").replace("\n", "").replace(" ", "")
    for readout in READOUT_NAMES:
        assert readout in flat or readout in text
