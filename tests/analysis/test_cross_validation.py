"""scripts/cross_validate.py: findings grouped by paper, groups dealt into balanced folds."""

from __future__ import annotations

from collections import Counter

import pytest

from helpers import load_script



@pytest.fixture
def script():
    return load_script("cross_validate")


def test_a_paper_never_straddles_two_folds_and_folds_are_balanced(script):
    findings = script.training_findings()
    folds = script.folds_of(findings, 5)
    assert sorted(f.id for fold in folds for f in fold) == sorted(f.id for f in findings)
    home = {}
    for number, fold in enumerate(folds):
        for finding in fold:
            paper = script.paper_of(finding.source, finding.id)
            assert home.setdefault(paper, number) == number, paper
    largest_group = max(Counter(script.paper_of(f.source, f.id) for f in findings).values())
    sizes = [len(fold) for fold in folds]
    assert max(sizes) - min(sizes) <= largest_group


def test_paper_of_reads_the_first_author_and_year(script):
    assert script.paper_of("Spaggiari 2006 Blood 107:1484; Najar 2018", "S01") == "Spaggiari 2006"
    assert script.paper_of("El Haddad 2011 J Immunol 187:2252", "S20") == "El Haddad 2011"
    assert script.paper_of("review in 000", "S24") == "S24"
