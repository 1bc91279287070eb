"""The validation report: checked findings as Markdown and a self-contained HTML page, with
one figure per finding (see :func:`finding_figure`).

``write_validation_report(validate_results(...), out_dir, title=..., command=...)`` writes
``<id>.png`` per finding, ``report.md`` and ``report.html`` (inline CSS, relative image
links, no scripts, no external URLs).
"""

from __future__ import annotations

import datetime
import math
import re
from pathlib import Path
from typing import Sequence

from mscnk.analysis import FAILED, ExpectationResult, FindingResult, margin
from mscnk.plots import unit_of
from mscnk.report._html import Table, esc, fmt, page, table_html
from mscnk.report._validation_figures import colour, finding_figure, verdict

__all__ = ["finding_figure", "figure_name", "safe_margin", "write_validation_report"]


def figure_name(result: FindingResult) -> str:
    """File name of a finding's figure: ``<id>.png`` (characters unsafe in paths replaced)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", result.id).lstrip(".") + ".png"


def safe_margin(row: ExpectationResult) -> float:
    """:func:`~mscnk.analysis._margins.margin`, or NaN / the failure margin where it cannot
    be computed (e.g. ``same_within_pct: 0``)."""
    try:
        return margin(row)
    except ZeroDivisionError:
        return 0.0 if row.passed else FAILED
    except (ValueError, TypeError):
        return math.nan


def tightest(result: FindingResult) -> float:
    """The smallest margin of a finding's expectations (NaN if it has none)."""
    margins = [m for m in map(safe_margin, result.expectations) if not math.isnan(m)]
    return min(margins) if margins else math.nan


def margin_text(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:+.3g}"


def _readouts_used(result: FindingResult) -> list[str]:
    return list(dict.fromkeys(row.readout for row in result.expectations))


def _conditions(result: FindingResult) -> list[str]:
    named = [c for row in result.expectations for c in row.conditions]
    return list(dict.fromkeys([*result.readouts, *result.errors, *named]))


def readout_table(result: FindingResult) -> Table:
    """Rows: the finding's conditions; columns: the readouts its expectations use."""
    readouts = _readouts_used(result)
    header = ["condition"]
    for name in readouts:
        unit = unit_of(name)
        header.append(f"{name} ({unit})" if unit else name)
    rows = []
    for condition in _conditions(result):
        if condition in result.errors:
            rows.append([condition, *("failed" for _ in readouts)])
            continue
        values = result.readouts.get(condition, {})
        rows.append([condition, *(fmt(values.get(name, math.nan)) for name in readouts)])
    return header, rows


def expectation_table(result: FindingResult) -> Table:
    header = ["#", "result", "margin", "expectation"]
    rows = [[str(i), verdict(row.passed), margin_text(safe_margin(row)), row.text]
            for i, row in enumerate(result.expectations, start=1)]
    return header, rows


def _counts(results: Sequence[FindingResult]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def _meta(command: str, elapsed_s: float | None) -> tuple[str, str]:
    """(version and date line, elapsed text)."""
    import mscnk

    when = f"mscnk {mscnk.__version__} · {datetime.datetime.now():%Y-%m-%d %H:%M}"
    elapsed = "" if elapsed_s is None else f" in {fmt(elapsed_s, 2)} s"
    return when, elapsed


# ------------------------------------------------------------------------------ Markdown

def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    header, rows = table
    lines = ["| " + " | ".join(map(_md_cell, header)) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]
    return lines


def _md_section(result: FindingResult) -> list[str]:
    lines = [f"## {result.id}: {verdict(result.passed)}", "",
             f"**Claim:** {result.claim}", "", f"**Source:** {result.source}", ""]
    for condition, error in result.errors.items():
        lines += [f"> condition `{condition}` failed to simulate: {error}", ""]
    for i, row in enumerate(result.expectations, start=1):
        lines.append(f"{i}. **{verdict(row.passed)}** (margin {margin_text(safe_margin(row))})"
                     f": `{row.text}`")
    lines += ["", f"![{result.id}]({figure_name(result)})", ""]
    lines += _md_table(readout_table(result)) + [""]
    return lines


def markdown(results: Sequence[FindingResult], *, title: str, command: str,
             elapsed_s: float | None = None) -> str:
    """The report as Markdown (figures linked as ``<id>.png``)."""
    when, elapsed = _meta(command, elapsed_s)
    lines = [f"# {title}", "", f"- Command: `{command}`", f"- {when}",
             f"- {len(results)} findings checked{elapsed}: **{_counts(results)}**", "",
             "## Summary", ""]
    summary = [[r.id, verdict(r.passed), margin_text(tightest(r)), r.source] for r in results]
    lines += _md_table((["id", "result", "tightest margin", "source"], summary)) + [""]
    lines.append("Margins are signed and dimensionless: above 0 an expectation holds, below 0 "
                 "it fails (a log-ratio for ratios, a fraction of the bound for bounds).")
    lines.append("")
    for result in results:
        lines += _md_section(result)
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------------------ HTML

def _badge(passed: bool) -> str:
    return (f'<span style="color:{colour(passed)};font-weight:bold">'
            f"{verdict(passed)}</span>")


def _anchor(result: FindingResult) -> str:
    return "f-" + figure_name(result).removesuffix(".png")


def _html_summary(results: Sequence[FindingResult]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("id", "result", "tightest margin", "source"))
    body = "".join(
        f'<tr><td><a href="#{_anchor(r)}">{esc(r.id)}</a></td><td>{_badge(r.passed)}</td>'
        f'<td class="num">{esc(margin_text(tightest(r)))}</td><td>{esc(r.source)}</td></tr>'
        for r in results)
    return (f'<h2 id="summary">Summary</h2>\n<table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>\n<p class=\"derived\">Margins are signed and "
            "dimensionless: above 0 an expectation holds, below 0 it fails (a log-ratio for "
            "ratios, a fraction of the bound for bounds).</p>")


def _html_section(result: FindingResult) -> str:
    parts = [f'<h2 id="{_anchor(result)}">{esc(result.id)}: {_badge(result.passed)}</h2>',
             f"<p><b>Claim:</b> {esc(result.claim)}<br><b>Source:</b> {esc(result.source)}</p>"]
    for condition, error in result.errors.items():
        parts.append(f'<p class="warn">Condition <code>{esc(condition)}</code> failed to '
                     f"simulate: {esc(error)}</p>")
    items = "".join(
        f"<li>{_badge(row.passed)} (margin {esc(margin_text(safe_margin(row)))}): "
        f"<code>{esc(row.text)}</code></li>" for row in result.expectations)
    parts.append(f"<ol>{items}</ol>")
    parts.append(f'<figure><img src="{esc(figure_name(result))}" alt="{esc(result.id)}">'
                 "</figure>")
    parts.append(table_html(readout_table(result)))
    return "\n".join(parts)


def html_page(results: Sequence[FindingResult], *, title: str, command: str,
              elapsed_s: float | None = None) -> str:
    """The report as one self-contained HTML page (figures linked relatively)."""
    when, elapsed = _meta(command, elapsed_s)
    meta = [esc(when), f"Command: <code>{esc(command)}</code>",
            f"{len(results)} findings checked{esc(elapsed)}: <b>{esc(_counts(results))}</b>"]
    sections = [_html_summary(results), *map(_html_section, results)]
    return page(title, meta, sections)


def write_validation_report(results: list[FindingResult], out_dir: Path, *, title: str,
                            command: str, elapsed_s: float | None = None) -> Path:
    """Write ``<id>.png`` per finding, ``report.md`` and ``report.html`` into ``out_dir``;
    returns the path of ``report.md``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for result in results:
        finding_figure(result, out_dir / figure_name(result))
    report = out_dir / "report.md"
    report.write_text(markdown(results, title=title, command=command, elapsed_s=elapsed_s),
                      encoding="utf-8")
    (out_dir / "report.html").write_text(
        html_page(results, title=title, command=command, elapsed_s=elapsed_s),
        encoding="utf-8")
    return report
