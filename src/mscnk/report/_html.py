"""HTML building blocks of the demo report (standard library only: no templates, no JS)."""

from __future__ import annotations

import html
import math
from typing import Sequence

#: A compact table: header cells and rows of already formatted cells.
Table = tuple[list[str], list[list[str]]]

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 980px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
h2 { margin-top: 2.2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
.meta { color: #555; font-size: 0.92em; }
.meta code, p code { background: #f3f3f3; padding: 0 0.25em; border-radius: 3px; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mech { font-size: 0.92em; }
.derived { color: #666; font-size: 0.85em; }
.warn { background: #fff4e5; border-left: 4px solid #f0a030; padding: 0.4em 0.8em; }
"""


def fmt(value: object, digits: int = 3) -> str:
    """A number with about ``digits`` significant digits (thousands separated); NaN: '–'."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "–"
    size = abs(number)
    if number == round(number) or size >= 10 ** (digits - 1):
        text = f"{size:,.0f}"
    else:
        decimals = max(0, digits - 1 - math.floor(math.log10(size)))
        text = f"{size:.{min(decimals, 4)}f}"
    return f"−{text}" if number < 0 and text.strip("0.,") else text


def num(value: object) -> str:
    """A condition input as written (``10``, ``2.5``, ``0.5``); NaN: '–'."""
    number = float(value)  # type: ignore[arg-type]
    return "–" if math.isnan(number) else f"{number:g}"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def table_html(table: Table) -> str:
    """A table whose cells that look numeric are right-aligned."""
    header, rows = table
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="num"' if i > 0 and _numeric(cell) else ""
            cells.append(f"<td{css}>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _numeric(cell: str) -> bool:
    text = cell.replace(",", "").replace("−", "-").replace("–", "")
    try:
        float(text or "nan")
    except ValueError:
        return False
    return True


def page(title: str, meta: Sequence[str], sections: Sequence[str]) -> str:
    """The whole page: ``meta`` and ``sections`` are HTML fragments (already escaped)."""
    meta_html = "".join(f"<div>{m}</div>" for m in meta)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n<div class=\"meta\">{meta_html}</div>\n"
        + "\n".join(sections) + "\n</body>\n</html>\n"
    )
