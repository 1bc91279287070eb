"""scripts/calibrate_default.py: --weight counts a finding several times in the objective."""

from __future__ import annotations


import pytest

from helpers import load_script



@pytest.fixture
def script():
    return load_script("calibrate_default")


def test_a_weight_adds_copies_with_their_own_ids(script):
    findings = script.training_findings()
    weighted = script.weighted(findings, ["S08=3", "Q02=1"])
    assert len(weighted) == len(findings) + 2
    copies = weighted[len(findings):]
    assert [f.id for f in copies] == ["S08#2", "S08#3"]
    original = next(f for f in findings if f.id == "S08")
    assert all(f.expect == original.expect and f.conditions == original.conditions
               for f in copies)
    assert len({f.id for f in weighted}) == len(weighted)  # ids stay unique


@pytest.mark.parametrize("item", ["S99=2", "S08", "S08=0", "S08=two"])
def test_a_malformed_weight_is_refused_with_what_is_allowed(script, item):
    with pytest.raises(ValueError, match="expected ID=N"):
        script.weighted(script.training_findings(), [item])


def test_the_script_refuses_a_malformed_weight_with_exit_2(script, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["calibrate_default.py", "--dry-run", "--weight", "S99=2"])
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert stop.value.code == 2
    assert "--weight 'S99=2'" in capsys.readouterr().err
