"""The worked examples of docs/scenarios.md (therapy scenarios): each example file compared,
its outcome table printed as Markdown and its figure written to docs/figures/.

    python scripts/therapy_examples.py            # all four
    python scripts/therapy_examples.py gvhd       # one
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from mscnk.analysis import compare_strategies  # noqa: E402
from mscnk.plots import save_figure, strategy_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("tumor", "gvhd", "transplant", "infection")


def markdown(comparison) -> str:
    columns = list(comparison.outcomes.columns)
    units = comparison.units
    lines = ["| strategy | " + " | ".join(f"{c} ({units[c]})" for c in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for name, row in comparison.outcomes.iterrows():
        lines.append(f"| {name} | " + " | ".join(f"{v:.3g}" for v in row) + " |")
    return "\n".join(lines)


def main(names: tuple[str, ...]) -> None:
    for name in names:
        file = ROOT / "examples" / f"{name}.yaml"
        comparison = compare_strategies(file)
        figure = strategy_figure(comparison, title=f"examples/{name}.yaml")
        for path in save_figure(figure, ROOT / "docs" / "figures" / f"scenario_{name}"):
            if path.suffix == ".svg":  # the docs show the PNG
                path.unlink()
        print(f"## {name}\n\n{markdown(comparison)}\n")


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or NAMES)
