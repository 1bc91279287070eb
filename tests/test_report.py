"""The demo report and plotting layer: what a user opens after `mscnk demo`."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from mscnk._keys import MSC_SOURCES
from mscnk.catalog import mechanisms


def test_importing_plots_does_not_load_pyplot():
    code = "import mscnk, mscnk.plots, mscnk.report, sys; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from mscnk.report import build_demo

    folder = tmp_path_factory.mktemp("demo")
    seen: list[str] = []
    page = build_demo(folder, progress=seen.append)
    return folder, page, seen


def test_demo_writes_page_figures_and_table(demo):
    folder, page, seen = demo
    assert page == folder / "report.html"
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert len(pngs) == 7
    for png in folder.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(folder / "results.csv")
    assert "panel" in table.columns
    assert len(table) == len(seen)  # progress was reported once per condition
    assert (table["status"] == "ok").all()
    assert set(MSC_SOURCES) <= set(table["msc.source"])


def test_demo_page_is_self_contained_and_cites_catalog_mechanisms(demo):
    folder, page, _ = demo
    html = page.read_text()
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    for png in folder.glob("*.png"):
        assert f'src="{png.name}"' in html
    named = [m for m in mechanisms() if f"{m}" in html]
    assert {"missing_self", "ifng_licensing", "pge2_ep2_ep4"} <= set(named)


def test_demo_numbers_come_from_the_run(demo):
    folder, page, _ = demo
    table = pd.read_csv(folder / "results.csv")
    lysis = table[(table["panel"] == table["panel"].iloc[0])]["msc_lysis_pct"].max()
    assert f"{lysis:.3g}" in page.read_text() or f"{lysis:.1f}" in page.read_text()
