"""One figure per checked finding: a small bar panel per expectation, with the expected
relation drawn on it (bound lines, bands, ratio lines, trend arrows).

Uses :class:`matplotlib.figure.Figure` directly (no pyplot, no global state).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from mscnk.analysis import ExpectationResult, FindingResult
from mscnk.plots import label
from mscnk.report._html import fmt

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

DPI = 110
PASS_COLOUR, FAIL_COLOUR = "#1a7f37", "#c62828"
BAR, REFERENCE_BAR = "#5b84b1", "#b7c8dc"
RELATION = "#444444"
PANEL_SIZE = (3.3, 3.0)  # inches per expectation panel
MAX_COLUMNS = 3
LABEL_STRIP = 1.1  # x units right of the last bar kept free for the labels of lines

_SYMBOL = {"below": "<", "above": ">", "ratio_at_least": "≥", "ratio_at_most": "≤"}


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def colour(passed: bool) -> str:
    return PASS_COLOUR if passed else FAIL_COLOUR


def _g(number: float) -> str:
    """A target as a findings file writes it: 10, 0.5, 1.5e+04."""
    return f"{float(number):g}"


def relation_text(row: ExpectationResult) -> str:
    """The expected relation in a few characters: '< 10', '≥ 3× resting', 'increasing'."""
    form, target = row.form, row.target
    if form in ("below", "above"):
        return f"{_SYMBOL[form]} {_g(target)}"
    if form == "between":
        return f"in [{_g(target[0])}, {_g(target[1])}]"
    if form in ("ratio_at_least", "ratio_at_most"):
        return f"{_SYMBOL[form]} {_g(target)}× {row.conditions[1]}"
    if form == "same_within_pct":
        return f"within ±{_g(target)} % of {row.conditions[1]}"
    return str(target)


def _line_text(row: ExpectationResult) -> str:
    """What a drawn line or band is: '10', '3× resting', 'resting ± 10 %'."""
    form, target = row.form, row.target
    if form in ("ratio_at_least", "ratio_at_most"):
        text = relation_text(row)
        return text.replace("× ", "×\n", 1) if len(text) > 14 else text
    if form == "same_within_pct":
        return f"{row.conditions[1]} ± {_g(target)} %"
    return relation_text(row)


def _targets(row: ExpectationResult) -> list[float]:
    """The y values the relation is drawn at (to keep them inside the axes)."""
    form, target, values = row.form, row.target, row.values
    if form in ("below", "above"):
        return [float(target)]
    if form == "between":
        return [float(target[0]), float(target[1])]
    reference = values[1] if len(values) > 1 else None
    if not _finite(reference):
        return []
    if form in ("ratio_at_least", "ratio_at_most"):
        return [float(target) * reference]  # type: ignore[operator]
    if form == "same_within_pct":
        spread = float(target) / 100.0 * abs(reference)  # type: ignore[arg-type]
        return [reference - spread, reference + spread]  # type: ignore[operator]
    return []


def _line_label(ax: "Axes", y: float, text: str) -> None:
    ax.text(0.99, y, text, transform=ax.get_yaxis_transform(), ha="right", va="bottom",
            fontsize=7, color=RELATION, zorder=4,
            bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "alpha": 0.8,
                  "linewidth": 0})


def _draw_relation(ax: "Axes", row: ExpectationResult) -> None:
    form, ys = row.form, _targets(row)
    if form in ("below", "above", "ratio_at_least", "ratio_at_most") and ys:
        ax.axhline(ys[0], color=RELATION, linestyle="--", linewidth=1.1)
        _line_label(ax, ys[0], _line_text(row))
    elif form in ("between", "same_within_pct") and ys:
        ax.axhspan(ys[0], ys[1], color="#2e7d32", alpha=0.14, linewidth=0)
        ax.axhline(ys[1], color=RELATION, linestyle=":", linewidth=0.8)
        ax.axhline(ys[0], color=RELATION, linestyle=":", linewidth=0.8)
        _line_label(ax, ys[1], _line_text(row))
    elif form == "trend":
        up = row.target == "increasing"
        start, end = ((0.05, 0.83), (0.15, 0.96)) if up else ((0.85, 0.96), (0.95, 0.83))
        ax.annotate("", xy=end, xytext=start, xycoords="axes fraction",
                    arrowprops={"arrowstyle": "-|>", "color": RELATION, "linewidth": 1.2})
        x_text, align = (0.17, "left") if up else (0.83, "right")
        ax.text(x_text, 0.895, str(row.target), transform=ax.transAxes, ha=align, va="center",
                fontsize=7.5, color=RELATION)
    elif form in ("ratio_at_least", "ratio_at_most", "same_within_pct"):
        ax.text(0.99, 0.97, f"{relation_text(row)}: no reference value",
                transform=ax.transAxes, ha="right", va="top", fontsize=7, color=RELATION)


def _limits(ax: "Axes", heights: Sequence[float], targets: Sequence[float],
            headroom: float) -> None:
    known = [v for v in [*heights, *targets] if math.isfinite(v)]
    low = min([0.0, *known])
    high = max([0.0, *known])
    span = high - low if high > low else 1.0
    ax.set_ylim(low - (0.05 * span if low < 0 else 0.0), high + headroom * span)


def expectation_panel(ax: "Axes", row: ExpectationResult, index: int) -> None:
    """Bars of the expectation's readout in its conditions, the relation, verdict, caption."""
    names = list(row.conditions)
    heights = [float(v) if _finite(v) else math.nan for v in row.values]
    reference = 1 if row.form in ("ratio_at_least", "ratio_at_most", "same_within_pct") else -1
    _limits(ax, heights, _targets(row), 0.45 if row.form == "trend" else 0.25)
    bottom, top = ax.get_ylim()
    for x, height in enumerate(heights):
        if not math.isfinite(height):
            ax.text(x, bottom + 0.03 * (top - bottom), "missing", ha="center", va="bottom",
                    fontsize=7.5, color=FAIL_COLOUR, rotation=90)
            continue
        ax.bar(x, height, width=0.62, color=REFERENCE_BAR if x == reference else BAR,
               edgecolor="#33475b", linewidth=0.6, zorder=2)
        ax.text(x, max(height, 0.0), fmt(height), ha="center", va="bottom", fontsize=7)
    _draw_relation(ax, row)
    long_names = len(names) > 3 or max(len(n) for n in names) > 10
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=7.5, rotation=25 if long_names else 0,
                       ha="right" if long_names else "center")
    strip = 0.0 if row.form == "trend" else LABEL_STRIP  # room for the line's label
    ax.set_xlim(-0.6, len(names) - 0.4 + strip)
    ax.tick_params(axis="y", labelsize=7.5)
    ax.set_ylabel(label(row.readout), fontsize=8)
    ax.set_title(f"{index}. {verdict(row.passed)}: {relation_text(row)}", fontsize=8.5,
                 color=colour(row.passed), fontweight="bold", loc="left")
    caption = textwrap.fill(row.text, width=56, break_long_words=True)
    ax.set_xlabel(caption, fontsize=6.5, color="#555555", labelpad=4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def finding_figure(result: FindingResult, path: Path) -> Path:
    """Write one PNG for a checked finding: a panel per expectation. Returns ``path``."""
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    rows = list(result.expectations)
    count = max(len(rows), 1)
    columns = min(count, MAX_COLUMNS)
    lines = math.ceil(count / columns)
    fig = Figure(figsize=(PANEL_SIZE[0] * columns, PANEL_SIZE[1] * lines + 0.45),
                 layout="constrained")
    claim = textwrap.fill(f"{result.id} ({verdict(result.passed)}): {result.claim}",
                          width=int(40 * columns), max_lines=3, placeholder=" …")
    fig.suptitle(claim, fontsize=9, x=0.01, ha="left")
    for i, row in enumerate(rows):
        expectation_panel(fig.add_subplot(lines, columns, i + 1), row, i + 1)
    if not rows:
        ax = fig.add_subplot(1, 1, 1)
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no expectations", ha="center", va="center", transform=ax.transAxes)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    fig.clear()
    return path
