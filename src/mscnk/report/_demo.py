"""``build_demo``: the standard panel, one PNG per panel, results.csv and report.html."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from mscnk.catalog import mechanisms
from mscnk.engine import Engine, SolverError, quick_engine
from mscnk.experiment import Simulator, flatten, load_conditions, run_conditions
from mscnk.plots import NAMES
from mscnk.report._html import esc, fmt, page, table_html
from mscnk.report._panel import Panel, PanelData
from mscnk.report._panels_lysis import BLOCKADE, LICENSING, RATIO
from mscnk.report._panels_suppression import COURSE, CULTURE, INHIBITION_PANEL, SOURCES
from mscnk.scenarios import load_scenario

#: The standard panel, in report order.
PANELS: tuple[Panel, ...] = (RATIO, INHIBITION_PANEL, LICENSING, BLOCKADE, CULTURE, SOURCES,
                             COURSE)
DPI = 120
TIMECOURSE_FILE = "timecourse_default.csv"


def run_panels(panels: Sequence[Panel] = PANELS, *,
               progress: Callable[[str], None] | None = None, engine: Engine | None = None,
               ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame | None]]:
    """Simulate every panel's conditions in one batch (``engine``: default the batched one).

    Returns the rows (index: condition name; ``panel`` and ``group`` columns first, then
    status, condition fields and readouts) and, per time-course panel, its main condition's
    time course (``None`` if the solver failed).
    """
    batch = {name: condition for p in panels if not p.timecourse
             for name, (_, condition) in p.conditions.items()}
    frames = [run_conditions(load_conditions({"conditions": batch}), progress=progress,
                             engine=engine)]
    single = Simulator(engine=engine)
    courses: dict[str, pd.DataFrame | None] = {}
    for panel in (p for p in panels if p.timecourse):
        for name, (_, condition) in panel.conditions.items():
            (condition_obj,) = load_conditions({"conditions": {name: condition}}).values()
            row: dict[str, object] = {"status": "ok", **flatten(condition_obj)}
            try:
                result = single.simulate(condition_obj)
                row.update(result.readouts)
                courses[panel.key] = result.timecourse
            except SolverError as error:
                row["status"] = f"failed: {error}"
                courses[panel.key] = None
            frames.append(pd.DataFrame([row], index=pd.Index([name], name="condition")))
            if progress:
                progress(name)
    rows = pd.concat(frames)
    owner = {name: (p.key, group) for p in panels for name, (group, _) in p.conditions.items()}
    rows.insert(0, "group", [owner[n][1] for n in rows.index])
    rows.insert(0, "panel", [owner[n][0] for n in rows.index])
    return rows, courses


def _engine_line(engine: Engine) -> str:
    """Which engine produced the numbers (the reference engine only on a first run)."""
    from mscnk.engine import BatchEngine

    if isinstance(engine, BatchEngine):
        return f"the batched engine (<code>{esc(repr(engine))}</code>)"
    return (f"the reference engine (<code>{esc(repr(engine))}</code>; readouts agree with the "
            "batched engine within 1e-4) because the batched engine's kernel was not compiled "
            "on this machine yet; it compiles in the background, and later runs use it")


def _figure(panel: Panel, data: PanelData, path: Path) -> None:
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    fig = Figure(figsize=panel.figsize, layout="constrained")
    panel.draw(data, fig)
    fig.savefig(path, dpi=DPI)


def _mechanism_line(ids: Sequence[str]) -> str:
    known = mechanisms()
    missing = [i for i in ids if i not in known]
    if missing:
        raise KeyError(f"demo panel names mechanisms not in the catalog: {missing}")
    items = [f"{esc(known[i].name)} (<code>{esc(i)}</code>)" for i in ids]
    return f'<p class="mech"><b>Mechanisms:</b> {"; ".join(items)}.</p>'


def _derived_line(species: Sequence[str]) -> str:
    from mscnk.model import mechanisms_moving

    model = load_scenario("coculture").model
    moving = [m for m, distance in mechanisms_moving(model, list(species), depth=0)
              if distance == 0]
    known = mechanisms()
    ids = ", ".join(f'<code title="{esc(known[m].name)}">{esc(m)}</code>' for m in moving)
    names = ", ".join(esc(NAMES.get(s, s)) for s in species)
    return (f'<p class="derived">In the model, the processes that change {names} belong to: '
            f"{ids}.</p>")


def _section(panel: Panel, data: PanelData) -> str:
    parts = [f'<h2 id="panel-{panel.key}">{esc(panel.key)}. {esc(panel.title)}</h2>']
    failed = data.rows[data.rows["status"] != "ok"]
    if len(failed):
        listed = ", ".join(f"{n} ({s})" for n, s in failed["status"].items())
        parts.append(f'<p class="warn">Conditions that failed: {esc(listed)}</p>')
    if panel.timecourse and data.timecourse is None:
        parts.append('<p class="warn">The time course could not be simulated.</p>')
        return "\n".join(parts)
    parts.append(f'<figure><img src="{panel.figure_name}" alt="{esc(panel.title)}"></figure>')
    parts.append(f"<p>{esc(panel.text(data))}</p>")
    parts.append(_mechanism_line(panel.mechanisms))
    parts.append(_derived_line(panel.species))
    parts.append(table_html(panel.table(data)))
    return "\n".join(parts)


def _model_section() -> str:
    model = load_scenario("coculture").model
    catalog = mechanisms()
    modelled = sum(m.status == "modelled" for m in catalog.values())
    counts = [("species (state variables)", len(model.species)),
              ("processes (rate laws)", len(model.processes)),
              ("parameters", len(model.constants)),
              ("mechanism switches", len(model.switches)),
              ("mechanisms in the catalog", len(catalog)),
              ("of which modelled", modelled)]
    table = table_html((["", "count"], [[k, str(v)] for k, v in counts]))
    fitted = sum(p.provenance.startswith(("fitted", "estimate")) for p in model.constants)
    return (
        '<h2 id="model">Model</h2>\n<p>The model is a system of ordinary differential '
        "equations for one well: MSC and NK cell numbers, NK and MSC surface and "
        "signalling states, and medium mediators. Each process belongs to mechanisms of "
        "the catalog, which carries the literature citations "
        "(<code>mscnk mechanisms</code> lists them).</p>\n" + table +
        f"\n<p>{fitted} of {len(model.constants)} parameters are fitted to the literature "
        "findings (<code>docs/calibration.md</code>); the others are cited values or stated "
        "assumptions. <code>mscnk validate</code> checks the model against the findings; read "
        "the numbers here as the behaviour of the model, not as measurements.</p>"
    )


def build_demo(out_dir: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """Run the standard panel and write ``panel_*.png`` (one per panel), ``results.csv``
    (every condition, with ``panel`` and ``group`` columns), ``timecourse_default.csv`` and
    ``report.html`` into ``out_dir``; returns the path of ``report.html``.

    ``progress(name)`` is called after each simulated condition.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # on a machine whose batch kernel is not compiled yet, the reference engine answers
    # (and the report says so) while the kernel compiles in the background
    scenario = load_scenario("coculture")
    engine = quick_engine(scenario.compiled, scenario.model_source)
    rows, courses = run_panels(PANELS, progress=progress, engine=engine)
    seconds = time.perf_counter() - started
    rows.to_csv(out_dir / "results.csv", index_label="condition")
    sections = []
    for panel in PANELS:
        data = PanelData(rows[rows["panel"] == panel.key], courses.get(panel.key))
        if not panel.timecourse or data.timecourse is not None:
            _figure(panel, data, out_dir / panel.figure_name)
        if panel.timecourse and data.timecourse is not None:
            data.timecourse.to_csv(out_dir / TIMECOURSE_FILE, index=False)
        sections.append(_section(panel, data))
    sections.append(_model_section())
    import mscnk

    failed = int((rows["status"] != "ok").sum())
    contents = " · ".join(f'<a href="#panel-{p.key}">{esc(p.key)}. {esc(p.title)}</a>'
                          for p in PANELS)
    meta = [
        f"mscnk {esc(mscnk.__version__)} · {datetime.datetime.now():%Y-%m-%d %H:%M}",
        f"Command: <code>mscnk demo --out {esc(out_dir)}</code>",
        f"{len(rows)} conditions simulated in {fmt(seconds, 2)} s, {failed} failed, by "
        f"{_engine_line(engine)}. All "
        f'readouts of every condition: <a href="results.csv">results.csv</a>; the time course '
        f'of panel g: <a href="{TIMECOURSE_FILE}">{TIMECOURSE_FILE}</a>.',
        f"<p>Panels: {contents}</p>",
        "<p>Every number on this page is read from this run. Percentages of MSC lysis and "
        "NK proliferation inhibition are taken against matched wells with one population "
        "removed (every readout is defined in docs/conditions.md of mscnk, or by "
        "<code>mscnk fields --format markdown</code>).</p>",
    ]
    report = out_dir / "report.html"
    report.write_text(page("mscnk demo report: MSC–NK cell crosstalk", meta, sections),
                      encoding="utf-8")
    return report
