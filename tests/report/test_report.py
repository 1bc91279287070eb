"""The demo report and plotting layer: what a user opens after `mscnk demo`."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from mscnk.vocabulary import MSC_SOURCES
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


# Texts derived from the numbers they describe; panel c on a log dose axis -----------------

def _culture_rows(pge2_contact: float, pge2_transwell: float):
    from mscnk.report._panels_suppression import CULTURE_READOUTS

    values = {"e_contact": dict.fromkeys(CULTURE_READOUTS, 10.0),
              "e_transwell": dict.fromkeys(CULTURE_READOUTS, 10.0)}
    values["e_contact"].update(nk_proliferation_inhibition_pct=50.0, ifng_pg_ml=800.0,
                               pge2_pg_ml=pge2_contact, kynurenine_uM=4.0)
    values["e_transwell"].update(nk_proliferation_inhibition_pct=30.0, ifng_pg_ml=100.0,
                                 pge2_pg_ml=pge2_transwell, kynurenine_uM=1.0)
    rows = pd.DataFrame.from_dict(values, orient="index")
    rows["group"] = ["contact", "transwell"]
    rows["ratio"], rows["duration_h"] = 2.0, 96.0
    return rows


@pytest.mark.parametrize("contact, transwell, claim", [
    (1500.0, 3600.0, "PGE2 is 2.4-fold higher in transwell than in contact (3,600 vs 1,500"),
    (3000.0, 1000.0, "PGE2 is 3-fold higher in contact than in transwell (3,000 vs 1,000"),
    (1000.0, 1010.0, "PGE2 is about the same in contact and transwell"),
])
def test_culture_text_states_the_direction_its_numbers_show(contact, transwell, claim):
    from mscnk.report._panel import PanelData
    from mscnk.report._panels_suppression import CULTURE

    text = CULTURE.text(PanelData(_culture_rows(contact, transwell)))
    assert claim in text
    assert "IFN-γ is 8-fold higher in contact than in transwell (800 vs 100 pg/ml)" in text
    assert "60 % of the contact effect" in text  # 30 / 50


def test_demo_culture_text_agrees_with_its_table(demo):
    from mscnk.plots import NAMES

    folder, page, _ = demo
    table = pd.read_csv(folder / "results.csv", index_col="condition")
    html = page.read_text()
    section = html[html.index('id="panel-e"'):html.index('id="panel-f"')]
    for readout in ("ifng_pg_ml", "pge2_pg_ml", "kynurenine_uM"):
        contact = table.at["e_contact", readout]
        transwell = table.at["e_transwell", readout]
        higher, lower = ("contact", "transwell") if contact > transwell else ("transwell", "contact")
        claim = section.split(f"{NAMES[readout]} is ")[1].split(" (")[0]
        assert claim.endswith(f"higher in {higher} than in {lower}"), claim


def _licensing_rows():
    doses = [0.0, 1.0, 10.0, 100.0]
    rows = pd.DataFrame({
        "msc.ifng_pretreatment_ng_ml": doses, "msc.pretreatment_h": 48.0, "duration_h": 4.0,
        "hla_i_rel": [1.0, 2.0, 3.5, 4.0], "hla_e_rel": [1.0, 1.5, 2.2, 2.5],
        "ido_rel": [0.01, 0.06, 0.6, 1.2], "msc_lysis_pct": [45.0, 38.0, 30.0, 28.0],
    }, index=[f"c_ifng{d:g}" for d in doses])
    rows["group"] = [f"{d:g} ng/ml" for d in doses]
    return rows


def test_licensing_figure_has_a_log_dose_axis_and_one_reference_per_axis():
    from matplotlib.figure import Figure

    from mscnk.report._panel import PanelData
    from mscnk.report._panels_lysis import LICENSING

    fig = Figure(figsize=LICENSING.figsize)
    LICENSING.draw(PanelData(_licensing_rows()), fig)
    axes = fig.get_axes()
    labels = [ax.get_ylabel() for ax in axes]
    assert sum("untreated" in label for label in labels) == 1
    assert sum("licensed" in label for label in labels) == 1
    assert not any("untreated" in label and "licensed" in label for label in labels)
    for ax in axes:
        assert ax.get_xscale() == "log"  # 1, 10, 100 a decade apart
        ticks = dict(zip([t.get_text() for t in ax.get_xticklabels()], ax.get_xticks()))
        assert list(ticks) == ["0", "1", "10", "100"]
        assert 0 < ticks["0"] < ticks["1"]
        # 0 is drawn apart: not a decade step, and no line joins it to the doses
        assert ticks["1"] / ticks["0"] != pytest.approx(10.0)
        for line in ax.get_lines():
            x = line.get_xdata()
            if len(x) > 1 and line.get_linestyle() not in ("None", ""):
                assert ticks["0"] not in list(x)
