"""scripts/calibration_doc.py: every parameter counted once, every fitted one with its interval."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from helpers import load_script

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_counts_every_label_and_lists_every_fitted_interval(tmp_path, monkeypatch):
    module = load_script("calibration_doc")
    out = tmp_path / "calibration.md"
    monkeypatch.setattr(sys, "argv", ["calibration_doc.py", "--out", str(out)])
    module.main()
    text = out.read_text()
    table = yaml.safe_load(module.PARAMETERS.read_text())
    labels = [module.label_of(str(row["provenance"])) for row in table.values()]
    assert f"{len(table)} parameters: " in text
    for label in module.LABELS:
        assert f"**{labels.count(label)} {label}**" in text
    for name, row in table.items():
        if module.label_of(str(row["provenance"])) in ("fitted", "prior"):
            assert f"| {name} | " in text
    assert "(none stated)" not in text
